import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing
@testable import JiraSimulator

/// Every fault the simulator can script, seen by a plain HTTP client.
@Suite struct SimulatorFaultTests {
    let path = "/rest/api/2/serverInfo"

    @Test func rateLimitedWithRetryAfterInSecondsAndAsHTTPDate() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            h.sim.inject(.init(.rateLimited(.seconds(0)), count: 1))
            let zero = try await h.get(path)
            #expect(zero.status == 429)
            #expect(zero.headers.first(name: "Retry-After") == "0")
            #expect(zero.text.contains("HTTP Status 429"))
            #expect(zero.json == nil)

            h.sim.inject(.init(.rateLimited(.httpDate(secondsFromNow: 120)), count: 1))
            let dated = try await h.get(path)
            let value = try #require(dated.headers.first(name: "Retry-After"))
            #expect(value.hasSuffix(" GMT"))
            #expect(value.count == "Wed, 21 Oct 2026 07:28:00 GMT".count)
            #expect(try await h.get(path).status == 200)  // the rule is spent
        }
    }

    @Test func serverErrorsAndTheirBodies() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            for code in [500, 502, 503, 504] {
                h.sim.inject(.init(.status(code, code == 503 ? .seconds(7) : nil), count: 1))
                let reply = try await h.get(path)
                #expect(reply.status == code)
                if code == 503 { #expect(reply.headers.first(name: "Retry-After") == "7") }
            }
            #expect(h.sim.requests.map(\.status) == [500, 502, 503, 504])
        }
    }

    @Test func tokenBucketSendsRateLimitHeaders() async throws {
        var scenario = Scenario.small
        scenario.rateLimit = RateLimit(capacity: 3, fillRate: 1, intervalSeconds: 1, sendZeroRetryAfter: false)
        scenario.cost.baseSeconds = 0
        // At time scale 100 a token takes 100 real seconds: nothing refills during the test.
        try await SimulatorHarness.with(scenario, timeScale: 100) { (h: SimulatorHarness) async throws in
            var replies: [SimulatorHarness.Reply] = []
            for _ in 0..<4 { replies.append(try await h.get(path)) }
            #expect(replies.map(\.status) == [200, 200, 200, 429])
            #expect(replies[0].headers.first(name: "X-RateLimit-Limit") == "3")
            #expect(replies[0].headers.first(name: "X-RateLimit-FillRate") == "1")
            #expect(replies[0].headers.first(name: "X-RateLimit-Remaining") == "2")
            #expect(replies[3].headers.first(name: "Retry-After") == "1")
            #expect(replies[3].text.contains("HTTP Status 429"))
        }
    }

    @Test func tokenBucketRefillsWithTheScaledInterval() {
        let limit = RateLimit(capacity: 2, fillRate: 1, intervalSeconds: 1, sendZeroRetryAfter: true)
        var bucket = TokenBucket(limit: limit, timeScale: 0.5, now: 0)
        #expect(bucket.take(now: 0).allowed && bucket.take(now: 0).allowed)
        let empty = bucket.take(now: 0.1)
        #expect(!empty.allowed && empty.retryAfter == 0)  // due within the second: Retry-After: 0
        #expect(!bucket.take(now: 0.3).allowed)
        #expect(bucket.take(now: 0.55).allowed)  // one token per 0.5 real seconds at time scale 0.5
        #expect(!bucket.take(now: 0.6).allowed)
    }

    @Test func connectionClosedBeforeResponseAndTruncatedBody() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            h.sim.inject(.init(.closeBeforeResponse, count: 1))
            await #expect(throws: (any Error).self) { _ = try await h.get(path) }
            #expect(try await h.get(path).status == 200)

            h.sim.inject(
                .init(.truncatedBody(fraction: 0.5), matching: RequestMatcher(pathContains: "/search"), count: 1))
            await #expect(throws: (any Error).self) {
                _ = try await h.search("project = PRJ", fields: ["*all"], max: 20)
            }
            let record = try #require(h.sim.requests.last)
            #expect(record.fault == .truncatedBody(fraction: 0.5))
        }
    }

    @Test func answersThatAreNotJira() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            h.sim.inject(.init(.htmlLogin, count: 1))
            let login = try await h.get(path)
            #expect(login.status == 200 && login.json == nil && login.text.contains("<form"))

            h.sim.inject(.init(.redirect(location: "https://sso.example.invalid/login"), count: 1))
            let redirect = try await h.get(path)
            #expect(redirect.status == 302)
            #expect(redirect.headers.first(name: "Location") == "https://sso.example.invalid/login")

            h.sim.inject(.init(.jsonArray, count: 1))
            #expect(try await h.get(path).json is [Any])
            h.sim.inject(.init(.jsonString, count: 1))
            #expect(try await h.get(path).json is String)

            h.sim.inject(.init(.malformedRow, matching: RequestMatcher(pathContains: "/search"), count: 1))
            let rows = try await h.search("project = PRJ ORDER BY key", max: 3).object["issues"] as? [[String: Any]]
            #expect(rows?.count == 3)
            #expect(rows?[0]["id"] == nil && rows?[1]["id"] != nil)
        }
    }

    @Test func matchersSkipAndCountRules() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            h.sim.inject(
                .init(
                    .status(503, nil),
                    matching: RequestMatcher(method: "POST", pathContains: "/search", fieldsContains: "-issuelinks"),
                    count: 2, skip: 1))
            #expect(try await h.search("key = PRJ-1", fields: ["*all", "-issuelinks"]).status == 200)  // skipped
            #expect(try await h.search("key = PRJ-1", fields: ["*all"]).status == 200)  // does not match
            #expect(try await h.search("key = PRJ-1", fields: ["*all", "-issuelinks"]).status == 503)
            #expect(try await h.search("key = PRJ-1", fields: ["*all", "-issuelinks"]).status == 503)
            #expect(try await h.search("key = PRJ-1", fields: ["*all", "-issuelinks"]).status == 200)
        }
    }

    @Test func seededRandomFaultsRepeat() async throws {
        func statuses() async throws -> [Int] {
            var scenario = Scenario.small
            scenario.faults.random = [.init(.status(503, nil), rate: 0.3)]
            return try await SimulatorHarness.with(scenario) { (h: SimulatorHarness) async throws -> [Int] in
                var out: [Int] = []
                for _ in 0..<30 { out.append(try await h.get("/rest/api/2/serverInfo").status) }
                return out
            }
        }
        let first = try await statuses()
        #expect(first.contains(503) && first.contains(200))
        #expect(try await statuses() == first)
    }

    @Test func delayFaultHoldsTheHead() async throws {
        try await SimulatorHarness.with(timeScale: 0.01) { (h: SimulatorHarness) async throws in
            h.sim.inject(.init(.delay(30), count: 1))
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await h.get(path).status == 200)
            #expect(clock.now - start >= .milliseconds(290))
        }
    }

    @Test func tlsWithTheShippedCertificate() async throws {
        try await SimulatorHarness.with(tls: true) { (h: SimulatorHarness) async throws in
            #expect(h.url.hasPrefix("https://127.0.0.1:"))
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(
                try NIOSSLCertificate.fromPEMBytes(Array(SimulatorCertificate.certificatePEM.utf8)))
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
            let reply = try await h.get("/rest/api/2/serverInfo", client: client)
            try await client.shutdown()
            #expect(reply.status == 200)
            // Without the CA the handshake fails.
            let strict = HTTPClient(
                eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(1))))
            await #expect(throws: (any Error).self) { _ = try await h.get("/rest/api/2/serverInfo", client: strict) }
            try await strict.shutdown()
        }
    }
}
