import Synchronization

/// Bounds the response bodies received at once: any body may grow to `threshold` bytes freely
/// (so requests in flight hold at most `concurrency × threshold`), and only one body at a time
/// may grow past it, up to `--max-body`. Another large body waits at the threshold without
/// reading, so the server's TCP window, not our memory, holds the rest. Hostile servers that
/// answer every request with a body of `--max-body` thus cost one such body, not one per
/// request in flight; JIRA's own large answers (a hub's links, about 1.3 KB a link: 10 MB for
/// 8,000 links) pass one after another.
///
/// A request's time budget does not run while it waits here (see `PausableBudget`): a hub
/// queued behind another hub's transfer has not become slow.
final class BodyLane: Sendable {
    /// Bytes any one body may hold before it needs the lane.
    let threshold: Int
    private let lane = AsyncSemaphore(permits: 1)

    init(threshold: Int) { self.threshold = threshold }

    private let waitingCount = Mutex(0)

    /// Waits for the lane (cancellable); the caller releases it with `leave()`.
    func enter() async throws {
        waitingCount.withLock { $0 += 1 }
        defer { waitingCount.withLock { $0 -= 1 } }
        try await lane.acquire()
    }

    func leave() { lane.release() }

    /// Bodies waiting at the threshold now (counted from before they ask for the lane until
    /// they have it).
    var waiting: Int { waitingCount.withLock { $0 } }
}

/// A time budget that stops running while paused: `remaining` is the budget minus the time
/// spent outside pauses. Time comes from `clock` (the continuous clock in the client; a manual
/// one in tests, which then need not sleep).
final class PausableBudget<C: Clock>: Sendable where C.Duration == Duration {
    private struct State {
        var deadline: C.Instant
        var pausedAt: C.Instant?
    }
    private let clock: C
    private let state: Mutex<State>

    init(seconds: Double, clock: C) {
        self.clock = clock
        state = Mutex(State(deadline: clock.now.advanced(by: .milliseconds(Int64(seconds * 1000))), pausedAt: nil))
    }

    func pause() { state.withLock { if $0.pausedAt == nil { $0.pausedAt = clock.now } } }

    func resume() {
        state.withLock { s in
            guard let since = s.pausedAt else { return }
            s.deadline = s.deadline.advanced(by: since.duration(to: clock.now))
            s.pausedAt = nil
        }
    }

    /// How long until the budget runs out; while paused, a poll interval instead (the deadline
    /// is unknown until the pause ends).
    var untilDeadline: Duration? {
        state.withLock { s in
            if s.pausedAt != nil { return .milliseconds(100) }
            let left = clock.now.duration(to: s.deadline)
            return left > .zero ? left : nil
        }
    }
}

extension PausableBudget where C == ContinuousClock {
    convenience init(seconds: Double) { self.init(seconds: seconds, clock: ContinuousClock()) }
}
