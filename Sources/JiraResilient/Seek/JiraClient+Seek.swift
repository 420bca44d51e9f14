/// One row of a key listing.
public struct KeyRow: Sendable, Equatable {
    public var key: String
    public var id: String
    public var updated: String?

    public init(key: String, id: String, updated: String?) {
        self.key = key
        self.id = id
        self.updated = updated
    }
}

extension JiraClient {
    /// Pages a project in key order: `project = P [AND updated >= since] [AND (filter)] AND key > "P-n"
    /// ORDER BY key ASC`. The cursor's filter and its sort agree — JIRA compares key numbers inside
    /// the project — so moved-in issues (ids out of key order) are never skipped, and a reindex
    /// cannot make it loop (it never reads `updated` to move the cursor).
    ///
    /// When the cursor issue was deleted or moved away (JIRA answers 400), the scan steps back to an
    /// earlier key of the last page that still exists, then to one found by a probe below it; pages
    /// after a recovery can repeat issues already delivered (callers keep writes idempotent).
    ///
    /// - Parameters:
    ///   - since: a rendered JQL date literal (see `JQL.dateLiteral`), read in the user's zone.
    ///   - after: resume after this key.
    ///   - resilient: fetch each page through the tier ladder (else one plain search per page).
    ///   - body: receives each page and the cursor after it.
    public func seek(project: String, filter: String? = nil, since: String? = nil, after: String? = nil,
                     pageSize: Int, fields: [String] = ["*all"], expand: [String] = [], resilient: Bool = false,
                     _ body: (LadderPage, _ cursor: String) async throws(JiraError) -> Void) async throws(JiraError) {
        let clause = try JQL.projectClause(project, filter: filter)
        var cursor = after
        var anchors: [String] = []
        var recoveries = 0
        var pageNumber = 0
        while true {
            let jql = JQL.keySeek(projectClause: clause, since: since, after: cursor)
            let result: LadderPage
            do {
                pageNumber += 1
                if resilient {
                    result = try await searchPageResilient(jql, maxResults: pageSize, label: "page \(pageNumber) after \(cursor ?? "start")")
                } else {
                    let page = try await search(jql, fields: fields, expand: expand, maxResults: pageSize)
                    result = LadderPage(tier: .full, rungs: [], page: page)
                }
            } catch where error.code == .jqlRejected && cursor != nil && Self.namesVanishedIssue(error, cursor!) {
                recoveries += 1
                guard recoveries <= 1000 else { throw error }
                let gone = cursor!
                anchors.removeAll { Self.keyNumber($0) >= Self.keyNumber(gone) }
                if let previous = anchors.popLast() {
                    cursor = previous
                } else {
                    cursor = try await findAnchor(project: project, clause: clause, below: gone)
                }
                events.send(.cursorRecovered(from: gone, to: cursor, reason: error.messages.first ?? "cursor issue vanished"))
                continue
            }
            let issues = result.page.issues
            guard let last = issues.last?.summary.key else { return }
            if let cursor, Self.keyNumber(last) <= Self.keyNumber(cursor), last.hasPrefix(project + "-") {
                throw JiraError(.notJira, "the seek cursor did not advance past \(cursor) (the server returned \(last)); JIRA's key ordering is not being honoured")
            }
            try await body(result, last)
            anchors = issues.map(\.summary.key).filter { $0.hasPrefix(project + "-") }
            cursor = last
            let limit = min(pageSize, result.page.maxResults ?? pageSize)
            if issues.count < limit { return }
        }
    }

    /// Every key (with id and `updated`) of a project, by key seek at 1,000 a request: cheap,
    /// exact, and not limited by Data Center's 10,000-row offset window.
    public func listKeys(project: String, filter: String? = nil, since: String? = nil, after: String? = nil,
                         _ body: ([KeyRow], _ total: Int?) async throws(JiraError) -> Void = { _, _ in }) async throws(JiraError) -> [KeyRow] {
        var all: [KeyRow] = []
        try await seek(project: project, filter: filter, since: since, after: after, pageSize: 1000, fields: ["updated"]) { (page, _) throws(JiraError) in
            let rows = page.page.issues.map { KeyRow(key: $0.summary.key, id: $0.summary.id, updated: $0.summary.updated) }
            all += rows
            try await body(rows, page.page.total)
        }
        return all
    }

    /// The number after a key's last dash (`PROJ-123` → 123); 0 when there is none.
    public static func keyNumber(_ key: String) -> Int {
        guard let dash = key.lastIndex(of: "-") else { return 0 }
        return Int(key[key.index(after: dash)...]) ?? 0
    }

    static func namesVanishedIssue(_ error: JiraError, _ key: String) -> Bool {
        error.messages.contains { m in
            m.contains("'\(key)'") && (m.contains("does not exist") || m.contains("moved issue key") || m.contains("is invalid"))
        }
    }

    /// The highest existing key of the project below `key`, probed 100 numbers at a time with
    /// `validateQuery=warn` (so deleted keys are warnings, not errors); nil when none is left.
    func findAnchor(project: String, clause: String, below key: String) async throws(JiraError) -> String? {
        var high = Self.keyNumber(key) - 1
        while high >= 1 {
            let low = max(1, high - 99)
            let keys = (low...high).reversed().map { "\(project)-\($0)" }.joined(separator: ", ")
            let jql = "\(clause) AND key in (\(keys)) ORDER BY key DESC"
            let page = try await search(jql, fields: ["key"], maxResults: 1, validation: .warn)
            if let found = page.issues.first?.summary.key { return found }
            high = low - 1
        }
        return nil
    }
}
