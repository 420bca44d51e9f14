import JiraExtract
import JiraResilient

/// `scan`, and `console` or `demo` without a terminal: progress lines on stderr, one summary
/// line on stdout, the contract's exit code.
enum HeadlessScan {
    static func run(
        _ arguments: ScanArguments, configuration: JiraClientConfiguration, progressInterval: Double = 5
    ) async throws(JiraError) {
        let printer = ProgressPrinter(interval: max(0.2, progressInterval))
        let session = try await ScanSession.open(arguments, configuration: configuration, extra: printer.sink)
        let ticker = Task { await printer.run() }
        let result = await session.run()
        ticker.cancel()
        switch result {
        case .success(let summary)?:
            StandardStreams.out(ScanCommand.summaryLine(summary, directory: arguments.out))
        case .failure(let error)?:
            if printer.progress.written > 0 { StandardStreams.err(UntrustedText.sanitized(printer.statusLine())) }
            throw error
        case nil:
            throw JiraError(.cancelled, "the scan was interrupted")
        }
    }
}
