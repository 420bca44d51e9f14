import Foundation
import JiraExtract
import JiraResilient
import Synchronization

/// Progress lines on stderr a person can read in a log: a status line every few seconds (counts,
/// rate, ETA, tiers, retries, cursor) and one line for each notable event (retries and waits,
/// hub and minimal decisions, reindex, vanished issues, failures). Server text is sanitised.
final class ProgressPrinter: Sendable {
    private let state = Mutex(ScanProgress())
    private let interval: Double
    private let write: @Sendable (String) -> Void

    init(interval: Double = 5, write: @escaping @Sendable (String) -> Void = { StandardStreams.err($0) }) {
        self.interval = interval
        self.write = write
    }

    var sink: ScanEventSink { ScanEventSink { [self] in receive($0) } }
    var progress: ScanProgress { state.withLock { $0 } }

    private func say(_ line: String) { write(UntrustedText.sanitized(line)) }

    private func receive(_ event: ScanEvent) {
        let now = Date()
        state.withLock { $0.apply(event, at: now) }
        switch event {
        case .connected(let c):
            say("connected to \(c.url) as \(c.user) (JIRA \(c.serverVersion)); JQL dates are read in \(c.timeZone) (\(c.timeZoneSource))")
        case .planned(let total, let mode, let window):
            say("\(progress.project): \(Self.count(total)) issues in scope (\(mode.rawValue) scan\(window.map { ", \($0)" } ?? ""))")
        case .client(.backoff(let b)):
            let status = b.status.map { "HTTP \($0)" } ?? b.reason
            say(b.global
                ? "rate limited on \(b.request.operation): every request waits \(Self.seconds(b.wait)) (\(b.source.rawValue)); attempt \(b.request.attempt + 1)/\(b.request.maxAttempts) next"
                : "retry: \(status) on \(b.request.operation) \(Self.short(b.request.target)); waiting \(Self.seconds(b.wait)) (\(b.source.rawValue)), attempt \(b.request.attempt + 1)/\(b.request.maxAttempts) next")
        case .client(.tierDecided(let d)) where d.tier == .minimal || (d.tier == .hub && (d.links ?? 100) >= 100):
            say("\(d.key) → \(d.tier.rawValue): \(Self.rungs(d.rungs))\(d.links.map { " (\(Self.count($0)) links)" } ?? " (links unknown)")")
        case .client(.cursorRecovered(let from, let to, let reason)):
            say("cursor \(from) vanished (\(reason)); continuing after \(to ?? "the start")")
        case .client(.changelogRoute(_, let reason)): say("changelog: \(reason)")
        case .client(.warning(let w)): say("warning: \(w)")
        case .reindexDetected(let count, let example):
            say("reindex detected: \(count) issues (e.g. \(example)) listed as updated in the window while fields.updated is older; fetched anyway, the key-ordered cursor cannot loop")
        case .vanished(let keys):
            say("\(keys.count) issue\(keys.count == 1 ? "" : "s") left the project before being fetched (deleted or moved): \(keys.prefix(5).joined(separator: ", "))\(keys.count > 5 ? "…" : "")")
        case .outOfScope(let keys):
            say("\(keys.count) earlier file\(keys.count == 1 ? " is" : "s are") of issues no longer in scope (deleted, moved or filtered out); kept, listed in state.json outOfScope: \(keys.prefix(5).joined(separator: ", "))\(keys.count > 5 ? "…" : "")")
        case .batchFailed(let keys, let error):
            say("failed: \(keys.count) issues (\(keys.first ?? "")…\(keys.last ?? "")) after every retry and tier: \(error); they stay pending")
        case .error(let message): say("error: \(message)")
        case .phase(.interrupted): say("interrupted: checkpoint saved; the same command resumes")
        default: break
        }
    }

    /// Prints a status line every `interval` seconds until cancelled.
    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            if Task.isCancelled { return }
            say(statusLine())
        }
    }

    func statusLine(now: Date = Date()) -> String {
        let p = progress
        var parts: [String] = []
        let total = p.total.map(Self.count) ?? "?"
        let percent = p.fraction.map { String(format: " (%.1f%%)", $0 * 100) } ?? ""
        parts.append("\(p.project) \(p.mode.rawValue) \(p.phase.rawValue): \(Self.count(p.written))/\(total)\(percent)")
        parts.append(String(format: "%.1f issues/s", p.rate(now: now)))
        if let eta = p.eta(now: now) { parts.append("ETA \(Self.duration(eta))") }
        parts.append("full \(p.tiers[.full] ?? 0) hub \(p.tiers[.hub] ?? 0) minimal \(p.tiers[.minimal] ?? 0)")
        if p.incomplete > 0 { parts.append("\(p.incomplete) incomplete") }
        parts.append("requests \(p.requests) retries \(p.retries)")
        if let cursor = p.workers.values.map(\.last).max(by: { Self.keyLess($0, $1) }) { parts.append("cursor \(cursor)") }
        if let until = p.waitUntil, until > now { parts.append("waiting \(Self.seconds(until.timeIntervalSince(now))) (\(p.waitReason ?? ""))") }
        return parts.joined(separator: " | ")
    }

    static func keyLess(_ a: String, _ b: String) -> Bool {
        let na = Int(a.split(separator: "-").last ?? "") ?? 0, nb = Int(b.split(separator: "-").last ?? "") ?? 0
        return na < nb
    }

    static func rungs(_ rungs: [RungReport]) -> String {
        rungs.map { "\($0.rung == .hubLinks ? "links" : $0.rung.rawValue) \($0.succeeded ? "✓" : "✗") \(String(format: "%.1fs", $0.seconds))" }
            .joined(separator: " → ")
    }

    static func count(_ n: Int) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.locale = Locale(identifier: "en_US")
        return f.string(from: NSNumber(value: n)) ?? String(n)
    }

    static func seconds(_ s: Double) -> String { s < 10 ? String(format: "%.1fs", s) : String(format: "%.0fs", s) }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }

    static func short(_ target: String) -> String { target.count > 60 ? String(target.prefix(57)) + "…" : target }
}
