import Foundation

extension Scenario {
    /// Every named scenario, for `--scenario NAME`.
    public static let catalog: [String: @Sendable () -> Scenario] = [
        "small": { .small }, "demo": { .demo }, "bench": { .bench }, "bench-nohubs": { .benchNoHubs },
        "bench100k": { .bench100k }, "chaos": { .chaos },
        "moved": { .moved }, "deleted-live": { .deletedLive }, "reindex-delta": { .reindexDelta },
        "timezone": { .timezone }, "storm429": { .storm429 }, "deep": { .deep },
    ]

    public static func named(_ name: String) -> Scenario? { catalog[name]?() }

    /// For tests: two projects, hubs of 150 and 420 links, moved-in issues, deleted keys, a
    /// same-minute cluster, hostile summaries and issues whose comments overflow the inline cap.
    public static var small: Scenario {
        var prj = Project(key: "PRJ", name: "Project Alpha", issueCount: 120)
        prj.hubLinks = [150, 420]
        prj.movedIn = 6
        prj.movedFrom = "OLD"
        prj.deleted = 3
        prj.sameMinuteCluster = 30
        prj.hostileEvery = 10
        prj.overflowShare = 0.08
        let other = Project(key: "OTHER", name: "Other Team", issueCount: 40)
        var s = Scenario(
            name: "small", summary: "160 issues in PRJ and OTHER; 2 hubs, moved and deleted issues",
            projects: [prj, other])
        s.seed = 42
        s.userTimeZone = "Australia/Sydney"
        s.serverOffsetMinutes = -360
        return s
    }

    /// A backfill worth watching for a minute or two (at the demo's time scale 0.25): a delta
    /// over the last year, with four hubs (the largest falls to the hub tier, its links fetch
    /// ticking), a reindex that lists old issues as recently updated, a 429 pause, a 503 storm,
    /// and a hub slower than every budget but the minimal one, which alone lands in the minimal
    /// tier (its page is split around it), for `m`.
    public static var demo: Scenario {
        var p = Project(key: "DEMO", name: "Demo Platform", issueCount: 1500)
        p.hubLinks = [900, 2600, 6200, 5600]
        p.hubsUpdatedRecently = true
        p.movedIn = 25
        p.deleted = 8
        p.sameMinuteCluster = 120
        p.hostileEvery = 40
        var s = Scenario(
            name: "demo", summary: "1,500 issues, 4 hubs up to 6,200 links, reindex, 429 pause, 503 storm",
            projects: [p])
        s.seed = 2026
        s.reindexShare = 0.25
        s.demoSince = Date(timeIntervalSince1970: Double(JiraTime.dataEpochEnd - 365 * JiraTime.msPerDay) / 1000)
        s.rateLimit = RateLimit(capacity: 400, fillRate: 30, intervalSeconds: 1)
        s.faults.rules = [
            .init(.rateLimited(.seconds(3)), matching: RequestMatcher(pathContains: "/search"), count: 1, skip: 14),
            // Two, not three: with the demo's 3 attempts, a storm that landed every 503 on one
            // request (the minimal rung of the page below, say) would fail its batch, and the
            // demo would end FAILED depending on timing.
            .init(.status(503, nil), matching: RequestMatcher(pathContains: "/search"), count: 2, skip: 30),
            // The second-largest hub is slower than every budget but the minimal one (hub-base
            // takes 130 simulated seconds, the demo's budget is 120): its page is split until
            // it is alone, and only it lands in the minimal tier, for `m`.
            .init(
                .delay(130),
                matching: RequestMatcher(pathContains: "/search", fieldsContains: "-issuelinks", hubRank: 1), count: nil
            ),
            .init(.closeBeforeResponse, matching: RequestMatcher(pathContains: "/comment"), count: 1, skip: 3),
        ]
        return s
    }

    /// The benchmark: 20,000 issues and six hubs from 2,000 to 9,000 links.
    public static var bench: Scenario {
        var p = Project(key: "BENCH", name: "Benchmark", issueCount: 20_000)
        p.hubLinks = [2000, 3500, 5000, 6500, 8000, 9000]
        p.movedIn = 40
        p.deleted = 20
        p.sameMinuteCluster = 200
        p.hostileEvery = 100
        var s = Scenario(
            name: "bench", summary: "20,000 issues, 6 hubs of 2,000–9,000 links",
            projects: [p, Project(key: "NOISE", name: "Noise", issueCount: 2000)])
        s.seed = 7
        return s
    }

