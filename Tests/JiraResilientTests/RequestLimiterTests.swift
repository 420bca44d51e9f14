import Testing
import TestSupport

@testable import JiraResilient

/// The adaptive limit, driven by answers fed in directly: no sockets, no clock.
@Suite(.timeLimit(.minutes(1))) struct RequestLimiterTests {
    /// Runs `steps` steps in which every slot is taken (the limit binds), then every slot's answer
    /// comes back in `latency(limit)` seconds; returns the limit.
    static func settle(
        _ limiter: RequestLimiter, steps: Int, latency: (Int) -> Double
    ) async throws -> Int {
        for _ in 0..<steps {
            let limit = limiter.snapshot.limit
            for _ in 0..<limit { try await limiter.acquire() }
            for _ in 0..<limit { limiter.release(.answered(seconds: latency(limit), kind: "search/full/64")) }
        }
        return limiter.snapshot.limit
    }

    @Test func anUnusedLimitDoesNotGrow() async throws {
        let limiter = RequestLimiter(.adaptive(max: 16))
        // One request at a time against a limit of 2: answers at their floor, but the limit never
        // bound, so more slots would not be used.
        for _ in 0..<100 {
            try await limiter.acquire()
            limiter.release(.answered(seconds: 0.1, kind: "issue/-/1"))
        }
        #expect(limiter.snapshot.limit == 2)
    }

    /// A node of `cores` cores shared by processor sharing: answers keep their floor up to `cores`
    /// requests and slow in proportion beyond.
    static func node(cores: Int) -> (Int) -> Double { { n in 0.2 * max(1, Double(n) / Double(cores)) } }

    @Test(arguments: [2, 4, 6])
    func theLimitSettlesNearTheNodesCores(_ cores: Int) async throws {
        let limiter = RequestLimiter(.adaptive(max: 16))
        let limit = try await Self.settle(limiter, steps: 40, latency: Self.node(cores: cores))
        // Grows to the cores and past them while answers stay under 1.3× their floor; shrinks
        // where they are 1.5× slower, so it may touch that point but not stay past it.
        #expect(limit >= cores)
        #expect(Double(limit) <= Double(cores) * RequestLimiter.shrinkAbove)
        #expect(limiter.snapshot.inflation <= RequestLimiter.shrinkAbove + 1e-9)
    }

    /// A kind first answering while the node is loaded (a larger page once the page size grew)
    /// does not take the loaded latency as its floor: the load the known kinds show in that
    /// round comes off it. Fails when the new kind's first average becomes its floor (the
    /// reading would fall to 1.5 while every answer is twice as slow as on an idle node).
    @Test func aKindFirstSeenUnderLoadDoesNotHideTheLoad() async throws {
        let limiter = RequestLimiter(.adaptive(max: 16))
        func round(a: Double, b: Double?) async throws {
            for i in 0..<RequestLimiter.minimumRound {
                try await limiter.acquire()
                if let b, i % 2 == 1 {
                    limiter.release(.answered(seconds: b, kind: "search/full/256"))
                } else {
                    limiter.release(.answered(seconds: a, kind: "search/full/64"))
                }
            }
        }
        for _ in 0..<3 { try await round(a: 0.2, b: nil) }
        // The node is twice as slow now, and pages of 256 (twice the work of 64) begin.
        for _ in 0..<3 {
            try await round(a: 0.4, b: 0.8)
            #expect(limiter.snapshot.inflation > 1.9)
        }
    }

    /// Known kinds a little slower than their floors (heavier issues, not load) take nothing off
    /// a new kind's first floor: floors only fall, and one set too low would read as load for
    /// the rest of the scan. Fails when any reading under `growBelow` is divided out.
    @Test func aNewKindOnAQuietNodeKeepsItsOwnFloor() async throws {
        let limiter = RequestLimiter(.adaptive(max: 16))
        for round in 0..<6 {
            for i in 0..<RequestLimiter.minimumRound {
                try await limiter.acquire()
                if round >= 3, i % 2 == 1 {
                    limiter.release(.answered(seconds: 0.5, kind: "search/full/256"))
                } else {
                    limiter.release(.answered(seconds: round >= 3 ? 0.24 : 0.2, kind: "search/full/64"))
                }
            }
        }
        // 1.2 for the known kind, 1.0 for the new one.
        #expect(limiter.snapshot.inflation < 1.15)
    }

    @Test func theCeilingHoldsOnAnIdleNode() async throws {
        let limiter = RequestLimiter(.adaptive(max: 5))
        #expect(try await Self.settle(limiter, steps: 60, latency: { _ in 0.1 }) == 5)
    }

    @Test func overloadHalvesTheLimitAtOnce() async throws {
        let limiter = RequestLimiter(.adaptive(max: 16))
        let before = try await Self.settle(limiter, steps: 60, latency: { _ in 0.1 })
        #expect(before == 16)
        try await limiter.acquire()
        limiter.release(.overloaded(seconds: 1))
        #expect(limiter.snapshot.limit == before / 2)
    }

    /// A fast-fail timeout among answers at their floor is one slow request (a hub's page), not
    /// a loaded server: the limit holds. Among answers slower than their floors, it halves.
    @Test func aTimeoutHalvesTheLimitOnlyWhenOtherAnswersAreSlowToo() async throws {
        let limiter = RequestLimiter(.adaptive(max: 16))
        #expect(try await Self.settle(limiter, steps: 60, latency: { _ in 0.1 }) == 16)
        try await limiter.acquire()
        limiter.release(.timedOut(seconds: 5))
        #expect(limiter.snapshot.limit == 16, "a lone timeout among fast answers")
        // A round 1.5× slower than the floor: neither grows nor shrinks the limit...
        #expect(try await Self.settle(limiter, steps: 2, latency: { _ in 0.15 }) == 16)
        #expect(limiter.snapshot.inflation >= RequestLimiter.growBelow)
        // ...and a timeout then is read as load.
        try await limiter.acquire()
        limiter.release(.timedOut(seconds: 5))
        #expect(limiter.snapshot.limit == 8)
    }

    @Test func aFixedLimitNeverMoves() async throws {
        let limiter = RequestLimiter(.fixed(3))
        #expect(try await Self.settle(limiter, steps: 20, latency: Self.node(cores: 1)) == 3)
        try await limiter.acquire()
        limiter.release(.overloaded(seconds: 1))
        #expect(limiter.snapshot.limit == 3)
    }

    @Test func theLinksLaneCountsAgainstTheLimitButOneRequestAlwaysRuns() async throws {
        let limiter = RequestLimiter(.adaptive(max: 2))
        #expect(limiter.snapshot.limit == 2)
        try await limiter.acquire(rescue: true)
        try await limiter.acquire(rescue: true)
        // Both slots are hubs' links: one ordinary request still runs...
        try await limiter.acquire()
        #expect(limiter.snapshot.inFlight == 3)
        // ...and a second waits while the links requests hold the limit's other slot.
        let second = Task { try await limiter.acquire() }
        try await waitUntil("the second request to wait", deadline: .seconds(30)) { limiter.waiting == 1 }
        limiter.release(rescue: true, .neutral(seconds: 60))
        // One links request and one ordinary request fill a limit of 2: still waiting.
        #expect(limiter.waiting == 1)
        limiter.release(rescue: true, .neutral(seconds: 60))
        try await second.value
        #expect(limiter.snapshot.inFlight == 2)
    }

    @Test func aWaitingRequestIsCancellable() async throws {
        let limiter = RequestLimiter(.fixed(1))
        try await limiter.acquire()
        let waiting = Task { try await limiter.acquire() }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        limiter.release(.neutral(seconds: 0))
        try await limiter.acquire()
    }

    @Test func theServerTimeEstimateCountsEachAnswerAtItsFloor() async throws {
        let limiter = RequestLimiter(.fixed(1))
        for seconds in [0.1, 0.1, 0.3, 0.3] {
            try await limiter.acquire()
            limiter.release(.answered(seconds: seconds, kind: "issue/-/1"))
        }
        // No floor yet for the first round: each answer counts its own time.
        #expect(abs(limiter.snapshot.serverSeconds - 0.8) < 1e-9)
    }
}
