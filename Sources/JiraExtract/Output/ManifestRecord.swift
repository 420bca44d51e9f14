import Foundation
import JiraResilient

/// One line of `manifest.jsonl`: the state of one issue file when it was written.
public struct ManifestRecord: Sendable, Codable, Equatable {
    public var key: IssueKey
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
    /// True (absent otherwise) for an issue written at the hub tier because it shared a page
    /// with a hub: fetched without links for that issue's sake, not a hub itself.
    public var splitPage: Bool?
    /// `--sweep`: true (absent otherwise) when the issue is gone from JIRA (deleted, or no longer
    /// visible to the token's user: JIRA answers both with 404). The record repeats the last
    /// one's counts; the file in `issues/` is kept.
    public var deleted: Bool?
    /// `--sweep`: the issue's key now, when it was moved to another project (JIRA answers its
    /// old key with the issue under the new one). The file in `issues/` is kept.
    public var movedTo: IssueKey?

    /// Whether the issue is still where this record says (not deleted or moved away).
    public var isPresent: Bool { deleted != true && movedTo == nil }

    /// The key under which tier tallies (`state.json`, the summary) count split-page issues,
    /// apart from `hub`.
    public static let splitPageTally = "splitPage"

    /// `2026-05-19T13:00:00.123Z` without a formatter object (this runs once per issue).
    static func iso8601(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let rem = ms - days * 86_400_000
        // Civil date from days since 1970 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(
            format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", y, m, d, rem / 3_600_000, rem / 60_000 % 60,
            rem / 1000 % 60, rem % 1000)
    }

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
        self.fetchedAt = Self.iso8601(fetchedAt)
        rungs = issue.rungs
    }
}
