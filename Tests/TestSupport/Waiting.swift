/// Waits, polling every few milliseconds, until `condition` holds. Throws `WaitTimedOut` (naming
/// `what`) after `deadline`, so a wait that never ends fails its test instead of hanging the run.
public func waitUntil(
    _ what: String = "the condition", deadline: Duration = .seconds(240), _ condition: () -> Bool
) async throws {
    let end = ContinuousClock.now + deadline
    while !condition() {
        guard ContinuousClock.now < end else { throw WaitTimedOut(what: what, deadline: deadline) }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// `waitUntil` ran past its deadline.
public struct WaitTimedOut: Error, CustomStringConvertible {
    public var what: String
    public var deadline: Duration
    public var description: String { "waited \(deadline) for \(what) in vain" }
}
