import ArgumentParser
import Foundation
import JiraExtract
import JiraResilient

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch the named issues through the resilient ladder into --out; one line per key with its tier."
    )

    @Argument(help: "Issue keys, e.g. PROJ-1 PROJ-2.")
    var keys: [String]
    @Option(help: "Output directory.")
    var out: String
    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 4
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let (project, keys) = try IssueFetcher.parse(self.keys)
        let outcomes = try await FetchCommand.fetch(
            keys, project: project, out: out, connection: connection, concurrency: concurrency, command: "fetch")
        if outcomes.contains(where: { if case .failed = $0 { true } else { false } }) {
            let failed = outcomes.compactMap { if case .failed(let key, let e) = $0 { (key, e) } else { nil } }
            throw failed.first!.1.code == .notFound
                ? JiraError(
                    .notFound,
                    "\(failed.count) of \(keys.count) issues could not be fetched (\(failed.map(\.0.description).joined(separator: ", "))): \(failed[0].1.description)"
                )
                : JiraError(
                    failed[0].1.code,
                    "\(failed.count) of \(keys.count) issues could not be fetched: \(failed[0].1.description)")
        }
    }

    /// Shared by `fetch` and `refetch`: prints `KEY tier …` per key.
    /// `command` names the caller in the refusal when a scan is running on `out`.
    /// `claimed`: the caller already holds the directory (then it is not claimed again).
    static func fetch(
        _ keys: [IssueKey], project: String, out: String, connection: ConnectionOptions, concurrency: Int,
        command: String, claimed: ExclusiveDirectory? = nil
    ) async throws -> [IssueFetcher.Outcome] {
        let (store, checkpoint) = try OutputStore.open(directory: out, project: project)
        // One writer per directory: not beside a running scan (nothing is written before this,
        // and no token is read).
        let claim: ExclusiveDirectory
        if let claimed { claim = claimed } else { claim = try await ExclusiveDirectory.claim(out, for: command) }
        defer { withExtendedLifetime(claim) {} }
        var configuration = try connection.configuration(token: try connection.token(), concurrency: concurrency)
        connection.warnIfInsecure()
        let log = try EventLog(path: out + "/events.jsonl")
        let heartbeat = RungHeartbeat()
        configuration.events = log.sink.clientSink + heartbeat.sink
        let client = try JiraClient(configuration)
        let outcomes: [IssueFetcher.Outcome]
        do {
            // First contact: a wrong URL or a dead server is named within seconds.
            _ = try await client.serverInfo()
            // Each issue's line as it is written; a rung still running says so every 10 s.
            outcomes = try await heartbeat.during {
                try await IssueFetcher.fetch(
                    keys, client: client, store: store, concurrency: concurrency, events: log.sink
                ) { StandardStreams.out(line(for: $0)) }
            }
        } catch {
            await client.shutdown()
            await log.close()
            throw error
        }
        await client.shutdown()
        // Into a finished scan's directory: its checkpoint's counts follow what the files hold.
        if checkpoint?.phase == .done {
            try await store.recount()
            try await store.saveCheckpoint(force: true)
            let now = await store.current
            var summary = ScanSummary(project: project, mode: now.mode)
            summary.total = now.total
            summary.written = now.written
            summary.complete = now.written - (now.incompleteThisPass ?? 0)
            summary.incomplete = now.incomplete
            summary.tiers = now.tiers
            log.sink.send(.recounted(summary))
        }
        if let failure = await log.close() { StandardStreams.err("jira-resilient: warning: \(failure.description)") }
        return outcomes
    }

    /// `KEY tier N links, … ; complete` (or what is missing), or `KEY failed: …`.
    static func line(for outcome: IssueFetcher.Outcome) -> String {
        switch outcome {
        case .written(let r):
            let links = r.links.map { "\($0) links" } ?? "links unknown"
            let state = r.complete ? "complete" : "missing \(r.missing.joined(separator: ","))"
            return UntrustedText.sanitized(
                "\(r.key) \(r.tier.rawValue) \(links), \(r.changelog) histories, \(r.comments) comments, \(r.worklogs) worklogs; \(state)"
            )
        case .failed(let key, let error):
            return UntrustedText.sanitized("\(key) failed: \(error.description)")
        }
    }
}

struct RefetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refetch",
        abstract:
            "Re-fetch every issue of --out whose latest manifest record is not complete, with the budgets given here."
    )

    @Option(help: "Output directory of an earlier scan.")
    var out: String
    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 2
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        // Beside a running scan, one line and nothing else: not "nothing to re-fetch" from a
        // manifest being written, nor "re-fetching" before the refusal.
        let claim: ExclusiveDirectory? =
            FileManager.default.fileExists(atPath: out) ? try await ExclusiveDirectory.claim(out, for: "refetch") : nil
        let records = try IssueFetcher.incompleteKeys(in: out)
        guard let first = records.first else {
            StandardStreams.out("nothing to re-fetch: every issue in \(out)/manifest.jsonl is complete")
            return
        }
        let project = first.key.project
        try JQL.validateProjectKey(project)
        let keys = records.map(\.key).filter { $0.project == project }
        StandardStreams.err("re-fetching \(keys.count) incomplete issue\(keys.count == 1 ? "" : "s") of \(project)")
        let outcomes = try await FetchCommand.fetch(
            keys, project: project, out: out, connection: connection, concurrency: concurrency, command: "refetch",
            claimed: claim)
        let stillIncomplete = outcomes.filter { if case .written(let r) = $0 { !r.complete } else { true } }.count
        if stillIncomplete > 0 {
            StandardStreams.err("\(stillIncomplete) still incomplete; try longer budgets (--timeout, --links-timeout)")
        }
        if let failure = outcomes.compactMap({ if case .failed(_, let e) = $0 { e } else { nil } }).first {
            throw JiraError(failure.code, "some issues could not be re-fetched: \(failure.description)")
        }
    }
}
