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
public enum JiraEvent: Sendable {
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
    case cursorRecovered(from: String, to: String?, reason: String)
    case warning(String)

    public struct RequestInfo: Sendable {
        public var id: Int
        public var operation: String
        /// An issue key, or a search's JQL.
        public var target: String
        public var rung: Rung?
        public var budget: Double
        public var attempt: Int
        public var maxAttempts: Int

        public init(id: Int, operation: String, target: String, rung: Rung?, budget: Double, attempt: Int, maxAttempts: Int) {
            self.id = id
            self.operation = operation
            self.target = target
            self.rung = rung
            self.budget = budget
            self.attempt = attempt
            self.maxAttempts = maxAttempts
        }
    }

    public struct Backoff: Sendable {
        public var request: RequestInfo
        public var reason: String
        public var status: Int?
        public var wait: Double
        public var source: WaitSource
        /// True when every request waits (a 429 holds the whole client).
        public var global: Bool

        public init(request: RequestInfo, reason: String, status: Int?, wait: Double, source: WaitSource, global: Bool) {
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

    public init(rung: Rung, succeeded: Bool, seconds: Double, error: String?, bytes: Int) {
        self.rung = rung
        self.succeeded = succeeded
        self.seconds = seconds
        self.error = error
        self.bytes = bytes
    }
}

public struct TierDecision: Sendable, Codable, Equatable {
    public var key: String
    public var tier: Tier
    public var rungs: [RungReport]
    public var links: Int?
    /// The summary (untrusted text).
    public var title: String?

    public init(key: String, tier: Tier, rungs: [RungReport], links: Int?, title: String? = nil) {
        self.key = key
        self.tier = tier
        self.rungs = rungs
        self.links = links
        self.title = title
    }
}

/// Receives events; must return quickly and never block (buffer if it writes).
public struct EventSink: Sendable {
    private let receive: @Sendable (JiraEvent) -> Void
    public init(_ receive: @escaping @Sendable (JiraEvent) -> Void) { self.receive = receive }
    public static let none = EventSink { _ in }
    public func send(_ event: JiraEvent) { receive(event) }
}
