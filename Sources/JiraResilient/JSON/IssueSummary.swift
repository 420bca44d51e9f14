/// The few values the client reads from an issue object; the rest stays bytes.
public struct IssueSummary: Sendable, Equatable {
    public var id: String
    public var key: String
    /// `fields.updated` as JIRA wrote it, if the response had it.
    public var updated: String?
    /// Entries of `fields.issuelinks`; nil when the field is absent (unknown, not "none").
    public var links: Int?
    /// Inline entries and the true totals JIRA reports; nil when absent from the response.
    public var comments: Count?
    public var worklogs: Count?
    public var histories: Count?

    public init(id: String, key: String, updated: String? = nil, links: Int? = nil, comments: Count? = nil,
                worklogs: Count? = nil, histories: Count? = nil) {
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
    }

    public var startAt: Int?
    public var maxResults: Int?
    /// nil when the server omitted it (keep paging until an empty page).
    public var total: Int?
    public var issues: [Issue]
    public var warningMessages: [String]
}

/// Why a 2xx body is not what JIRA sends.
public struct JiraShapeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// True when the body ended early: retry it like a dropped connection.
    public var truncated: Bool
    public var description: String { reason }
}

public enum IssueJSON {
    /// Reads one issue object's summary; an issue without a string `id` or `key` is malformed.
    public static func summary(_ s: JSONScanner, issue: JSONSpan) throws(JiraShapeError) -> IssueSummary {
        guard issue.kind == .object else { throw JiraShapeError(reason: "an issue row is not a JSON object", truncated: false) }
        var id: String?, key: String?, fields: JSONSpan?, changelog: JSONSpan?
        s.forEachMember(of: issue) { name, value in
            if s.keyEquals(name, "id") { id = s.string(value) ?? (value.kind == .number ? s.int(value).map(String.init) : nil) }
            else if s.keyEquals(name, "key") { key = s.string(value) }
            else if s.keyEquals(name, "fields") { fields = value }
            else if s.keyEquals(name, "changelog") { changelog = value }
            return true
        }
        guard let id, !id.isEmpty else { throw JiraShapeError(reason: "an issue row has no id", truncated: false) }
        guard let key, !key.isEmpty else { throw JiraShapeError(reason: "issue \(id) has no key", truncated: false) }
        var summary = IssueSummary(id: id, key: key)
        if let fields, fields.kind == .object {
            s.forEachMember(of: fields) { name, value in
                if s.keyEquals(name, "updated") { summary.updated = s.string(value) }
                else if s.keyEquals(name, "issuelinks") { summary.links = value.kind == .array ? s.elementCount(of: value) : nil }
                else if s.keyEquals(name, "comment") { summary.comments = count(s, value, array: "comments") }
                else if s.keyEquals(name, "worklog") { summary.worklogs = count(s, value, array: "worklogs") }
                return true
            }
        }
        if let changelog { summary.histories = count(s, changelog, array: "histories") }
        return summary
    }

    static func count(_ s: JSONScanner, _ object: JSONSpan, array: StaticString) -> IssueSummary.Count? {
        guard object.kind == .object, let list = s.member(array, in: object), list.kind == .array else { return nil }
        let inline = s.elementCount(of: list)
        let total = s.member("total", in: object).flatMap { s.int($0) } ?? inline
        return IssueSummary.Count(inline: inline, total: max(total, inline))
    }

    /// Validates a single-issue response and reads its summary.
    public static func parseIssue(_ bytes: [UInt8]) throws(JiraShapeError) -> (JSONDocument, IssueSummary) {
        let document: JSONDocument
        do { document = try JSONDocument(validating: bytes) } catch {
            throw JiraShapeError(reason: "the body is not JSON (\(error))", truncated: error.kind == .truncated)
        }
        guard document.root.kind == .object else {
            throw JiraShapeError(reason: "expected an issue object, got a JSON \(document.root.kind)", truncated: false)
        }
        let summary = try document.withScanner { (s) -> Result<IssueSummary, JiraShapeError> in
            do throws(JiraShapeError) { return .success(try IssueJSON.summary(s, issue: document.root)) } catch { return .failure(error) }
        }.get()
        return (document, summary)
    }

