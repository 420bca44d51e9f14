import Foundation
import JiraExtract
import JiraResilient
import Testing

@testable import jira_resilient

/// What `fetch`, `refetch` and `probe` say while a step runs, on instants the test chooses.
@Suite struct RungHeartbeatTests {
    static func info(_ id: Int, rung: Rung?, operation: String = "issue", attempt: Int = 1) -> JiraEvent.RequestInfo {
        JiraEvent.RequestInfo(
            id: id, operation: operation, subject: .issue("P-7"), rung: rung, budget: 600, attempt: attempt,
            maxAttempts: 5)
    }

    static func record(_ key: String) throws -> ManifestRecord {
        let json = """
            {"bytes":10,"changelog":0,"comments":0,"complete":true,"fetchedAt":"2026-12-02T00:00:00.000Z",\
            "id":"1\(key.dropFirst(2))","key":"\(key)","links":0,"missing":[],"rungs":[],"tier":"full","worklogs":0}
            """
        return try JSONDecoder().decode(ManifestRecord.self, from: Data(json.utf8))
    }

    @Test func aLineForEachWholeIntervalARequestHasRunAndNoneOnceItEnds() {
        let heartbeat = RungHeartbeat(interval: .seconds(10))
        let t0 = ContinuousClock.now
        heartbeat.record(.requestStarted(Self.info(1, rung: .hubLinks)), at: t0)
        heartbeat.record(
            .requestStarted(Self.info(2, rung: nil, operation: "comments", attempt: 2)), at: t0 + .seconds(3))
        #expect(heartbeat.lines(at: t0 + .seconds(9)).isEmpty)
        #expect(heartbeat.lines(at: t0 + .seconds(10)) == ["  P-7 hub-links: still running, 10 s of its 600 s budget"])
        // Said once per interval, however often asked.
        #expect(heartbeat.lines(at: t0 + .seconds(12)).isEmpty)
        #expect(
            heartbeat.lines(at: t0 + .seconds(20)) == [
                "  P-7 hub-links: still running, 20 s of its 600 s budget",
                "  P-7 comments: still running (attempt 2), 10 s of its 600 s budget",
            ])
        heartbeat.record(
            .requestFinished(Self.info(1, rung: .hubLinks), status: 200, bytes: 1, seconds: 21, error: nil), at: t0)
        #expect(
            heartbeat.lines(at: t0 + .seconds(31)) == [
                "  P-7 comments: still running (attempt 2), 20 s of its 600 s budget"
            ])
    }
}

/// The headless scan's status line: what it waits on when the count does not move, and an
/// ETA that does not swing with each burst or stall.
@Suite struct ProgressLineTests {
    @Test func aStalledScanSaysWhatItWaitsOnAndItsETAMovesLittle() throws {
        let printer = ProgressPrinter(interval: 5) { _ in }
        let t0 = Date(timeIntervalSinceReferenceDate: 800_000_000)
        var p = ScanProgress()
        p.apply(.planned(total: 100, mode: .full, window: nil), at: t0)
        p.apply(.phase(.fetching), at: t0)
        for i in 0..<10 {
            let record = try RungHeartbeatTests.record("P-\(i + 1)")
            p.apply(.written(record), at: t0.addingTimeInterval(Double(i)))
        }
        // 10 written in the first 10 s: 90 to go at 1 a second.
        #expect(p.steadyETA(now: t0.addingTimeInterval(10)).map { Int($0.rounded()) } == 90)
        // A minute of nothing (a hub's links): the 30 s rate reads 0, the ETA grows with the
        // elapsed time only, never more than 2x between lines 5 s apart.
        var previous = p.steadyETA(now: t0.addingTimeInterval(10))!
        for second in stride(from: 15, through: 70, by: 5) {
            let eta = try #require(p.steadyETA(now: t0.addingTimeInterval(Double(second))))
            #expect(eta / previous < 2 && eta >= previous)
            previous = eta
        }
        #expect(p.rate(now: t0.addingTimeInterval(70)) == 0)
        printer.restore(p)
        // The one request running, for 2m10s, is named.
        let started = ContinuousClock.now
        printer.sink.send(
            .client(
                .requestStarted(
                    JiraEvent.RequestInfo(
                        id: 9, operation: "links", subject: .issue("P-11"), rung: .hubLinks, budget: 600, attempt: 1,
                        maxAttempts: 5))))
        let line = printer.statusLine(now: t0.addingTimeInterval(70), instant: started + .seconds(130))
        #expect(line.contains("| waiting on P-11 hub-links for 2m10s of its 600 s budget"), "\(line)")
        #expect(line.contains("ETA "), "\(line)")
        // Nothing long in flight, but a request waiting out its back-off: that is named.
        let info = JiraEvent.RequestInfo(
            id: 9, operation: "comments", subject: .issue("P-3"), rung: nil, budget: 120, attempt: 1, maxAttempts: 5)
        printer.sink.send(.client(.requestFinished(info, status: 503, bytes: 0, seconds: 0.1, error: "HTTP 503")))
        printer.sink.send(
            .client(
                .backoff(
                    JiraEvent.Backoff(
                        request: info, reason: "HTTP 503", status: 503, wait: 30, source: .backoff, global: false))))
        let retrying = printer.statusLine(now: Date(), instant: started + .seconds(130))
        #expect(retrying.contains("| retrying P-3 comments after HTTP 503 in "), "\(retrying)")
    }
}
