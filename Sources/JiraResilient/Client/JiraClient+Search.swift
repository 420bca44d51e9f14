import Foundation

/// How JIRA treats a JQL literal naming an issue that does not exist.
public enum QueryValidation: String, Sendable {
    /// A 400 (JIRA's default).
    case strict
    /// A warning in `warningMessages`; the literal matches nothing.
    case warn
}

extension JiraClient {
    /// One `POST /search` page. A 400 is `.jqlRejected` with JIRA's messages.
    public func search(
        _ jql: String, fields: [String], expand: [String] = [], startAt: Int = 0, maxResults: Int,
        validation: QueryValidation = .strict, budget: Double? = nil, attempts: Int? = nil,
        rung: Rung? = nil, subject: RequestSubject? = nil
    ) async throws(JiraError) -> SearchPageBytes {
        let body = SearchBody(
            jql: jql, startAt: startAt, maxResults: maxResults, fields: fields, expand: expand.isEmpty ? nil : expand,
            validateQuery: validation == .warn ? "warn" : nil)
        var r = request(
            "/rest/api/2/search", operation: "search", subject: subject ?? .search(jql), rung: rung, budget: budget,
            attempts: attempts)
        r.method = .POST
        do { r.body = Array(try SearchBody.encoder.encode(body)) } catch {
            throw JiraError(.invalidInput, "the search could not be encoded as JSON: \(error)")
        }
        do {
            return try await transport.perform(r) { (response) throws(JiraShapeError) in
                try IssueJSON.parseSearchPage(response.body)
            }
        } catch  where error.status == 400 {
            throw JiraError(
                .jqlRejected, "JIRA rejected the JQL \(jql.count > 200 ? String(jql.prefix(200)) + "…" : jql)",
                status: 400, messages: error.messages)
        }
    }

    /// Offset paging (`startAt`): fine for small result sets; Data Center refuses rows past its
    /// window (10,000), and the cost grows with the offset. Prefer `seek` for whole projects.
    /// An absent `total` means keep paging; an empty page ends; `startAt` advances by the real length.
    public func forEachOffsetPage(
        _ jql: String, fields: [String], expand: [String] = [], pageSize: Int = 50,
        _ body: (SearchPageBytes) async throws(JiraError) -> Void
    ) async throws(JiraError) {
        var startAt = 0
        while true {
            let page = try await search(jql, fields: fields, expand: expand, startAt: startAt, maxResults: pageSize)
            if page.issues.isEmpty { return }
            try await body(page)
            startAt += page.issues.count
            if let total = page.total, startAt >= total { return }
        }
    }
}

/// The body of `POST /rest/api/2/search` (JIRA's `SearchRequestBean`); absent members are left
/// out, so JIRA applies its defaults.
struct SearchBody: Encodable {
    var jql: String
    var startAt: Int
    var maxResults: Int
    var fields: [String]
    var expand: [String]?
    var validateQuery: String?

    /// Sorted members, built once (encoding does not change it).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
