import Synchronization

/// How many requests a client keeps in flight.
public enum ConcurrencyLimit: Sendable, Equatable {
    /// Exactly this many ordinary requests; the links lane has its own slots.
    case fixed(Int)
    /// A limit that adapts to JIRA's latency, from 1 to `max` (see `RequestLimiter`).
    case adaptive(max: Int)

    /// The most requests this setting ever has in flight (ordinary ones).
    public var ceiling: Int {
        switch self {
        case .fixed(let n): n
        case .adaptive(let max): max
        }
    }
}

/// What the limiter knows of JIRA's load, for the console and the events.
public struct LoadSnapshot: Sendable, Equatable, Codable {
    /// Requests allowed in flight now (the adaptive limit, or the fixed one).
    public var limit: Int
    /// Requests in flight now, the links lane included.
    public var inFlight: Int
    /// Whether the limit adapts (`--concurrency auto`).
    public var adaptive: Bool
    /// The fastest answer seen for the most common kind of request, seconds.
    public var floorSeconds: Double?
    /// The latest answers of that kind, seconds (a moving average).
    public var recentSeconds: Double?
    /// How much slower than their floors answers are now (1 = as fast as ever).
    public var inflation: Double
    /// Server time the scan has cost so far, estimated: each answer counts its kind's floor (what
    /// it would take on an idle node), each failed or abandoned attempt the time it ran.
    public var serverSeconds: Double

    public init(
        limit: Int, inFlight: Int, adaptive: Bool, floorSeconds: Double?, recentSeconds: Double?,
        inflation: Double, serverSeconds: Double
    ) {
        self.limit = limit
        self.inFlight = inFlight
        self.adaptive = adaptive
        self.floorSeconds = floorSeconds
        self.recentSeconds = recentSeconds
        self.inflation = inflation
        self.serverSeconds = serverSeconds
    }
}

/// Bounds the requests in flight, with a limit that is fixed or adapts to JIRA's latency.
///
/// Adaptive (Vegas-style): every kind of request (operation, rung, page size in powers of two)
/// keeps its floor: the lowest average it has had over a round (as many answers as the limit, at
/// least `minimumRound`). After each round the limiter compares the round's averages with the
/// floors, weighted by answers: while they stay within
/// `growBelow` of them and requests waited for a slot, the limit grows by one; once they are
/// `shrinkAbove` slower, it shrinks by a fifth (at least one); a 429 or a 503 halves it at once, and so does a
/// fast-fail timeout while answers are slower than `growBelow` of their floors. A timeout among
/// answers at their floor is one slow request (a hub's page, which the ladder handles), not a
/// loaded server: it only stops the round from growing the limit. On a node of K cores shared by processor sharing, answers stay at their floor up to about
/// K requests in service and slow down in proportion beyond, so the limit settles near the node's
/// free cores: as fast as fixed concurrency there, without lengthening every other user's answers.
///
/// The links lane (a hub's links, minutes long) does not wait for the limit but counts in flight
/// against it, so a hub being serialized leaves the rest fewer slots; one ordinary request may
/// always run. Waiting is cancellable; `release` is synchronous.
final class RequestLimiter: Sendable {
    /// What a finished request says about JIRA's load.
    enum Outcome: Sendable {
        /// Answered (any status but the ones below), in `seconds`; `kind` groups comparable requests.
        case answered(seconds: Double, kind: String)
        /// A 429 or a 503: JIRA (or what is in front of it) is overloaded.
        case overloaded(seconds: Double)
        /// The request ran out of its budget: overload if other answers are slow too.
        case timedOut(seconds: Double)
        /// Says nothing about load (a connection refused, a cancellation, the links lane).
        case neutral(seconds: Double)

        var seconds: Double {
            switch self {
            case .answered(let seconds, _), .overloaded(let seconds), .timedOut(let seconds), .neutral(let seconds):
                seconds
            }
        }
    }

