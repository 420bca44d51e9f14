import Synchronization
import JiraResilient

/// Issues waiting to be fetched, handed to workers in batches: the async sequence the workers
/// iterate. Closing it lets idle workers end; a worker waiting in `next` when its task is
/// cancelled gets nil at once. The lister waits in `waitForRoom` so that it runs only a few
/// pages ahead of the workers: memory and the checkpoint's pending list stay bounded by that
/// lead, not by the project's size.
final class WorkQueue: Sendable {
    private struct State {
        var items: [Checkpoint.PendingIssue] = []
        var head = 0
        /// Every key pushed this pass: a key listed again (a listing page repeated after a cursor
        /// recovery) is not fetched and counted twice. About 32 bytes a key.
        var queued: Set<IssueKey> = []
        var closed = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
        /// The lister, waiting until at most `limit` issues wait.
        var room: (limit: Int, continuation: CheckedContinuation<Void, Never>)?
    }
    private let state = Mutex(State())

    /// Adds issues not pushed before.
    func push(_ issues: [Checkpoint.PendingIssue]) {
        wake { s in for issue in issues where s.queued.insert(issue.key).inserted { s.items.append(issue) } }
    }

    /// No more issues will come: workers end once the queue is empty.
    func close() {
        wake { $0.closed = true }
        takeRoom()?.resume()
    }

    /// Takes the lister's continuation, if it waits (and, with `onlyIfRoom`, if its room has come).
    private func takeRoom(onlyIfRoom: Bool = false) -> CheckedContinuation<Void, Never>? {
        state.withLock { s in
            guard let room = s.room, !onlyIfRoom || s.items.count - s.head <= room.limit else { return nil }
            s.room = nil
            return room.continuation
        }
    }

    private func wake(_ change: (inout State) -> Void) {
        let waiters = state.withLock { s in
            change(&s)
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns once at most `limit` issues wait to be taken, at once when the queue is closed
    /// or the task is cancelled. One caller at a time (the lister).
    func waitForRoom(atMost limit: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { s -> Bool in
                    if Task.isCancelled || s.closed || s.items.count - s.head <= limit { return true }
                    s.room = (limit, c)
                    return false
                }
                if ready { c.resume() }
            }
        } onCancel: {
            takeRoom()?.resume()
        }
    }

    /// Up to `size` issues; nil once the queue is closed and empty, or the task is cancelled.
    func next(size: Int) async -> [Checkpoint.PendingIssue]? {
        while true {
            if Task.isCancelled { return nil }
            enum Take { case batch([Checkpoint.PendingIssue]), done, wait(Int) }
            let take: Take = state.withLock { s in
                if s.head < s.items.count {
                    let end = min(s.items.count, s.head + size)
                    let batch = Array(s.items[s.head..<end])
                    s.head = end
                    if s.head > 4096 && s.head * 2 > s.items.count {
                        s.items.removeFirst(s.head)
                        s.head = 0
                    }
                    return .batch(batch)
                }
                if s.closed { return .done }
                defer { s.nextWaiter += 1 }
                return .wait(s.nextWaiter)
            }
            switch take {
            case .batch(let batch):
                takeRoom(onlyIfRoom: true)?.resume()
                return batch
            case .done: return nil
            case .wait(let id):
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                        let ready = state.withLock { s -> Bool in
                            if Task.isCancelled || s.head < s.items.count || s.closed { return true }
                            s.waiters[id] = c
                            return false
                        }
                        if ready { c.resume() }
                    }
                } onCancel: {
                    state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
                }
            }
        }
    }

    var waiting: Int { state.withLock { $0.items.count - $0.head } }
}

/// Pause and resume: in-flight work finishes, nothing new starts while paused. Waiting ends on
/// resume or on cancellation (a paused scan stops at once).
public final class ScanControl: Sendable {
    private struct State {
        var paused = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }
    private let state = Mutex(State())
    public init() {}

    public var isPaused: Bool { state.withLock { $0.paused } }

    public func setPaused(_ value: Bool) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.paused = value
            guard !value else { return [] }
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns once not paused, or at once when the task is cancelled.
    func waitWhilePaused() async {
        while !Task.isCancelled {
            let id: Int? = state.withLock { s in
                guard s.paused else { return nil }
                defer { s.nextWaiter += 1 }
                return s.nextWaiter
            }
            guard let id else { return }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { s -> Bool in
                        if Task.isCancelled || !s.paused { return true }
                        s.waiters[id] = c
                        return false
                    }
                    if ready { c.resume() }
                }
            } onCancel: {
                state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }
}
