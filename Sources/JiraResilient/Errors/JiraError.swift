/// A failure a caller can act on: a `code` to switch over, JIRA's own messages, and a
/// description a person can act on. It never contains the token.
public struct JiraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure; new codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidInput, authentication, jqlRejected, notFound, clientError, serverError, rateLimited
            case timeout, connection, redirect, notJira, tls, cancelled, localIO, outage
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Bad input from the user, found before any request.
        public static let invalidInput = Code(.invalidInput)
        /// 401 or 403.
        public static let authentication = Code(.authentication)
        /// JIRA rejected the JQL (400); `messages` holds its errorMessages.
        public static let jqlRejected = Code(.jqlRejected)
        /// The issue (or resource) does not exist (404).
        public static let notFound = Code(.notFound)
        /// Another 4xx: retrying will not help.
        public static let clientError = Code(.clientError)
        /// 5xx after every attempt.
        public static let serverError = Code(.serverError)
        /// 429 after every attempt.
        public static let rateLimited = Code(.rateLimited)
        /// The budget ran out before the response was complete.
        public static let timeout = Code(.timeout)
        /// Connection refused, reset, or a body cut short, after every attempt.
        public static let connection = Code(.connection)
        /// A 3xx: a proxy or SSO answered instead of JIRA. Never followed.
        public static let redirect = Code(.redirect)
        /// A 2xx that is not JIRA's JSON (HTML login page, array, malformed row).
        public static let notJira = Code(.notJira)
        /// TLS could not be set up (unreadable CA bundle, bad PEM).
        public static let tls = Code(.tls)
        public static let cancelled = Code(.cancelled)
        /// Reading or writing local files failed (disk full, permissions).
        public static let localIO = Code(.localIO)
        /// JIRA stayed unreachable longer than the outage timeout; nothing was given up on
        /// before that, and the same command resumes.
        public static let outage = Code(.outage)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The HTTP status, when there was a response.
    public let status: Int?
    /// JIRA's `errorMessages` and `errors`, in the token user's language: for people, never
    /// for decisions. Printing them prints their sanitised form.
    public let messages: [ServerText]
    /// What happened, for a person.
    public let detail: String
    /// What the person can do about it, for a front end to phrase in its own terms (a command
    /// line names its flags; a library caller its configuration).
    public let hint: Hint?
    /// How the connection failed, when it did.
    public let transport: TransportFailure?

    /// Remedies a front end can name.
    public enum Hint: Sendable, Equatable {
        /// Give a valid personal access token (this one was refused).
        case checkToken
        /// No token was given.
        case provideToken
        /// Trust the CA that signed the server's certificate.
        case trustServerCA
        /// The URL does not lead to JIRA's REST API (an SSO page, a proxy, a wrong path).
        case notJiraURL
        /// The proxy setting is wrong or the proxy refuses.
        case checkProxy
        /// Raise the response body limit.
        case raiseMaxBody
        /// Run the same command again to resume, or start over.
        case resumeOrRestart
        /// Check the JIRA URL (host and port).
        case checkURL
        /// The output directory holds something else: choose another one.
        case chooseAnotherDirectory
        /// An unfinished scan with other options: run its command again, or start over.
        case finishOrRestart
        /// Start over, ignoring the saved checkpoint.
        case restart
        /// Give one JQL condition.
        case fixFilter
        /// JIRA itself did not answer (a proxy or load balancer did): try again later.
        case retryLater
        /// A scan already runs on this output directory: watch it (attach) rather than start one.
        case attachToRunningScan(directory: String)
    }

    public init(
        _ code: Code, _ detail: String, status: Int? = nil, messages: [ServerText] = [], hint: Hint? = nil,
        transport: TransportFailure? = nil
    ) {
        self.code = code
        self.detail = detail
        self.status = status
        self.messages = messages
        self.hint = hint
        self.transport = transport
    }

    public var description: String {
        messages.isEmpty ? detail : "\(detail): \(messages.map(\.description).joined(separator: "; "))"
    }

    /// Whether a lower rung of the tier ladder could help: only slowness (a budget ran out)
    /// sends a request down the ladder. Connection failures, 5xx and 429 were already retried
    /// on the same rung; an outage holds instead; a 4xx would repeat.
    public var descendsLadder: Bool { code == .timeout }

    /// Whether the same request may succeed later (the server was slow, down or busy): a scan
    /// keeps such issues pending instead of stopping.
    public var isTransient: Bool {
        [.timeout, .connection, .serverError, .rateLimited].contains(code)
    }
}
