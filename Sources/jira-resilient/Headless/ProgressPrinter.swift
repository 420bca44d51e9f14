import Foundation
import JiraExtract
import JiraResilient
import Synchronization

/// Progress lines on stderr a person can read in a log: a status line every few seconds (counts,
/// rate, ETA, tiers, retries, cursor) and one line for each notable event (retries and waits,
/// hub and minimal decisions, reindex, vanished issues, failures). Server text is sanitised.
final class ProgressPrinter: Sendable {
    private let state = Mutex(ScanProgress())
    /// Requests in flight, to name what a stalled scan waits on.
    private let running = RungHeartbeat()
    /// Retries waiting out their back-off (not the client-wide 429 wait), by request id: until
    /// when, and what.
    private let retrying = Mutex<[Int: (until: Date, what: String)]>([:])
    private let interval: Double
    private let write: @Sendable (String) -> Void

    init(interval: Double = 5, write: @escaping @Sendable (String) -> Void = { StandardStreams.err($0) }) {
        self.interval = interval
        self.write = write
    }

    var sink: ScanEventSink { ScanEventSink { [self] in receive($0) } }
    var progress: ScanProgress { state.withLock { $0 } }

    /// Starts from a running scan's own counts (`console --attach` without a terminal).
    func restore(_ progress: ScanProgress) { state.withLock { $0 = progress } }

    private func say(_ line: String) { write(UntrustedText.sanitized(line)) }

    private func receive(_ event: ScanEvent) {
        let now = Date()
        if case .client(let e) = event {
            running.record(e, at: .now)
            switch e {
            case .backoff(let b) where !b.global:
                let what = "\(b.request.target) \(b.request.rung?.rawValue ?? b.request.operation)"
                let status = b.status.map { "HTTP \($0)" } ?? b.reason
                retrying.withLock {
                    $0 = $0.filter { $0.value.until > now }  // a retry starts with a new id: drop the past
                    $0[b.request.id] = (now.addingTimeInterval(b.wait), "\(what) after \(status)")
                }
            case .requestStarted(let info):
                _ = retrying.withLock { $0.removeValue(forKey: info.id) }
            default: break
            }
        }
        let project = state.withLock { p in
            p.applyStartingPasses(event, at: now)
            return p.project
        }
        // Checkpoints are in events.jsonl and the status line; a line each would drown the log.
        if case .checkpoint = event { return }
        if let line = Narration.line(for: event, project: project) { say(line.text) }
    }

    /// Prints a status line every `interval` seconds until cancelled.
    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            if Task.isCancelled { return }
            // Between passes of `--follow` nothing moves: the pass's summary line said it all.
            if progress.phase == .done { continue }
            say(statusLine())
        }
    }

    /// The status line at `now` (`instant`: the same moment on the monotonic clock, which
    /// times the requests in flight).
    func statusLine(now: Date = Date(), instant: ContinuousClock.Instant = .now) -> String {
        let p = progress
        var parts: [String] = []
        let total = p.total.map(Self.count) ?? "?"
        let percent = p.fraction.map { String(format: " (%.1f%%)", $0 * 100) } ?? ""
        parts.append("\(p.project) \(p.mode.rawValue) \(p.phase.rawValue): \(Self.count(p.done))/\(total)\(percent)")
        if p.paused {
            // Set from a console (perhaps one since detached): no rate or ETA is moving.
            parts.append("PAUSED by an operator: resume with p in a console (console --attach)")
        } else {
            parts.append(String(format: "%.1f issues/s", p.rate(now: now)))
            if let eta = p.steadyETA(now: now) { parts.append("ETA \(Self.duration(eta))") }
        }
        parts.append(
            "full \(p.tiers[.full] ?? 0) hub \(p.tiers[.hub] ?? 0)\(p.splitPage > 0 ? " (+\(p.splitPage) on split pages)" : "") minimal \(p.tiers[.minimal] ?? 0)"
        )
        if p.incomplete > 0 { parts.append("\(p.incomplete) incomplete") }
        parts.append("requests \(p.requests) retries \(p.retries)")
        if let cursor = p.workers.values.map(\.last).max() {
            parts.append("cursor \(cursor)")
        }
        if let until = p.waitUntil, until > now {
            parts.append("waiting \(Self.seconds(until.timeIntervalSince(now))) (\(p.waitReason ?? ""))")
        } else if let longest = running.longest(at: instant) {
            // A request that has run 10 s or more (a hub's links, a slow page): what the count
            // waits on when it does not move.
            parts.append("waiting on \(longest)")
        } else if let retry = retrying.withLock({ $0.values.filter { $0.until > now }.min { $0.until < $1.until } }) {
            // No request long in flight, but one waiting to be retried: the count waits on that.
            parts.append("retrying \(retry.what) in \(Self.seconds(retry.until.timeIntervalSince(now)))")
        }
        return parts.joined(separator: " | ")
    }

    static func count(_ n: Int) -> String { Narration.count(n) }

    static func seconds(_ s: Double) -> String { Narration.seconds(s) }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }
}
