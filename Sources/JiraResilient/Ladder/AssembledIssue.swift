/// An issue fetched through a ladder and completed: all links, the whole changelog, every
/// comment and worklog, spliced into JIRA's own issue object — or a record of what is missing.
public struct AssembledIssue: Sendable {
    public var tier: Tier
    /// The issue object's bytes, ready to write.
    public var bytes: [UInt8]
    /// Read from `bytes`.
    public var summary: IssueSummary
    /// What this record lacks (e.g. `issuelinks`, `description`, `customfields`, `changelog`).
    public var missing: [String]
    public var rungs: [RungReport]
    public var key: IssueKey { summary.key }
    public var id: String { summary.id }
    public var isComplete: Bool { missing.isEmpty }

    public init(tier: Tier, bytes: [UInt8], summary: IssueSummary, missing: [String], rungs: [RungReport]) {
        self.tier = tier
        self.bytes = bytes
        self.summary = summary
        self.missing = missing
        self.rungs = rungs
    }
}

/// What a completion must do about `fields.issuelinks`.
public enum LinksPlan: Sendable {
    /// The payload already holds them.
    case inline
    /// Fetch them alone with the links budget (the hub tier).
    case fetch
    /// Do not try (the minimal tier).
    case unavailable

    /// What a payload fetched at `tier` needs: its links are inline (full), fetched alone (hub),
    /// or not to be had (minimal).
    public init(tier: Tier) {
        switch tier {
        case .full: self = .inline
        case .hub: self = .fetch
        case .minimal: self = .unavailable
        }
    }
}
