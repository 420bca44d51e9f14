import Foundation

/// What to scan and how hard to push.
public struct ScanOptions: Sendable {
    public var project: String
    /// A JQL condition that narrows the project (never widens it).
    public var filter: String?
    /// A delta scan of issues updated since this instant; nil for a full scan.
    public var since: Date?
    /// Issues per search request (with `adaptivePageSize`, the first pages' size).
    public var pageSize = 50
    /// Page size adapts to JIRA's per-request overhead (`--page-size auto`; see `PageSizer`).
    public var adaptivePageSize = false
    /// Workers fetching batches at once (each request also needs a client slot); with
    /// `adaptiveConcurrency`, the ceiling of the adaptive limit.
    public var concurrency = 4
    /// Requests in flight adapt to JIRA's latency up to `concurrency` (`--concurrency auto`; see
    /// `RequestLimiter`); off, `concurrency` is fixed.
    public var adaptiveConcurrency = false
    /// Ignore a checkpoint found in the output directory.
    public var restart = false
    /// With no `since`: on a directory whose last pass finished, continue as a delta from that
    /// pass's start (its watermark), and resume an unfinished pass with its own `since`. Off,
    /// no `since` means a full scan. The command line turns it on unless `--full`.
    public var continues = false
    /// A delta starts this many seconds before `since`, so a clock skew cannot leave a gap.
    public var overlap: TimeInterval = 300
    /// Issue completions (links, changelog, comments, worklogs) a worker keeps in flight while
    /// it goes on with the next batch.
    public var completionsPerWorker = 16
    /// Listed issues that may wait for a worker before the listing asks for its next page (of
    /// 1,000): memory and each checkpoint's pending list stay near this, not the project's size.
    /// Five pages; never less than one round of batches (`concurrency` × the largest page).
    public var listingLead = 5_000
    /// After each pass that ends complete, list every key (1,000 a request) and resolve the
    /// issues written earlier that are gone from the listing: deleted or moved (`--sweep`).
    public var sweep = false
    /// At the end of a pass, `manifest.jsonl` is compacted to the last record of each key once it
    /// is past this many bytes and twice its size after the last compaction (so a follow run of
    /// weeks keeps it near the project's size).
    public var manifestCompactionFloor = 64 << 20

    public init(project: String) { self.project = project }

    public var mode: ScanMode { since == nil ? .full : .delta }
}
