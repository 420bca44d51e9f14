import Foundation
import JiraExtract
import JiraResilient

/// Everything the console shows, reduced from scan events and operator keys. Pure data: the view
/// renders it, the controller acts on the actions the key handler returns. Lists are ring
/// buffers, so memory stays flat however long the scan runs.
public struct ConsoleModel: Sendable {
    public enum RunState: Sendable, Equatable {
        case connecting, running, paused, rateLimited(until: Date), retrying(until: Date), finished, failed(String),
            interrupted
        /// JIRA unreachable since `since`; the next probe at `nextProbe`.
        case outage(since: Date, nextProbe: Date?)
    }

    public struct InFlight: Sendable {
        public var info: JiraEvent.RequestInfo
        public var started: Date
    }

    public struct Decision: Sendable {
        public var key: IssueKey
        public var tier: Tier
        public var links: Int?
        public var rungs: [RungReport]
        public var seconds: Double
        public var record: ManifestRecord?
        public var at: Date
        /// The issue's summary, sanitised.
        public var title: String?
    }

    public struct LogLine: Sendable, Equatable {
        public typealias Kind = NarrationLine.Kind
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
        /// Attached: stop the scan itself?
        case stopConfirm
        case fetchPrompt(input: String)
        /// A single-issue fetch: its key and whether it is done.
        case fetchReport(key: IssueKey)
        case incomplete(selected: Int, budgetFactor: Int)
        case detail(key: IssueKey)
        /// One Events line in full, wrapped (the pane cuts lines at its width).
        case eventDetail(LogLine)
        case search(input: String)
    }

    public var progress = ScanProgress()
    /// JIRA's load as the client's request limiter sees it (nil until the first answers).
    public var load: LoadSnapshot?
    /// When `load` arrived: the limiter reports once a round, so its figures age between.
    public var loadAt: Date?
    public var state: RunState = .connecting
    public var startedAt: Date?
    public var finishedAt: Date?
    public var directory = ""
    public var themeName = "dark"
    public var inFlight: [Int: InFlight] = [:]
    public var decisions = RingBuffer<Decision>(capacity: 2000)
    public var log = RingBuffer<LogLine>(capacity: 5000)
    /// Latest manifest record per key that is not complete (for `m`).
    public var incomplete: [IssueKey: ManifestRecord] = [:]
    /// What quitting mid-scan means for the next run, as the quit dialog says it (the demo
    /// writes to a new directory each time, so for it the same command does not resume).
    public var resumeHint = "checkpoint: the same command resumes where it stopped."
    public var records = LRUMap<IssueKey, ManifestRecord>(capacity: 5000)
    public var reindexNote: String?
    public var focus: Pane = .decisions
    public var decisionScroll = 0
    public var decisionSelected = 0
    public var eventScroll = 0
    public var searchQuery = ""
    public var modal: Modal?
    /// Rungs of single-issue fetches the operator started, live.
    /// Rungs of operator fetches, by the ladder's label (the key's text, as `JiraEvent.rung` names it).
    public var fetchRungs: [String: [RungReport]] = [:]
    public var fetchResults: [IssueKey: String] = [:]
    /// A one-line message in the footer; it expires `noticeSeconds` after it was set.
    public var notice: String? { didSet { noticeAt = notice == nil ? nil : Date() } }
    public private(set) var noticeAt: Date?
    public static let noticeSeconds = 8.0
    public var scanDone = false
    var lastCheckpointLine: Date?
    /// TLS certificate verification is off (`--insecure`): said in the header.
    public var insecure = false
    /// The zone event times are shown in (the operator's own by default).
    public var displayZone: TimeZone = .current

    public init() {}

    // MARK: - Events

    public mutating func apply(_ event: ScanEvent, at now: Date) {
        // Another pass after the first ended (the demo's delta passes): the header, progress
        // and tiers start over; decisions and events go on.
        if case .connected = event, finishedAt != nil {
            pass += 1
            progress = ScanProgress()
            state = .connecting
            startedAt = now
            finishedAt = nil
            scanDone = false
            nextPassAt = nil
        }
        if startedAt == nil { startedAt = now }
        progress.apply(event, at: now)
        narrate(event, now)
        switch event {
        case .connected(let c):
            if case .connecting = state { state = .running }
            insecure = c.insecure
        case .phase(let phase):
            switch phase {
            case .done: state = .finished; finishedAt = now; scanDone = true
            case .interrupted: state = .interrupted; finishedAt = now
            case .failed: if case .failed = state {} else { state = .failed("see events"); finishedAt = now }
            default: break
            }
        case .written(let record):
            records[record.key] = record
            operatorWork.remove(record.key)
            incomplete[record.key] = record.complete || !record.isPresent ? nil : record
            if let index = decisions.lastIndex(where: { $0.key == record.key }) { decisions[index].record = record }
        case .incompleteInDirectory(let earlier):
            for record in earlier { incomplete[record.key] = record }
        case .swept(let deleted, let movedTo):
            for key in deleted { incomplete[key] = nil }
            for key in movedTo.keys.compactMap(IssueKey.init) { incomplete[key] = nil }
        case .reindexDetected(_, let example):
            reindexNote = Narration.reindexNote(count: progress.reindexed, example: example)
        case .paused(let p): isPaused = p
        case .nextPass(let number, let seconds):
            nextPassAt = now.addingTimeInterval(seconds)
            // The pass that just ended is number - 1 (a console attached mid-run learns it here).
            pass = max(pass, number - 1)
        case .client(let e): applyClient(e, now)
        default: break
        }
    }

