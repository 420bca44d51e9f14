import JiraExtract
import JiraResilient
import ServiceLifecycle
import Synchronization

/// The scan as a service of a `ServiceGroup`: `run()` runs the extractor to its end (or, with
/// `follow`, pass after pass); a graceful shutdown (a signal, or the console quitting) or
/// `stop()` cancels it, and the extractor saves its checkpoint before returning. The outcome
/// is kept for the command to report.
final class ScanService: Service, Sendable {
    let extractor: Extractor
    private struct State {
        var stopRequested = false
        var outcome: Result<ScanSummary, JiraError>?
        var running: Task<Result<ScanSummary, JiraError>, Never>?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())
    /// `--follow`: seconds between passes; nil for one pass.
    let follow: Double?
    let beforePass: @Sendable (Int) async -> Void
    let passEnded: @Sendable (Int, Result<ScanSummary, JiraError>) async -> Void

    init(
        extractor: Extractor, follow: Double? = nil, beforePass: @escaping @Sendable (Int) async -> Void = { _ in },
        passEnded: @escaping @Sendable (Int, Result<ScanSummary, JiraError>) async -> Void = { _, _ in }
    ) {
        self.extractor = extractor
        self.follow = follow
        self.beforePass = beforePass
        self.passEnded = passEnded
    }

    /// The scan's outcome once it has ended; nil before, or when it never ran.
    var outcome: Result<ScanSummary, JiraError>? { state.withLock { $0.outcome } }

    func run() async {
        let extractor = self.extractor
        let task: Task<Result<ScanSummary, JiraError>, Never>? = state.withLock { s in
            guard !s.stopRequested else { return nil }
            let task = Task { [follow, beforePass, passEnded] () -> Result<ScanSummary, JiraError> in
                guard let follow else {
                    let outcome: Result<ScanSummary, JiraError>
                    do throws(JiraError) { outcome = .success(try await extractor.run()) } catch {
                        outcome = .failure(error)
                    }
                    await passEnded(1, outcome)
                    return outcome
                }
                // Following, stopping is how a run ends: once a pass has finished, a stop (q, a
                // signal) ends it with that pass's outcome, even mid-pass (the interrupted
                // pass's checkpoint is saved, and the next run resumes it).
                let last = Mutex<Result<ScanSummary, JiraError>?>(nil)
                let lastDone = Mutex<ScanSummary?>(nil)
                do throws(JiraError) {
                    try await extractor.follow(every: follow, beforePass: beforePass) { number, outcome in
                        last.withLock { $0 = outcome }
                        if case .success(let summary) = outcome { lastDone.withLock { $0 = summary } }
                        await passEnded(number, outcome)
                    }
                } catch {
                    if error.code == .cancelled, let done = lastDone.withLock({ $0 }) { return .success(done) }
                    return .failure(error)
                }
                // Stopped between passes: the last pass that finished, else the last outcome.
                if let done = lastDone.withLock({ $0 }) { return .success(done) }
                return last.withLock { $0 } ?? .failure(JiraError(.cancelled, "the scan was stopped before it started"))
            }
            s.running = task
            return task
        }
        let outcome: Result<ScanSummary, JiraError>
        if let task {
            outcome = await withTaskCancellationOrGracefulShutdownHandler {
                await task.value
            } onCancelOrGracefulShutdown: {
                task.cancel()
            }
        } else {
            outcome = .failure(JiraError(.cancelled, "the scan was stopped before it started"))
        }
        let waiters = state.withLock { s in
            s.outcome = outcome
            s.running = nil
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    /// Cancels the scan (its checkpoint is saved) and returns once it has ended. Called before
    /// `run()`, it makes `run()` end at once; call it only while the service's group runs.
    func stop() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                s.stopRequested = true
                s.running?.cancel()
                if s.outcome != nil { return true }
                s.waiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }
}
