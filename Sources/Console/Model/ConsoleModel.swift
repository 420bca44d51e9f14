import Foundation
import JiraExtract
import JiraResilient

/// Everything the console shows, reduced from scan events and operator keys. Pure data: the view
/// renders it, the controller acts on the actions the key handler returns. Lists are ring
/// buffers, so memory stays flat however long the scan runs.
public struct ConsoleModel: Sendable {
    public enum RunState: Sendable, Equatable {
        case connecting, running, paused, rateLimited(until: Date), retrying(until: Date), finished, failed(String), interrupted
        /// JIRA unreachable since `since`; the next probe at `nextProbe`.
        case outage(since: Date, nextProbe: Date?)
    }

    public struct InFlight: Sendable {
        public var info: JiraEvent.RequestInfo
        public var started: Date
    }

    public struct Decision: Sendable {
        public var key: String
        public var tier: Tier
        public var links: Int?
        public var rungs: [RungReport]
        public var seconds: Double
        public var record: ManifestRecord?
        public var at: Date
        /// The issue's summary, sanitised.
        public var title: String?
    }

    public struct LogLine: Sendable {
        public enum Kind: Sendable { case info, retry, warning, error, reindex, checkpoint, tier }
        public var at: Date
        public var kind: Kind
        /// Sanitised text.
        public var text: String
        /// When the line announces a wait: when it ends.
        public var until: Date?
    }

    public enum Pane: Sendable { case decisions, events }

    public enum Modal: Sendable, Equatable {
        case help
        case quitConfirm
        case fetchPrompt(input: String)
        /// A single-issue fetch: its key and whether it is done.
        case fetchReport(key: String)
        case incomplete(selected: Int, budgetFactor: Int)
        case detail(key: String)
        case search(input: String)
    }

    public var progress = ScanProgress()
    public var state: RunState = .connecting
    public var startedAt: Date?
    public var finishedAt: Date?
    public var directory = ""
    public var themeName = "dark"
    public var inFlight: [Int: InFlight] = [:]
    public var decisions = RingBuffer<Decision>(capacity: 2000)
    public var log = RingBuffer<LogLine>(capacity: 5000)
    /// Latest manifest record per key that is not complete (for `m`).
    public var incomplete: [String: ManifestRecord] = [:]
    public var records = LRUMap<String, ManifestRecord>(capacity: 5000)
    public var reindexNote: String?
    public var focus: Pane = .decisions
    public var decisionScroll = 0
    public var decisionSelected = 0
    public var eventScroll = 0
    public var searchQuery = ""
    public var modal: Modal?
    /// Rungs of single-issue fetches the operator started, live.
    public var fetchRungs: [String: [RungReport]] = [:]
    public var fetchResults: [String: String] = [:]
    public var notice: String?
    public var scanDone = false
    var lastCheckpointLine: Date?
    /// TLS certificate verification is off (`--insecure`): said in the header.
    public var insecure = false
    /// The zone event times are shown in (the operator's own by default).
    public var displayZone: TimeZone = .current

    public init() {}

    // MARK: - Events