    /// The narration's line for the event, into the Events pane. Checkpoints come every
    /// second; one line per ten seconds says enough here (events.jsonl has them all).
    private mutating func narrate(_ event: ScanEvent, _ now: Date) {
        // This console's own actions are already in its Events pane, as typed.
        if case .operatorAction(_, let console) = event, console == ownProcess { return }
        guard let line = Narration.line(for: event, project: progress.project) else { return }
        if line.kind == .checkpoint {
            guard lastCheckpointLine.map({ now.timeIntervalSince($0) >= 10 }) ?? true else { return }
            lastCheckpointLine = now
        }
        append(line.kind, line.text, now, until: line.wait.map { now.addingTimeInterval($0) })
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
            if b.global {
                state = .rateLimited(until: until)
            } else if case .running = state {
                state = .retrying(until: until)
            }
        case .rung(let key, let report):
            if fetchRungs[key] != nil { fetchRungs[key]!.append(report) }
        case .tierDecided(let d):
            // Wall time: a hedge's two rungs ran side by side.
            let seconds = Narration.wallSeconds(d.rungs)
            decisions.append(
                Decision(
                    key: d.key, tier: d.tier, links: d.links, rungs: d.rungs, seconds: seconds, record: records[d.key],
                    at: now,
                    title: d.title.map(\.description)))
            if decisionSelected >= decisions.count - 2 { decisionSelected = max(0, decisions.count - 1) }
        case .outage(let o):
            switch o {
            case .began: state = .outage(since: now, nextProbe: nil)
            case .probeScheduled(_, let wait, let elapsed):
                state = .outage(since: now.addingTimeInterval(-elapsed), nextProbe: now.addingTimeInterval(wait))
            case .ended: if case .outage = state { state = .running }
            case .probed, .gaveUp: break
            }
        case .load(let snapshot):
            load = snapshot
            loadAt = now
        case .cursorRecovered, .changelogRoute, .timeZone, .warning: break
        }
    }

    /// Adds a line to the Events pane in time order: lines from several sources (the scan's
    /// events, the demo's narration, operator actions) may arrive a little out of order, and
    /// the pane must never show a later time above an earlier one.
    public mutating func append(_ kind: LogLine.Kind, _ text: String, _ now: Date, until: Date? = nil) {
        let line = LogLine(at: now, kind: kind, text: UntrustedText.sanitized(text), until: until)
        log.append(line) { earlier, new in earlier.at > new.at }
    }

    /// The operator paused the scan (kept apart from `state`, which waits and outages change).
    public var isPaused = false

    /// The state shown in the header, with waits that have ended cleared. A pause shows as
    /// PAUSED while the scan runs or waits; an outage, or the end, shows as itself.
    public func displayState(now: Date) -> RunState {
        switch state {
        case .running, .rateLimited, .retrying, .paused:
            if isPaused { return .paused }
        default: return state
        }
        switch state {
        case .rateLimited(let until) where until <= now, .retrying(let until) where until <= now: return .running
        case .paused: return .running
        default: return state
        }
    }

    /// Keys of operator fetches and re-fetches not yet answered (after FINISHED, the header
    /// says REFETCHING and its clock runs while any remain).
    public var operatorWork: Set<IssueKey> = []
    /// This console's process: actions it took come back as events, and are not shown twice.
    public var ownProcess: Int32 = getpid()
    /// `console --attach`: the scan this console watches from another process; nil when the
    /// scan runs under this console.
    public var attached: ControlHello?
    /// Attached: why the scan's socket closed (the scan ended, or this console fell behind).
    public var scanGone: String?
    /// Which pass this is (1 for the scan; `--follow` and the demo run more).
    public var pass = 1
    /// `--follow`: when the next pass starts (the header counts down to it).
    public var nextPassAt: Date?

    /// Seconds until the scan is done: the rate's estimate for the issues left, but, once the
    /// requests in flight hold every issue left, never less than the budget left to the slowest
    /// of them (a hub's links fetch with 120 s of budget left is not done in 0 s). Mid-scan the
    /// rate alone speaks: every new request's budget would make the ETA jump to it. Nil before
    /// a rate exists, 0 when all are written.
    public func eta(now: Date) -> TimeInterval? {
        guard let total = progress.total else { return nil }
        guard progress.done < total else { return 0 }
        let held = inFlight.values.reduce(0) { sum, request in
            switch request.info.subject {
            case .issue: sum + 1
            case .batch(let count, _, _): sum + count
            default: sum
            }
        }
        let inFlightLeft =
            held >= total - progress.done
            ? inFlight.values.map { max(0, $0.info.budget - now.timeIntervalSince($0.started)) }.max() : nil
        switch (progress.eta(now: now), inFlightLeft) {
        case (let rate?, let left?): return max(rate, left)
        case (let rate?, nil): return rate
        case (nil, let left?): return left
        case (nil, nil): return nil
        }
    }

    /// Sets the footer notice as of `now` (its expiry counts from then).
    public mutating func setNotice(_ text: String, _ now: Date) {
        notice = text
        noticeAt = now
    }

    /// The notice still due on screen at `now`.
    public func visibleNotice(at now: Date) -> String? {
        guard let notice, let at = noticeAt, now.timeIntervalSince(at) < Self.noticeSeconds else { return nil }
        return notice
    }

    /// The Events line marked ▶ (the bottom one shown, which `j`/`k` move): Enter opens it.
    public var selectedEvent: LogLine? {
        let lines = filteredLog
        let index = lines.count - 1 - eventScroll
        return lines.indices.contains(index) ? lines[index] : nil
    }

    public var incompleteList: [ManifestRecord] { incomplete.values.sorted { $0.key < $1.key } }

    public var filteredLog: [LogLine] {
        guard !searchQuery.isEmpty else { return log.elements }
        return log.elements.filter { $0.text.localizedCaseInsensitiveContains(searchQuery) }
    }

    public static func rungText(_ rungs: [RungReport]) -> String { Narration.rungs(rungs) }
}
