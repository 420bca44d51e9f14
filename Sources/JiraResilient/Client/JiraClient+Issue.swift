/// One issue's bytes as JIRA sent them, validated, with what the client read from them.
public struct IssuePayload: Sendable {
    public var bytes: [UInt8]
    public var summary: IssueSummary
    /// Where the parts lie in `bytes`, when known (saves a pass when completing).
    public var layout: IssueLayout?

    public init(bytes: [UInt8], summary: IssueSummary, layout: IssueLayout? = nil) {
        self.bytes = bytes
        self.summary = summary
        self.layout = layout
    }

    /// An issue row of a search page.
    public init(_ row: SearchPageBytes.Issue) {
        self.init(bytes: row.bytes, summary: row.summary, layout: row.layout)
    }
}

extension JiraClient {
    /// `GET /issue/{key}` with the given fields and expansions. `budget` defaults to `timeout`.
    public func issue(
        _ key: String, fields: [String] = ["*all"], expand: [String] = ["changelog"],
        budget: Double? = nil, attempts: Int? = nil, rung: Rung? = nil
    ) async throws(JiraError) -> IssuePayload {
        var query = [("fields", fields.joined(separator: ","))]
        if !expand.isEmpty { query.append(("expand", expand.joined(separator: ","))) }
        let r = request(
            Self.path(key), query: query, operation: rung == .hubLinks ? "links" : "issue", subject: .issue(key),
            rung: rung, budget: budget, attempts: attempts)
        return try await transport.perform(r) { (response) throws(JiraShapeError) -> IssuePayload in
            let parsed = try IssueJSON.parse(response.body)
            return IssuePayload(bytes: response.body, summary: parsed.summary, layout: parsed.layout)
        }
    }

    /// The minimal field set, within `timeout`.
    public func minimalIssue(_ key: String) async throws(JiraError) -> IssuePayload {
        try await issue(key, fields: Self.minimalFields, expand: [], rung: .minimal)
    }

    /// Only `fields.issuelinks`, with the long links budget: the JSON array's bytes (a slice of
    /// the response, which it keeps alive) and its length.
    public func issueLinks(
        _ key: String, budget: Double? = nil
    ) async throws(JiraError) -> (
        array: ArraySlice<UInt8>, count: Int
    ) {
        let r = request(
            Self.path(key), query: [("fields", "issuelinks")], operation: "links", subject: .issue(key),
            rung: .hubLinks, budget: budget ?? configuration.linksTimeout)
        return try await transport.perform(r) { (response) throws(JiraShapeError) in
            try IssueJSON.issueLinks(response.body)
        }
    }

    /// Whether the issue exists (a cheap `fields=key` read); other failures are thrown.
    public func issueExists(_ key: String) async throws(JiraError) -> Bool {
        do {
            _ = try await issue(key, fields: ["key"], expand: [], budget: min(30, configuration.timeout), attempts: 2)
            return true
        } catch  where error.code == .notFound {
            return false
        }
    }
}