    static let growBelow = 1.3
    /// The stretch an administrator accepts for other users' answers (the capacity benchmark's
    /// target): at or above it, the limit shrinks.
    static let shrinkAbove = 1.5
    /// Answers between two snapshots when the limit holds still.
    static let publishEvery = 25

    /// One kind of request: its floor is the lowest round average it has had (a single answer is
    /// too noisy a floor: the client's own scheduling jitter would read as load).
    private struct Kind {
        var floor: Double?
        var recent: Double
        var samples: Int
        /// This round's answers: their sum and count.
        var roundSum = 0.0
        var roundCount = 0
    }

    private struct State {
        var limit: Int
        var inFlight = 0
        var rescueInFlight = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID = 0
        var kinds: [String: Kind] = [:]
        var round: (answers: Int, waited: Bool, timedOut: Bool) = (0, false, false)
        var inflation = 1.0
        var serverSeconds = 0.0
        var sincePublished = Int.max / 2
    }

    let mode: ConcurrencyLimit
    private let state: Mutex<State>
    /// Called with a snapshot whenever the limit changes, and every `publishEvery` answers otherwise.
    private let publish: @Sendable (LoadSnapshot) -> Void

    init(_ mode: ConcurrencyLimit, publish: @escaping @Sendable (LoadSnapshot) -> Void = { _ in }) {
        self.mode = mode
        self.publish = publish
        let initial: Int
        switch mode {
        case .fixed(let n): initial = max(1, n)
        case .adaptive(let max): initial = min(2, Swift.max(1, max))
        }
        state = Mutex(State(limit: initial))
    }

