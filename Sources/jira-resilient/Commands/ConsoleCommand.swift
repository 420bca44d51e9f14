import ArgumentParser
import Console
import Foundation
import JiraExtract
import JiraResilient
import JiraSimulator

struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract:
            "The operator console: start (or resume) a scan of PROJECT and show it live, or attach to one already running.",
        discussion: """
            With --attach DIR, the console of the scan running on DIR, through its control.sock (DIR/control.sock, \
            0600, while a scan runs there): f, m and p act on that scan through its own client; q detaches and the \
            scan goes on (so do Ctrl-C and SIGTERM); X, confirmed with y, stops the scan, which saves its checkpoint \
            and exits 130. No token is needed. Without a terminal, the scan's progress lines go to stderr until it \
            ends. Exit 0 once detached; 2 when no scan runs on DIR (no socket, or one left by a killed scan), DIR or \
            its socket belongs to another user, the scan runs another version, or scan options are given.
            """
    )

    @Argument(help: "Project key, e.g. PROJ (not with --attach).")
    var project: String?
    @Option(help: "Output directory (created if needed; not with --attach).")
    var out: String?
    @Option(
        help: ArgumentHelp(
            "Attach to the scan running on this output directory (its control.sock); q detaches, the scan goes on.",
            valueName: "dir"))
    var attach: String?
    @OptionGroup var scan: ScanArguments
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Console theme (dark, light, high-contrast, colorblind, mono, or one of yours).")
    var theme: String = "dark"

    func validate() throws {
        if attach != nil {
            guard project == nil, out == nil else {
                throw ValidationError("--attach DIR watches a scan already running: give no PROJECT and no --out")
            }
            // The scan runs with the options of its own command; taking them here would mislead.
            if let given = scan.optionsGiven.first ?? connection.optionsGiven.first {
                throw ValidationError(
                    "--attach DIR watches a scan already running with its own options: \(given) is not taken here")
            }
        } else {
            guard project != nil else { throw ValidationError("Missing expected argument '<project>'") }
            guard out != nil else { throw ValidationError("Missing expected argument '--out <out>'") }
        }
    }

    func run() async throws {
        if let attach {
            try await AttachedConsole.run(directory: attach, theme: theme)
            return
        }
        let plan = try scan.plan(project: project ?? "", out: out ?? "")
        let configuration = try connection.configuration(
            token: try connection.token(), concurrency: scan.concurrencyCeiling)
        guard isatty(0) == 1 && isatty(1) == 1 else {
            StandardStreams.err(
                "console: not a terminal, so running as 'scan' (progress here on stderr, summary on stdout)")
            try ScanCommand.exitIfIncomplete(
                try await HeadlessScan.run(plan, configuration: configuration), plan: plan)
            return
        }
        try ScanCommand.exitIfIncomplete(
            try await ConsoleSession.run(plan, configuration: configuration, theme: theme), plan: plan)
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Start the embedded JIRA Server simulator on loopback and open the console on it. No server, token or flags needed."
    )

    @OptionGroup var simulator: SimulatorOptions
    @Option(help: "Console theme.")
    var theme: String = "dark"
    @Option(help: "Output directory (default: a new temporary one, printed at exit).")
    var out: String?
    @Option(help: "Requests in flight at once: 'auto' (up to 8, adapting to the simulated node's latency) or 1–256.")
    var concurrency: String = "auto"

    func run() async throws {
        let sim = simulator.makeSimulator(defaultTimeScale: 0.25)
        let timeScale = sim.configuration.timeScale
        let url = try await sim.start()
        let directory =
            out
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "jira-resilient-demo-\(UUID().uuidString.prefix(8))"
            ).path
        let scenarioValue = sim.configuration.scenario
        var options = ScanOptions(project: scenarioValue.projects[0].key)
        (options.adaptiveConcurrency, options.concurrency) = try ScanArguments.concurrency(concurrency, max: 8)
        options.adaptivePageSize = true
        options.since = scenarioValue.demoSince
        options.continues = true
        // The simulator's clock is this machine's: a minute covers JQL's minute resolution.
        options.overlap = 60
        var plan = ScanPlan(options: options, directory: directory, follow: DemoPasses.pause)
        var connection = try ConnectionOptions.parse([])
        connection.timeout = 120 * timeScale
        connection.fastFailTimeout = 60 * timeScale
        connection.linksTimeout = 600 * timeScale
        connection.backoffScale = timeScale
        connection.maxAttempts = 3
        let caFile =
            sim.configuration.tls
            ? FileManager.default.temporaryDirectory.appendingPathComponent("jira-resilient-demo-ca-\(getpid()).pem")
                .path : nil
        defer {
            if let caFile { try? FileManager.default.removeItem(atPath: caFile) }
            StandardStreams.err("demo: simulator scenario \(scenarioValue.name) at \(url) (time scale \(timeScale))")
        }
        do {
            if let caFile {
                try SimulatorCertificate.certificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
                connection.caBundle = caFile
            }
            // The simulator's token reaches the client in memory only: never argv, never the environment.
            let configuration = try connection.configuration(
                token: AccessToken(sim.configuration.token), concurrency: options.concurrency, url: url)
            if isatty(0) == 1 && isatty(1) == 1 {
                // On a terminal the demo goes on until `q`: a delta pass a few seconds after each
                // pass, each with something to watch.
                let app = ConsoleApp(themeName: theme, directory: directory)
                let hint =
                    out == nil
                    ? "checkpoint in \(directory); a new demo starts afresh in a new directory."
                    : "checkpoint: jira-resilient demo --out \(directory) resumes where it stopped."
                app.note { $0.resumeHint = hint }
                let passes = DemoPasses(sim: sim, project: options.project, app: app)
                plan.beforePass = { await passes.prepare(pass: $0) }
                let started = Date()
                try await ConsoleSession.run(
                    plan, configuration: configuration, theme: theme, app: app, summaryLine: false)
                StandardStreams.out(
                    try DemoCommand.summary(
                        project: options.project, directory: directory, seconds: Date().timeIntervalSince(started)))
            } else {
                StandardStreams.err("demo: not a terminal, so running as 'scan'")
                plan.follow = nil
                try await HeadlessScan.run(plan, configuration: configuration)
            }
        } catch let error as JiraError where error.code == .cancelled && out == nil {
            // Not "the same command resumes": each demo writes to a new directory.
            await sim.stop()
            StandardStreams.err(
                "jira-resilient: the demo was stopped; its files stay in \(directory) (a new demo starts afresh; demo --out \(directory) would resume this one)"
            )
            throw ExitCode(130)
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
    }

    /// The demo's ending, over every pass it ran: what the directory holds now, from the
    /// manifest's latest record of each issue.
    static func summary(project: String, directory: String, seconds: Double) throws(JiraError) -> String {
        let records = try OutputStore.latestRecords(in: directory).filter(\.isPresent)
        var tiers: [String: Int] = [:]
        for r in records { tiers[r.splitPage == true ? "hub (split pages)" : r.tier.rawValue, default: 0] += 1 }
        let incomplete = records.filter { !$0.complete }.count
        let tierText = ["full", "hub", "hub (split pages)", "minimal"].compactMap { name in
            tiers[name].map { "\(name) \($0)" }
        }.joined(separator: ", ")
        return UntrustedText.sanitized(
            "\(project) demo ended: \(records.count) issues in \(directory) over every pass (\(tierText))"
                + (incomplete > 0 ? "; \(incomplete) incomplete (run refetch --out \(directory))" : "; all complete")
                + String(format: "; %.1fs", seconds))
    }
}
