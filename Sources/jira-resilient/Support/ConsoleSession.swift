import Console
import Foundation
import JiraExtract
import JiraResilient
import ServiceLifecycle

/// The console as a service beside the scan: the UI on its own thread, and a controller here
/// that performs the operator's actions. Quitting (or a signal) stops the scan first, so the
/// screen shows it saving its checkpoint, then ends the UI and so the group.
final class ConsoleService: Service, Sendable {
    let app: ConsoleApp
    let session: ScanSession
    let noColor: Bool

    init(app: ConsoleApp, session: ScanSession, noColor: Bool) {
        self.app = app
        self.session = session
        self.noColor = noColor
    }

    func run() async {
        let app = self.app, session = self.session
        await withDiscardingTaskGroup { group in
            group.addTask { await self.control() }
            await withGracefulShutdownHandler {
                await app.run(noColor: self.noColor)
            } onGracefulShutdown: {
                app.note { $0.notice = "signal received: stopping and saving the checkpoint…" }
                Task {
                    await session.scan.stop()
                    app.stop()
                }
            }
        }
    }

    /// Performs actions until the UI ends; fetches in flight then are cancelled.
    private func control() async {
        let desk = OperatorDesk(extractor: session.extractor, scan: session.scan)
        let app = self.app
        let me = getpid()
        await withDiscardingTaskGroup { fetches in
            for await action in app.actionStream {
                switch action {
                case .quit:
                    await session.scan.stop()
                    app.stop()
                case .stopScan:
                    _ = await desk.perform(.stop, from: me)
                case .setPaused(let paused):
                    _ = await desk.perform(.setPaused(paused), from: me)
                case .fetch(let key):
                    fetches.addTask {
                        await Self.report(desk.perform(.fetch(key: key), from: me), report: true, to: app)
                    }
                case .refetch(let keys, let factor):
                    fetches.addTask {
                        await Self.report(
                            desk.perform(.refetch(keys: keys, budgetFactor: Double(factor)), from: me), report: false,
                            to: app)
                    }
                case .cycleTheme:
                    break
                }
            }
            fetches.cancelAll()
        }
    }

    static func report(_ outcomes: [OperatorOutcome], report: Bool, to app: ConsoleApp) {
        for outcome in outcomes { app.note { $0.note(outcome, report: report, at: Date()) } }
    }
}

/// Runs a scan under the console until the operator quits (or a signal arrives).
enum ConsoleSession {
    /// `app`: the console to show (the demo builds its own, to narrate its passes into it).
    /// Returns the scan's summary once the operator quits after it finished.
    @discardableResult
    /// `summaryLine`: print the last pass's summary on stdout (the demo prints its own, of
    /// every pass).
    static func run(
        _ plan: ScanPlan, configuration: JiraClientConfiguration, theme: String, app given: ConsoleApp? = nil,
        summaryLine: Bool = true
    ) async throws(JiraError) -> ScanSummary {
        let app = given ?? ConsoleApp(themeName: theme, directory: plan.directory)
        let session = try await ScanSession.open(plan, configuration: configuration, extra: app.sink)
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let console = ConsoleService(app: app, session: session, noColor: noColor)
        let result = await session.run(companions: [console])
        StandardStreams.err("output: \(plan.directory)")
        switch result {
        case .success(var summary)?:
            // Re-fetches from the console may have changed what the files hold since the pass
            // ended: the checkpoint has been recounted; the summary says the same.
            let now = await session.extractor.store.current
            if now.phase == .done {
                summary.written = now.written
                summary.tiers = now.tiers
                summary.complete = now.written - (now.incompleteThisPass ?? 0)
                summary.incomplete = now.incomplete
            }
            if summaryLine { StandardStreams.out(ScanCommand.summaryLine(summary, directory: plan.directory)) }
            return summary
        case .failure(let error)?:
            throw error
        case nil:
            throw JiraError(.cancelled, "the scan was interrupted")
        }
    }
}