    var snapshot: LoadSnapshot { state.withLock { snapshot($0) } }
    /// Whether the last round's answers were slower than `growBelow` of their floors (any mode:
    /// a fixed limit measures the latency too).
    var isLoaded: Bool { state.withLock { $0.inflation >= Self.growBelow } }
    /// Requests waiting for a slot now.
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Takes a slot, waiting while the limit is reached; throws `CancellationError` if cancelled while
    /// waiting. The links lane (`rescue`) never waits here (its own lane bounds it).
    func acquire(rescue: Bool = false) async throws {
        let id: Int? = state.withLock { s in
            if rescue {
                s.rescueInFlight += 1
                return nil
            }
            if s.inFlight == 0 || s.inFlight + countedRescue(s) < s.limit {
                s.inFlight += 1
                // The limit binds: this request took the last slot.
                if s.inFlight + countedRescue(s) >= s.limit { s.round.waited = true }
                return nil
            }
            s.round.waited = true
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

    /// Gives the slot back with what the request said about JIRA's load.
    func release(rescue: Bool = false, _ outcome: Outcome) {
        var published: LoadSnapshot?
        let ready = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            if rescue { s.rescueInFlight -= 1 } else { s.inFlight -= 1 }
            let before = s.limit
            learn(outcome, &s)
            s.sincePublished += 1
            if s.limit != before || s.sincePublished >= Self.publishEvery {
                s.sincePublished = 0
                published = snapshot(s)
            }
            return admit(&s)
        }
        for c in ready { c.resume() }
        if let published { publish(published) }
    }

    /// Rescue requests in flight that count against the limit (only an adaptive one).
    private func countedRescue(_ s: State) -> Int {
        if case .adaptive = mode { return s.rescueInFlight }
        return 0
    }

    private func admit(_ s: inout State) -> [CheckedContinuation<Void, any Error>] {
        var ready: [CheckedContinuation<Void, any Error>] = []
        while !s.waiters.isEmpty, s.inFlight == 0 || s.inFlight + countedRescue(s) < s.limit {
            ready.append(s.waiters.removeFirst().continuation)
            s.inFlight += 1
        }
        return ready
    }

    private func learn(_ outcome: Outcome, _ s: inout State) {
        switch outcome {
        case .neutral(let seconds):
            s.serverSeconds += seconds
        case .overloaded(let seconds):
            s.serverSeconds += seconds
            guard case .adaptive = mode else { return }
            s.limit = max(1, s.limit / 2)
            endRound(&s, decide: false)
        case .timedOut(let seconds):
            s.serverSeconds += seconds
            guard case .adaptive = mode else { return }
            if (roundInflation(s) ?? s.inflation) >= Self.growBelow {
                s.limit = max(1, s.limit / 2)
                endRound(&s, decide: false)
            } else {
                s.round.timedOut = true
            }
        case .answered(let seconds, let name):
            var kind = s.kinds[name] ?? Kind(floor: nil, recent: seconds, samples: 0)
            kind.recent = kind.samples == 0 ? seconds : kind.recent * 0.8 + seconds * 0.2
            kind.samples += 1
            kind.roundSum += seconds
            kind.roundCount += 1
            s.kinds[name] = kind
            s.serverSeconds += min(seconds, kind.floor ?? seconds)
            s.round.answers += 1
            if s.round.answers >= max(Self.minimumRound, s.limit) { endRound(&s, decide: true) }
        }
    }

    /// Answers in a round at least (the floors are averages of a round's answers of a kind).
    static let minimumRound = 8

    /// Ends a round: each kind's round average against its floor (then the floor takes the lower
    /// of the two), their mean weighted by answers is the inflation; the limit moves by it.
    private func endRound(_ s: inout State, decide: Bool) {
        // A kind seen for the first time (a larger page, a sub-resource) takes its first round
        // without the load the known kinds show in that round (or, when none answered, the
        // last round's reading): on a node shared by processor sharing every request in service
        // slows by the same factor, so a kind first seen under load would otherwise take the
        // loaded latency as its floor and hide that load. Only a reading past `growBelow`
        // counts as load: floors only fall, and one set too low would read as load for good.
        let reading = roundInflation(s) ?? s.inflation
        let load = reading >= Self.growBelow ? reading : 1
        var weighted = 0.0
        var counted = 0
        for (name, var kind) in s.kinds where kind.roundCount > 0 {
            let average = kind.roundSum / Double(kind.roundCount)
            if let floor = kind.floor, kind.roundCount >= 2 {
                weighted += average / floor * Double(kind.roundCount)
                counted += kind.roundCount
            }
            if kind.roundCount >= 2 {
                let unloaded = kind.floor == nil ? average / load : average
                kind.floor = min(kind.floor ?? unloaded, max(unloaded, 1e-6))
            }
            kind.roundSum = 0
            kind.roundCount = 0
            s.kinds[name] = kind
        }
        let waited = s.round.waited && !s.round.timedOut
        s.round = (0, false, false)
        guard counted > 0 else { return }
        let mean = weighted / Double(counted)
        s.inflation = mean
        guard decide, case .adaptive(let ceiling) = mode else { return }
        if mean < Self.growBelow, waited {
            s.limit = min(ceiling, s.limit + 1)
        } else if mean >= Self.shrinkAbove {
            s.limit = max(1, s.limit - max(1, s.limit / 5))
        }
    }

    /// This round's answers against their floors so far (weighted by answers); nil before any
    /// kind with a floor has answered twice in the round.
    private func roundInflation(_ s: State) -> Double? {
        var weighted = 0.0
        var counted = 0
        for kind in s.kinds.values where kind.roundCount >= 2 {
            guard let floor = kind.floor else { continue }
            weighted += kind.roundSum / floor
            counted += kind.roundCount
        }
        return counted > 0 ? weighted / Double(counted) : nil
    }

    private func snapshot(_ s: State) -> LoadSnapshot {
        let main = s.kinds.values.filter { $0.floor != nil }.max { $0.samples < $1.samples }
        let adaptive: Bool
        if case .adaptive = mode { adaptive = true } else { adaptive = false }
        return LoadSnapshot(
            limit: s.limit, inFlight: s.inFlight + s.rescueInFlight, adaptive: adaptive,
            floorSeconds: main?.floor, recentSeconds: main?.recent, inflation: s.inflation,
            serverSeconds: s.serverSeconds)
    }
}
