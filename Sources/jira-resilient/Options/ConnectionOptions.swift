import ArgumentParser
import Foundation
import JiraResilient

/// How to reach JIRA: `--url`, the token (from `$JIRA_PAT` or `--pat-file`, never an argument),
/// TLS, and the budgets. SECONDS accept decimals.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Base URL of the JIRA Server / Data Center (default: $JIRA_URL).")
    var url: String?
    @Option(name: .customLong("pat-file"), help: "File holding the personal access token (default: $JIRA_PAT).")
    var patFile: String?
    @Option(name: .customLong("ca-bundle"), help: "PEM file of CA certificates to trust.")
    var caBundle: String?
    @Flag(help: "Skip certificate verification (unsafe: the token can be read by anyone on the path).")
    var insecure = false
    @Option(help: "Budget of an ordinary read, in seconds.")
    var timeout: Double = 120
    @Option(name: .customLong("fast-fail-timeout"), help: "Budget of a full-tier attempt, in seconds (at most --timeout).")
    var fastFailTimeout: Double = 60
    @Option(name: .customLong("links-timeout"), help: "Budget of a links-only rescue request, in seconds.")
    var linksTimeout: Double = 600
    @Option(name: .customLong("max-attempts"), help: "Attempts per request on 429, 5xx and connection errors.")
    var maxAttempts: Int = 5
    @Option(name: .customLong("backoff-scale"), help: "Multiplies the client's own backoff sleeps (not a server's Retry-After).")
    var backoffScale: Double = 1
    /// Set by `demo` for its own simulator; never from the command line.
    var inMemoryToken: String?

    enum CodingKeys: CodingKey {
        case url, patFile, caBundle, insecure, timeout, fastFailTimeout, linksTimeout, maxAttempts, backoffScale
    }

    /// The client configuration; every problem is an `.invalidInput` error before any request.
    func configuration(concurrency: Int = 4, events: EventSink) throws(JiraError) -> JiraClientConfiguration {
        let environment = ProcessInfo.processInfo.environment
        guard let base = url ?? environment["JIRA_URL"], !base.isEmpty else {
            throw JiraError(.invalidInput, "no JIRA URL: pass --url https://jira.example.com or set JIRA_URL")
        }
        let token: AccessToken
        if let inMemoryToken {
            token = AccessToken(inMemoryToken)
        } else if let patFile {
            guard let data = FileManager.default.contents(atPath: patFile), let text = String(data: data, encoding: .utf8) else {
                throw JiraError(.invalidInput, "cannot read the token file '\(patFile)'")
            }
            token = AccessToken(text)
            guard !token.isEmpty else { throw JiraError(.invalidInput, "the token file '\(patFile)' is empty") }
        } else if let value = environment["JIRA_PAT"], !value.isEmpty {
            token = AccessToken(value)
        } else {
            throw JiraError(.invalidInput, "no personal access token: set JIRA_PAT or pass --pat-file PATH (never the token itself as an argument)")
        }
        var c = JiraClientConfiguration(baseURL: base, token: token)
        if insecure && caBundle != nil { throw JiraError(.invalidInput, "--insecure and --ca-bundle contradict each other; choose one") }
        c.tls = insecure ? .insecure : (caBundle.map { .caBundle(path: $0) } ?? .systemRoots)
        c.timeout = timeout
        c.fastFailTimeout = fastFailTimeout
        c.linksTimeout = linksTimeout
        c.maxAttempts = maxAttempts
        c.backoffScale = backoffScale
        c.concurrency = concurrency
        c.rescueConcurrency = concurrency
        c.events = events
        try c.validate()
        return c
    }
}
