import Foundation
import JiraExtract
import JiraResilient
@testable import Console

/// A deterministic model: fixed times, a hub decision, a minimal one, retries, a rate-limit
/// wait, hostile server text, requests in flight.
enum Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    static func info(
        _ id: Int, _ op: String, _ subject: RequestSubject, _ rung: Rung?, budget: Double, attempt: Int = 1
    ) -> JiraEvent.RequestInfo {
        JiraEvent.RequestInfo(
            id: id, operation: op, subject: subject, rung: rung, budget: budget, attempt: attempt, maxAttempts: 5)
    }

    static func record(_ key: IssueKey, _ tier: Tier, links: Int?, missing: [String] = []) -> ManifestRecord {
        var summary = IssueSummary(
            id: "1", key: key, updated: "2026-05-19T07:00:00.000-0600", links: links,
            comments: .init(inline: 3, total: 3), worklogs: .init(inline: 1, total: 1),
            histories: .init(inline: 4, total: 4))
        summary.links = links
        let issue = AssembledIssue(
            tier: tier, bytes: Array(repeating: 0x20, count: 2048), summary: summary, missing: missing, rungs: [])
        return ManifestRecord(issue, fetchedAt: t0)
    }

    static func model(hostile: Bool = true) -> ConsoleModel {
        var m = ConsoleModel()
        m.directory = "/data/out"
        m.displayZone = TimeZone(identifier: "UTC")!
        let events: [(Double, ScanEvent)] = [
            (
                0,
                .connected(
                    .init(
                        url: "https://jira.example.com", user: "Data Engineer", serverVersion: "9.12.4",
                        timeZone: "Australia/Sydney", timeZoneSource: "user", project: "PRJ"))
            ),
            (0.5, .planned(total: 1200, mode: .delta, window: "updated >= \"2026-05-01 00:00\" (Australia/Sydney)")),
            (1, .cursor(worker: 1, first: "PRJ-101", last: "PRJ-150", enumerated: "PRJ-1200")),
            (1, .cursor(worker: 2, first: "PRJ-151", last: "PRJ-200", enumerated: "PRJ-1200")),
            (2, .reindexDetected(count: 40, example: "PRJ-7")),
            (
                3,
                .client(
                    .tierDecided(
                        TierDecision(
                            key: "PRJ-42", tier: .hub,
                            rungs: [
                                RungReport(rung: .full, succeeded: false, seconds: 60, error: "timed out", bytes: 0),
                                RungReport(rung: .hubBase, succeeded: true, seconds: 2.1, error: nil, bytes: 40_000),
                                RungReport(
                                    rung: .hubLinks, succeeded: true, seconds: 181.4, error: nil, bytes: 10_400_000),
                            ], links: 8249,
                            title: ServerText("Parent requirement \u{1B}]0;PWNED-TITLE\u{07}\u{202E}txt.exe 漢字"))))
            ),
            (3, .written(record("PRJ-42", .hub, links: 8249))),
            (
                4,
                .client(
                    .tierDecided(
                        TierDecision(
                            key: "PRJ-43", tier: .minimal,
                            rungs: [
                                RungReport(rung: .full, succeeded: false, seconds: 60, error: "timed out", bytes: 0),
                                RungReport(rung: .hubBase, succeeded: false, seconds: 12, error: "HTTP 503", bytes: 0),
                                RungReport(rung: .minimal, succeeded: true, seconds: 0.4, error: nil, bytes: 900),
                            ], links: nil)))
            ),
            (
                4,
                .written(
                    record("PRJ-43", .minimal, links: nil, missing: ["issuelinks", "description", "customfields"]))
            ),
        ]
        for (s, e) in events { m.apply(e, at: at(s)) }
        for i in 0..<30 {
            let key = IssueKey(project: "PRJ", number: 101 + i)
            m.apply(
                .client(
                    .tierDecided(
                        TierDecision(
                            key: key, tier: .full,
                            rungs: [RungReport(rung: .full, succeeded: true, seconds: 0.8, error: nil, bytes: 20_000)],
                            links: i % 7))), at: at(5 + Double(i) * 0.2))
            m.apply(.written(record(key, .full, links: i % 7)), at: at(5 + Double(i) * 0.2))
        }
        m.apply(
            .client(
                .backoff(
                    .init(
                        request: info(90, "search", .batch(count: 3, first: "PRJ-1", last: "PRJ-3"), .full, budget: 60),
                        reason: "HTTP 503", status: 503, wait: 30, source: .backoff, global: false))), at: at(10))
        m.apply(
            .client(
                .backoff(
                    .init(
                        request: info(91, "issue", .issue("PRJ-77"), .full, budget: 60), reason: "rate limited",
                        status: 429, wait: 20, source: .retryAfter, global: true))), at: at(11))
        m.apply(.client(.requestStarted(info(100, "links", .issue("PRJ-42"), .hubLinks, budget: 600))), at: at(12))
        m.apply(
            .client(
                .requestStarted(
                    info(101, "search", .batch(count: 4, first: "PRJ-1", last: "PRJ-4"), .full, budget: 60, attempt: 2))
            ), at: at(13))
        if hostile {
            m.apply(
                .error(
                    "summary was \u{1B}]0;PWNED\u{07} \u{1B}[31mred\u{1B}[0m \u{202E}gnp.exe\u{202C} 漢字 🚀 \u{9B}31m"),
                at: at(14))
        }
        return m
    }
}
