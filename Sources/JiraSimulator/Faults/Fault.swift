/// What the simulated server does instead of (or on top of) answering a request normally.
public enum Fault: Sendable, Hashable {
    /// 429 with Tomcat's HTML body and the given `Retry-After`.
    case rateLimited(RetryAfter?)
    /// A 5xx (500, 502, 503, 504) with an optional `Retry-After`.
    case status(Int, RetryAfter?)
    /// The connection closes after the request is read, before any response byte.
    case closeBeforeResponse
    /// The head promises the whole body; `fraction` of it is sent, then the connection closes.
    case truncatedBody(fraction: Double)
    /// 200 with an HTML login page, as an SSO proxy answers an expired session.
    case htmlLogin
    /// 302 to an SSO host.
    case redirect(location: String)
    /// 200 whose body is a JSON array.
    case jsonArray
    /// 200 whose body is a JSON string.
    case jsonString
    /// Extra delay before the head, in simulated seconds (multiplied by the time scale).
    case delay(Double)
    /// The head leaves at once and the body this many simulated seconds later: a slow network
    /// or a buffering proxy between JIRA and the client, not a slow server.
    case slowBody(Double)
    /// A 200 search page in which one issue row lacks its `id`.
    case malformedRow
    /// A 200 search page whose first issue row's key ends in terminal escape sequences (an OSC
    /// that sets the window title, an OSC 52 that writes the clipboard): a hostile server.
    case hostileKey
    /// The answer waits until the gate registered under this number (`JiraSimulator.hold`) opens.
    case held(gate: Int)

    public enum RetryAfter: Sendable, Hashable {
        case seconds(Int)
        /// An HTTP-date this many seconds after now.
        case httpDate(secondsFromNow: Int)
    }
}

/// Which requests a fault rule applies to.
public struct RequestMatcher: Sendable, Hashable {
    public var method: String?
    /// The path must contain this text (for example `/search` or `/issue/P-3`).
    public var pathContains: String?
    /// The request's fields (query `fields` or the POST body's) must contain this text.
    public var fieldsContains: String?
    /// The query's `fields` must be exactly this (e.g. `issuelinks` for a links-only GET).
    public var fieldsExactly: String?
    /// The request must concern the n-th largest hub (0 = the largest): its id in a search's
    /// JQL, or its key in the path. Resolved to `issueID`/`issueKey` when the simulator starts.
    public var hubRank: Int?
    public var issueID: Int?
    public var issueKey: String?

    public init(
        method: String? = nil, pathContains: String? = nil, fieldsContains: String? = nil, fieldsExactly: String? = nil,
        hubRank: Int? = nil
    ) {
        self.method = method
        self.pathContains = pathContains
        self.fieldsContains = fieldsContains
        self.fieldsExactly = fieldsExactly
        self.hubRank = hubRank
    }

    public static let any = RequestMatcher()

    func matches(method m: String, path: String, fields: String) -> Bool {
        if let method, method != m { return false }
        if let pathContains, !path.contains(pathContains) { return false }
        if let fieldsContains, !fields.contains(fieldsContains) { return false }
        if let fieldsExactly, fields != fieldsExactly { return false }
        if hubRank != nil || issueID != nil {
            let byPath = issueKey.map { path.hasSuffix("/issue/\($0)") || path.contains("/issue/\($0)/") } ?? false
            let byJQL = issueID.map { Self.containsNumber(fields, $0) } ?? false
            if !(byPath || byJQL) { return false }
        }
        return true
    }

    /// Whether `text` holds `number` as a whole number (not part of a longer one).
    static func containsNumber(_ text: String, _ number: Int) -> Bool {
        let needle = Array(String(number).utf8), hay = Array(text.utf8)
        guard needle.count <= hay.count else { return false }
        func digit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        var i = 0
        while i + needle.count <= hay.count {
            if hay[i..<(i + needle.count)].elementsEqual(needle),
                i == 0 || !digit(hay[i - 1]), i + needle.count == hay.count || !digit(hay[i + needle.count])
            {
                return true
            }
            i += 1
        }
        return false
    }
}

/// Scripted faults (the next n matching requests) and seeded random ones.
public struct FaultPlan: Sendable {
    public struct Rule: Sendable {
        public var matcher: RequestMatcher
        public var fault: Fault
        /// How many more matching requests this rule takes; `nil` = every one.
        public var remaining: Int?
        /// Matching requests to let through before the rule starts.
        public var skip: Int

        public init(_ fault: Fault, matching matcher: RequestMatcher = .any, count: Int? = 1, skip: Int = 0) {
            self.fault = fault
            self.matcher = matcher
            self.remaining = count
            self.skip = skip
        }
    }

    public struct Random: Sendable {
        public var fault: Fault
        /// Probability per request, 0...1.
        public var rate: Double
        public var matcher: RequestMatcher

        public init(_ fault: Fault, rate: Double, matching matcher: RequestMatcher = .any) {
            self.fault = fault
            self.rate = rate
            self.matcher = matcher
        }
    }

    public var rules: [Rule] = []
    public var random: [Random] = []
    /// Seeds the random faults; the same seed and request order give the same faults.
    public var seed: UInt64 = 7

    public init(rules: [Rule] = [], random: [Random] = []) {
        self.rules = rules
        self.random = random
    }

    /// The fault for one request, consuming a scripted rule if one matches.
    mutating func draw(method: String, path: String, fields: String, rng: inout SplitMix64) -> Fault? {
        for index in rules.indices where rules[index].matcher.matches(method: method, path: path, fields: fields) {
            if rules[index].remaining == 0 { continue }
            if rules[index].skip > 0 {
                rules[index].skip -= 1
                continue
            }
            if let left = rules[index].remaining { rules[index].remaining = left - 1 }
            return rules[index].fault
        }
        for entry in random where entry.matcher.matches(method: method, path: path, fields: fields) {
            if rng.chance(entry.rate) { return entry.fault }
        }
        return nil
    }
}
