import Foundation
import JiraExtract
import JiraResilient
import Synchronization

/// A line on stderr every `interval` for each request still running, for the commands that
/// fetch named issues headless (`fetch`, `refetch`, `probe`): a hub's links may take minutes,
/// and silence looks like a hang. "  DEMO-647 hub-links: still running, 20 s of its 600 s
/// budget"; a request without a rung is named by what it does (`comments`, `serverInfo`).
final class RungHeartbeat: Sendable {
    private struct Running {
        var target: String
        var step: String
        var started: ContinuousClock.Instant
        var budget: Double
        var attempt: Int
        /// Lines said so far for this request (one per `interval` it has run).
        var said = 0
    }
    private let running = Mutex<[Int: Running]>([:])
    private let interval: Duration

    /// `interval`: how long a rung runs before its first line, and between its lines.
    init(interval: Duration = .seconds(10)) { self.interval = interval }

    /// The client's events to watch (combine with the command's own sink).
    var sink: EventSink { EventSink { [self] in record($0, at: .now) } }

    /// Notes a request starting or finishing at `now`.
    func record(_ event: JiraEvent, at now: ContinuousClock.Instant) {
        switch event {
        case .requestStarted(let info):
            running.withLock {
                $0[info.id] = Running(
                    target: info.target, step: info.rung?.rawValue ?? info.operation, started: now,
                    budget: info.budget, attempt: info.attempt)
            }
        case .requestFinished(let info, _, _, _, _):
            _ = running.withLock { $0.removeValue(forKey: info.id) }
        default: break
        }
    }

    /// The lines due at `now`, oldest request first: one for each request that has run
    /// another whole `interval` since its last line (none before its first `interval`).
    func lines(at now: ContinuousClock.Instant = .now) -> [String] {
        running.withLock { all -> [String] in
            all.sorted { $0.value.started < $1.value.started }.compactMap { id, request -> String? in
                var r = request
                let periods = Int(((now - r.started) / interval).rounded(.down))
                guard periods > r.said else { return nil }
                r.said = periods
                all[id] = r
                let attempt = r.attempt > 1 ? " (attempt \(r.attempt))" : ""
                let elapsed = Int((interval * periods).seconds)
                return UntrustedText.sanitized(
                    "  \(r.target) \(r.step): still running\(attempt), \(elapsed) s of its \(Self.seconds(r.budget)) budget"
                )
            }
        }
    }

    /// The request running longest, if it has run `interval` or more: what a stalled progress
    /// line is waiting on ("DEMO-647 hub-links for 2m10s of its 600 s budget").
    func longest(at now: ContinuousClock.Instant = .now) -> String? {
        guard let r = running.withLock({ $0.values.min { $0.started < $1.started } }), now - r.started >= interval
        else { return nil }
        let elapsed = (now - r.started).seconds
        return "\(r.target) \(r.step) for \(ProgressPrinter.duration(elapsed)) of its \(Self.seconds(r.budget)) budget"
    }

    /// Runs `body`, printing the due lines (checked every second) until it returns.
    func during<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while true {
                    try await Task.sleep(for: .seconds(1))
                    for line in lines() { StandardStreams.err(line) }
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    static func seconds(_ s: Double) -> String {
        s >= 100 || s == s.rounded() ? "\(Int(s.rounded())) s" : String(format: "%.1f s", s)
    }
}
