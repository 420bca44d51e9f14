import Foundation

/// A named, seeded description of a simulated JIRA: its data, its clock and time zones, and what
/// goes wrong while a client talks to it.
public struct Scenario: Sendable {
    public struct Project: Sendable {
        public var key: String
        public var name: String
        public var issueCount: Int
        /// One hub per entry, with that many issuelinks.
        public var hubLinks: [Int] = []
        /// Issues created in `movedFrom` and then moved into this project, late in its history,
        /// so their ids are lower than issues with smaller key numbers.
        public var movedIn = 0
        public var movedFrom: String?
        /// Issues deleted after creation (their keys answer "does not exist").
        public var deleted = 0
        /// Issues whose `updated` falls in one minute, more of them than fit a page.
        public var sameMinuteCluster = 0
        /// Every n-th issue has a hostile summary (0 = none).
        public var hostileEvery = 0
        public var maxComments = 8
        public var maxWorklogs = 6
        public var maxHistories = 12
        /// Hubs were edited in the last days (so a recent delta window includes them).
        public var hubsUpdatedRecently = false
        /// Share of issues with more comments/worklogs/histories than JIRA inlines.
        public var overflowShare = 0.05

        public init(key: String, name: String, issueCount: Int) {
            self.key = key
            self.name = name
            self.issueCount = issueCount
        }
    }

    public var name: String
    public var summary: String
    public var seed: UInt64 = 1
    public var projects: [Project]
    /// The server JVM's fixed UTC offset in minutes, as `/serverInfo` renders `serverTime`.
    public var serverOffsetMinutes = -360
    /// The token user's IANA zone (`/myself`), in which JQL date literals are read.
    public var userTimeZone = "America/Denver"
    /// Whether `/issue/{key}/changelog` exists (Data Center 8.6+) or answers 404 as on Server.
    public var paginatedChangelog = true
    /// Issues (by share of all, oldest `updated` first) whose index `updated` a reindex moved
    /// to the end of the data, set apart from `fields.updated`.
    public var reindexShare = 0.0
    public var faults = FaultPlan()
    public var rateLimit: RateLimit?
    public var liveChanges: [LiveChange] = []
    public var maxResults = 1000
    /// Cap of `maxResults` when a search asks for all fields (`*all`), 0 = same as `maxResults`.
    public var maxResultsAllFields = 0
    /// How many rows offset paging can reach before Data Center answers "Search limit exceeded".
    public var offsetWindow = 10_000
    public var cost = CostModel()
    /// For `demo`: run a delta scan from this instant (so the reindex shows), nil for a full scan.
    public var demoSince: Date?
    /// Leave `total` out of paged sub-resource envelopes (some JIRA variants do).
    public var omitPagingTotals = false
    /// Largest page `/comment` and `/changelog` return, whatever `maxResults` asks.
    public var subResourcePageCap = 100

    public init(name: String, summary: String, projects: [Project]) {
        self.name = name
        self.summary = summary
        self.projects = projects
    }
}

/// A change applied while a client scans, after the server has answered a number of requests.
public struct LiveChange: Sendable {
    public enum Kind: Sendable {
        case update(key: String)
        case delete(key: String)
        case move(key: String, toProject: String)
        case create(project: String)
        /// Reindex every issue of the project updated before `beforeMs`: their index `updated`
        /// becomes the time of the reindex.
        case reindex(project: String, share: Double)
    }
    /// Applied just before the response to request number `afterRequests` (1-based) is computed.
    public var afterRequests: Int
    public var kind: Kind

    public init(afterRequests: Int, _ kind: Kind) {
        self.afterRequests = afterRequests
        self.kind = kind
    }
}
