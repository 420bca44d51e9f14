import Foundation
import Synchronization
import Testing
import TestSupport
@testable import JiraResilient
@testable import JiraSimulator

/// Retry, errors and answers that are not JIRA, seen through the client over real HTTP.
@Suite(.timeLimit(.minutes(5))) struct TransportBehaviourTests {
    @Test func rateLimitAndServerErrorsAreRetriedAndAnnouncedBeforeTheWait() async throws {
        try await ClientHarness.with { (h: ClientHarness) async throws in
            h.sim.inject(
                .init(.rateLimited(.seconds(0)), matching: RequestMatcher(pathContains: "/serverInfo"), count: 1))
            h.sim.inject(.init(.status(503, nil), matching: RequestMatcher(pathContains: "/serverInfo"), count: 1))
            let info = try await h.client.serverInfo()
            #expect(info.version.description == "9.12.4")
            #expect(h.sim.requests.map(\.status) == [503, 429, 200])
            let backoffs = h.events.backoffs
            #expect(backoffs.map(\.status) == [503, 429])
            #expect(backoffs.map(\.source) == [.backoff, .backoff])  // Retry-After: 0 waits the default
            #expect(abs(backoffs[0].wait - 0.03) < 1e-9)  // 30·2⁰ s × 0.001
            #expect(abs(backoffs[1].wait - 0.12) < 1e-9)  // 60·2¹ s × 0.001
            #expect(backoffs[1].global && !backoffs[0].global)
            // Each backoff is sent before the request that follows it starts.
            let order = h.events.all.compactMap { e -> String? in
                switch e {
                case .backoff: "backoff";
                case .requestStarted: "start";
                default: nil
                }
            }
            #expect(order == ["start", "backoff", "start", "backoff", "start"])
            #expect(h.events.started.map(\.attempt) == [1, 2, 3])
        }
    }

    @Test func retryAfterFromTheServerIsHonoured() async throws {
        try await ClientHarness.with { (h: ClientHarness) async throws in
            h.sim.inject(
                .init(.status(503, .seconds(1)), matching: RequestMatcher(pathContains: "/serverInfo"), count: 1))
            _ = try await h.client.serverInfo()
            let backoff = try #require(h.events.backoffs.first)
            #expect(backoff.wait == 1 && backoff.source == .retryAfter)
            let log = h.sim.requests
            #expect(log[1].receivedAt - log[0].receivedAt >= 0.95)
        }
    }

    @Test func exhaustedAttemptsRaiseTheRealStatus() async throws {
        try await ClientHarness.with { (h: ClientHarness) async throws in
            h.sim.inject(.init(.status(502, nil), matching: RequestMatcher(pathContains: "/serverInfo"), count: nil))
            await #expect { try await h.client.serverInfo() } throws: { error in
                let e = error as! JiraError
                return e.code == .serverError && e.status == 502
            }
            #expect(h.sim.requests.count == 3)
        }
    }

    @Test func otherClientErrorsFailAtOnce() async throws {
        try await ClientHarness.with { (h: ClientHarness) async throws in
            await #expect { try await h.client.issue("PRJ-99999") } throws: { ($0 as! JiraError).code == .notFound }
            await #expect { try await h.client.search("project = NOPE", fields: ["key"], maxResults: 1) } throws: {
                error in
                let e = error as! JiraError
                return e.code == .jqlRejected
                    && e.messages.map(\.description) == ["The value 'NOPE' does not exist for the field 'project'."]
            }
            #expect(h.sim.requests.count == 2)
        }
    }

    @Test func authenticationFailures() async throws {
        try await ClientHarness.with(client: { $0.token = AccessToken("wrong-token-zzz") }) {
            (h: ClientHarness) async throws in
            await #expect { try await h.client.myself() } throws: { error in
                let e = error as! JiraError
                return e.code == .authentication && e.description.contains("AUTHENTICATED_FAILED")
            }
            guard case .rejected(401) = await h.client.checkAuthentication() else {
                Issue.record("expected rejected"); return
            }
            #expect(h.sim.requests.count == 2)
        }
    }

    @Test func aRedirectIsAnErrorNamingItsLocationAndIsNeverFollowed() async throws {
        try await ClientHarness.with { (h: ClientHarness) async throws in
            h.sim.inject(.init(.redirect(location: "http://127.0.0.1:9/sso/login"), count: 1))
            await #expect { try await h.client.myself() } throws: { error in
                let e = error as! JiraError
                return e.code == .redirect && e.description.contains("http://127.0.0.1:9/sso/login")
                    && !e.description.contains(ClientHarness.token)
            }
            #expect(h.sim.requests.count == 1)
            guard case .notJira = await h.client.checkAuthentication() else { return }  // (next request is fine)
        }
    }

    @Test func answersThatAreNotJiraAreParseErrors() async throws {
        try await ClientHarness.with { (h: ClientHarness) async throws in
            for fault in [Fault.htmlLogin, .jsonArray, .jsonString] {
                h.sim.inject(.init(fault, count: 1))
                await #expect { try await h.client.issue("PRJ-1") } throws: { error in
                    let e = error as! JiraError
                    return e.code == .notJira
                }
            }
            h.sim.inject(.init(.malformedRow, matching: RequestMatcher(pathContains: "/search"), count: 1))
            await #expect {
                try await h.client.search("project = PRJ ORDER BY key", fields: ["key"], maxResults: 5)
            } throws: { error in
                (error as! JiraError).code == .notJira && (error as! JiraError).description.contains("no id")
            }
            // A key that is not a key (here carrying OSC title and clipboard sequences) makes the row
            // malformed: refused, and named in its inert form.
            h.sim.inject(.init(.hostileKey, matching: RequestMatcher(pathContains: "/search"), count: 1))
            await #expect {
                try await h.client.search("project = PRJ ORDER BY key", fields: ["key"], maxResults: 5)
            } throws: { error in
                let text = "\(error)"
                return (error as! JiraError).code == .notJira && text.contains("]0;PWNED-KEY␇")
                    && text.contains("not an issue key") && !text.contains("\u{1B}") && !text.contains("\u{07}")
            }
            h.sim.inject(.init(.htmlLogin, count: 1))
            guard case .notJira = await h.client.checkAuthentication() else { Issue.record("expected notJira"); return }
            #expect(h.sim.requests.count == 6)  // none retried
        }
    }

    @Test func cutBodiesAndDroppedConnectionsAreRetried() async throws {
        try await ClientHarness.with { (h: ClientHarness) async throws in
            _ = try await h.client.serverInfo()  // first contact: JIRA has answered
            h.sim.clearRequestLog()
            h.sim.inject(
                .init(.truncatedBody(fraction: 0.4), matching: RequestMatcher(pathContains: "/search"), count: 1))
            h.sim.inject(.init(.closeBeforeResponse, matching: RequestMatcher(pathContains: "/search"), count: 1))
            let page = try await h.client.search("project = PRJ ORDER BY key", fields: ["*all"], maxResults: 10)
            #expect(page.issues.count == 10)
            // A body shorter than its Content-Length is a dropped connection to the HTTP layer.
            #expect(h.events.backoffs.map(\.reason) == ["connection failed", "connection failed"])
            #expect(h.events.backoffs.allSatisfy { $0.source == .backoff && !$0.global })
            #expect(h.sim.requests.count == 3)
        }
    }

    @Test func connectionRefusedIsUnreachable() async throws {
        var configuration = JiraClientConfiguration(baseURL: "http://127.0.0.1:9", token: AccessToken("x-token"))
        configuration.maxAttempts = 2
        configuration.backoffScale = 0.001
        let client = try JiraClient(configuration)
        guard case .unreachable = await client.checkAuthentication() else {
            Issue.record("expected unreachable"); return
        }
        await client.shutdown()
    }

    @Test func aRateLimitHoldsEveryRequestOfTheClient() async throws {
        try await ClientHarness.with(client: { $0.backoffScale = 1 }) { (h: ClientHarness) async throws in
            h.sim.inject(
                .init(.rateLimited(.seconds(1)), matching: RequestMatcher(pathContains: "/serverInfo"), count: 1))
            let client = h.client
            let a = Task { try await client.serverInfo() }
            // Start the second request once the client has seen the 429 (requests already in
            // flight cannot be recalled; new ones must wait).
            try await waitUntil("a backoff") { !h.events.backoffs.isEmpty }
            let b = Task { try await client.myself() }
            _ = try await a.value
            _ = try await b.value
            let log = h.sim.requests
            let limited = try #require(log.first { $0.status == 429 })
            // Nothing reached the server during the second after the 429.
            let during = log.filter { $0.receivedAt > limited.receivedAt && $0.receivedAt < limited.receivedAt + 0.9 }
            #expect(during.isEmpty)
            #expect(log.count == 3)
        }
    }

    @Test func aRateLimitThatNamesItsRefillRateIsPacedNotHammered() async throws {
        // Data Center 9.12's storm: Retry-After: 0 with the bucket in X-RateLimit-*. Three tokens,
        // one more every simulated second (0.2 s here; the client's scale matches). Four
        // requests leave at once, so one meets a 429 however slow the machine is; the rest
        // follow at the refill rate, which a loaded machine can only undercut.
        var scenario = Scenario.small
        scenario.rateLimit = RateLimit(capacity: 3, fillRate: 1, intervalSeconds: 1, sendZeroRetryAfter: true)
        try await ClientHarness.with(
            scenario, timeScale: 0.2,
            client: {
                $0.backoffScale = 0.2; $0.concurrency = 4; $0.maxAttempts = 5
            }
        ) { (h: ClientHarness) async throws in
            let client = h.client
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 { group.addTask { _ = try await client.serverInfo() } }
                try await group.waitForAll()
            }
            let statuses = h.sim.requests.filter { $0.path.hasSuffix("/serverInfo") }.map(\.status)
            #expect(statuses.filter { $0 == 200 }.count == 12)
            // Only requests let go before pacing began meet a 429: at most the four in flight,
            // and the ones that started as those finished. Unpaced, every refill would let four
            // requests go for one token and three of them fail (27 or more here).
            let limited = statuses.filter { $0 == 429 }.count
            #expect(limited >= 1 && limited <= 8, "\(limited) answers were 429")
            for backoff in h.events.backoffs {
                #expect(backoff.source == .rateLimit && backoff.global)
                #expect([0.2, 0.4].contains { abs(backoff.wait - $0) < 1e-9 }, "waited \(backoff.wait) s")
            }
            let warnings = h.events.all.compactMap { if case .warning(let w) = $0 { w } else { nil } }
            #expect(warnings.first?.contains("refills 1 request every 1 s: requests are paced") == true)

            // Once half the bucket has refilled, pacing ends.
            try await Task.sleep(for: .milliseconds(800))
            _ = try await client.serverInfo()
            let after = h.events.all.compactMap { if case .warning(let w) = $0 { w } else { nil } }
            #expect(after.last?.contains("pacing ended") == true)
        }
    }

    /// The request limiter times an answer at its head: a body slow to arrive (a slow network, a
    /// buffering proxy, a turn in the body lane) says nothing about JIRA's load, while the
    /// request itself waits for it. The test holds the body lane, so the answer's body waits
    /// there once its head has come, and moves the latency clock 100 s only then.
    @Test func theLimiterTimesAnAnswerAtItsHead() async throws {
        let time = Mutex(Duration.zero)
        try await ClientHarness.with(
            timeScale: 1,
            client: {
                $0.timeout = 600
                $0.bodyLaneThreshold = 0  // every body takes the lane
                $0.latencyClock = LatencyClock { time.withLock { $0 } }
            }
        ) { (h: ClientHarness) async throws in
            _ = try await h.client.myself()  // first contact done
            let limiter = h.client.transport.limiter
            let lane = h.client.transport.bodyLane
            let before = limiter.snapshot.serverSeconds
            try await lane.enter()
            let request = Task { try await h.client.serverInfo() }
            // The head has come (it is timed before the body is read): the body waits its turn.
            try await waitUntil("the answer's body to wait for the lane") { lane.waiting == 1 }
            time.withLock { $0 += .seconds(100) }
            lane.leave()
            _ = try await request.value
            let finished = h.events.all.compactMap { e -> Double? in
                if case .requestFinished(let info, _, _, let seconds, _) = e, info.operation == "serverInfo" {
                    return seconds
                }
                return nil
            }
            #expect(finished == [100], "the exchange took the 100 s the body waited")
            #expect(limiter.snapshot.serverSeconds - before == 0, "the limiter counted the time to the head")
        }
    }

    @Test func cancellationStopsAnInFlightRequest() async throws {
        // A budget of ten minutes and an answer that never comes: only cancellation ends it.
        try await ClientHarness.with(timeScale: 1, client: { $0.timeout = 600 }) { (h: ClientHarness) async throws in
            _ = try await h.client.myself()  // first contact done: the next request has its whole budget
            _ = h.sim.hold(RequestMatcher(pathContains: "/serverInfo"))
            let task = Task { try await h.client.serverInfo() }
            try await waitUntil("serverInfo to reach the server") {
                h.sim.requests.contains { $0.path.hasSuffix("/serverInfo") }
            }
            task.cancel()
            let result = await task.result
            guard case .failure(let error) = result else { Issue.record("expected cancellation"); return }
            #expect((error as? JiraError)?.code == .cancelled)
        }
    }

    @Test func theTokenNeverAppearsInEventsOrErrors() async throws {
        try await ClientHarness.with { (h: ClientHarness) async throws in
            h.sim.inject(.init(.status(503, nil), count: 1))
            _ = try await h.client.fetchResilient(h.hub.key)
            var texts = [h.events.text]
            for fault in [Fault.htmlLogin, .redirect(location: "http://127.0.0.1:9/x")] {
                h.sim.inject(.init(fault, count: 1))
                do { _ = try await h.client.myself() } catch {
                    texts.append(String(reflecting: error)); texts.append("\(error)")
                }
            }
            texts.append(String(reflecting: h.client.configuration))
            for text in texts { #expect(!text.contains(ClientHarness.token)) }
            #expect(h.sim.requests.allSatisfy { $0.authenticated })
        }
    }
}
