import ArgumentParser
import Foundation
import JiraExtract
import JiraResilient

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan a project into --out headlessly: progress on stderr, one summary on stdout."
    )

    @OptionGroup var target: ScanTarget
    @OptionGroup var scan: ScanArguments
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .customLong("progress-interval"), help: "Seconds between status lines on stderr.")
    var progressInterval: Double = 5

    func run() async throws {
        guard progressInterval.isFinite, (0.2...3600).contains(progressInterval) else {
            throw JiraError(.invalidInput, "--progress-interval must be 0.2–3600 seconds, got \(progressInterval)")
        }
        let configuration = try connection.configuration(
            token: try connection.token(), concurrency: scan.concurrencyCeiling)
        let plan = try scan.plan(project: target.project, out: target.out)
        let summary = try await HeadlessScan.run(plan, configuration: configuration, progressInterval: progressInterval)
        try Self.exitIfIncomplete(summary, plan: plan)
    }

    /// Exit 7 (one line on stderr) when the scan finished but the directory still holds
    /// incomplete issues, from this pass or an earlier one; `--allow-incomplete` keeps 0.
    static func exitIfIncomplete(_ summary: ScanSummary?, plan: ScanPlan) throws {
        guard let summary, summary.incomplete > 0, !plan.allowIncomplete else { return }
        let n = summary.incomplete
        StandardStreams.err(
            UntrustedText.sanitized(
                "jira-resilient: finished; \(n) issue\(n == 1 ? " is" : "s are") incomplete in \(plan.directory): run jira-resilient refetch --out \(plan.directory) (or pass --allow-incomplete to exit 0)"
            ))
        throw ExitCode(7)
    }

    /// "; all complete", or how many issues of the directory (any pass) are incomplete.
    static func completeness(_ s: ScanSummary) -> String {
        guard s.incomplete > 0 else { return "; all complete" }
        let thisPass = s.written - s.complete
        let earlier = s.incomplete - thisPass
        return "; \(s.incomplete) incomplete in the directory"
            + (earlier > 0 && thisPass > 0
                ? " (\(thisPass) from this pass)" : earlier > 0 ? " (from earlier passes)" : "")
            + ", see manifest.jsonl and run refetch"
    }

    static func summaryLine(_ s: ScanSummary, directory: String) -> String {
        let split = s.tiers[ManifestRecord.splitPageTally] ?? 0
        let tiers = ["full", "hub", "minimal"].map {
            "\($0) \(s.tiers[$0] ?? 0)" + ($0 == "hub" && split > 0 ? " (+\(split) on split pages)" : "")
        }.joined(separator: ", ")
        return UntrustedText.sanitized(
            "\(s.project) \(s.mode.rawValue) scan finished: \(s.written) issues written (\(tiers))"
                + Self.completeness(s)
                + (s.vanished > 0 ? "; \(s.vanished) left the project during the scan" : "")
                + (s.outOfScope > 0
                    ? "; \(s.outOfScope) earlier file\(s.outOfScope == 1 ? " is" : "s are") of issues no longer in scope (state.json outOfScope)"
                    : "")
                + (s.deleted + s.moved > 0
                    ? "; sweep: \(s.deleted) deleted, \(s.moved) moved to another project (manifest.jsonl)" : "")
                + String(format: "; %d requests, %d retries, %.1fs → %@", s.requests, s.retries, s.seconds, directory))
    }
}
