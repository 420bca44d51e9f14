import ArgumentParser
import JiraSimulator

/// `--scenario`, `--seed`, `--time-scale`, `--port`, `--token`, `--tls`, the node's capacity…: shared by
/// `sim` and `demo`.
struct SimulatorOptions: ParsableArguments {
    @Option(help: "Scenario: \(Scenario.catalog.keys.sorted().joined(separator: ", ")).")
    var scenario: String = "demo"
    @Option(help: "Seed of the generated data (default: the scenario's own).")
    var seed: UInt64?
    @Option(
        help: "Multiplies every simulated delay; 0.01 makes a 206 s hub take 2 s (default: 1 for sim, 0.25 for demo).")
    var timeScale: Double?
    @Option(help: "Port on 127.0.0.1; 0 picks a free one.")
    var port: Int = 0
    @Option(help: "Token the simulator accepts (default: a random one, printed).")
    var token: String?
    @Flag(help: "Serve HTTPS with the simulator's self-signed certificate.")
    var tls = false
    @Option(help: "'paginated' (Data Center 8.6+) or 'absent' (Server: /issue/{key}/changelog answers 404).")
    var changelogEndpoint: String?
    @Option(
        help:
            "The token user's language for every message the server sends: \(SimLocale.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var locale: String = "en"
    @Option(name: .customLong("context-path"), help: "Serve JIRA under this path, e.g. /jira (default: the root).")
    var contextPath: String?
    @Option(
        name: .customLong("max-results-cap"),
        help: "Largest page a search returns, as an admin's jira.search.views.default.max (default 1000).")
    var maxResultsCap: Int?
    @Option(
        help:
            "AT:SECONDS — from the AT-th request, refuse connections for SECONDS (simulated time); AT:SECONDS:503 answers a load balancer's 503 page instead."
    )
    var outage: String?
    @Option(
        name: .customLong("server-cores"),
        help:
            "Cores of the simulated JIRA node, shared by the requests in service; work past them makes every answer slower (0 = unlimited)."
    )
    var serverCores: Int = 4
    @Option(
        name: .customLong("background-load"),
        help: "Share of the node's cores other users keep busy, 0 to 0.95.")
    var backgroundLoad: Double = 0

    func validate() throws {
        guard (0...1024).contains(serverCores) else { throw ValidationError("--server-cores must be 0–1024") }
        guard backgroundLoad.isFinite, (0...0.95).contains(backgroundLoad) else {
            throw ValidationError("--background-load must be a share from 0 to 0.95")
        }
        guard Scenario.named(scenario) != nil else {
            throw ValidationError(
                "unknown scenario '\(scenario)'; choose one of \(Scenario.catalog.keys.sorted().joined(separator: ", "))"
            )
        }
        if let timeScale {
            guard timeScale >= 0, timeScale.isFinite else { throw ValidationError("--time-scale must be a number ≥ 0") }
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535") }
        if let changelogEndpoint, !["paginated", "absent"].contains(changelogEndpoint) {
            throw ValidationError("--changelog-endpoint must be 'paginated' or 'absent'")
        }
        guard SimLocale(rawValue: locale) != nil else {
            throw ValidationError(
                "--locale must be one of \(SimLocale.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let contextPath {
            guard contextPath.hasPrefix("/"), contextPath.count > 1, !contextPath.hasSuffix("/"),
                contextPath.count <= 100,
                contextPath.utf8.allSatisfy({
                    $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#")
                })
            else {
                throw ValidationError(
                    "--context-path must look like /jira: a leading slash, no trailing one, printable ASCII")
            }
        }
        if let maxResultsCap {
            guard (1...10_000).contains(maxResultsCap) else {
                throw ValidationError("--max-results-cap must be 1–10000")
            }
        }
        if let outage {
            guard OutageSchedule(outage) != nil else {
                throw ValidationError("--outage must be AT:SECONDS or AT:SECONDS:503 (AT ≥ 1, 0 < SECONDS ≤ 604800)")
            }
        }
    }

    func makeSimulator(defaultTimeScale: Double = 1) -> JiraSimulator {
        var s = Scenario.named(scenario)!
        if let seed { s.seed = seed }
        if let changelogEndpoint { s.paginatedChangelog = changelogEndpoint == "paginated" }
        if let maxResultsCap { s.maxResults = maxResultsCap }
        var configuration = JiraSimulator.Configuration(scenario: s, token: token ?? Self.randomToken())
        configuration.locale = SimLocale(rawValue: locale) ?? .en
        configuration.contextPath = contextPath ?? ""
        configuration.outage = outage.flatMap(OutageSchedule.init)
        configuration.timeScale = timeScale ?? defaultTimeScale
        configuration.port = port
        configuration.tls = tls
        configuration.serverCores = serverCores == 0 ? nil : serverCores
        configuration.backgroundLoad = backgroundLoad
        return JiraSimulator(configuration)
    }

    static func randomToken() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var rng = SystemRandomNumberGenerator()
        return "sim-" + String((0..<32).map { _ in alphabet.randomElement(using: &rng)! })
    }
}
