/// One back-off for the whole client: after a 429 every request waits until the server's
/// window has passed, so workers do not keep hammering a rate-limited server.
actor BackoffGate {
    private var until: ContinuousClock.Instant?

    /// Waits until the gate is open; throws `CancellationError` if the task is cancelled.
    func pass() async throws {
        while let until, until > .now {
            try await Task.sleep(until: until, clock: .continuous)
        }
    }

    /// Closes the gate for `seconds` (extends, never shortens, a closed gate).
    func hold(for seconds: Double) {
        let end = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        if let until, until > end { return }
        until = end
    }
}
