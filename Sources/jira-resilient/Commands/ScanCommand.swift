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
        try await HeadlessScan.run(
            try scan.plan(project: target.project, out: target.out), configuration: configuration,
            progressInterval: progressInterval)
    }

    static func summaryLine(_ s: ScanSummary, directory: String) -> String {
        let split = s.tiers[ManifestRecord.splitPageTally] ?? 0
        let tiers = ["full", "hub", "minimal"].map {
            "\($0) \(s.tiers[$0] ?? 0)" + ($0 == "hub" && split > 0 ? " (+\(split) on split pages)" : "")
        }.joined(separator: ", ")
        let incomplete = s.written - s.complete
        return UntrustedText.sanitized(
            "\(s.project) \(s.mode.rawValue) scan finished: \(s.written) issues written (\(tiers))"
                + (incomplete > 0 ? "; \(incomplete) incomplete, see manifest.jsonl and run refetch" : "; all complete")
                + (s.vanished > 0 ? "; \(s.vanished) left the project during the scan" : "")
                + (s.outOfScope > 0
                    ? "; \(s.outOfScope) earlier file\(s.outOfScope == 1 ? " is" : "s are") of issues no longer in scope (state.json outOfScope)"
                    : "")
                + (s.deleted + s.moved > 0
                    ? "; sweep: \(s.deleted) deleted, \(s.moved) moved to another project (manifest.jsonl)" : "")
                + String(format: "; %d requests, %d retries, %.1fs → %@", s.requests, s.retries, s.seconds, directory))
    }
}
