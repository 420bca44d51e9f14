import Foundation
import JiraResilient

/// One event of a scan: the client's own (requests, backoffs, rungs, tiers) and the engine's.
/// The console, the headless progress printer and `events.jsonl` all consume this one stream.
public enum ScanEvent: Sendable, Codable {
    case client(JiraEvent)
    /// The server, user and zone the scan talks to.
    case connected(Connection)
    /// The scan's size is known (from the first key-listing request).
    case planned(total: Int, mode: ScanMode, window: String?)
    case phase(ScanPhase)
    /// The directory's last pass finished, so this one is a delta from its start (ISO-8601),
    /// the watermark, less the overlap; `lastFullScan`, when one is known.
    case continuing(since: String, lastFullScan: String?)
    /// A worker moved through the project: the batch it took (first and last key).
    case cursor(worker: Int, first: IssueKey, last: IssueKey, enumerated: IssueKey?)
    /// An issue's file and manifest record were written.
    case written(ManifestRecord)
    /// At the start of a pass: the latest records of the directory's incomplete issues, whichever
    /// pass wrote them (later `written` records update the set, `swept` ones leave it).
    case incompleteInDirectory([ManifestRecord])
    /// Issues that were listed but are gone from the project now (deleted or moved away).
    case vanished(keys: [IssueKey])
    /// A finished full scan found files in `issues/` of issues no longer in scope (deleted,
    /// moved away, or outside the filter) from earlier scans; kept, and listed in `state.json`.
    case outOfScope(keys: [IssueKey])
    /// `--sweep` resolved issues written earlier and gone from the project's listing now.
    case swept(deleted: [IssueKey], movedTo: [String: String])
    /// Issues listed by the index as updated since the window although their `fields.updated`
    /// is older: a Lucene reindex; they are fetched anyway (harmless over-fetch).
    case reindexDetected(count: Int, example: IssueKey)
    case checkpoint(written: Int, pending: Int)
    /// This run resumes an interrupted pass: `written` issues of it were written by earlier
    /// runs (not written again), `pending` remain.
    case resumedPass(written: Int, pending: Int)
    /// `--page-size auto` changed the issues a batch asks for (`perIssue`: the best seconds per
    /// issue at the old size, when known).
    case pageSize(from: Int, to: Int, reason: PageSizeReason, perIssue: Double?)
    /// A batch failed every tier; its issues stay pending for the next run.
    case batchFailed(keys: [IssueKey], error: String)
    case paused(Bool)
    /// An operator acted on the scan (`what`: "fetch PRJ-1", "pause", "stop the scan"…) from a
    /// console: the scan's own (`console` is the scan's pid) or one attached from process
    /// `console` through the control socket.
    case operatorAction(what: String, console: Int32)
    /// `--follow`: pass `number` starts in `inSeconds` (the previous one has ended).
    case nextPass(number: Int, inSeconds: Double)
    /// `manifest.jsonl` was compacted to the last record of each key (sizes in bytes).
    case compacted(before: Int, after: Int)
    case error(String)
    case finished(ScanSummary)
    /// Re-fetches after the pass ended changed what the files hold: the pass's counts now
    /// (written, tiers, complete), as `state.json` has them.
    case recounted(ScanSummary)

    /// Why the page size changed.
    public enum PageSizeReason: String, Sendable, Codable {
        /// Larger pages cost less per issue: the request's overhead is spread wider.
        case cheaperPerIssue = "cheaper-per-issue"
        /// Larger pages no longer cost less per issue: the size settles.
        case settled
        /// A page the size could explain timed out.
        case timeout
        /// The server answered with a smaller `maxResults` than asked.
        case serverCap = "server-cap"
    }

    public struct Connection: Sendable, Codable {
        public var url: String
        public var user: String
        public var serverVersion: String
        public var timeZone: String
        public var timeZoneSource: String
        public var project: String
        /// TLS certificate verification is off.
        public var insecure: Bool

        public init(
            url: String, user: String, serverVersion: String, timeZone: String, timeZoneSource: String, project: String,
            insecure: Bool = false
        ) {
            self.insecure = insecure
            self.url = url
            self.user = user
            self.serverVersion = serverVersion
            self.timeZone = timeZone
            self.timeZoneSource = timeZoneSource
            self.project = project
        }
    }
}

public enum ScanMode: String, Sendable, Codable { case full, delta }

public enum ScanPhase: String, Sendable, Codable {
    case connecting, enumerating, fetching, finishing, done, interrupted, failed
}

/// Receives scan events; must not block.
public struct ScanEventSink: Sendable {
    private let receive: @Sendable (ScanEvent) -> Void
    public init(_ receive: @escaping @Sendable (ScanEvent) -> Void) { self.receive = receive }
    public static let none = ScanEventSink { _ in }
    public func send(_ event: ScanEvent) { receive(event) }
    /// Sends to both.
    public static func + (a: ScanEventSink, b: ScanEventSink) -> ScanEventSink {
        ScanEventSink {
            a.send($0); b.send($0)
        }
    }
    /// A client event sink that wraps events into this one.
    public var clientSink: EventSink { EventSink { [self] in send(.client($0)) } }
}

/// What a scan did, for the summary line and the checkpoint.
public struct ScanSummary: Sendable, Codable, Equatable {
    public var project: String
    public var mode: ScanMode
    public var total: Int
    /// Issues this pass wrote, and of them those complete now.
    public var written: Int
    public var complete: Int
    /// Issues in the directory whose latest record is incomplete, whichever pass wrote them:
    /// what `refetch` would re-fetch, and what makes a finished scan exit 7.
    public var incomplete = 0
    public var tiers: [String: Int]
    public var vanished: Int
    /// Files of earlier scans whose issues a finished full scan no longer found in scope.
    public var outOfScope: Int
    /// `--sweep`: issues found deleted, and moved to another project, since earlier passes.
    public var deleted = 0
    public var moved = 0
    public var failed: Int
    public var requests: Int
    public var retries: Int
    public var bytes: Int
    public var seconds: Double

    public init(project: String, mode: ScanMode) {
        self.project = project
        self.mode = mode
        total = 0; written = 0; complete = 0; tiers = [:]; vanished = 0; outOfScope = 0; failed = 0; requests = 0;
        retries = 0; bytes = 0; seconds = 0
    }
}
