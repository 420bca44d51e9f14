import Synchronization

/// Bounds the workers that hold a batch at once. With `--concurrency auto` there are as many
/// workers as the limit's ceiling, but only the adaptive limit's worth of requests run: without
/// the gate every idle worker would still take a batch, fetch its page and hold it (a page of
/// 200 issues is about 4 MB) while its completions wait for a slot. The gate opens to the limit
/// and one more (a batch ready when a slot frees) and follows it as it moves. Waiting ends on
/// a free place or on cancellation; every `enter` is balanced by one `leave`.
final class WorkerGate: Sendable {
    private struct State {
        var open: Int
        var busy = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID = 0
    }
    private let state: Mutex<State>

    /// `open` workers may hold a batch at once (at least one).
    init(open: Int) { state = Mutex(State(open: max(1, open))) }

    /// Workers holding a batch now, how many may, and how many wait.
    var counts: (busy: Int, open: Int, waiting: Int) { state.withLock { ($0.busy, $0.open, $0.waiters.count) } }

    /// Takes a place, waiting while `open` are taken; a cancelled task gets one at once (it
    /// stops before taking work, and its `leave` balances the count).
    func enter() async {
        let id: Int? = state.withLock { s in
            if s.busy < s.open || Task.isCancelled {
                s.busy += 1
                return nil
            }
            defer { s.nextID += 1 }
            return s.nextID
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { s -> Bool in
                    if Task.isCancelled || s.busy < s.open {
                        s.busy += 1
                        return true
                    }
                    s.waiters.append((id, c))
                    return false
                }
                if ready { c.resume() }
            }
        } onCancel: {
            let waiting = state.withLock { s -> CheckedContinuation<Void, Never>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                s.busy += 1
                return s.waiters.remove(at: index).continuation
            }
            waiting?.resume()
        }
    }

    /// Gives a place back.
    func leave() {
        let ready = state.withLock { s in
            s.busy -= 1
            return Self.admit(&s)
        }
        for c in ready { c.resume() }
    }

    /// Lets `open` workers hold a batch from now on (at least one); waiters come in if it grew.
    func setOpen(_ open: Int) {
        let ready = state.withLock { s in
            s.open = max(1, open)
            return Self.admit(&s)
        }
        for c in ready { c.resume() }
    }

    private static func admit(_ s: inout State) -> [CheckedContinuation<Void, Never>] {
        var ready: [CheckedContinuation<Void, Never>] = []
        while s.busy < s.open, !s.waiters.isEmpty {
            s.busy += 1
            ready.append(s.waiters.removeFirst().continuation)
        }
        return ready
    }
}
