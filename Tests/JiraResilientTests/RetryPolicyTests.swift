import Foundation
import Testing
import TestSupport
@testable import JiraResilient

/// The retry decisions, without sockets.
@Suite(.timeLimit(.minutes(1))) struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 5, backoffScale: 1, maxWait: 960)

    @Test func rateLimitHonoursRetryAfterInSecondsAndAsDate() {
        #expect(policy.decide(.status(429, retryAfter: "17"), attempt: 0) == .retry(wait: 17, source: .retryAfter))
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let header = formatter.string(from: now.addingTimeInterval(120))
        #expect(
            policy.decide(.status(429, retryAfter: header), attempt: 0, now: now)
                == .retry(wait: 120, source: .retryAfter))
        #expect(policy.decide(.status(429, retryAfter: "99999"), attempt: 0) == .retry(wait: 960, source: .retryAfter))
    }

    @Test func zeroOrMissingRetryAfterWaitsTheDefaultBackoff() {
        #expect(policy.decide(.status(429, retryAfter: "0"), attempt: 0) == .retry(wait: 60, source: .backoff))
        #expect(policy.decide(.status(429, retryAfter: nil), attempt: 2) == .retry(wait: 240, source: .backoff))
        #expect(policy.decide(.status(429, retryAfter: "soon"), attempt: 1) == .retry(wait: 120, source: .backoff))
        #expect(policy.decide(.status(503, retryAfter: nil), attempt: 0) == .retry(wait: 30, source: .backoff))
        #expect(policy.decide(.status(502, retryAfter: nil), attempt: 3) == .retry(wait: 240, source: .backoff))
        #expect(policy.decide(.status(504, retryAfter: "5"), attempt: 3) == .retry(wait: 5, source: .retryAfter))
        #expect(policy.decide(.status(500, retryAfter: nil), attempt: 5 - 2) == .retry(wait: 240, source: .backoff))
    }

    @Test func aZeroRetryAfterWithARefillRateWaitsATokenOrTwoThenTheDefault() throws {
        let headers = [
            "x-ratelimit-limit": "10", "x-ratelimit-remaining": "0", "x-ratelimit-fillrate": " 5",
            "x-ratelimit-interval-seconds": "2",
        ]
        let bucket = try #require(RateLimitHeaders { headers[$0.lowercased()] })
        #expect(bucket == RateLimitHeaders(limit: 10, remaining: 0, fillRate: 5, intervalSeconds: 2))
        #expect(bucket.secondsPerToken == 0.4)
        #expect(
            policy.decide(.status(429, retryAfter: "0"), attempt: 0, rateLimit: bucket)
                == .retry(wait: 0.4, source: .rateLimit))
        #expect(
            policy.decide(.status(429, retryAfter: nil), attempt: 0, rateLimit: bucket)
                == .retry(wait: 0.4, source: .rateLimit))
        // A request that met a 429 again (a request in flight took the token) waits two tokens;
        // a third 429 means something else drains the bucket: the default.
        #expect(
            policy.decide(.status(429, retryAfter: "0"), attempt: 1, rateLimit: bucket)
                == .retry(wait: 0.8, source: .rateLimit))
        #expect(
            policy.decide(.status(429, retryAfter: "0"), attempt: 2, rateLimit: bucket)
                == .retry(wait: 240, source: .backoff))
        // A positive Retry-After still rules; the scale applies to the computed wait only.
        #expect(
            policy.decide(.status(429, retryAfter: "3"), attempt: 0, rateLimit: bucket)
                == .retry(wait: 3, source: .retryAfter))
        #expect(
            RetryPolicy(maxAttempts: 5, backoffScale: 0.5).decide(
                .status(429, retryAfter: "0"), attempt: 0, rateLimit: bucket) == .retry(wait: 0.2, source: .rateLimit))
        // A 5xx never reads a bucket; nor does a bucket without a usable rate.
        #expect(
            policy.decide(.status(503, retryAfter: nil), attempt: 0, rateLimit: bucket)
                == .retry(wait: 30, source: .backoff))
        let noRate = RateLimitHeaders(limit: 10, remaining: 0, fillRate: 0, intervalSeconds: 1)
        #expect(noRate.secondsPerToken == nil)
        #expect(
            policy.decide(.status(429, retryAfter: "0"), attempt: 0, rateLimit: noRate)
                == .retry(wait: 60, source: .backoff))
        #expect(RateLimitHeaders { $0 == "Content-Type" ? "application/json" : nil } == nil)
        #expect(RateLimitHeaders { $0 == "X-RateLimit-FillRate" ? "lots" : nil }?.secondsPerToken == nil)
    }

    @Test func connectionFailuresAndCutBodiesBackOffLinearly() {
        #expect(policy.decide(.connection, attempt: 0) == .retry(wait: 10, source: .backoff))
        #expect(policy.decide(.truncated, attempt: 2) == .retry(wait: 30, source: .backoff))
    }

    @Test func theScaleAppliesToOwnBackoffsOnly() {
        let scaled = RetryPolicy(maxAttempts: 5, backoffScale: 0.01)
        #expect(scaled.decide(.status(429, retryAfter: nil), attempt: 0) == .retry(wait: 0.6, source: .backoff))
        #expect(scaled.decide(.status(429, retryAfter: "7"), attempt: 0) == .retry(wait: 7, source: .retryAfter))
        #expect(scaled.decide(.connection, attempt: 0) == .retry(wait: 0.1, source: .backoff))
    }

    @Test func timeoutsOtherStatusesAndExhaustionGiveUp() {
        #expect(policy.decide(.timeout, attempt: 0) == .giveUp)
        for code in [400, 401, 403, 404, 409, 418] {
            #expect(policy.decide(.status(code, retryAfter: "1"), attempt: 0) == .giveUp)
        }
        #expect(policy.decide(.status(503, retryAfter: nil), attempt: 4) == .giveUp)
        #expect(RetryPolicy(maxAttempts: 1).decide(.connection, attempt: 0) == .giveUp)
    }
}

