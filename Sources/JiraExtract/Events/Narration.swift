import Foundation
import JiraResilient

/// One line for a person about a notable event. The text may carry server text (keys,
/// summaries, messages): sanitise it before it reaches a terminal.
public struct NarrationLine: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case info, retry, warning, error, reindex, checkpoint, tier
        /// What the operator did in the console (fetch, re-fetch, pause) and its result.
        case operatorAction
    }
    public var kind: Kind
    public var text: String
    /// For a line that announces a wait: its length in seconds, for a countdown.
    public var wait: Double?

    public init(_ kind: Kind, _ text: String, wait: Double? = nil) {
        self.kind = kind
        self.text = text
        self.wait = wait
    }
}

/// The one narration of a scan: the console's Events pane and the headless progress lines say
/// the same thing in the same words.
public enum Narration {
    /// Links from which an issue is named as a hub in the narration (a page's issues fetched
    /// on the hub tier for the page's sake are in the decisions, not here).
    public static let hubLinks = 100

    /// The line for `event`, or nil when it is not worth one. `project` names the scan.
    public static func line(for event: ScanEvent, project: String) -> NarrationLine? {
        switch event {
        case .connected(let c):
            return NarrationLine(
                .info,
                "connected to \(c.url) as \(c.user) (JIRA \(c.serverVersion)); JQL dates are read in \(c.timeZone) (\(c.timeZoneSource))"
            )
        case .planned(let total, let mode, let window):
            return NarrationLine(
                .info,
                "\(project): \(count(total)) issues in scope (\(mode.rawValue) scan\(window.map { ", \($0)" } ?? ""))")
        case .phase(.interrupted):
            return NarrationLine(.warning, "interrupted: checkpoint saved; the same command resumes")
        case .phase(.done): return NarrationLine(.info, "scan finished")
        case .phase: return nil
        case .vanished(let keys):
            return NarrationLine(
                .warning,
                "\(keys.count) issue\(keys.count == 1 ? "" : "s") left the project before being fetched (deleted or moved): \(list(keys))"
            )
        case .outOfScope(let keys):
            return NarrationLine(
                .warning,
                "\(keys.count) earlier file\(keys.count == 1 ? " is" : "s are") of issues no longer in scope (deleted, moved or filtered out); kept, listed in state.json outOfScope: \(list(keys))"
            )
        case .swept(let deleted, let moved):
            if deleted.isEmpty && moved.isEmpty {
                return NarrationLine(.info, "sweep: every issue written before is still in \(project)")
            }
            let movedText = moved.sorted { $0.key.keyOrderLess($1.key) }.map { "\($0.key) → \($0.value)" }
            return NarrationLine(
                .warning,
                "sweep: \(deleted.count) deleted\(deleted.isEmpty ? "" : " (\(list(deleted)))"), \(moved.count) moved to another project\(moved.isEmpty ? "" : " (\(list(movedText)))"); recorded in manifest.jsonl, files kept"
            )
        case .continuing(let since, let lastFull):
            return NarrationLine(
                .info,
                "continuing: delta since \(since) (the last pass's start; the query reaches back a few minutes before it, for clock skew); last full scan \(lastFull ?? "unknown")"
            )
        case .reindexDetected(let count, let example):
            return NarrationLine(
                .reindex,
                "reindex detected: \(count) issues (e.g. \(example)) listed as updated in the window while fields.updated is older; fetched anyway, the key-ordered cursor cannot loop"
            )
        case .checkpoint(let written, let pending):
            return NarrationLine(.checkpoint, "checkpoint: \(written) written, \(pending) pending")
        case .batchFailed(let keys, let error):
            return NarrationLine(
                .error,
                "failed: \(keys.count) issues (\(keys.first.map(String.init(describing:)) ?? "")…\(keys.last.map(String.init(describing:)) ?? "")) after every retry and tier: \(error); they stay pending"
            )
        case .resumedPass(let written, let pending):
            return NarrationLine(
                .info,
                "resuming the interrupted pass: \(count(written)) issues already written, \(count(pending)) pending")
        case .pageSize(let from, let to, let reason, let perIssue):
            let cost = perIssue.map { String(format: " (%.1f ms an issue at %d)", $0 * 1000, from) } ?? ""
            let why: String
            switch reason {
            case .cheaperPerIssue: why = "larger pages cost JIRA less per issue\(cost)"
            case .settled: why = "larger pages no longer cost less per issue\(cost)"
            case .timeout: why = "a page of \(from) timed out"
            case .serverCap: why = "JIRA answers at most \(to) issues a page"
            }
            return NarrationLine(.info, "page size \(from) → \(to): \(why)")
        case .paused(let paused):
            return NarrationLine(.info, paused ? "paused: requests in flight finish, nothing new starts" : "resumed")
        case .operatorAction(let what, let console):
            return NarrationLine(.operatorAction, "operator (console pid \(console)): \(what)")
        case .compacted(let before, let after):
            return NarrationLine(
                .checkpoint,
                "manifest.jsonl compacted to the last record of each issue: \(ByteCount.format(before)) → \(ByteCount.format(after))"
            )
        case .nextPass(let number, let wait):
            return NarrationLine(.info, "following: pass \(number) in \(seconds(wait))", wait: wait)
        case .error(let message): return NarrationLine(.error, "error: \(message)")
        case .finished(let s):
            return NarrationLine(
                .info,
                "finished: \(s.written) written, \(s.incomplete) incomplete in the directory, \(s.requests) requests, \(s.retries) retries"
            )
        case .recounted(let s):
            return NarrationLine(
                .checkpoint,
                "after re-fetches: \(s.written) written, \(s.incomplete) incomplete in the directory (state.json updated)"
            )
        case .incompleteInDirectory(let records) where !records.isEmpty:
            return NarrationLine(
                .warning,
                "\(records.count) issue\(records.count == 1 ? "" : "s") of the directory incomplete from earlier passes (run refetch, or m in the console)"
            )
        case .incompleteInDirectory: return nil
        case .written, .cursor: return nil
        case .client(let e): return line(for: e)
        }
    }

