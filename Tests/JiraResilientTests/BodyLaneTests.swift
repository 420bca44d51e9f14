import AsyncHTTPClient
import NIOCore
import Synchronization
import Testing
import TestSupport
@testable import JiraResilient

/// The bound on bodies received at once: past the lane's threshold one body at a time grows,
/// the others wait without reading, and their time budget stands still meanwhile.
@Suite struct BodyLaneTests {
    /// A body of fixed chunks; the chunk at `gateBefore` is only handed out once `open()`.
    final class GatedChunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let chunks: [ByteBuffer]
        let gateBefore: Int?
        private let gate = Mutex<(open: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
        private let pulledCount = Mutex(0)

        init(_ sizes: [Int], gateBefore: Int? = nil) {
            chunks = sizes.map { ByteBuffer(repeating: UInt8(ascii: "x"), count: $0) }
            self.gateBefore = gateBefore
        }

        var pulled: Int { pulledCount.withLock { $0 } }

        func open() {
            let waiter = gate.withLock { g -> CheckedContinuation<Void, Never>? in
                g.open = true
                defer { g.waiter = nil }
                return g.waiter
            }
            waiter?.resume()
        }

        func waitForGate() async {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let open = gate.withLock { g -> Bool in
                    if !g.open { g.waiter = c }
                    return g.open
                }
                if open { c.resume() }
            }
        }

        struct AsyncIterator: AsyncIteratorProtocol {
            let owner: GatedChunks
            var index = 0
            mutating func next() async -> ByteBuffer? {
                guard index < owner.chunks.count else { return nil }
                if index == owner.gateBefore { await owner.waitForGate() }
                owner.pulledCount.withLock { $0 += 1 }
                defer { index += 1 }
                return owner.chunks[index]
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(owner: self) }
    }

    final class Order: Sendable {
        private let names = Mutex<[String]>([])
        func append(_ name: String) { names.withLock { $0.append(name) } }
        var list: [String] { names.withLock { $0 } }
    }

    static func response(_ body: GatedChunks) -> HTTPClientResponse {
        HTTPClientResponse(status: .ok, body: .stream(body))
    }

    @Test func onlyOneBodyGrowsPastTheThresholdAtOnce() async throws {
        let lane = BodyLane(threshold: 100)
        let first = GatedChunks([80, 80, 80], gateBefore: 2)  // in the lane after chunk 2, then held
        let second = GatedChunks([80, 80, 80])
        let finished = Order()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let bytes = try await JiraTransport.collect(Self.response(first), limit: 1000, lane: lane)
                #expect(bytes.count == 240)
                finished.append("first")
            }
            try await waitUntil { first.pulled == 2 }
            group.addTask {
                let bytes = try await JiraTransport.collect(Self.response(second), limit: 1000, lane: lane)
                #expect(bytes.count == 240)
                finished.append("second")
            }
            // The second body reaches the threshold and waits there, holding 80 bytes, not 240.
            try await waitUntil { lane.waiting == 1 }
            #expect(second.pulled == 2 && finished.list.isEmpty)
            first.open()
            try await group.waitForAll()
        }
        #expect(finished.list == ["first", "second"])
        // A small body never asks for the lane.
        let small = try await JiraTransport.collect(Self.response(GatedChunks([50, 40])), limit: 1000, lane: lane)
        #expect(small.count == 90 && lane.waiting == 0)
    }

    @Test func aBudgetStandsStillWhilePaused() async throws {
        let clock = ManualClock()
        let budget = PausableBudget(seconds: 10, clock: clock)
        clock.advance(by: .seconds(1))
        #expect(budget.untilDeadline == .seconds(9))
        budget.pause()
        clock.advance(by: .seconds(5))
        #expect(budget.untilDeadline == .milliseconds(100))  // paused: poll, the deadline is unknown
        budget.resume()
        // The paused 5 s did not count: 9 s are left, not 4.
        #expect(budget.untilDeadline == .seconds(9))
        clock.advance(by: .seconds(9))
        #expect(budget.untilDeadline == nil)
    }
}
