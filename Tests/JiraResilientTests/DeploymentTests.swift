import Foundation
import Testing
@testable import JiraResilient
@testable import JiraSimulator
import TestSupport

/// Real deployments over real HTTP: restarts, load balancers, first contact, context paths,
/// proxies, and JIRA answering in the token user's language.
@Suite(.timeLimit(.minutes(2))) struct DeploymentTests {
    /// Outage events in order, as kinds.
    static func kinds(_ events: [OutageEvent]) -> [String] {
        events.map { e in
            switch e {
            case .began: "began"
            case .probeScheduled: "scheduled"
            case .probed(_, let reachable, _): reachable ? "probed-up" : "probed-down"
            case .ended: "ended"
            case .gaveUp: "gaveUp"
            }
        }
    }

    /// Waits (with a deadline) until the client has announced an outage.
    static func waitForOutage(_ h: ClientHarness) async throws {
        try await waitUntil("an outage to begin", deadline: .seconds(30)) {
            h.events.outages.contains(where: { if case .began = $0 { true } else { false } })
        }
    }

    @Test func aRestartIsHeldThroughWithoutSpendingAttempts() async throws {
        // From the 3rd request the port is closed until the test ends the outage, once the
        // client holds: order, not timing.
        try await ClientHarness.with(
            sim: { $0.outage = OutageSchedule(afterRequests: 3, seconds: 1_000_000) },
            client: { $0.maxAttempts = 2 }
        ) { (h: ClientHarness) async throws in
            for _ in 0..<2 { _ = try await h.client.serverInfo() }
            // The 3rd loses its connection as JIRA goes down (one attempt spent); the retry is
            // refused, which starts the outage; the request then holds, and succeeds after it.
            let held = Task { try await h.client.serverInfo() }
            try await Self.waitForOutage(h)
            #expect(h.sim.isInOutage)
            await h.sim.endOutage()
            _ = try await held.value
            for _ in 0..<2 { _ = try await h.client.serverInfo() }
            let kinds = Self.kinds(h.events.outages)
            #expect(kinds.first == "began" && kinds.last == "ended")
            #expect(kinds.filter { $0 == "probed-up" }.count == 1)
            // One backoff only: the lost connection's. The refused ones were held, not retried.
            #expect(h.events.backoffs.count == 1)
        }
    }

    @Test func aLoadBalancerAnswering503IsAnOutageToo() async throws {
        try await ClientHarness.with(
            sim: { $0.outage = OutageSchedule(afterRequests: 2, seconds: 1_000_000, mode: .loadBalancer503) },
            client: { $0.maxAttempts = 4 }
        ) { (h: ClientHarness) async throws in
            _ = try await h.client.serverInfo()
            let held = Task { try await h.client.serverInfo() }
            try await Self.waitForOutage(h)
            await h.sim.endOutage()
            _ = try await held.value
            let kinds = Self.kinds(h.events.outages)
            #expect(kinds.first == "began" && kinds.last == "ended")
            #expect(kinds.contains("probed-down") || kinds.filter { $0 == "probed-up" }.count == 1)
            // Three load-balancer pages in a row made it an outage: two backoffs, then the hold.
            #expect(h.events.backoffs.count == 2)
            #expect(h.sim.requests.filter { $0.status == 503 }.isEmpty)  // the balancer answered, not JIRA
        }
    }

    @Test func anOutageLongerThanItsTimeoutStopsWithAClearError() async throws {
        try await ClientHarness.with(
            sim: { $0.outage = OutageSchedule(afterRequests: 2, seconds: 100_000) },
            client: {
                $0.maxAttempts = 3; $0.outageTimeout = 0.5
            }
        ) { (h: ClientHarness) async throws in
            _ = try await h.client.serverInfo()
            await #expect { try await h.client.serverInfo() } throws: { error in
                let e = error as! JiraError
                return e.code == .outage && e.hint == .resumeOrRestart
            }
            #expect(Self.kinds(h.events.outages).last == "gaveUp")
            // JIRA is back: a later request of the same client (an operator's fetch after the
            // scan stopped) goes through instead of failing on the old outage.
            await h.sim.endOutage()
            _ = try await h.client.serverInfo()
        }
    }

    @Test func aBalancersPagesWithOneAttemptAreHeldAsAnOutageNotFailed() async throws {
        try await ClientHarness.with(
            sim: { $0.outage = OutageSchedule(afterRequests: 2, seconds: 1_000_000, mode: .loadBalancer503) },
            client: { $0.maxAttempts = 1 }
        ) { (h: ClientHarness) async throws in
            _ = try await h.client.serverInfo()
            let held = Task { try await h.client.serverInfo() }
            try await Self.waitForOutage(h)
            await h.sim.endOutage()
            _ = try await held.value
            #expect(h.events.backoffs.isEmpty)
        }
    }

    /// A balancer's 503 at first contact is retried only while the retries fit in the
    /// first-contact budget: with the default back-off (30 s first) and a budget shorter than
    /// it, at once. (25 s, not the default 10: the answer itself must arrive within the budget,
    /// and a loaded two-core machine once took longer than 10 s to serve it.)
    @Test func aBalancersPageAtFirstContactFailsWithinItsBudget() async throws {
        try await ClientHarness.with(
            sim: { $0.outage = OutageSchedule(afterRequests: 1, seconds: 1_000_000, mode: .loadBalancer503) },
            client: {
                $0.backoffScale = 1
                $0.firstContactTimeout = 25
            }
        ) { (h: ClientHarness) async throws in
            await #expect { try await h.client.myself() } throws: { error in
                let e = error as! JiraError
                return e.code == .serverError && e.status == 503 && e.hint == .retryLater
                    && e.detail.contains("a proxy or load balancer answered HTTP 503 instead of JIRA")
            }
            #expect(h.events.started.count == 1 && h.events.backoffs.isEmpty)
        }
    }

    @Test func firstContactWithNothingListeningFailsAtOnceNamingTheCause() async throws {
        var c = JiraClientConfiguration(baseURL: "http://127.0.0.1:1", token: AccessToken("t"))
        let events = EventLog()
        c.events = events.sink
        let client = try JiraClient(c)
        await #expect { try await client.myself() } throws: { error in
            let e = error as! JiraError
            return e.code == .connection && e.transport == .refused && e.description.contains("connection refused")
                && e.hint == .checkURL
        }
        #expect(events.started.count == 1)
        await client.shutdown()
    }

    @Test func firstContactWithASilentServerTimesOutWithinItsBudget() async throws {
        try await ClientHarness.with(client: { $0.firstContactTimeout = 0.5 }) { (h: ClientHarness) async throws in
            h.sim.inject(.init(.delay(100_000), matching: RequestMatcher(pathContains: "/myself"), count: nil))
            await #expect { try await h.client.myself() } throws: { error in
                let e = error as! JiraError
                return e.code == .timeout && e.description.contains("did not answer within 0.5 s")
            }
            #expect(h.events.started.count == 1 && h.events.started[0].budget == 0.5)
        }
    }

    @Test func aDroppedConnectionBeforeFirstContactIsOneLineNotAHundredSecondsOfRetries() async throws {
        // http:// to an HTTPS port: the TLS server drops the plain request.
        _ = try await ClientHarness.with(
            sim: { $0.tls = true },
            client: { $0.baseURL = $0.baseURL.replacingOccurrences(of: "https://", with: "http://") }
        ) {
            (h: ClientHarness) async throws in
            await #expect { try await h.client.myself() } throws: { error in
                let e = error as! JiraError
                return e.code == .connection && e.transport == .connectionLost && e.hint == .checkURL
                    && e.detail.contains("is the URL's scheme right?")
            }
            #expect(h.events.started.count == 1 && h.events.backoffs.isEmpty)
        }
    }

    @Test func anUntrustedCertificateIsNamedAsSuch() async throws {
        _ = try await ClientHarness.with(sim: { $0.tls = true }) { (h: ClientHarness) async throws in
            await #expect { try await h.client.myself() } throws: { error in
                let e = error as! JiraError
                return e.transport == .tls(.certificateRejected) && e.hint == .trustServerCA
                    && !e.detail.contains(".cc")
            }
        }
    }

    @Test func aProxyThatCannotBeReachedIsNamed() async throws {
        _ = try await ClientHarness.with(client: { $0.proxy = ProxySettings(host: "127.0.0.1", port: 1) }) {
            (h: ClientHarness) async throws in
            await #expect { try await h.client.myself() } throws: { error in
                let e = error as! JiraError
                return e.hint == .checkProxy && e.detail.contains("through the proxy 127.0.0.1:1: connection refused")
            }
        }
    }

    @Test func jiraUnderAContextPathWorksForEveryEndpointAndSelfLink() async throws {
        try await ClientHarness.with(sim: { $0.contextPath = "/jira" }) { (h: ClientHarness) async throws in
            #expect(h.client.configuration.baseURL.hasSuffix("/jira"))
            let info = try await h.client.serverInfo()
            #expect(info.version.description == "9.12.4")
            let rows = try await h.client.listKeys(project: "PRJ")
            #expect(rows.count == h.universe.members["PRJ"]!.count)
            let issue = try await h.client.fetchResilient(rows[0].key.description)
            let o = json(issue.bytes)
            #expect((o["self"] as? String)?.contains("/jira/rest/api/2/issue/") == true)
            #expect(h.sim.requests.allSatisfy { $0.status != 404 })
            #expect(try await h.client.projectExists("PRJ"))
            #expect(try await !h.client.projectExists("NOPE"))
        }
        // The same JIRA asked at the host's root answers Tomcat's 404 page: at first contact that
        // says the URL misses JIRA (exit 6 with a hint), not that a resource is absent.
        _ = try await ClientHarness.with(
            sim: { $0.contextPath = "/jira" }, client: { $0.baseURL = String($0.baseURL.dropLast(5)) }
        ) { (h: ClientHarness) async throws in
            await #expect { try await h.client.serverInfo() } throws: { error in
                let e = error as! JiraError
                return e.code == .notJira && e.hint == .notJiraURL
                    && e.detail.contains("does not lead to JIRA's REST API")
            }
        }
    }

    @Test func requestsTunnelThroughAProxyThatNeverSeesTheToken() async throws {
        let proxy = try TestProxy()
        defer { proxy.stop() }
        let ca = URL(fileURLWithPath: Reaper.scratchPath("jr-proxy-ca") + ".pem")
            .path
        try SimulatorCertificate.certificatePEM.write(toFile: ca, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: ca) }
        try await ClientHarness.with(
            sim: { $0.tls = true },
            client: {
                $0.proxy = ProxySettings(host: "127.0.0.1", port: proxy.port)
                $0.tls = .caBundle(path: ca)
            }
        ) { (h: ClientHarness) async throws in
            _ = try await h.client.serverInfo()
            let rows = try await h.client.listKeys(project: "OTHER")
            #expect(rows.count == h.universe.members["OTHER"]!.count)
            let port = URL(string: h.client.configuration.baseURL)!.port!
            #expect(
                !proxy.connectLines.isEmpty
                    && proxy.connectLines.allSatisfy { $0 == "CONNECT 127.0.0.1:\(port) HTTP/1.1" })
            #expect(proxy.bytesFromClient.count > 1000)
            #expect(!AccessToken(ClientHarness.token).occurs(in: proxy.bytesFromClient))
        }
    }

    @Test(arguments: [SimLocale.en, .de])
    func aVanishedCursorIsRecoveredByStructureInAnyLanguageUnderALoweredCap(_ locale: SimLocale) async throws {
        var scenario = Scenario.moved
        scenario.maxResults = 25  // an admin lowered jira.search.views.default.max
        try await ClientHarness.with(scenario, sim: { $0.locale = locale }) { (h: ClientHarness) async throws in
            let truth = keysOf(h, "MOVE")
            var seen: Set<String> = []
            var pages = 0
            try await h.client.seek(project: "MOVE", pageSize: 1000, fields: ["key"]) {
                (page, cursor) throws(JiraError) in
                #expect(page.issues.count <= 25)
                seen.formUnion(page.issues.map(\.summary.key.description))
                pages += 1
                if pages == 2 { h.sim.apply(.delete(key: cursor.description)) }
                if pages == 4 { h.sim.apply(.move(key: cursor.description, toProject: "LEGACY")) }
            }
            #expect(keysOf(h, "MOVE").isSubset(of: seen) && seen.isSubset(of: truth))
            let reasons = h.events.all.compactMap {
                if case .cursorRecovered(_, _, let reason) = $0 { reason } else { nil }
            }
            #expect(reasons.count == 2)
            #expect(reasons[0].hasSuffix("was deleted") && reasons[1].contains("was moved to LEGACY-"))
            if locale == .de {
                // JIRA did answer in German: the decision read no word of it.
                #expect(h.sim.requests.contains { $0.status == 400 })
            }
        }
    }
}
