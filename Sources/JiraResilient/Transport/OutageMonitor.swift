import Synchronization

/// Whether JIRA can be reached, for the whole client. Once JIRA has answered, a failure that
/// says it cannot be reached (refused, unknown host, connect timeout) — or three exchanges in a
/// row lost or answered by something that is not JIRA (a load balancer's 502/503/504 page, a
/// dropped connection) — starts an OUTAGE: every request holds without spending its attempts,
/// while one probe at a time asks `serverInfo` at a growing interval (capped at 60 s). The
/// first answer from JIRA ends it and releases every request at once.
///
/// The rule for "three in a row" follows how restarts look through a load balancer: nodes
/// drain one by one, so single failures are ordinary retries while a run of them with no
/// success between is the whole service going away.
///
/// Holding is cancellable. Past `limit` seconds of one outage every holder fails with
/// `JiraError.Code.outage`.
final class OutageMonitor: Sendable {
    enum Verdict: Sendable, Equatable {
        /// Retry per the retry policy (spending an attempt).
        case retry
        /// Hold until the outage ends, then send again without spending an attempt.
        case hold
        /// Before first contact: fail now, with the cause.
        case fail
    }

    struct State {
        var answeredOnce = false
        var consecutiveLost = 0
        var since: ContinuousClock.Instant?
        var probes = 0
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter = 0
        var gaveUp = false
        /// Outages begun so far: a wait that must not count outage time compares it.
        var epoch = 0
    }

    /// Lost or foreign answers in a row that make an outage even without a refused connect.
    static let runThreshold = 3

    private let state = Mutex(State())
    /// Seconds one outage may last before every holder fails.
    let limit: Double

    init(limit: Double) { self.limit = limit }

    var answeredOnce: Bool { state.withLock { $0.answeredOnce } }
    var isInOutage: Bool { state.withLock { $0.since != nil } }

    /// JIRA answered (any status, in JIRA's JSON): the run of failures ends.
    func recordAnswer() {
        state.withLock {
            $0.answeredOnce = true
            $0.consecutiveLost = 0
        }
    }

    /// An exchange failed without JIRA answering. Returns what the request should do, and
    /// whether this failure started the outage (the caller then starts the prober).
    /// `lastAttempt`: the request has no attempt left, so a retry would fail it; once JIRA has
    /// answered, that starts the outage instead (with `--max-attempts 1` or `2`, a load
    /// balancer's pages would otherwise fail issues before three in a row were seen).
    func recordLost(unreachable: Bool, lastAttempt: Bool = false) -> (Verdict, began: Bool) {
        state.withLock { s in
            guard s.answeredOnce else { return (unreachable ? .fail : .retry, false) }
            if s.since != nil { return (.hold, false) }
            s.consecutiveLost += 1
            guard unreachable || lastAttempt || s.consecutiveLost >= Self.runThreshold else { return (.retry, false) }
            s.since = .now
            s.probes = 0
            s.gaveUp = false
            s.epoch += 1
            return (.hold, true)
        }
    }

    /// Outages begun so far.
    var epoch: Int { state.withLock { $0.epoch } }

    /// Sleeps `seconds` of time during which JIRA was reachable: an outage during the sleep
    /// restarts it once JIRA is back. The ladder's hedge waits this way, so holding through an
    /// outage never passes for a slow rung. Throws on cancellation and when an outage gives up.
    func sleepWhileReachable(_ seconds: Double) async throws {
        while true {
            try await waitWhileOutage()
            let before = epoch
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            if epoch == before && !isInOutage { return }
        }
    }

    /// Waits while an outage lasts; returns at once outside one. Throws `CancellationError`
    /// when cancelled and `OutageExceeded` when the outage outlasted `limit`.
    func waitWhileOutage() async throws {
        let id: Int? = state.withLock { s in
            guard s.since != nil else { return nil }
            defer { s.nextWaiter += 1 }
            return s.nextWaiter
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: (any Error)?? = state.withLock { s in
                    if Task.isCancelled { return .some(CancellationError()) }
                    if s.gaveUp { return .some(OutageExceeded()) }
                    if s.since == nil { return .some(nil) }
                    s.waiters[id] = continuation
                    return nil
                }
                if let immediate {
                    if let error = immediate { continuation.resume(throwing: error) } else { continuation.resume() }
                }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Seconds the current outage has lasted, nil outside one.
    var elapsed: Double? { state.withLock { s in s.since.map { (ContinuousClock.now - $0).seconds } } }

    /// Counts a probe and returns its number (1-based).
    func nextProbe() -> Int {
        state.withLock { s in
            s.probes += 1; return s.probes
        }
    }

    /// JIRA answered a probe: releases every holder.
    func end() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.since = nil
            s.consecutiveLost = 0
            s.answeredOnce = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// The outage outlasted `limit`: every holder fails. The outage is over for later requests
    /// (an operator's fetch after the scan stopped): they try again, and a failure starts a new
    /// outage with its own prober.
    func giveUp() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.gaveUp = true
            s.since = nil
            s.consecutiveLost = 0
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume(throwing: OutageExceeded()) }
    }

    /// The probe interval after `probe` probes: 1, 2, 4 … seconds, capped at 60, times `scale`
    /// (the client's backoff scale), never under 10 ms.
    static func interval(afterProbe probe: Int, scale: Double) -> Double {
        max(0.01, min(60, pow2(max(0, probe - 1))) * scale)
    }

    private static func pow2(_ n: Int) -> Double { n >= 6 ? 64 : Double(1 << n) }
}

struct OutageExceeded: Error {}