@Suite(.timeLimit(.minutes(1))) struct JQLBuilderTests {
    func rejected(_ filter: String) -> Bool {
        do { _ = try JQL.projectClause("PROJ", filter: filter); return false } catch {
            return error.code == .invalidInput
        }
    }

    @Test func projectKeysAreValidated() throws {
        #expect(try JQL.projectClause("PROJ") == "project = \"PROJ\"")
        for bad in ["proj", "P", "1ABC", "PROJ-1", "PROJ\" OR project = \"X", String(repeating: "A", count: 21)] {
            #expect(throws: JiraError.self) { _ = try JQL.projectClause(bad) }
        }
    }

    @Test func aFilterCanOnlyNarrow() throws {
        #expect(
            try JQL.projectClause("PROJ", filter: "status = Done OR labels = nightly")
                == "project = \"PROJ\" AND (status = Done OR labels = nightly)")
        #expect(
            try JQL.projectClause("PROJ", filter: "status = \"Update Required\" AND summary ~ \"drop; it\"").hasSuffix(
                ")"))
        #expect(rejected("status = Done) OR (project = OTHER"))
        #expect(rejected("(status = Done"))
        #expect(rejected("status = Done -- comment"))
        #expect(rejected("status = Done /* x */"))
        #expect(rejected("status = Done; DROP TABLE x"))
        #expect(rejected("labels = x ORDER BY key"))
        #expect(rejected("status = \"open"))
        #expect(try JQL.projectClause("PROJ", filter: "   ") == "project = \"PROJ\"")  // blank means none
        #expect(!rejected("summary ~ \"(unbalanced in quotes\""))
    }

    @Test func dateLiteralsAreRenderedInTheGivenZone() {
        let instant = Date(timeIntervalSince1970: 1_779_192_000)  // 2026-05-19T12:00:00Z
        #expect(JQL.dateLiteral(instant, in: TimeZone(identifier: "UTC")!) == "2026-05-19 12:00")
        #expect(JQL.dateLiteral(instant, in: TimeZone(identifier: "Asia/Tokyo")!) == "2026-05-19 21:00")
        #expect(JQL.dateLiteral(instant, in: TimeZone(identifier: "America/Denver")!) == "2026-05-19 06:00")
        #expect(
            JQL.keySeek(projectClause: "project = \"P\"", since: "2026-05-19 06:00", after: "P-7")
                == "project = \"P\" AND updated >= \"2026-05-19 06:00\" AND key > \"P-7\" ORDER BY key ASC")
    }

    @Test func theTokenIsRedacted() {
        let token = AccessToken("secret-value-123\n")
        #expect("\(token)" == "<redacted>")
        #expect(String(reflecting: token) == "AccessToken(<redacted>)")
        var configuration = JiraClientConfiguration(baseURL: "https://jira.example.invalid", token: token)
        configuration.timeout = 3
        #expect(!String(reflecting: configuration).contains("secret-value"))
        #expect(token.occurs(in: "x secret-value-123 y"))
    }

    @Test func theGatePacesAndOnlyAFreshAnswerEndsThePacing() async throws {
        let clock = ManualClock()
        let gate = BackoffGate(clock: clock)
        let before = try await gate.pass()
        clock.advance(by: .milliseconds(1))
        #expect(await gate.pace(every: 0.05))
        #expect(await !gate.pace(every: 0.05))  // already pacing
        // Four requests take four distinct slots, 50 ms apart: the first leaves now, the others
        // sleep until time is moved on (nothing here sleeps for real).
        let passes = Task {
            try await withThrowingTaskGroup(of: ManualClock.Instant.self) { group in
                for _ in 0..<4 { group.addTask { try await gate.pass() } }
                var out: [ManualClock.Instant] = []
                for try await t in group { out.append(t) }
                return out.sorted()
            }
        }
        while clock.sleepers < 3 { await Task.yield() }
        for _ in 0..<3 { clock.advance(by: .milliseconds(50)) }
        let times = try await passes.value
        // Slots 50 ms apart from the moment pacing began (1 ms after `before`).
        #expect(times.map { before.duration(to: $0) } == [1, 51, 101, 151].map { Duration.milliseconds($0) })
        // An answer to a request sent before pacing began says nothing of the bucket now.
        #expect(await !gate.observe(remaining: 100, burst: 2, sentAt: before))
        #expect(await !gate.observe(remaining: 1, burst: 2, sentAt: times.last!))
        #expect(await gate.isPacing)
        #expect(await gate.observe(remaining: 2, burst: 2, sentAt: times.last!))
        #expect(await !gate.isPacing)
        #expect(await !gate.pace(every: 0))
    }

    @Test func aHoldKeepsEveryRequestUntilItsEndAndNeverShortens() async throws {
        let clock = ManualClock()
        let gate = BackoffGate(clock: clock)
        await gate.hold(for: 2)
        await gate.hold(for: 1)  // a shorter hold does not shorten the first
        let passed = Task { try await gate.pass() }
        while clock.sleepers < 1 { await Task.yield() }
        clock.advance(by: .milliseconds(1500))
        // Still held at 1.5 s: the pass sleeps again until 2 s.
        while clock.sleepers < 1 { await Task.yield() }
        clock.advance(by: .milliseconds(500))
        let at = try await passed.value
        #expect(at.offset == .seconds(2))
    }
}
