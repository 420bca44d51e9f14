/// The few values the client reads from an issue object; the rest stays bytes.
public struct IssueSummary: Sendable, Equatable {
    public var id: String
    /// Parsed once from the response (rows whose key is not an issue key are refused as
    /// malformed), so its text is safe to print and to use in a file name.
    public var key: IssueKey
    /// `fields.updated` as JIRA wrote it, if the response had it.
    public var updated: String?
    /// `fields.summary`, at most 200 scalars.
    public var title: ServerText?
    /// Entries of `fields.issuelinks`; nil when the field is absent (unknown, not "none").
    public var links: Int?
    /// Inline entries and the true totals JIRA reports; nil when absent from the response.
    public var comments: Count?
    public var worklogs: Count?
    public var histories: Count?

    public init(
        id: String, key: IssueKey, updated: String? = nil, links: Int? = nil, comments: Count? = nil,
        worklogs: Count? = nil, histories: Count? = nil
    ) {
        self.id = id
        self.key = key
        self.updated = updated
        self.links = links
        self.comments = comments
        self.worklogs = worklogs
        self.histories = histories
    }

    public struct Count: Sendable, Equatable {
        public var inline: Int
        public var total: Int
        public var isComplete: Bool { inline >= total }
        public init(inline: Int, total: Int) {
            self.inline = inline
            self.total = total
        }
    }
}

/// A search page split into issues, each kept as its own bytes.
public struct SearchPageBytes: Sendable {
    public struct Issue: Sendable {
        public var summary: IssueSummary
        /// Exactly the issue object's bytes from the page.
        public var bytes: [UInt8]
        /// Where its parts lie in `bytes`.
        public var layout: IssueLayout
    }

    public var startAt: Int?
    public var maxResults: Int?
    /// nil when the server omitted it (keep paging until an empty page).
    public var total: Int?
    public var issues: [Issue]
    /// JIRA's warnings (a JQL value it ignored), in the token user's language.
    public var warningMessages: [ServerText]
}

/// Why a 2xx body is not what JIRA sends.
public struct JiraShapeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// True when the body ended early: retry it like a dropped connection.
    public var truncated: Bool
    /// True when the response is JIRA's shape but one issue row in it is not (no id, a key that
    /// is not a key): the URL is right, the data is wrong.
    public var malformedRow: Bool = false
    public var description: String { reason }
}

public enum IssueJSON {
    /// Reads one issue object's summary; an issue without a string `id` or `key` is malformed.
    public static func summary(_ s: JSONScanner, issue: JSONSpan) throws(JiraShapeError) -> IssueSummary {
        guard issue.kind == .object else {
            throw JiraShapeError(reason: "an issue row is not a JSON object", truncated: false)
        }
        var id: String?, key: String?, fields: JSONSpan?, changelog: JSONSpan?
        s.forEachMember(of: issue) { name, value in
            if s.keyEquals(name, "id") {
                id = s.string(value) ?? (value.kind == .number ? s.int(value).map(String.init) : nil)
            } else if s.keyEquals(name, "key") {
                key = s.string(value)
            } else if s.keyEquals(name, "fields") {
                fields = value
            } else if s.keyEquals(name, "changelog") {
                changelog = value
            }
            return true
        }
        guard let id, !id.isEmpty else {
            throw JiraShapeError(reason: "an issue row has no id", truncated: false, malformedRow: true)
        }
        guard let key, !key.isEmpty else {
            throw JiraShapeError(
                reason: "issue \(ServerText(id, limit: 40)) has no key", truncated: false, malformedRow: true)
        }
        guard let parsedKey = IssueKey(key) else {
            throw JiraShapeError(reason: keyProblem(key, id: id), truncated: false, malformedRow: true)
        }
        var summary = IssueSummary(id: id, key: parsedKey)
        if let fields, fields.kind == .object {
            s.forEachMember(of: fields) { name, value in
                if s.keyEquals(name, "updated") {
                    summary.updated = s.string(value)
                } else if s.keyEquals(name, "issuelinks") {
                    summary.links = value.kind == .array ? s.elementCount(of: value) : nil
                } else if s.keyEquals(name, "comment") {
                    summary.comments = count(s, value, array: "comments")
                } else if s.keyEquals(name, "worklog") {
                    summary.worklogs = count(s, value, array: "worklogs")
                }
                return true
            }
        }
        if let changelog { summary.histories = count(s, changelog, array: "histories") }
        return summary
    }

    /// Why `key`, which `IssueKey` refused, is not a JIRA issue key. JIRA's keys are a project
    /// key (an uppercase letter, then uppercase letters, digits or `_`) and a number, so a
    /// checked key is inert on a terminal and as a file name: `IssueSummary.key` is always one.
    static func keyProblem(_ key: String, id: String) -> String {
        "issue \(ServerText(id, limit: 40)) has the key '\(ServerText(key, limit: 60))', which is not an issue key like PROJ-123"
    }

    static func count(_ s: JSONScanner, _ object: JSONSpan, array: StaticString) -> IssueSummary.Count? {
        guard object.kind == .object, let list = s.member(array, in: object), list.kind == .array else { return nil }
        let inline = s.elementCount(of: list)
        let total = s.member("total", in: object).flatMap { s.int($0) } ?? inline
        return IssueSummary.Count(inline: inline, total: max(total, inline))
    }