    static func line(for event: JiraEvent) -> NarrationLine? {
        switch event {
        case .backoff(let b):
            let status = b.status.map { "HTTP \($0)" } ?? b.reason
            let next = "attempt \(b.request.attempt + 1)/\(b.request.maxAttempts) next"
            return b.global
                ? NarrationLine(
                    .retry,
                    "rate limited on \(b.request.operation): every request waits \(seconds(b.wait)) (\(b.source.rawValue)); \(next)",
                    wait: b.wait)
                : NarrationLine(
                    .retry,
                    "retry: \(status) on \(what(b.request)); waiting \(seconds(b.wait)) (\(b.source.rawValue)), \(next)",
                    wait: b.wait)
        case .tierDecided(let d) where d.tier == .minimal || (d.tier == .hub && (d.links ?? hubLinks) >= hubLinks):
            return NarrationLine(
                .tier,
                "\(d.key) → \(d.tier.rawValue)\(d.links.map { " (\(count($0)) links)" } ?? " (links unknown)"): \(rungs(d.rungs))"
            )
        case .cursorRecovered(let from, let to, let reason):
            return NarrationLine(
                .warning,
                "cursor \(from) vanished (\(reason)); continuing after \(to.map(String.init(describing:)) ?? "the start")"
            )
        case .changelogRoute(_, let reason): return NarrationLine(.info, "changelog: \(reason)")
        case .warning(let w): return NarrationLine(.warning, "warning: \(w)")
        case .outage(let o): return line(for: o)
        case .requestStarted, .requestFinished, .rung, .tierDecided, .timeZone, .load: return nil
        }
    }

