import ArgumentParser
import Foundation
import JiraSimulator
import UnixSignals

struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the embedded JIRA Server simulator and print the URL and token to use."
    )

    @OptionGroup var simulator: SimulatorOptions

    func run() async throws {
        // Trapped before the URL is printed: a script that stops the simulator as soon as it
        // has read the URL gets a clean stop (exit 0), not death by the signal.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sighup)
        let sim = simulator.makeSimulator()
        let url = try await sim.start()
        let scenario = sim.configuration.scenario
        StandardStreams.out("jira-resilient simulator: scenario \(scenario.name) — \(scenario.summary)")
        StandardStreams.out("JIRA_URL=\(url)")
        StandardStreams.out("JIRA_PAT=\(sim.configuration.token)")
        if simulator.tls {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("jira-resilient-sim-ca.pem").path
            try SimulatorCertificate.certificatePEM.write(toFile: path, atomically: true, encoding: .utf8)
            StandardStreams.out("CA bundle: \(path)  (pass --ca-bundle \(path))")
        }
        let c = sim.configuration
        let node =
            c.serverCores.map {
                "\($0) core\($0 == 1 ? "" : "s")"
                    + (c.backgroundLoad > 0 ? ", \(Int(c.backgroundLoad * 100)) % busy with other users" : "")
            } ?? "unlimited cores"
        StandardStreams.out(
            "time scale \(c.timeScale); node: \(node); server work so far: \(url)/_sim/stats; Ctrl-C stops it.")
        let projects = scenario.projects.map(\.key)
        StandardStreams.out(
            "project\(projects.count == 1 ? "" : "s") \(projects.joined(separator: ", ")): e.g. export the two lines above, then jira-resilient scan \(projects[0]) --out DIR"
        )
        for await _ in signals { break }
        await sim.stop()
    }
}
