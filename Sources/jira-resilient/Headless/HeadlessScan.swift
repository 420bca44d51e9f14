import JiraExtract
import JiraResilient
import Synchronization

/// `scan`, and `console` or `demo` without a terminal: progress lines on stderr, one summary
/// line on stdout per pass (one pass unless `--follow`), the contract's exit code.
enum HeadlessScan {
    /// Returns the last finished pass's summary (nil if none finished).
    @discardableResult
    static func run(
        _ plan: ScanPlan, configuration: JiraClientConfiguration, progressInterval: Double = 5
    ) async throws(JiraError) -> ScanSummary? {
        let printer = ProgressPrinter(interval: max(0.2, progressInterval))
        let directory = plan.directory
        let following = plan.follow != nil
        let last = Mutex<(summary: ScanSummary?, passes: Int)>((nil, 0))
        let session = try await ScanSession.open(plan, configuration: configuration, extra: printer.sink) {
            _, outcome in
            switch outcome {
            case .success(let summary):
                last.withLock {
                    $0.summary = summary
                    $0.passes += 1
                }
                StandardStreams.out(ScanCommand.summaryLine(summary, directory: directory))
            case .failure(let error) where following && (error.isTransient || error.code == .outage):
                // The next pass retries what this one left pending; say why it is pending.
                StandardStreams.err(error.line)
            case .failure:
                break
            }
        }
        let ticker = Task { await printer.run() }
        let result = await session.run()
        ticker.cancel()
        switch result {
        case .success?:
            let (summary, passes) = last.withLock { $0 }
            // A follow ends only when stopped: say so, not silently.
            if following, passes > 0 {
                StandardStreams.err(
                    "following stopped after \(passes) pass\(passes == 1 ? "" : "es") (the last one finished); the same command follows on from its start"
                )
            }
            return summary
        case .failure(let error)?:
            if printer.progress.written > 0 { StandardStreams.err(UntrustedText.sanitized(printer.statusLine())) }
            throw error
        case nil:
            throw JiraError(.cancelled, "the scan was interrupted")
        }
    }
}
