import Synchronization

/// Bounds how many requests are in flight. Waiting is cancellable; permits are handed over in
/// arrival order; `release()` is synchronous so it can run in a `defer`.
final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID = 0
    }
    private let state: Mutex<State>

    init(permits: Int) { state = Mutex(State(available: max(1, permits))) }

    /// Takes a permit, waiting if none is free; throws `CancellationError` if cancelled while waiting.
    func acquire() async throws {
        let id: Int? = state.withLock { s in
            if s.available > 0 {
                s.available -= 1
                return nil
            }
            defer { s.nextID += 1 }
            return s.nextID
        }
        guard let id else { return }
        try await waitInQueue(
            enqueue: { continuation in
                state.withLock { s in
                    if Task.isCancelled { return false }
                    s.waiters.append((id, continuation))
                    return true
                }
            },
            dequeue: { [self] in
                state.withLock { s in
                    s.waiters.firstIndex { $0.id == id }.map { s.waiters.remove(at: $0).continuation }
                }
            })
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            if s.waiters.isEmpty {
                s.available += 1
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}

/// Suspends the caller in a waiter queue until someone resumes its continuation; cancellation
/// takes it out of the queue and throws `CancellationError`. `enqueue` stores the continuation under
/// the caller's lock (returning false if the task is already cancelled, under that same lock);
/// `dequeue` removes it again if it is still queued. Shared by `AsyncSemaphore` and `RequestLimiter`.
func waitInQueue(
    enqueue: (CheckedContinuation<Void, any Error>) -> Bool,
    dequeue: @Sendable () -> CheckedContinuation<Void, any Error>?
) async throws {
    try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if !enqueue(continuation) { continuation.resume(throwing: CancellationError()) }
        }
    } onCancel: {
        dequeue()?.resume(throwing: CancellationError())
    }
}
