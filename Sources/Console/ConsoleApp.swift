import Foundation
import JiraExtract
import Synchronization

/// The operator console: owns the screen on one dedicated thread, reduces scan events into the
/// model, renders frames, and turns keys into actions for the controller (which runs the scan
/// and the fetches, async, elsewhere). Nothing here blocks the engine: events are queued.
public final class ConsoleApp: Sendable {
    enum Inbox: Sendable {
        case event(Date, ScanEvent)
        case mutate(@Sendable (inout ConsoleModel) -> Void)
    }

    private let inbox = Mutex<[Inbox]>([])
    private let stopRequested = Mutex(false)
    private let library: ThemeLibrary
    private let initialTheme: String
    private let directory: String
    /// Receives every operator action; runs on the controller's side.
    private let actions: AsyncStream<ConsoleAction>.Continuation
    public let actionStream: AsyncStream<ConsoleAction>

    public init(themeName: String, library: ThemeLibrary = ThemeLibrary(), directory: String) {
        self.library = library
        initialTheme = library.theme(themeName) != nil ? themeName : "dark"
        self.directory = directory
        (actionStream, actions) = AsyncStream<ConsoleAction>.makeStream()
        if library.theme(themeName) == nil {
            note {
                $0.append(
                    .warning,
                    "theme '\(themeName)' not found; using dark (themes: \(library.names.joined(separator: ", ")))",
                    Date())
            }
        }
        for problem in library.problems {
            note { $0.append(.error, "theme \(problem.description); using the default theme", Date()) }
        }
    }

    /// Scan events for the screen; queued, never blocking.
    public var sink: ScanEventSink {
        ScanEventSink { [self] event in inbox.withLock { $0.append(.event(Date(), event)) } }
    }

    /// An event as another process saw it at `date` (`console --attach`); queued, never blocking.
    public func receive(_ event: ScanEvent, at date: Date) {
        inbox.withLock { $0.append(.event(date, event)) }
    }

    /// Changes the model from the controller (fetch results, notices).
    public func note(_ change: @escaping @Sendable (inout ConsoleModel) -> Void) {
        inbox.withLock { $0.append(.mutate(change)) }
    }

    /// Makes the UI loop end (after the controller has finished its work).
    public func stop() { stopRequested.withLock { $0 = true } }

    /// Runs the UI on its own thread until `stop()`; returns when the terminal is restored.
    public func run(noColor: Bool) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                uiLoop(noColor: noColor)
                done.resume()
            }
            thread.name = "console-ui"
            thread.start()
        }
        actions.finish()
    }

    private func uiLoop(noColor: Bool) {
        var theme = library.theme(initialTheme) ?? ThemeLibrary.fallback
        let screen = NcursesScreen(theme: theme, noColor: noColor)
        defer { screen.close() }
        var model = ConsoleModel()
        model.directory = directory
        model.themeName = theme.name + (screen.colors ? "" : " (mono)")
        var lastFrame = Date.distantPast
        var dirty = true
        var quitting = false
        var instantReturns = 0
        while !stopRequested.withLock({ $0 }) {
            let ticking = !model.inFlight.isEmpty || model.log.last?.until.map { $0 > Date() } == true
            let waitStarted = Date()
            let key = screen.readKey(milliseconds: ticking ? 100 : 250)
            // A read that returns nothing at once, again and again, means the terminal is gone:
            // stop as after a hangup (the controller saves the checkpoint) instead of spinning.
            if key == nil && Date().timeIntervalSince(waitStarted) < 0.01 {
                instantReturns += 1
                if instantReturns >= 20 && !screen.terminalAlive {
                    if !quitting { quitting = true; actions.yield(.quit) }
                    usleep(50_000)
                    continue
                }
            } else {
                instantReturns = 0
            }
            let items = inbox.withLock { items -> [Inbox] in
                defer { items.removeAll(keepingCapacity: true) }; return items
            }
            for item in items {
                switch item {
                case .event(let date, let event): model.apply(event, at: date)
                case .mutate(let change): change(&model)
                }
            }
            if !items.isEmpty { dirty = true }
            if let key {
                dirty = true
                if key == .resize {
                    screen.updateSize()
                    screen.invalidate()
                }
                if case .character = key, model.modal == nil { model.notice = nil }
                for action in ConsoleInput.handle(key, model: &model) {
                    switch action {
                    case .cycleTheme:
                        let names = library.names
                        let next = names[((names.firstIndex(of: theme.name) ?? 0) + 1) % names.count]
                        theme = library.theme(next) ?? theme
                        screen.apply(theme)
                        model.themeName = theme.name + (screen.colors ? "" : " (mono)")
                    case .quit:
                        if !quitting {
                            quitting = true
                            model.notice =
                                model.attached == nil
                                ? "stopping: finishing in-flight work and saving the checkpoint…"
                                : "detaching: the scan goes on"
                            actions.yield(.quit)
                        }
                    default:
                        actions.yield(action)
                    }
                }
            }
            let now = Date()
            if dirty || (ticking && now.timeIntervalSince(lastFrame) >= 0.1) || now.timeIntervalSince(lastFrame) >= 1 {
                screen.updateSize()
                screen.draw(ConsoleView.render(model, width: screen.width, height: screen.height, now: now))
                lastFrame = now
                dirty = false
            }
        }
    }
}