    /// Validates a search response and splits it into issues.
    public static func parseSearchPage(_ bytes: [UInt8]) throws(JiraShapeError) -> SearchPageBytes {
        let document: JSONDocument
        do { document = try JSONDocument(validating: bytes) } catch {
            throw JiraShapeError(reason: "the body is not JSON (\(error))", truncated: error.kind == .truncated)
        }
        guard document.root.kind == .object else {
            throw JiraShapeError(reason: "expected a search result object, got a JSON \(document.root.kind)", truncated: false)
        }
        let result: Result<SearchPageBytes, JiraShapeError> = document.withScanner { s in
            var page = SearchPageBytes(startAt: nil, maxResults: nil, total: nil, issues: [], warningMessages: [])
            var issues: JSONSpan?
            s.forEachMember(of: document.root) { name, value in
                if s.keyEquals(name, "issues") { issues = value }
                else if s.keyEquals(name, "total") { page.total = s.int(value) }
                else if s.keyEquals(name, "startAt") { page.startAt = s.int(value) }
                else if s.keyEquals(name, "maxResults") { page.maxResults = s.int(value) }
                else if s.keyEquals(name, "warningMessages") {
                    s.forEachElement(of: value) { if let w = s.string($0) { page.warningMessages.append(w) } }
                }
                return true
            }
            guard let issues, issues.kind == .array else {
                return .failure(JiraShapeError(reason: "the search result has no issues array", truncated: false))
            }
            var failure: JiraShapeError?
            s.forEachElement(of: issues) { span in
                guard failure == nil else { return }
                do throws(JiraShapeError) {
                    let summary = try IssueJSON.summary(s, issue: span)
                    page.issues.append(.init(summary: summary, bytes: Array(document.bytes[span.range])))
                } catch { failure = error }
            }
            if let failure { return .failure(failure) }
            return .success(page)
        }
        return try result.get()
    }

    /// Reads `fields.issuelinks` from a links-only issue response: the array's bytes and count.
    public static func issueLinks(_ bytes: [UInt8]) throws(JiraShapeError) -> (array: [UInt8], count: Int) {
        let (document, _) = try parseIssue(bytes)
        let found: (ArraySlice<UInt8>, Int)? = document.withScanner { s in
            guard let fields = s.member("fields", in: document.root), let links = s.member("issuelinks", in: fields),
                  links.kind == .array else { return nil }
            return (document.bytes[links.range], s.elementCount(of: links))
        }
        guard let found else { throw JiraShapeError(reason: "the response has no fields.issuelinks array", truncated: false) }
        return (Array(found.0), found.1)
    }

    /// Reads a paginated envelope (`startAt`, `total`, and the named array's elements as bytes).
    public static func envelope(_ bytes: [UInt8], array: StaticString) throws(JiraShapeError) -> (elements: [ArraySlice<UInt8>], total: Int?, isLast: Bool?) {
        let document: JSONDocument
        do { document = try JSONDocument(validating: bytes) } catch {
            throw JiraShapeError(reason: "the body is not JSON (\(error))", truncated: error.kind == .truncated)
        }
        guard document.root.kind == .object else {
            throw JiraShapeError(reason: "expected a paged object, got a JSON \(document.root.kind)", truncated: false)
        }
        let out: ([ArraySlice<UInt8>], Int?, Bool?)? = document.withScanner { s in
            guard let list = s.member(array, in: document.root), list.kind == .array else { return nil }
            var elements: [ArraySlice<UInt8>] = []
            s.forEachElement(of: list) { elements.append(document.bytes[$0.range]) }
            let total = s.member("total", in: document.root).flatMap { s.int($0) }
            let isLast = s.member("isLast", in: document.root).map { document.bytes[$0.start] == UInt8(ascii: "t") }
            return (elements, total, isLast)
        }
        guard let out else { throw JiraShapeError(reason: "the response has no '\(array)' array", truncated: false) }
        return out
    }
}
