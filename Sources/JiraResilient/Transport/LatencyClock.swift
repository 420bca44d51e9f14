/// Where the transport reads the time for the latencies it reports (`requestFinished`'s
/// seconds) and feeds the request limiter (the time to the response head): the monotonic
/// clock, or, in tests, one the test moves. Budgets and waits keep the real clock.
struct LatencyClock: Sendable {
    /// Time since an arbitrary fixed origin; only differences mean anything.
    let now: @Sendable () -> Duration

    /// The process's monotonic clock.
    static let continuous: LatencyClock = {
        let origin = ContinuousClock.now
        return LatencyClock { ContinuousClock.now - origin }
    }()
}
