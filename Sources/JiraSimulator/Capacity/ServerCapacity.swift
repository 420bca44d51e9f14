import Foundation
import Synchronization

/// A JIRA node's CPU as the simulator models it: `cores` shared equally among the requests in
/// service (processor sharing: with n requests and `background` × cores of other users' work, each
/// request progresses at min(1, cores / (n + background × cores)) seconds of work per second), and
/// at most `threads` requests in service (Tomcat's `maxThreads`; JIRA's `server.xml` ships 150),
/// the rest waiting in arrival order, as in Tomcat's accept queue.
///
/// Work goes on whether or not the client still waits: a request the client abandoned keeps its
/// share until its serialization ends, as on Tomcat, where only the final write fails. `nil` cores
/// is a node without limit: each request takes its own work in wall time.
///
/// Also accounts every request's work and its latency, for `/_sim/stats`.
final class ServerCapacity: Sendable {
    /// Cores of the node; nil = unlimited.
    let cores: Int?
    /// Requests in service at most (Tomcat's `maxThreads`).
    let threads: Int
    /// Share of the node's cores other users keep busy, 0..<1.
    let background: Double
    /// Real seconds per simulated second.
    let timeScale: Double

    private struct Job {
        var remaining: Double
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct Waiting {
        var id: Int
        var work: Double
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var jobs: [Int: Job] = [:]
        var waiting: [Waiting] = []
        var lastUpdate = 0.0
        var nextID = 0
        var sleeper: Task<Void, Never>?
        var driver: Task<Void, Never>?
        var stopped = false
    }

    private let state = Mutex(State())
    let stats = Mutex(ServerStats())

    init(cores: Int?, threads: Int = 150, background: Double = 0, timeScale: Double) {
        self.cores = cores.map { max(1, $0) }
        self.threads = max(1, threads)
        self.background = min(max(background, 0), 0.95)
        self.timeScale = timeScale
    }

    /// Spends `work` simulated seconds of one core on a request (scaled by the time scale) and
    /// returns when it is done; `abandoned` is asked afterwards. Cancelled (the server stopping),
    /// it returns at once.
    func process(_ work: Double, operation: ServerStats.Operation) async {
        let started = JiraSimulator.monotonic()
        let real = work * timeScale
        if real > 0 {
            if cores == nil {
                try? await Task.sleep(nanoseconds: UInt64(real * 1e9))
            } else {
                await share(real)
            }
        }
        let elapsed = JiraSimulator.monotonic() - started
        stats.withLock { $0.record(work: work, seconds: elapsed / max(timeScale, 1e-9), operation: operation) }
    }

    /// Records that the client had gone when the answer was ready: its work was spent for nobody.
    func abandoned(work: Double) {
        stats.withLock { $0.abandonedWork += work }
    }

    /// Ends every request in service or waiting (the server stops).
    func stop() {
        let resumed = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.stopped = true
            s.sleeper?.cancel()
            s.driver?.cancel()
            let all = s.jobs.values.map(\.continuation) + s.waiting.map(\.continuation)
            s.jobs.removeAll()
            s.waiting.removeAll()
            return all
        }
        for c in resumed { c.resume() }
    }

    private func share(_ real: Double) async {
        let id = state.withLock { s -> Int in
            defer { s.nextID += 1 }
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.stopped || Task.isCancelled { return true }
                    let now = JiraSimulator.monotonic()
                    advance(&s, to: now)
                    if s.jobs.count < threads {
                        s.jobs[id] = Job(remaining: real, continuation: continuation)
                    } else {
                        s.waiting.append(Waiting(id: id, work: real, continuation: continuation))
                    }
                    reschedule(&s)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
                if let job = s.jobs.removeValue(forKey: id) {
                    admit(&s)
                    reschedule(&s)
                    return job.continuation
                }
                if let index = s.waiting.firstIndex(where: { $0.id == id }) {
                    return s.waiting.remove(at: index).continuation
                }
                return nil
            }
            continuation?.resume()
        }
    }

    /// Seconds of work each request in service gets per second now.
    private func rate(_ s: State) -> Double {
        guard let cores, !s.jobs.isEmpty else { return 1 }
        let demand = Double(s.jobs.count) + background * Double(cores)
        return min(1, Double(cores) / demand)
    }

    /// Advances every job in service to `now` at the current rate.
    private func advance(_ s: inout State, to now: Double) {
        let elapsed = max(0, now - s.lastUpdate)
        s.lastUpdate = now
        guard elapsed > 0, !s.jobs.isEmpty else { return }
        let done = elapsed * rate(s)
        for id in s.jobs.keys { s.jobs[id]!.remaining -= done }
    }

    /// Moves waiting requests into service while threads are free.
    private func admit(_ s: inout State) {
        while s.jobs.count < threads, !s.waiting.isEmpty {
            let next = s.waiting.removeFirst()
            s.jobs[next.id] = Job(remaining: next.work, continuation: next.continuation)
        }
    }

    /// Wakes the driver to recompute the next completion (the rate changed), starting it if needed.
    private func reschedule(_ s: inout State) {
        s.sleeper?.cancel()
        if s.driver == nil, !s.stopped { s.driver = Task { [self] in await drive() } }
    }

    /// Completes jobs as their work runs out, sleeping until the next completion in between.
    private func drive() async {
        while true {
            var finished: [CheckedContinuation<Void, Never>] = []
            let sleeper = state.withLock { s -> Task<Void, Never>? in
                if s.stopped { return nil }
                advance(&s, to: JiraSimulator.monotonic())
                for (id, job) in s.jobs where job.remaining <= 1e-7 {
                    finished.append(job.continuation)
                    s.jobs.removeValue(forKey: id)
                }
                admit(&s)
                let wait: Double
                if let shortest = s.jobs.values.map(\.remaining).min() {
                    wait = shortest / rate(s)
                } else {
                    wait = 3600
                }
                let task = Task { _ = try? await Task.sleep(nanoseconds: UInt64(max(0, wait) * 1e9)) }
                s.sleeper = task
                return task
            }
            for c in finished { c.resume() }
            guard let sleeper else { return }
            await sleeper.value
        }
    }
}
