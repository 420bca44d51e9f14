import Foundation
import Testing
@testable import JiraSimulator
import TestSupport

/// The executable against deployments as they are: a restart mid-scan, a proxy from the
/// environment, JIRA under a context path.
@Suite(.serialized, .timeLimit(.minutes(5))) struct DeploymentCommandTests {
    static let token = "deploy-secret-token-k2j3"

    func start(_ configure: (inout JiraSimulator.Configuration) -> Void) async throws -> (JiraSimulator, String) {
        var c = JiraSimulator.Configuration(scenario: Self.twoThousand, token: Self.token, timeScale: 0.01)
        configure(&c)
        let sim = JiraSimulator(c)
        return (sim, try await sim.start())
    }

    /// 2,000 issues in one project with two hubs.
    static var twoThousand: Scenario {
        var p = Scenario.Project(key: "BIG", name: "Big", issueCount: 2000)
        p.hubLinks = [300, 900]
        var s = Scenario(name: "two-thousand", summary: "2,000 issues", projects: [p])
        s.seed = 9
        return s
    }

    func directory() -> String {
        Reaper.scratchPath("jr-deploy")
    }

    func manifest(_ dir: String) -> [[String: Any]] {
        (FileManager.default.contents(atPath: dir + "/manifest.jsonl") ?? Data()).split(separator: 0x0A)
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
    }

    @Test func aScanThroughATenMinuteRestartFinishesCompleteWithNothingDegraded() async throws {
        // From the 40th request (mid-scan), the port is closed for 1,200 simulated s (12 s real),
        // longer than the hedge's delay (a quarter of the 30 s fast-fail budget): time held
        // through the outage must not start hub-base. Wide budgets: under a loaded suite a slow
        // answer must not pass for the outage's harm.
        let (sim, url) = try await start { $0.outage = OutageSchedule(afterRequests: 40, seconds: 1200) }
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await BinaryRunner.run(
            [
                "scan", "BIG", "--out", dir, "--backoff-scale", "0.01", "--timeout", "60", "--connect-timeout", "60",
                "--fast-fail-timeout", "30", "--progress-interval", "1",
            ],
            environment: ["JIRA_URL": url, "JIRA_PAT": Self.token])
        await sim.stop()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout.contains("2000 issues written") && r.stdout.contains("minimal 0")
                && r.stdout.contains("all complete"),
            "\(r.stdout) \(r.stderr.split(separator: "\n").filter { $0.contains("could not fetch") }.prefix(5))")
        #expect(r.stderr.contains("OUTAGE") && r.stderr.contains("JIRA is back"), "\(r.stderr)")
        let records = manifest(dir)
        #expect(Set(records.compactMap { $0["key"] as? String }).count == 2000)
        #expect(records.allSatisfy { $0["tier"] as? String != "minimal" && $0["complete"] as? Bool == true })
        // Hub-base (the hedge, or the rung after a slow full one) started only for pages holding
        // one of the two hubs (300 and 900 links): holding through the outage is not slowness.
        let hubs = records.filter { ($0["links"] as? Int ?? 0) >= 300 }.compactMap { $0["key"] as? String }
            .compactMap { Int($0.split(separator: "-").last ?? "") }
        #expect(hubs.count == 2)
        let events = String(
            decoding: FileManager.default.contents(atPath: dir + "/events.jsonl") ?? Data(), as: UTF8.self)
        let hubBaseRanges = events.split(separator: "\n").compactMap { line -> ClosedRange<Int>? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                o["type"] as? String == "rung", o["rung"] as? String == "hubBase", let label = o["key"] as? String
            else { return nil }
            // "BIG-51…BIG-100 (50)" or "BIG-7"
            let numbers = label.split { !$0.isNumber }.compactMap { Int($0) }
            return numbers.isEmpty ? nil : numbers[0]...(numbers.count > 1 ? numbers[1] : numbers[0])
        }
        let needless = hubBaseRanges.filter { range in !hubs.contains { range.contains($0) } }
        #expect(needless.isEmpty, "hub-base ran for pages without a hub: \(needless.prefix(5))")
        let began = events.range(of: "\"phase\":\"began\""), ended = events.range(of: "\"phase\":\"ended\"")
        #expect(began != nil && ended != nil && began!.lowerBound < ended!.lowerBound)
    }

    @Test func anOutageBeyondItsTimeoutStopsWithTheCheckpointAndTheSameCommandResumes() async throws {
        let (sim, url) = try await start { $0.outage = OutageSchedule(afterRequests: 30, seconds: 100_000) }
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["JIRA_URL": url, "JIRA_PAT": Self.token]
        let args = [
            "scan", "BIG", "--out", dir, "--backoff-scale", "0.01", "--outage-timeout", "1", "--connect-timeout", "60",
        ]
        let r = try await BinaryRunner.run(args, environment: env)
        await sim.stop()
        #expect(r.status == 5, "\(r.stderr)")
        #expect(
            r.stderr.contains("stayed unreachable") && r.stderr.contains("run the same command again"), "\(r.stderr)")
        let state = String(decoding: FileManager.default.contents(atPath: dir + "/state.json") ?? Data(), as: UTF8.self)
        #expect(state.contains("\"phase\":\"failed\""))
        // JIRA is back (a new simulator on the same data): the same command finishes.
        let (again, url2) = try await start { _ in }
        let resumed = try await BinaryRunner.run(args, environment: ["JIRA_URL": url2, "JIRA_PAT": Self.token])
        await again.stop()
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(Set(manifest(dir).compactMap { $0["key"] as? String }).count == 2000)
    }

    @Test func firstContactFailuresAreOneClearLine() async throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let refused = try await BinaryRunner.run(
            ["scan", "BIG", "--out", dir], environment: ["JIRA_URL": "http://127.0.0.1:1", "JIRA_PAT": "x"])
        #expect(refused.status == 5)
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(
            refused.stderr.contains("cannot reach JIRA at http://127.0.0.1:1: connection refused; check --url"),
            "\(refused.stderr)")
    }

    @Test func aProxyFromTheEnvironmentAndAContextPathCarryAWholeScan() async throws {
        let proxy = try TestProxy()
        defer { proxy.stop() }
        var small = Scenario.small
        small.projects = [small.projects[1]]  // OTHER: 40 issues
        let sim = JiraSimulator(.init(scenario: small, token: Self.token, timeScale: 0.01))
        var configuration = sim.configuration
        configuration.contextPath = "/jira"
        let jira = JiraSimulator(configuration)
        let url = try await jira.start()
        #expect(url.hasSuffix("/jira"))
        let dir = directory(), direct = directory()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: direct) }
        let r = try await BinaryRunner.run(
            // First contact is not the point here: a loaded test machine gets a minute for it.
            ["scan", "OTHER", "--out", dir, "--connect-timeout", "60"],
            environment: ["JIRA_URL": url, "JIRA_PAT": Self.token, "http_proxy": "http://127.0.0.1:\(proxy.port)"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("40 issues written"))
        let port = URL(string: url)!.port!
        #expect(
            !proxy.connectLines.isEmpty && proxy.connectLines.allSatisfy { $0 == "CONNECT 127.0.0.1:\(port) HTTP/1.1" })
        let file =
            try JSONSerialization.jsonObject(
                with: FileManager.default.contents(atPath: dir + "/issues/OTHER-1.json") ?? Data()) as? [String: Any]
        #expect((file?["self"] as? String)?.hasPrefix(url + "/rest/api/2/issue/") == true)
        // NO_PROXY naming the host goes direct.
        let before = proxy.connectLines.count
        let d = try await BinaryRunner.run(
            ["scan", "OTHER", "--out", direct, "--connect-timeout", "60"],
            environment: [
                "JIRA_URL": url, "JIRA_PAT": Self.token, "HTTP_PROXY": "http://127.0.0.1:\(proxy.port)",
                "NO_PROXY": "localhost,127.0.0.1",
            ])
        #expect(d.status == 0, "\(d.stderr)")
        #expect(proxy.connectLines.count == before)
        await jira.stop()
    }

    /// A proxy that wants credentials is named as such (exit 3, like a refused token), not as
    /// an unreachable JIRA; with them in the proxy URL the scan goes through.
    @Test func aProxyAskingForCredentialsIsAnAuthenticationFailure() async throws {
        let proxy = try TestProxy(credentials: "scan:s3cret")
        defer { proxy.stop() }
        let jira = JiraSimulator(.init(scenario: .small, token: Self.token, timeScale: 0.01))
        let url = try await jira.start()
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let refused = try await BinaryRunner.run(
            ["scan", "OTHER", "--out", dir, "--connect-timeout", "60"],
            environment: ["JIRA_URL": url, "JIRA_PAT": Self.token, "http_proxy": "http://127.0.0.1:\(proxy.port)"])
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(refused.stderr.contains("the HTTP proxy asks for credentials (407)"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("refused the tunnel"))
        let through = try await BinaryRunner.run(
            ["scan", "OTHER", "--out", dir, "--connect-timeout", "60"],
            environment: [
                "JIRA_URL": url, "JIRA_PAT": Self.token, "http_proxy": "http://scan:s3cret@127.0.0.1:\(proxy.port)",
            ])
        #expect(through.status == 0, "\(through.stderr)")
        #expect(!through.all.contains("s3cret"), "the proxy's password is a secret too")
        await jira.stop()
    }
}
