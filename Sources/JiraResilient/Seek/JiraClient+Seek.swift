/// One row of a key listing.
public struct KeyRow: Sendable, Equatable {
    public var key: IssueKey
    public var id: String
    public var updated: String?

    public init(key: IssueKey, id: String, updated: String?) {
        self.key = key
        self.id = id
        self.updated = updated
    }
}

/// What became of a seek cursor's issue when JIRA rejected a query naming it.
public enum CursorFate: Sendable, Equatable {
    /// It still exists under that key in the project: the 400 has another cause.
    case exists
    /// `GET /issue/{key}` answers 404.
    case deleted
    /// JIRA resolves the old key to this one (moved to another project, or renumbered).
    case moved(to: IssueKey)
}

extension JiraClient {
    /// Pages a project in key order: `project = P [AND updated >= since] [AND (filter)] AND key > "P-n"
    /// ORDER BY key ASC`. The cursor's filter and its sort agree — JIRA compares key numbers inside
    /// the project — so moved-in issues (ids out of key order) are never skipped, and a reindex
    /// cannot make it loop (it never reads `updated` to move the cursor).
    ///
    /// When JIRA rejects a page's query (400), the cursor issue is looked up (`GET /issue/{key}`):
    /// if it was deleted or moved away, the scan steps back to an earlier key of the last page
    /// that still exists, then to one found by a probe below it; pages after a recovery can
    /// repeat issues already delivered (callers keep writes idempotent). Nothing here reads the
    /// wording of JIRA's messages: they come in the token user's language.
    ///
    /// Every page must end past the cursor, inside the project; a server that answers otherwise
    /// fails with `.notJira` instead of looping.
    ///
    /// - Parameters:
    ///   - since: a rendered JQL date literal (see `JQL.dateLiteral`), read in the user's zone.
    ///   - after: resume after this key.
    ///   - body: receives each page and the cursor after it.
    public func seek(
        project: String, filter: String? = nil, since: String? = nil, after: IssueKey? = nil,
        pageSize: Int, fields: [String] = ["*all"], expand: [String] = [],
        _ body: (SearchPageBytes, _ cursor: IssueKey) async throws(JiraError) -> Void
    ) async throws(JiraError) {
        let clause = try JQL.projectClause(project, filter: filter)
        var cursor = after
        var anchors: [IssueKey] = []
        var recoveries = 0
        while true {
            let jql = JQL.keySeek(projectClause: clause, since: since, after: cursor)
            let page: SearchPageBytes
            do {
                page = try await search(
                    jql, fields: fields, expand: expand, maxResults: pageSize,
                    subject: .listing(after: cursor))
            } catch  where error.code == .jqlRejected && cursor != nil {
                let gone = cursor!
                let fate = try await cursorFate(gone)
                guard fate != .exists else { throw error }
                recoveries += 1
                guard recoveries <= 1000 else { throw error }
                anchors.removeAll { $0 >= gone }
                if let previous = anchors.popLast() {
                    cursor = previous
                } else {
                    cursor = try await findAnchor(project: project, clause: clause, below: gone)
                }
                let reason =
                    switch fate {
                    case .moved(let to): "\(gone) was moved to \(to)"
                    default: "\(gone) was deleted"
                    }
                events.send(.cursorRecovered(from: gone, to: cursor, reason: reason))
                continue
            }
            guard let last = page.issues.last?.summary.key else { return }
            guard last.project == project, cursor.map({ last > $0 }) ?? true else {
                throw JiraError(
                    .notJira,
                    "the key listing did not advance inside \(project) past \(cursor?.description ?? "the start") (the server returned \(last)); JIRA's key ordering is not being honoured"
                )
            }
            try await body(page, last)
            anchors = page.issues.map(\.summary.key).filter { $0.project == project }
            cursor = last
            let limit = min(pageSize, page.maxResults ?? pageSize)
            if page.issues.count < limit { return }
        }
    }

    /// Every key (with id and `updated`) of a project, by key seek at 1,000 a request (fewer if
    /// the server caps pages lower): cheap, exact, and not limited by Data Center's 10,000-row
    /// offset window.
    public func listKeys(
        project: String, filter: String? = nil, since: String? = nil, after: IssueKey? = nil,
        _ body: ([KeyRow], _ total: Int?) async throws(JiraError) -> Void = { _, _ in }
    ) async throws(JiraError) -> [KeyRow] {
        var all: [KeyRow] = []
        try await seek(
            project: project, filter: filter, since: since, after: after, pageSize: 1000, fields: ["updated"]
        ) { (page, _) throws(JiraError) in
            let rows = page.issues.map { KeyRow(key: $0.summary.key, id: $0.summary.id, updated: $0.summary.updated) }
            all += rows
            try await body(rows, page.total)
        }
        return all
    }

    /// What became of an issue a rejected query named, asked by structure: a 404, or the issue
    /// under another key (JIRA resolves moved keys).
    public func cursorFate(_ key: IssueKey) async throws(JiraError) -> CursorFate {
        do {
            let payload = try await issue(
                key.description, fields: ["key"], expand: [], budget: min(30, configuration.timeout))
            let current = payload.summary.key
            return current == key ? .exists : .moved(to: current)
        } catch  where error.code == .notFound {
            return .deleted
        }
    }

    /// Whether the project exists for the token's user (`GET /project/{key}`: 404 when it does
    /// not, or the user may not browse it).
    public func projectExists(_ key: String) async throws(JiraError) -> Bool {
        do {
            _ = try await getObject(
                request(
                    "/rest/api/2/project/\(JiraTransport.encode(key))", operation: "project",
                    subject: .server("project \(key)"),
                    budget: min(30, configuration.timeout))
            ) { $0["key"] as? String }
            return true
        } catch  where error.code == .notFound {
            return false
        }
    }

    /// The highest existing key of the project below `key`, probed 100 numbers at a time with
    /// `validateQuery=warn` (so deleted keys are warnings, not errors); nil when none is left.
    func findAnchor(project: String, clause: String, below key: IssueKey) async throws(JiraError) -> IssueKey? {
        var high = key.number - 1
        while high >= 1 {
            let low = max(1, high - 99)
            let keys = (low...high).reversed().map { "\(project)-\($0)" }.joined(separator: ", ")
            let jql = "\(clause) AND key in (\(keys)) ORDER BY key DESC"
            let page = try await search(
                jql, fields: ["key"], maxResults: 1, validation: .warn, subject: .listing(after: nil))
            if let found = page.issues.first?.summary.key { return found }
            high = low - 1
        }
        return nil
    }
}