    public mutating func apply(_ event: ScanEvent, at now: Date) {
        if startedAt == nil { startedAt = now }
        progress.apply(event, at: now)
        switch event {
        case .connected(let c):
            if case .connecting = state { state = .running }
            insecure = c.insecure
            append(.info, "connected to \(c.url) as \(c.user), JIRA \(c.serverVersion); dates in \(c.timeZone) (\(c.timeZoneSource))", now)
        case .planned(let total, let mode, let window):
            append(.info, "\(total) issues in scope (\(mode.rawValue) scan\(window.map { ", \($0)" } ?? ""))", now)
        case .phase(let phase):
            switch phase {
            case .done: state = .finished; finishedAt = now; scanDone = true; append(.info, "scan finished", now)
            case .interrupted: state = .interrupted; finishedAt = now; append(.warning, "interrupted: checkpoint saved", now)
            case .failed: if case .failed = state {} else { state = .failed("see events"); finishedAt = now }
            default: break
            }
        case .written(let record):
            records[record.key] = record
            if record.complete { incomplete[record.key] = nil } else { incomplete[record.key] = record }
            if let index = decisions.lastIndex(where: { $0.key == record.key }) { decisions[index].record = record }
        case .vanished(let keys):
            append(.warning, "\(keys.count) issue\(keys.count == 1 ? "" : "s") left the project before being fetched: \(keys.prefix(4).joined(separator: ", "))", now)
        case .outOfScope(let keys):
            append(.warning, "\(keys.count) earlier file\(keys.count == 1 ? " is" : "s are") of issues no longer in scope (deleted, moved or filtered out), kept and listed in state.json: \(keys.prefix(4).joined(separator: ", "))\(keys.count > 4 ? "…" : "")", now)
        case .reindexDetected(let count, let example):
            reindexNote = "reindex: \(progress.reindexed) listed with an older fields.updated (e.g. \(example)); fetched anyway"
            append(.reindex, "reindex detected: \(count) issues (e.g. \(example)) listed as updated in the window while fields.updated is older; fetched anyway, the key-ordered cursor cannot loop", now)
        case .checkpoint(let written, let pending):
            // Checkpoints come every second; one line per ten seconds says enough here
            // (events.jsonl has them all).
            if lastCheckpointLine.map({ now.timeIntervalSince($0) >= 10 }) ?? true {
                lastCheckpointLine = now
                append(.checkpoint, "checkpoint: \(written) written, \(pending) pending", now)
            }
        case .batchFailed(let keys, let error):
            append(.error, "\(keys.count) issues failed every tier (\(keys.first ?? "")…): \(error)", now)
        case .paused(let p): if p { state = .paused } else if case .paused = state { state = .running }
        case .error(let message): append(.error, message, now)
        case .finished(let s):
            append(.info, "finished: \(s.written) written, \(s.written - s.complete) incomplete, \(s.requests) requests, \(s.retries) retries", now)
        case .client(let e): applyClient(e, now)
        case .cursor: break
        }
    }

    private mutating func applyClient(_ e: JiraEvent, _ now: Date) {
        switch e {
        case .requestStarted(let info):
            inFlight[info.id] = InFlight(info: info, started: now)
        case .requestFinished(let info, _, _, _, _):
            inFlight[info.id] = nil
            switch state {
            case .rateLimited(let until) where until <= now, .retrying(let until) where until <= now: state = .running
            default: break
            }
        case .backoff(let b):
            let until = now.addingTimeInterval(b.wait)
            let status = b.status.map { "HTTP \($0)" } ?? b.reason
            if b.global {
                state = .rateLimited(until: until)
                append(.retry, "429 rate limited on \(b.request.operation): every request waits \(Self.seconds(b.wait)) (\(b.source.rawValue)); attempt \(b.request.attempt + 1)/\(b.request.maxAttempts) next", now, until: until)
            } else {
                if case .running = state { state = .retrying(until: until) }
                append(.retry, "\(status) on \(b.request.operation) \(Self.short(b.request.subject)): waiting \(Self.seconds(b.wait)) (\(b.source.rawValue)), attempt \(b.request.attempt + 1)/\(b.request.maxAttempts) next", now, until: until)
            }
        case .rung(let key, let report):
            if fetchRungs[key] != nil { fetchRungs[key]!.append(report) }
        case .tierDecided(let d):
            let seconds = d.rungs.reduce(0) { $0 + $1.seconds }
            decisions.append(Decision(key: d.key, tier: d.tier, links: d.links, rungs: d.rungs, seconds: seconds, record: records[d.key], at: now,
                                      title: d.title.map { UntrustedText.sanitized($0) }))
            // A page that falls to the hub tier takes all its issues along; the events list
            // names the real hubs and every minimal issue (the decisions pane has them all).
            if d.tier == .minimal || (d.tier == .hub && (d.links ?? Self.hubLinks) >= Self.hubLinks) {
                append(.tier, "\(d.key) → \(d.tier.rawValue)\(d.links.map { " (\($0) links)" } ?? " (links unknown)"): \(Self.rungText(d.rungs))", now)
            }
            if decisionSelected >= decisions.count - 2 { decisionSelected = max(0, decisions.count - 1) }
        case .cursorRecovered(let from, let to, let reason):
            append(.warning, "cursor \(from) vanished (\(reason)); continuing after \(to ?? "the start")", now)
        case .changelogRoute(_, let reason): append(.info, "changelog: \(reason)", now)
        case .timeZone: break
        case .warning(let w): append(.warning, w, now)
        case .outage(let o): applyOutage(o, now)
        }
    }

