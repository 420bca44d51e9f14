/// A failure a caller can act on: a `code` to switch over, JIRA's own messages, and a
/// description a person can act on. It never contains the token.
public struct JiraError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; new codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidInput, authentication, jqlRejected, notFound, clientError, serverError, rateLimited
            case timeout, connection, redirect, notJira, tls, cancelled, localIO
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

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The HTTP status, when there was a response.
    public let status: Int?
    /// JIRA's `errorMessages`, as sent (untrusted text: sanitise before display).
    public let messages: [String]
    /// What happened, for a person.
    public let detail: String

    public init(_ code: Code, _ detail: String, status: Int? = nil, messages: [String] = []) {
        self.code = code
        self.detail = detail
        self.status = status
        self.messages = messages
    }

    public var description: String {
        messages.isEmpty ? detail : "\(detail): \(messages.joined(separator: "; "))"
    }

    /// The process exit code of the command-line contract.
    public var exitCode: Int32 {
        switch code {
        case .invalidInput, .tls: 2
        case .authentication: 3
        case .jqlRejected: 4
        case .redirect, .notJira: 6
        case .cancelled: 130
        default: 5
        }
    }

    /// Whether a lower rung of the tier ladder could still succeed (a 4xx says no).
    public var allowsLowerRung: Bool {
        ![.authentication, .jqlRejected, .notFound, .clientError, .redirect, .invalidInput, .cancelled, .tls].contains(code)
    }
}
