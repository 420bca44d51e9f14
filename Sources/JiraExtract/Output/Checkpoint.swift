import JiraResilient

/// `state.json`: everything needed to resume a scan after any interruption, `kill -9` included.
public struct Checkpoint: Sendable, Codable, Equatable {
    public struct PendingIssue: Sendable, Codable, Equatable, Hashable {
        public var key: IssueKey
        public var id: String
    }

    public var version = 1
    public var project: String
    public var filter: String?
    public var mode: ScanMode
    /// The `--since` of a delta, ISO-8601, and the JQL literal it was rendered as.
    public var since: String?
    public var sinceLiteral: String?
    /// The server's time when this scan started (ISO-8601): the next delta can begin there.
    public var startedAt: String
    public var phase: ScanPhase
    /// Key listing: the last key listed, and whether the listing reached the end.
    public var enumerationCursor: IssueKey?
    public var enumerationDone: Bool
    /// Issues in scope (known once listing starts).
    public var total: Int
    /// Issues listed and not yet written.
    public var pending: [PendingIssue]
    public var written: Int
    public var vanished: Int
    public var tiers: [String: Int]
    /// Issues in the directory whose latest manifest record is incomplete, whichever pass
    /// wrote it: a later complete record of the key, or its deletion or move, clears one.
    /// Completeness is the directory's, not the last pass's (`written` and `tiers` are the pass's).
    public var incomplete: Int
    /// Of the issues this pass wrote, those whose latest record is incomplete. Nil in
    /// checkpoints written before it existed.
    public var incompleteThisPass: Int?
    public var failed: Int
    /// Length in bytes of `manifest.jsonl` when this scan began: the records after it are this
    /// scan's (kept across resumes). Nil in checkpoints written before it existed.
    public var manifestStart: Int?
    /// The manifest's size right after its last compaction; the next is due past twice that
    /// (and at least `Extractor.compactionFloor`). Nil before any.
    public var manifestCompactedBytes: Int?
    /// Set when a full scan finishes: keys whose files in `issues/` this scan did not write,
    /// because the issues are no longer in scope (deleted, moved to another project, or outside
    /// the filter). Their files are kept; a warehouse can retire them.
    public var outOfScope: [IssueKey]?
    /// `--sweep`, set when a pass with it finishes: issues of earlier passes gone from the
    /// project since, as its key listing showed and `GET /issue/{key}` confirmed.
    public var swept: Sweep?

    public struct Sweep: Sendable, Codable, Equatable {
        /// Keys JIRA answers with 404: deleted (or no longer visible to the token's user).
        public var deleted: [IssueKey]
        /// Old key → new key, for issues moved to another project.
        public var movedTo: [String: String]
    }
    /// When the last full scan into this directory started (ISO-8601, server time), carried
    /// from pass to pass; nil before one finished.
    public var lastFullScan: String?
}
