import Foundation
import JiraResilient

/// The control socket's protocol (`DIR/control.sock`): one JSON object per line each way. The
/// scan speaks first (`hello`, then `snapshot`), then streams its events; the console sends
/// operator actions and receives their outcomes. Both ends are this program: an attacher of
/// another version is refused, so the shapes here need no compatibility rules.
public enum ControlProtocol {
    /// The socket's name in the output directory.
    public static let socketName = "control.sock"
    /// Changes when a message changes shape (the attacher checks it with the tool's version).
    public static let revision = 1
    /// The longest line either side accepts, in bytes (a snapshot of 1,000,000 issues' tally
    /// fits well inside).
    public static let maxLine = 256 << 20
}

/// What a running scan tells an attached console.
public enum ControlServerMessage: Sendable, Codable {
    /// First on every connection: who is at the other end.
    case hello(ControlHello)
    /// Second: the scan as of now; every `event` after it follows on from it.
    case snapshot(ControlSnapshot)
    case event(DatedEvent)
    /// The end of an operator's fetch or re-fetch, to the console that asked (`report`: a
    /// single fetch, whose modal shows it, rather than a re-fetch, whose notice does).
    case outcome(OperatorOutcome, report: Bool)
    /// The scan is ending, or this console fell too far behind to be sent everything; the
    /// connection closes after this.
    case closing(reason: String)
}

/// What an attached console asks of the scan.
public enum ControlClientMessage: Sendable, Codable {
    /// An action, from the console in process `console`.
    case action(ControlAction, console: Int32)
}

public struct ControlHello: Sendable, Codable, Equatable {
    /// The scan's `jira-resilient` version.
    public var version: String
    public var revision: Int
    public var pid: Int32
    public var project: String
    public var directory: String

    public init(version: String, revision: Int, pid: Int32, project: String, directory: String) {
        self.version = version
        self.revision = revision
        self.pid = pid
        self.project = project
        self.directory = directory
    }
}

/// A scan event with the time the scan saw it.
public struct DatedEvent: Sendable, Codable {
    public var at: Date
    public var event: ScanEvent

    public init(at: Date, event: ScanEvent) {
        self.at = at
        self.event = event
    }
}

/// The scan's state for a console attaching mid-way: its counts, the events that set its
/// state (connection, plan, phase, pause, outage, passes) and the most recent events, in the
/// order they happened; the requests in flight, and every issue written incomplete.
public struct ControlSnapshot: Sendable, Codable {
    public var progress: ScanProgress
    public var events: [DatedEvent]
    public var inFlight: [DatedEvent]
    public var incomplete: [ManifestRecord]

    public init(progress: ScanProgress, events: [DatedEvent], inFlight: [DatedEvent], incomplete: [ManifestRecord]) {
        self.progress = progress
        self.events = events
        self.inFlight = inFlight
        self.incomplete = incomplete
    }
}

/// An operator's action, from the console on the scan's terminal or an attached one.
public enum ControlAction: Sendable, Codable, Equatable {
    /// A single-issue resilient fetch through the scan's client.
    case fetch(key: IssueKey)
    /// Re-fetch these issues with the budgets multiplied by `budgetFactor`.
    case refetch(keys: [IssueKey], budgetFactor: Double)
    case setPaused(Bool)
    /// Stop the scan (its checkpoint is saved; the same command resumes).
    case stop
}

/// How an operator's fetch ended, per issue.
public enum OperatorOutcome: Sendable, Codable, Equatable {
    case written(ManifestRecord)
    /// `message` is the error's line, as the operator should see it.
    case failed(key: IssueKey, message: String)
    /// The fetch as a whole ended early (the scan stopped, the client shut down).
    case stopped(keys: [IssueKey], message: String)
}
