/// One issue as the simulated JIRA stores it.
///
/// Bulky content (comments, worklogs, histories, description, custom field values) is not stored:
/// it is generated on demand from `contentSeed`, so a 100,000-issue universe stays small in memory
/// and every render of the same issue revision is byte-identical.
public struct SimIssue: Sendable, Hashable {
    /// JIRA's numeric issue id; stable across moves.
    public var id: Int
    public var projectKey: String
    /// The number after the dash in the key.
    public var number: Int
    /// Keys this issue had before it was moved; they still resolve to it for equality.
    public var oldKeys: [String] = []
    /// Milliseconds since 1970 (UTC).
    public var created: Int64
    /// The document's `fields.updated`, milliseconds since 1970 (UTC).
    public var updated: Int64
    /// Lucene's indexed `updated` when a reindex set it apart from the document; JQL filters
    /// and sorts on this value. `nil` means the index agrees with the document.
    public var indexUpdated: Int64?
    public var status: Int
    public var issueType: Int
    public var priority: Int
    public var labels: [String]
    public var commentCount: Int
    public var worklogCount: Int
    /// Generated histories; `extraHistories` adds those recorded by live updates.
    public var historyCount: Int
    public var extraHistories: [Int64] = []
    /// Ids of the links this issue takes part in, either direction.
    public var linkIDs: [Int] = []
    public var reporter: Int
    public var assignee: Int?
    public var descriptionLength: Int
    /// Summaries of hostile issues carry terminal escape sequences and bidi overrides.
    public var hostile: Bool
    public var remoteLinkCount: Int
    public var watcherCount: Int
    public var voterCount: Int
    public var propertyCount: Int
    /// Bumped by every live update, so the generated text changes with it.
    public var revision: Int = 0
    public var contentSeed: UInt64

    public var key: String { "\(projectKey)-\(number)" }
    /// The `updated` value JQL sees, at Lucene's second precision, in milliseconds.
    public var indexedUpdatedSeconds: Int64 { (indexUpdated ?? updated) / 1000 }
    public var totalHistories: Int { historyCount + extraHistories.count }
}

/// An issue link, stored once and rendered on both of its ends.
public struct SimLink: Sendable, Hashable {
    public var id: Int
    public var type: Int
    /// The issue the link points out of (`outwardIssue` is rendered on the inward side).
    public var outward: Int
    public var inward: Int
}

public struct SimProject: Sendable, Hashable {
    public var id: Int
    public var key: String
    public var name: String
    /// The number the next created or moved-in issue receives.
    public var nextNumber: Int
}

public struct SimUser: Sendable, Hashable {
    public var name: String
    public var displayName: String
    public var email: String
    public var timeZone: String
}
