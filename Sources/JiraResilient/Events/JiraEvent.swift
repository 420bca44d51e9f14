import Foundation

/// The rungs of the tier ladder.
public enum Rung: String, Sendable, Codable, CaseIterable {
    case full, hubBase = "hub-base", hubLinks = "hub-links", minimal
}

/// How complete a fetched issue is: `full` and `hub` lose nothing, `minimal` keeps core fields only.
public enum Tier: String, Sendable, Codable {
    case full, hub, minimal
}

/// Where a wait's length came from.
public enum WaitSource: String, Sendable, Codable {
    /// The server's `Retry-After`.
    case retryAfter = "retry-after"
    /// The client's own exponential or linear backoff.
    case backoff
    /// One token's refill time, from the server's `X-RateLimit-*` headers.
    case rateLimit = "rate-limit"
}

/// Something the client did or is about to do. Waits are announced before they start.
public enum JiraEvent: Sendable, Codable {
    /// A request is about to be sent; `budget` seconds is the most it may take.
    case requestStarted(RequestInfo)
    case requestFinished(RequestInfo, status: Int?, bytes: Int, seconds: Double, error: String?)
    /// The client will wait `wait` seconds before attempt `attempt + 1` of `maxAttempts`.
    case backoff(Backoff)
    /// One rung of a ladder ended.
    case rung(key: String, report: RungReport)
    /// A ladder ended with this tier (for one issue, or for a search page when `key` is a page label).
    case tierDecided(TierDecision)
    case changelogRoute(paginated: Bool, reason: String)
    case timeZone(identifier: String, source: String)
    /// A seek cursor named an issue that vanished; the scan stepped back to another.
    case cursorRecovered(from: IssueKey, to: IssueKey?, reason: String)
    /// JIRA became unreachable, is being probed, or is back.
    case outage(OutageEvent)
    /// The request limiter's view of JIRA's load: sent when the limit changes, and every few
    /// answers otherwise.
    case load(LoadSnapshot)
    case warning(String)

    public struct RequestInfo: Sendable, Codable {
        public var id: Int
        public var operation: String
        /// What the request is for: an issue, a batch, the listing, the server.
        public var subject: RequestSubject
        public var rung: Rung?
        /// Seconds the attempt may take.
        public var budget: Double
        public var attempt: Int
        public var maxAttempts: Int
        /// The subject as text (an issue key, `listing after P-10`, a batch's range).
        public var target: String { subject.text }

        public init(
            id: Int, operation: String, subject: RequestSubject, rung: Rung?, budget: Double, attempt: Int,
            maxAttempts: Int
        ) {
            self.id = id
            self.operation = operation
            self.subject = subject
            self.rung = rung
            self.budget = budget
            self.attempt = attempt
            self.maxAttempts = maxAttempts
        }
    }

    public struct Backoff: Sendable, Codable {
        public var request: RequestInfo
        public var reason: String
        public var status: Int?
        public var wait: Double
        public var source: WaitSource
        /// True when every request waits (a 429 holds the whole client).
        public var global: Bool

        public init(request: RequestInfo, reason: String, status: Int?, wait: Double, source: WaitSource, global: Bool)
        {
            self.request = request
            self.reason = reason
            self.status = status
            self.wait = wait
            self.source = source
            self.global = global
        }
    }
}

public struct RungReport: Sendable, Codable, Equatable {
    public var rung: Rung
    public var succeeded: Bool
    public var seconds: Double
    /// Why it failed, when it did.
    public var error: String?
    public var bytes: Int
    /// A hedge's rung cancelled because the other rung answered first: not a failure, and it
    /// ran beside the winner (its time overlaps the winner's, it adds no wall time).
    public var lostRace: Bool?
    /// Whether this rung lost a hedge's race (see `lostRace`).
    public var wasCancelledByHedge: Bool { lostRace == true }

    public init(rung: Rung, succeeded: Bool, seconds: Double, error: String?, bytes: Int) {
        self.rung = rung
        self.succeeded = succeeded
        self.seconds = seconds
        self.error = error
        self.bytes = bytes
    }
}

public struct TierDecision: Sendable, Codable, Equatable {
    public var key: IssueKey
    public var tier: Tier
    public var rungs: [RungReport]
    public var links: Int?
    /// The issue's summary (sanitised when printed).
    public var title: ServerText?

    public init(key: IssueKey, tier: Tier, rungs: [RungReport], links: Int?, title: ServerText? = nil) {
        self.key = key
        self.tier = tier
        self.rungs = rungs
        self.links = links
        self.title = title
    }
}

/// What a request is for, structured so that screens need not parse JQL back.
public enum RequestSubject: Sendable, Equatable, Codable {
    /// A server-wide resource (`myself`, `serverInfo`, the field catalog).
    case server(String)
    /// One issue, or one of its sub-resources.
    case issue(String)
    /// A batch of listed issues, fetched by id: how many, the first and last key.
    case batch(count: Int, first: IssueKey, last: IssueKey)
    /// The key listing, after this key (nil = from the start).
    case listing(after: IssueKey?)
    /// A user.
    case user(String)
    /// Any other search, by its JQL.
    case search(String)

    /// For screens and logs (untrusted parts included: sanitise before display).
    public var text: String {
        switch self {
        case .server(let name): name
        case .issue(let key): key
        case .batch(let count, let first, let last): count == 1 ? "\(first)" : "\(first)…\(last) (\(count))"
        case .listing(let after): after.map { "listing after \($0)" } ?? "listing from the start"
        case .user(let name): "user \(name)"
        case .search(let jql): jql
        }
    }
}

/// The life of one outage, as the client announces it (waits before they start).
public enum OutageEvent: Sendable, Equatable, Codable {
    /// JIRA stopped answering; every request holds without spending attempts.
    case began(cause: String)
    /// Probe `number` will run in `inSeconds`; the outage has lasted `elapsed` seconds.
    case probeScheduled(number: Int, inSeconds: Double, elapsed: Double)
    case probed(number: Int, reachable: Bool, cause: String?)
    /// JIRA answered again after `seconds`; held requests resume.
    case ended(seconds: Double)
    /// The outage lasted past the outage timeout; held requests fail.
    case gaveUp(seconds: Double)
}

/// Receives events; must return quickly and never block (buffer if it writes).
public struct EventSink: Sendable {
    private let receive: @Sendable (JiraEvent) -> Void
    public init(_ receive: @escaping @Sendable (JiraEvent) -> Void) { self.receive = receive }
    public static let none = EventSink { _ in }
    public func send(_ event: JiraEvent) { receive(event) }
    /// Sends to both, `a` first.
    public static func + (a: EventSink, b: EventSink) -> EventSink {
        EventSink {
            a.send($0); b.send($0)
        }
    }
}
