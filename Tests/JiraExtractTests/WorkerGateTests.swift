import Synchronization
import Testing
import TestSupport

@testable import JiraExtract

/// The gate that keeps workers idle under an adaptive limit, driven directly: no sockets.
@Suite(.timeLimit(.minutes(1))) struct WorkerGateTests {
    @Test func aWorkerPastTheOpeningWaitsUntilAPlaceFrees() async throws {
        let gate = WorkerGate(open: 2)
        await gate.enter()
        await gate.enter()
        let entered = Mutex(false)
        let third = Task {
            await gate.enter()
            entered.withLock { $0 = true }
        }
        try await waitUntil("the third worker to wait") { gate.counts.waiting == 1 }
        #expect(!entered.withLock { $0 } && gate.counts.busy == 2)
        gate.leave()
        await third.value
        #expect(entered.withLock { $0 } && gate.counts.busy == 2 && gate.counts.waiting == 0)
    }

    @Test func theOpeningFollowsTheLimitBothWays() async throws {
        let gate = WorkerGate(open: 1)
        await gate.enter()
        let second = Task { await gate.enter() }
        try await waitUntil("the second worker to wait") { gate.counts.waiting == 1 }
        // The limit grew: the waiting worker comes in.
        gate.setOpen(2)
        await second.value
        #expect(gate.counts.busy == 2)
        // It shrank: both keep their batches, but a third waits until two have left.
        gate.setOpen(1)
        let third = Task { await gate.enter() }
        try await waitUntil("the third worker to wait") { gate.counts.waiting == 1 }
        gate.leave()
        #expect(gate.counts.waiting == 1 && gate.counts.busy == 1)
        gate.leave()
        await third.value
        #expect(gate.counts.busy == 1 && gate.counts.waiting == 0)
    }

    @Test func aWaitingWorkerStopsAtOnceWhenCancelled() async throws {
        let gate = WorkerGate(open: 1)
        await gate.enter()
        let waiting = Task { await gate.enter() }
        try await waitUntil("the second worker to wait") { gate.counts.waiting == 1 }
        waiting.cancel()
        await waiting.value
        // It holds a place until it leaves, as every enter does.
        #expect(gate.counts.busy == 2 && gate.counts.waiting == 0)
        gate.leave()
        gate.leave()
        #expect(gate.counts.busy == 0)
    }
}
