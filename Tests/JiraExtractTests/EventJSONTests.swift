import Foundation
import Testing
import JiraExtract
import JiraResilient

/// `events.jsonl` lines: valid JSON, one line each, server text escaped, members as documented.
@Suite struct EventJSONTests {
    func object(_ event: ScanEvent) throws -> [String: Any] {
        let line = EventJSON.line(event, at: "2026-12-02T00:00:00.000Z")
        #expect(!line.contains(0x0A) && !line.contains(0x1B))
        return try #require(JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }

    @Test func everyKindOfEventIsOneValidLine() throws {
        let info = JiraEvent.RequestInfo(
            id: 7, operation: "search", subject: .batch(count: 3, first: "P-1", last: "P-3"), rung: .full,
            budget: 60, attempt: 2, maxAttempts: 5)
        let backoff = try object(
            .client(
                .backoff(
                    .init(request: info, reason: "HTTP 503", status: 503, wait: 1.5, source: .backoff, global: false))))
        #expect(
            backoff["type"] as? String == "backoff" && backoff["wait"] as? Double == 1.5
                && backoff["status"] as? Int == 503)
        #expect(
            backoff["target"] as? String == "P-1…P-3 (3)" && backoff["rung"] as? String == "full"
                && backoff["ts"] != nil)
        let outage = try object(.client(.outage(.probeScheduled(number: 3, inSeconds: 4, elapsed: 12.25))))
        #expect(
            outage["type"] as? String == "outage" && outage["phase"] as? String == "probeScheduled"
                && outage["elapsed"] as? Double == 12.25)
        let hostile = try object(.client(.warning("key P-1\u{1B}]0;x\u{07} \"quoted\" \\ done")))
        // Escaped as JSON and made inert: `jq -r` on a terminal shows no escape sequence.
        #expect(hostile["message"] as? String == "key P-1␛]0;x␇ \"quoted\" \\ done")
        var summary = ScanSummary(project: "P", mode: .full)
        summary.tiers = ["full": 3, "hub": 1]
        let finished = try object(.finished(summary))
        #expect((finished["tiers"] as? [String: Int]) == ["full": 3, "hub": 1])
        let tier = try object(
            .client(
                .tierDecided(
                    TierDecision(
                        key: "P-1", tier: .hub,
                        rungs: [
                            RungReport(rung: .hubBase, succeeded: true, seconds: 0.5, error: nil, bytes: 10)
                        ], links: 900))))
        #expect(
            (tier["rungs"] as? [[String: Any]])?.first?["rung"] as? String == "hub-base" && tier["links"] as? Int == 900
        )
    }
}
