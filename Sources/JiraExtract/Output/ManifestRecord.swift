import Foundation
import JiraResilient

/// One line of `manifest.jsonl`: the state of one issue file when it was written.
public struct ManifestRecord: Sendable, Codable, Equatable {
    public var key: String
    public var id: String
    public var tier: Tier
    public var complete: Bool
    /// What the record lacks, e.g. `["issuelinks"]`.
    public var missing: [String]
    /// Counts in the written file (nil links: the field is absent, unknown).
    public var links: Int?
    public var changelog: Int
    public var comments: Int
    public var worklogs: Int
    public var updated: String?
    public var bytes: Int
    /// ISO-8601, UTC.
    public var fetchedAt: String
    /// Each rung's outcome and time.
    public var rungs: [RungReport]

    public init(_ issue: AssembledIssue, fetchedAt: Date = Date()) {
        key = issue.key
        id = issue.id
        tier = issue.tier
        complete = issue.isComplete
        missing = issue.missing
        links = issue.summary.links
        changelog = issue.summary.histories?.inline ?? 0
        comments = issue.summary.comments?.inline ?? 0
        worklogs = issue.summary.worklogs?.inline ?? 0
        updated = issue.summary.updated
        bytes = issue.bytes.count
        self.fetchedAt = ISO8601DateFormatter().string(from: fetchedAt)
        rungs = issue.rungs
    }
}
