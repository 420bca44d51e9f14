import ArgumentParser
import JiraSimulator

/// `--scenario`, `--seed`, `--time-scale`, `--port`, `--token`, `--tls`: shared by `sim` and `demo`.
struct SimulatorOptions: ParsableArguments {
    @Option(help: "Scenario: \(Scenario.catalog.keys.sorted().joined(separator: ", ")).")
    var scenario: String = "demo"
    @Option(help: "Seed of the generated data (default: the scenario's own).")
    var seed: UInt64?
    @Option(help: "Multiplies every simulated delay; 0.01 makes a 206 s hub take 2 s (default: 1 for sim, 0.25 for demo).")
    var timeScale: Double?
    @Option(help: "Port on 127.0.0.1; 0 picks a free one.")
    var port: Int = 0
    @Option(help: "Token the simulator accepts (default: a random one, printed).")
    var token: String?
    @Flag(help: "Serve HTTPS with the simulator's self-signed certificate.")
    var tls = false
    @Option(help: "'paginated' (Data Center 8.6+) or 'absent' (Server: /issue/{key}/changelog answers 404).")
    var changelogEndpoint: String?

    func validate() throws {
        guard Scenario.named(scenario) != nil else {
            throw ValidationError("unknown scenario '\(scenario)'; choose one of \(Scenario.catalog.keys.sorted().joined(separator: ", "))")
        }
        if let timeScale { guard timeScale >= 0, timeScale.isFinite else { throw ValidationError("--time-scale must be a number ≥ 0") } }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535") }
        if let changelogEndpoint, !["paginated", "absent"].contains(changelogEndpoint) {
            throw ValidationError("--changelog-endpoint must be 'paginated' or 'absent'")
        }
    }

    func makeSimulator(defaultTimeScale: Double = 1) -> JiraSimulator {
        var s = Scenario.named(scenario)!
        if let seed { s.seed = seed }
        if let changelogEndpoint { s.paginatedChangelog = changelogEndpoint == "paginated" }
        var configuration = JiraSimulator.Configuration(scenario: s, token: token ?? Self.randomToken())
        configuration.timeScale = timeScale ?? defaultTimeScale
        configuration.port = port
        configuration.tls = tls
        return JiraSimulator(configuration)
    }

    static func randomToken() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var rng = SystemRandomNumberGenerator()
        return "sim-" + String((0..<32).map { _ in alphabet.randomElement(using: &rng)! })
    }
}
