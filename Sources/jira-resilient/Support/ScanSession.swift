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
    /// The directory held nothing of ours when the scan began (nil), or did not exist (true):
    /// a scan that fails before its first checkpoint leaves it as it found it.
    let fresh: Bool?

    /// Opens the output directory and the client (no request yet) and starts `--metrics`.
    /// `passEnded` receives each pass's number and outcome as it ends.
    static func open(
        _ plan: ScanPlan, configuration: JiraClientConfiguration, extra: ScanEventSink,
        passEnded: @escaping @Sendable (Int, Result<ScanSummary, JiraError>) async -> Void = { _, _ in }
    ) async throws(JiraError) -> ScanSession {
        let fresh = FreshDirectory.probe(plan.directory)
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
        return ScanSession(extractor: extractor, scan: scan, metrics: metrics, control: control, fresh: fresh)
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
        // A first contact that failed (wrong URL, token, proxy) leaves no half-made directory.
        if case .failure? = outcome, let created = fresh {
            FreshDirectory.undo(extractor.store.directory, created: created)
        }
        return outcome
    }
}

/// What a scan that never reached its first checkpoint leaves behind: nothing.
enum FreshDirectory {
    /// nil when `directory` holds anything already (it is not ours to tidy); otherwise whether
    /// the scan will create it (true) or found it empty (false).
    static func probe(_ directory: String) -> Bool? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return true }
        guard isDirectory.boolValue, let entries = try? FileManager.default.contentsOfDirectory(atPath: directory),
            entries.isEmpty
        else { return nil }
        return false
    }

    /// Removes what a scan creates (events, an empty manifest, the field catalog, an empty
    /// `issues/`), and the directory itself if the scan created it, unless a checkpoint was
    /// saved meanwhile (then the scan got far enough for its files to matter).
    static func undo(_ directory: String, created: Bool) {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: directory + "/state.json") else { return }
        let manifest = directory + "/manifest.jsonl"
        if let size = ((try? fm.attributesOfItem(atPath: manifest))?[.size] as? NSNumber)?.intValue, size > 0 { return }
        if let issues = try? fm.contentsOfDirectory(atPath: directory + "/issues"), !issues.isEmpty { return }
        for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        where ["events.jsonl", "manifest.jsonl", "fields.json", "issues", ControlProtocol.socketName].contains(name)
            || name.hasPrefix("events.jsonl.")
        {
            try? fm.removeItem(atPath: directory + "/" + name)
        }
        if created, (try? fm.contentsOfDirectory(atPath: directory))?.isEmpty == true { rmdir(directory) }
    }
}
