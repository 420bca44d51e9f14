/// One back-off for the whole client: after a 429 every request waits until the server's
/// window has passed, so workers do not keep hammering a rate-limited server.
///
/// When the server names its refill rate (`X-RateLimit-*`), the gate also paces: requests then
/// leave at most one per token's refill time, the rate the server can sustain, instead of in
/// bursts that mostly meet 429s. Pacing ends once an answer shows tokens piling up again.
///
/// Time comes from `clock` (the continuous clock in the client), so the gate is tested with a
/// manual clock, without sleeping.
actor BackoffGate<C: Clock> where C.Duration == Duration {
    let clock: C
    private var until: C.Instant?
    /// The interval between two requests while pacing; nil when not pacing.
    private var spacing: Duration?
    /// The earliest instant the next paced request may leave.
    private var nextSlot: C.Instant
    /// When pacing began: only answers to requests sent since then speak for the bucket now.
    private var pacingSince: C.Instant

    init(clock: C) {
        self.clock = clock
        nextSlot = clock.now
        pacingSince = clock.now
    }

    /// Waits until the gate is open and, when pacing, for this request's slot; returns the
    /// instant the request was let go (its slot, when paced). Throws `CancellationError` if the
    /// task is cancelled.
    func pass() async throws -> C.Instant {
        while let until, until > clock.now {
            try await clock.sleep(until: until, tolerance: nil)
        }
        guard let spacing else { return clock.now }
        // The slot is taken before suspending, so concurrent callers get distinct slots.
        let now = clock.now
        let slot = max(nextSlot, now)
        nextSlot = slot.advanced(by: spacing)
        if slot > now { try await clock.sleep(until: slot, tolerance: nil) }
        return slot
    }

    /// Closes the gate for `seconds` (extends, never shortens, a closed gate).
    func hold(for seconds: Double) {
        let end = clock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
        if let until, until > end { return }
        until = end
    }

    /// Whether requests are being paced.
    var isPacing: Bool { spacing != nil }

    /// Starts pacing (or changes its rate): one request per `seconds`. Returns true if pacing
    /// was off before.
    @discardableResult
    func pace(every seconds: Double) -> Bool {
        guard seconds > 0, seconds.isFinite else { return false }
        let started = spacing == nil
        spacing = .microseconds(Int64(seconds * 1_000_000))
        if started {
            nextSlot = until ?? clock.now
            pacingSince = clock.now
        }
        return started
    }

    /// Ends pacing when the server reports at least `burst` tokens left in the answer to a
    /// request let go at `sentAt`, after pacing began (an older answer describes the bucket
    /// before it ran dry): the client is slower than the refill on its own. Returns true if
    /// pacing ended.
    @discardableResult
    func observe(remaining: Int, burst: Int, sentAt: C.Instant) -> Bool {
        guard spacing != nil, sentAt >= pacingSince, remaining >= burst else { return false }
        spacing = nil
        return true
    }
}