    private mutating func applyOutage(_ o: OutageEvent, _ now: Date) {
        switch o {
        case .began(let cause):
            state = .outage(since: now, nextProbe: nil)
            append(.error, "OUTAGE: JIRA is unreachable (\(cause)); every request holds without spending attempts, probing serverInfo", now)
        case .probeScheduled(_, let wait, let elapsed):
            state = .outage(since: now.addingTimeInterval(-elapsed), nextProbe: now.addingTimeInterval(wait))
        case .probed(let number, let reachable, let cause):
            if !reachable && (number <= 3 || number % 10 == 0) {
                append(.retry, "outage: probe \(number) failed (\(cause ?? "unreachable"))", now)
            }
        case .ended(let seconds):
            if case .outage = state { state = .running }
            append(.info, "JIRA is back after \(Self.seconds(seconds)) of outage: work resumes", now)
        case .gaveUp(let seconds):
            append(.error, "JIRA stayed unreachable for \(Self.seconds(seconds)), the outage timeout: stopping with the checkpoint saved", now)
        }
    }

    public mutating func append(_ kind: LogLine.Kind, _ text: String, _ now: Date, until: Date? = nil) {
        log.append(LogLine(at: now, kind: kind, text: UntrustedText.sanitized(text), until: until))
    }

    /// The state shown in the header, with waits that have ended cleared.
    public func displayState(now: Date) -> RunState {
        switch state {
        case .rateLimited(let until) where until <= now, .retrying(let until) where until <= now: return .running
        default: return state
        }
    }

    public var incompleteList: [ManifestRecord] { incomplete.values.sorted { $0.key.keyOrderLess($1.key) } }

    public var filteredLog: [LogLine] {
        guard !searchQuery.isEmpty else { return log.elements }
        return log.elements.filter { $0.text.localizedCaseInsensitiveContains(searchQuery) }
    }

    /// Links from which an issue is called a hub in the event list.
    public static let hubLinks = 100

    static func seconds(_ s: Double) -> String { s < 10 ? String(format: "%.1fs", s) : String(format: "%.0fs", s) }
    static func short(_ subject: RequestSubject) -> String {
        let summary = ConsoleView.describe(subject)
        return summary.count > 48 ? String(summary.prefix(45)) + "…" : summary
    }
    public static func rungText(_ rungs: [RungReport]) -> String {
        rungs.map { "\($0.rung == .hubLinks ? "links" : $0.rung.rawValue) \($0.succeeded ? "✓" : "✗") \(String(format: "%.1fs", $0.seconds))" }
            .joined(separator: " → ")
    }
}

extension String {
    /// Key order: project, then number.
    public func keyOrderLess(_ other: String) -> Bool {
        let a = split(separator: "-"), b = other.split(separator: "-")
        if a.first != b.first { return (a.first ?? "") < (b.first ?? "") }
        return (Int(a.last ?? "") ?? 0) < (Int(b.last ?? "") ?? 0)
    }
}