    static func line(for outage: OutageEvent) -> NarrationLine? {
        switch outage {
        case .began(let cause):
            return NarrationLine(
                .error,
                "OUTAGE: JIRA is unreachable (\(cause)); every request holds without spending attempts while serverInfo is probed"
            )
        case .probeScheduled(let number, let wait, let elapsed):
            // The first probes, then one in ten: enough to show the outage is being watched.
            guard number <= 3 || number % 10 == 0 else { return nil }
            return NarrationLine(
                .retry, "outage for \(seconds(elapsed)): probe \(number) in \(seconds(wait))", wait: wait)
        case .probed: return nil
        case .ended(let s): return NarrationLine(.info, "JIRA is back after \(seconds(s)) of outage: work resumes")
        case .gaveUp(let s):
            return NarrationLine(
                .error,
                "JIRA stayed unreachable for \(seconds(s)), the outage timeout: stopping with the checkpoint saved")
        }
    }

    /// The standing note about a reindex seen so far in a pass: `count` issues in all.
    public static func reindexNote(count: Int, example: IssueKey) -> String {
        "reindex: \(count) listed with an older fields.updated (e.g. \(example)); fetched anyway"
    }

    /// Rungs as `full ✗ 1.0s → hub-base ✓ 0.4s → links ✓ 2.1s`; a hedge's rung that lost the
    /// race is `◌ cancelled` (the other answered first), not a failure.
    public static func rungs(_ rungs: [RungReport]) -> String {
        rungs.map { (r: RungReport) -> String in
            let name = r.rung == .hubLinks ? "links" : r.rung.rawValue
            let cancelled = r.wasCancelledByHedge ? " cancelled" : ""
            return "\(name) \(glyph(r))\(cancelled) \(String(format: "%.1fs", r.seconds))"
        }
        .joined(separator: " → ")
    }

    /// ✓ answered, ✗ failed (timed out, refused…), ◌ cancelled because the hedge's other rung
    /// answered first.
    public static func glyph(_ r: RungReport) -> String { r.succeeded ? "✓" : r.wasCancelledByHedge ? "◌" : "✗" }

    /// The wall time of a ladder's rungs: they run one after another, except a hedge's pair,
    /// which run side by side (the one that lost the race started first and ended last, or
    /// started later and was cut when the other answered): the pair counts once, as its longer.
    public static func wallSeconds(_ rungs: [RungReport]) -> Double {
        var total = 0.0
        for (i, r) in rungs.enumerated() {
            if r.wasCancelledByHedge {
                // Overlaps its neighbour in the pair (the winner, recorded just before or after).
                var partner: RungReport?
                for j in [i - 1, i + 1] where rungs.indices.contains(j) {
                    let other = rungs[j]
                    if !other.wasCancelledByHedge && (other.rung == .full || other.rung == .hubBase) {
                        partner = other
                        break
                    }
                }
                if let partner { total += max(0, r.seconds - partner.seconds) } else { total += r.seconds }
            } else {
                total += r.seconds
            }
        }
        return total
    }

    /// A request's subject in a few words.
    public static func describe(_ subject: RequestSubject) -> String {
        switch subject {
        case .batch(let count, _, _): "batch of \(count) issue\(count == 1 ? "" : "s")"
        default: subject.text
        }
    }

    /// `search batch of 3 issues`, `changelog P-7`, `myself` (the operation once when it names the subject).
    static func what(_ request: JiraEvent.RequestInfo) -> String {
        let subject = short(request.subject)
        return subject == request.operation ? subject : "\(request.operation) \(subject)"
    }

    static func short(_ subject: RequestSubject) -> String {
        let text = describe(subject)
        return text.count > 48 ? String(text.prefix(45)) + "…" : text
    }

    public static func seconds(_ s: Double) -> String {
        s < 10 ? String(format: "%.1fs", s) : String(format: "%.0fs", s)
    }

    private static let grouping: NumberFormatter = {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.locale = Locale(identifier: "en_US")
        return f
    }()

    /// `12,345`.
    public static func count(_ n: Int) -> String {
        // NumberFormatter is not Sendable; formatting from one shared instance is read-only use.
        grouping.string(from: NSNumber(value: n)) ?? String(n)
    }

    static func list(_ keys: [some CustomStringConvertible]) -> String {
        keys.prefix(5).map(\.description).joined(separator: ", ") + (keys.count > 5 ? "…" : "")
    }
}
