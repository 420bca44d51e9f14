import Console
import Foundation
import JiraExtract
import JiraResilient
import Synchronization
import UnixSignals

/// `console --attach DIR`: the console of a scan running in another process, through its
/// control socket. `q` detaches (the scan goes on); `X`, confirmed, stops the scan. Without a
/// terminal, the scan's progress lines go to stderr until it ends or a signal detaches.
enum AttachedConsole {
    static func run(directory: String, theme: String) async throws(JiraError) {
        if isatty(0) == 1 && isatty(1) == 1 {
            try await interactive(directory: directory, theme: theme)
        } else {
            try await lines(directory: directory)
        }
    }

    private static func interactive(directory: String, theme: String) async throws(JiraError) {
        let app = ConsoleApp(themeName: theme, directory: directory)
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        try await ControlClient.attach(directory: directory, version: ToolVersion.current) { connection, messages in
            app.note { $0.attached = connection.hello }
            // A signal detaches, as q does (the scan goes on); ncurses must not get it first.
            let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sighup)
            let watcher = Task {
                for await _ in signals {
                    app.stop()
                    connection.close()
                    return
                }
            }
            defer { watcher.cancel() }
            await withDiscardingTaskGroup { group in
                group.addTask { await app.run(noColor: noColor) }
                group.addTask { await forward(app.actionStream, to: connection, app: app) }
                let reason = await relay(&messages, to: app)
                app.note { $0.lose(reason, at: Date()) }
            }
        }
    }

    /// Sends the operator's actions to the scan until the UI ends; `q` detaches.
    private static func forward(
        _ actions: AsyncStream<ConsoleAction>, to connection: ControlConnection, app: ConsoleApp
    ) async {
        for await action in actions {
            let message: ControlAction
            switch action {
            case .quit:
                app.stop()
                connection.close()
                continue
            case .cycleTheme: continue
            case .stopScan: message = .stop
            case .setPaused(let paused): message = .setPaused(paused)
            case .fetch(let key): message = .fetch(key: key)
            case .refetch(let keys, let factor): message = .refetch(keys: keys, budgetFactor: Double(factor))
            }
            do { try await connection.send(message) } catch {
                app.note { model in
                    model.setNotice("the scan is gone: nothing was sent", Date())
                    if case .fetch(let key) = action { model.operatorWork.remove(key) }
                    if case .refetch(let keys, _) = action { model.operatorWork.subtract(keys) }
                }
            }
        }
    }

    /// Applies the scan's messages to the console until the connection ends; returns why.
    private static func relay(_ messages: inout ControlMessages, to app: ConsoleApp) async -> String {
        do {
            while let message = try await messages.next() {
                switch message {
                case .hello: break
                case .snapshot(let snapshot): app.note { $0.restore(snapshot) }
                case .event(let dated): app.receive(dated.event, at: dated.at)
                case .outcome(let outcome, let report): app.note { $0.note(outcome, report: report, at: Date()) }
                case .closing(let reason): return "detached: " + reason
                }
            }
            return "detached: the scan's socket closed"
        } catch is CancellationError {
            return "detached"
        } catch {
            return "detached: the connection to the scan failed (\(error))"
        }
    }

    /// Without a terminal: the headless progress lines of the scan, on stderr, until it ends
    /// (a signal detaches).
    private static func lines(directory: String) async throws(JiraError) {
        let printer = ProgressPrinter()
        try await ControlClient.attach(directory: directory, version: ToolVersion.current) { connection, messages in
            StandardStreams.err(
                "console: not a terminal, so printing the scan's progress (pid \(connection.hello.pid), \(connection.hello.project)); Ctrl-C detaches"
            )
            // A signal detaches: the connection closes, and the messages end.
            let signals = Task {
                for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm, .sighup) {
                    connection.close()
                    return
                }
            }
            defer { signals.cancel() }
            let ticker = Task { await printer.run() }
            defer { ticker.cancel() }
            while let message = try? await messages.next() {
                switch message {
                case .snapshot(let snapshot):
                    printer.restore(snapshot.progress)
                case .event(let dated): printer.sink.send(dated.event)
                case .closing(let reason):
                    StandardStreams.err("console: detached: \(reason)")
                    return
                case .hello, .outcome: break
                }
            }
            StandardStreams.err("console: detached")
        }
    }
}
