import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JiraExtract
import JiraResilient
import Logging
import ServiceLifecycle

/// One scan wired end to end: the extractor (with its client and `events.jsonl`) and the
/// command's own sinks (progress printer, console). Run as a `ServiceGroup`, so SIGINT, SIGTERM
/// and SIGHUP (the terminal went away) shut it down gracefully: the scan is cancelled, the
/// checkpoint saved, and the command exits 130.
struct ScanSession {
    let extractor: Extractor
    let scan: ScanService
    /// `--metrics`: serving while the session runs.
    let metrics: MetricsEndpoint?
    /// `DIR/control.sock`: consoles attach here (`console --attach DIR`).
    let control: ControlServer

    /// Opens the output directory and the client (no request yet) and starts `--metrics`.
    /// `passEnded` receives each pass's number and outcome as it ends.
    static func open(
        _ plan: ScanPlan, configuration: JiraClientConfiguration, extra: ScanEventSink,
        passEnded: @escaping @Sendable (Int, Result<ScanSummary, JiraError>) async -> Void = { _, _ in }
    ) async throws(JiraError) -> ScanSession {
        // First: a second scan on a directory a scan is writing must touch nothing there.
        let control = try await ControlServer.start(
            directory: plan.directory,
            hello: ControlHello(
                version: ToolVersion.current, revision: ControlProtocol.revision, pid: getpid(),
                project: plan.options.project, directory: plan.directory))
        var metrics: MetricsEndpoint?
        let extractor: Extractor
        do {
            if let address = plan.metrics {
                metrics = try await MetricsEndpoint.start(address, concurrency: plan.options.concurrency)
                StandardStreams.err("metrics: \(metrics!.url)")
            }
            extractor = try Extractor(
                configuration: configuration, options: plan.options, directory: plan.directory,
                events: metrics.map { extra + control.sink + $0.sink } ?? extra + control.sink, logEvents: true,
                eventRotation: plan.eventRotation)
        } catch {
            await metrics?.stop()
            await control.stop(reason: "the scan could not start: \(error.description)")
            throw error
        }
        let scan = ScanService(
            extractor: extractor, follow: plan.follow, beforePass: plan.beforePass, passEnded: passEnded)
        let desk = OperatorDesk(extractor: extractor, scan: scan)
        control.setHandler { await desk.perform($0, from: $1) }
        return ScanSession(extractor: extractor, scan: scan, metrics: metrics, control: control)
    }

    /// Runs the scan with `companions` (the console) in one service group until the group
    /// ends: when the scan ends (headless), or when a companion does (the console quits).
    /// Returns the scan's outcome, nil if it never ran. Always shuts the client down.
    func run(companions: [any Service] = []) async -> Result<ScanSummary, JiraError>? {
        var services = [
            ServiceGroupConfiguration.ServiceConfiguration(
                service: scan,
                successTerminationBehavior: companions.isEmpty ? .gracefullyShutdownGroup : .ignore)
        ]
        services += companions.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) }
        var configuration = ServiceGroupConfiguration(
            services: services, logger: Logger(label: "jira-resilient", factory: { _ in SwiftLogNoOpLogHandler() }))
        configuration.gracefulShutdownSignals = [.sigterm, .sigint, .sighup]
        // A graceful shutdown cancels the scan at once (its checkpoint is saved); one that
        // hangs past 30 s is cancelled as a whole.
        configuration.cancellationSignals = []
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        let group = ServiceGroup(configuration: configuration)
        do { try await group.run() } catch {
            // Services here never throw; a group error means it was cancelled as a whole.
        }
        if let failure = await extractor.shutdown() {
            StandardStreams.err("jira-resilient: warning: \(failure.description)")
        }
        await metrics?.stop()
        let outcome = scan.outcome
        let reason: String =
            switch outcome {
            case .success(let summary)?:
                "the scan has ended: \(summary.written) issues written, \(summary.incomplete) incomplete in the directory"
            case .failure(let error)?: "the scan has ended: \(error.description)"
            case nil: "the scan was stopped before it started"
            }
        await control.stop(reason: reason)
        return outcome
    }
}