    /// The benchmark without its hubs (the same issues otherwise), to measure what hubs add.
    public static var benchNoHubs: Scenario {
        var s = bench
        s.name = "bench-nohubs"
        s.summary = "the bench scenario without its hubs"
        s.projects[0].hubLinks = []
        return s
    }

    /// Memory check: 100,000 issues.
    public static var bench100k: Scenario {
        var s = bench
        s.name = "bench100k"
        s.summary = "100,000 issues, 6 hubs"
        s.projects[0].issueCount = 100_000
        return s
    }

    /// Everything at once, drawn from a seeded rate.
    public static var chaos: Scenario {
        var s = small
        s.name = "chaos"
        s.summary = "the small data under random 429s, 5xx, resets, truncations and slow answers"
        s.faults.random = [
            .init(.rateLimited(.seconds(1)), rate: 0.03), .init(.status(503, nil), rate: 0.03),
            .init(.status(502, nil), rate: 0.02), .init(.closeBeforeResponse, rate: 0.02),
            .init(.truncatedBody(fraction: 0.5), rate: 0.02), .init(.delay(3), rate: 0.02),
        ]
        return s
    }

    /// Moved-in issues: ids out of key order, the trap of an id-ordered cursor.
    public static var moved: Scenario {
        var p = Project(key: "MOVE", name: "Moved Into", issueCount: 400)
        p.movedIn = 30
        p.movedFrom = "LEGACY"
        var s = Scenario(
            name: "moved", summary: "400 issues plus 30 moved in from LEGACY (ids out of key order)",
            projects: [p, Project(key: "LEGACY", name: "Legacy", issueCount: 100)])
        s.seed = 11
        return s
    }

    /// An issue deleted while the scan runs (a cursor names it).
    public static var deletedLive: Scenario {
        var s = Scenario(
            name: "deleted-live", summary: "300 issues; issues deleted during the scan",
            projects: [Project(key: "DEL", name: "Deletions", issueCount: 300)])
        s.seed = 12
        s.liveChanges = [
            LiveChange(afterRequests: 6, .delete(key: "DEL-20")), LiveChange(afterRequests: 6, .delete(key: "DEL-40")),
            LiveChange(afterRequests: 8, .delete(key: "DEL-60")),
        ]
        return s
    }

    /// A Lucene reindex: the index's `updated` of old issues is set to the reindex time.
    public static var reindexDelta: Scenario {
        var s = Scenario(
            name: "reindex-delta", summary: "600 issues; 40% reindexed two days before the data ends",
            projects: [Project(key: "RIDX", name: "Reindexed", issueCount: 600)])
        s.seed = 13
        s.reindexShare = 0.4
        return s
    }

    /// The token user's zone differs from the server's offset (and is behind it).
    public static var timezone: Scenario {
        var p = Project(key: "TZ", name: "Time Zones", issueCount: 500)
        p.sameMinuteCluster = 60
        // The user is behind the server: a literal rendered in the server's offset names a later
        // instant to JIRA, so a client that does so skips the issues in between.
        var s = Scenario(
            name: "timezone", summary: "500 issues; user in America/Los_Angeles, server at +0900", projects: [p])
        s.seed = 14
        s.userTimeZone = "America/Los_Angeles"
        s.serverOffsetMinutes = 540
        return s
    }

    /// A 429 storm with `Retry-After: 0`, as Data Center 9.12 sends.
    public static var storm429: Scenario {
        var s = Scenario(
            name: "storm429", summary: "300 issues; a token bucket that answers 429 with Retry-After: 0",
            projects: [Project(key: "RATE", name: "Rate Limited", issueCount: 300)])
        s.seed = 15
        s.rateLimit = RateLimit(capacity: 10, fillRate: 5, intervalSeconds: 1, sendZeroRetryAfter: true)
        return s
    }

    /// More issues than offset paging can reach on Data Center.
    public static var deep: Scenario {
        var s = Scenario(
            name: "deep", summary: "12,000 issues: past the 10,000-row offset window",
            projects: [Project(key: "DEEP", name: "Deep", issueCount: 12_000)])
        s.seed = 16
        return s
    }
}
