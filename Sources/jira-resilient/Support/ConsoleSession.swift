import Console
import Foundation
import JiraExtract
import JiraResilient

/// Runs a scan under the console: the UI on its thread, the scan and the operator's fetches
/// here. Returns the exit outcome once the operator quits (or a signal arrives).
enum ConsoleSession {
    static func run(scan: ScanArguments, connection: ConnectionOptions, theme: String) async throws {
        let app = ConsoleApp(themeName: theme, directory: scan.out)
        let session = try ScanSession.open(scan, connection, extra: app.sink)
        let extractor = session.extractor
        let scanResult = ScanResultBox()
        let scanTask = Task {
            let result = await session.runScanOnly()
            scanResult.set(result)
            if case .failure(let error) = result, error.code != .cancelled {
                app.note { $0.state = .failed(error.description); $0.append(.error, error.description, Date()) }
            }
        }
        let signals = Task {
            for await _ in SignalWaiter.terminationSignals() {
                app.note { $0.notice = "signal received: stopping and saving the checkpoint…" }
                scanTask.cancel()
                await scanTask.value
                app.stop()
                return
            }
        }
        let controller = Task {
            var fetches: [Task<Void, Never>] = []
            for await action in app.actionStream {
                switch action {
                case .quit:
                    scanTask.cancel()
                    for f in fetches { f.cancel() }
                    await scanTask.value
                    app.stop()
                    return
                case .setPaused(let paused):
                    await extractor.control.setPaused(paused)
                    session.relay.sink.send(.paused(paused))
                case .fetch(let key):
                    fetches.append(Task { await fetch([key], factor: 1, session: session, app: app, report: true) })
                case .refetch(let keys, let factor):
                    fetches.append(Task { await fetch(keys, factor: factor, session: session, app: app, report: false) })
                case .cycleTheme:
                    break
                }
            }
        }
        await app.run(noColor: ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false)
        controller.cancel()
        signals.cancel()
        scanTask.cancel()
        await scanTask.value
        await session.close()
        StandardStreams.err("output: \(scan.out)")
        switch scanResult.get() {
        case .success(var summary)?:
            // Re-fetches from the console may have completed issues since the scan ended.
            if let remaining = try? IssueFetcher.incompleteKeys(in: scan.out).count { summary.complete = summary.written - remaining }
            StandardStreams.out(ScanCommand.summaryLine(summary, directory: scan.out))
        case .failure(let error)?:
            throw error
        case nil:
            throw JiraError(.cancelled, "the scan was interrupted")
        }
    }

    /// A single fetch (`f`) or a re-fetch (`m`), with budgets multiplied by `factor`.
    static func fetch(_ keys: [String], factor: Int, session: ScanSession, app: ConsoleApp, report: Bool) async {
        var configuration = session.client.configuration
        configuration.timeout *= Double(factor)
        configuration.fastFailTimeout *= Double(factor)
        configuration.linksTimeout *= Double(factor)
        let client: JiraClient
        do { client = try JiraClient(configuration) } catch {
            app.note { $0.notice = "fetch failed: \(error.description)" }
            return
        }
        do {
            let outcomes = try await IssueFetcher.fetch(keys, client: client, store: session.extractor.store, concurrency: 2, events: session.relay.sink)
            for outcome in outcomes {
                switch outcome {
                case .written(let r):
                    let text = "\(r.key): \(r.tier.rawValue), \(r.links.map { "\($0) links" } ?? "links unknown"), \(r.complete ? "complete" : "missing " + r.missing.joined(separator: ", ")); written to issues/\(r.key).json"
                    app.note { $0.fetchResults[r.key] = text; if !report { $0.notice = text } }
                case .failed(let key, let error):
                    app.note { $0.fetchResults[key] = "\(key) failed: \(error.description)"; $0.notice = "\(key) failed: \(error.description)" }
                }
            }
        } catch {
            app.note { $0.notice = "fetch stopped: \(error.description)" }
        }
        await client.shutdown()
    }
}

final class ScanResultBox: Sendable {
    private let value = Mutex_<Result<ScanSummary, JiraError>?>(nil)
    func set(_ r: Result<ScanSummary, JiraError>) { value.set(r) }
    func get() -> Result<ScanSummary, JiraError>? { value.get() }
}