    /// Validates a search response in one pass and splits it into issues.
    public static func parseSearchPage(_ bytes: [UInt8]) throws(JiraShapeError) -> SearchPageBytes {
        var page = SearchPageBytes(startAt: nil, maxResults: nil, total: nil, issues: [], warningMessages: [])
        var problem: String?
        var sawIssues = false
        let scan: JSONScanError? = JSONScanner.withScanner(bytes) { s in
            do throws(JSONScanError) {
                let start = s.skipWhitespace(0)
                guard start < s.count else { throw JSONScanError(.truncated, at: start, "empty body") }
                guard s.base[start] == UInt8(ascii: "{") else {
                    let span = try s.validateDocument()
                    problem = "expected a search result object, got a JSON \(span.kind)"
                    return nil
                }
                let root = try s.objectMembers(at: start, depth: 0) {
                    (name, valueStart) throws(JSONScanError) -> JSONSpan in
                    if s.keyEquals(name, "issues"), s.base[valueStart] == UInt8(ascii: "[") {
                        sawIssues = true
                        var row = 0
                        return try s.arrayElements(at: valueStart, depth: 1) { (i) throws(JSONScanError) -> JSONSpan in
                            let (layout, summary, issueProblem) = try scanIssue(s, at: i, depth: 2)
                            row += 1
                            if let summary, problem == nil {
                                page.issues.append(
                                    .init(
                                        summary: summary, bytes: Array(bytes[layout.issue.range]),
                                        layout: layout.rebased(by: -layout.issue.start)))
                            } else if problem == nil {
                                problem =
                                    "\(issueProblem ?? "a malformed issue row") (issues[\(row - 1)], at byte \(i))"
                            }
                            return layout.issue.end > layout.issue.start ? layout.issue : try s.value(at: i, depth: 2)
                        }
                    }
                    let span = try s.value(at: valueStart, depth: 1)
                    if s.keyEquals(name, "total") {
                        page.total = s.int(span)
                    } else if s.keyEquals(name, "startAt") {
                        page.startAt = s.int(span)
                    } else if s.keyEquals(name, "maxResults") {
                        page.maxResults = s.int(span)
                    } else if s.keyEquals(name, "warningMessages") {
                        s.forEachElement(of: span) {
                            if let w = s.string($0) { page.warningMessages.append(ServerText(w, limit: 1000)) }
                        }
                    }
                    return span
                }
                let rest = s.skipWhitespace(root.end)
                guard rest == s.count else {
                    throw JSONScanError(.invalid, at: rest, "unexpected data after the JSON value")
                }
                return nil
            } catch { return error }
        }
        if let scan {
            throw JiraShapeError(reason: "the body is not JSON (\(scan))", truncated: scan.kind == .truncated)
        }
        if let problem { throw JiraShapeError(reason: problem, truncated: false, malformedRow: true) }
        guard sawIssues else { throw JiraShapeError(reason: "the search result has no issues array", truncated: false) }
        return page
    }

    /// Reads `fields.issuelinks` from a links-only issue response: the array's bytes and count.
    public static func issueLinks(_ bytes: [UInt8]) throws(JiraShapeError) -> (array: ArraySlice<UInt8>, count: Int) {
        let parsed = try parse(bytes)
        guard let links = parsed.layout.field("issuelinks"), links.value.kind == .array,
            let count = parsed.summary.links
        else {
            throw JiraShapeError(reason: "the response has no fields.issuelinks array", truncated: false)
        }
        return (bytes[links.value.range], count)
    }

    /// Reads a paginated envelope (`startAt`, `total`, and the named array's elements as bytes).
    public static func envelope(
        _ bytes: [UInt8], array: StaticString
    ) throws(JiraShapeError)
        -> (elements: [ArraySlice<UInt8>], total: Int?, isLast: Bool?, startAt: Int?)
    {
        let document: JSONDocument
        do { document = try JSONDocument(validating: bytes) } catch {
            throw JiraShapeError(reason: "the body is not JSON (\(error))", truncated: error.kind == .truncated)
        }
        guard document.root.kind == .object else {
            throw JiraShapeError(reason: "expected a paged object, got a JSON \(document.root.kind)", truncated: false)
        }
        let out: ([ArraySlice<UInt8>], Int?, Bool?, Int?)? = document.withScanner { s in
            guard let list = s.member(array, in: document.root), list.kind == .array else { return nil }
            var elements: [ArraySlice<UInt8>] = []
            s.forEachElement(of: list) { elements.append(document.bytes[$0.range]) }
            let total = s.member("total", in: document.root).flatMap { s.int($0) }
            let isLast = s.member("isLast", in: document.root).map { document.bytes[$0.start] == UInt8(ascii: "t") }
            let startAt = s.member("startAt", in: document.root).flatMap { s.int($0) }
            return (elements, total, isLast, startAt)
        }
        guard let out else { throw JiraShapeError(reason: "the response has no '\(array)' array", truncated: false) }
        return out
    }
}
