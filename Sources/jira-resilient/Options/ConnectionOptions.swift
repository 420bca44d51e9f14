import ArgumentParser
import Foundation
import JiraResilient

/// How to reach JIRA: `--url`, the token (from `$JIRA_PAT` or `--pat-file`, never an argument),
/// TLS, a proxy, and the budgets. SECONDS accept decimals.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Base URL of the JIRA Server / Data Center, with its context path if any (default: $JIRA_URL).")
    var url: String?
    @Option(name: .customLong("pat-file"), help: "File holding the personal access token (default: $JIRA_PAT).")
    var patFile: String?
    @Option(name: .customLong("ca-bundle"), help: "PEM file of CA certificates to trust.")
    var caBundle: String?
    @Flag(help: "Skip certificate verification (unsafe: the token can be read by anyone on the path).")
    var insecure = false
    @Option(
        help:
            "HTTP proxy URL, e.g. http://proxy:3128 (default: $HTTPS_PROXY / $HTTP_PROXY unless $NO_PROXY names the host; 'none' = direct)."
    )
    var proxy: String?
    @Option(help: "Budget of an ordinary read, in seconds.")
    var timeout: Double = 120
    @Option(
        name: .customLong("fast-fail-timeout"), help: "Budget of a full-tier attempt, in seconds (at most --timeout).")
    var fastFailTimeout: Double = 60
    @Option(name: .customLong("links-timeout"), help: "Budget of a links-only rescue request, in seconds.")
    var linksTimeout: Double = 600
    @Option(name: .customLong("max-attempts"), help: "Attempts per request on 429, 5xx and connection errors.")
    var maxAttempts: Int = 5
    @Option(
        name: .customLong("backoff-scale"),
        help: "Multiplies the client's own backoff sleeps (not a server's Retry-After).")
    var backoffScale: Double = 1
    @Option(
        name: .customLong("outage-timeout"),
        help: "Seconds to hold through JIRA being unreachable (a restart) before stopping with the checkpoint saved.")
    var outageTimeout: Double = 3600
    @Option(
        name: .customLong("connect-timeout"),
        help:
            "Seconds for connecting, and for each request until JIRA has answered once (a wrong URL is named within this)."
    )
    var connectTimeout: Double = 10
    @Option(name: .customLong("max-body"), help: "Largest response body accepted (bytes; k, M, G suffixes).")
    var maxBody: String = "256M"

    /// The token from `--pat-file` or `$JIRA_PAT`. A token file others can read gets a warning,
    /// as ssh warns of a readable key.
    func token() throws(JiraError) -> AccessToken {
        if let patFile {
            guard let data = FileManager.default.contents(atPath: patFile),
                let text = String(data: data, encoding: .utf8)
            else {
                throw JiraError(.invalidInput, "cannot read the token file '\(patFile)'")
            }
            let token = AccessToken(text)
            guard !token.isEmpty else { throw JiraError(.invalidInput, "the token file '\(patFile)' is empty") }
            var info = stat()
            if stat(patFile, &info) == 0, info.st_mode & 0o077 != 0 {
                StandardStreams.err(
                    "jira-resilient: warning: the token file '\(patFile)' can be read by other users (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it"
                )
            }
            return token
        }
        if let value = ProcessInfo.processInfo.environment["JIRA_PAT"], !value.isEmpty { return AccessToken(value) }
        throw JiraError(.invalidInput, "no personal access token was given", hint: .provideToken)
    }

    /// The client configuration with `token`; every problem is an `.invalidInput` error before
    /// any request.
    func configuration(
        token: AccessToken, concurrency: Int = 4, url fallbackURL: String? = nil
    ) throws(JiraError) -> JiraClientConfiguration {
        let environment = ProcessInfo.processInfo.environment
        guard let base = url ?? fallbackURL ?? environment["JIRA_URL"], !base.isEmpty else {
            throw JiraError(.invalidInput, "no JIRA URL was given", hint: .checkURL)
        }
        var c = JiraClientConfiguration(baseURL: base, token: token)
        if insecure && caBundle != nil {
            throw JiraError(.invalidInput, "--insecure and --ca-bundle contradict each other; choose one")
        }
        c.tls = insecure ? .insecure : (caBundle.map { .caBundle(path: $0) } ?? .systemRoots)
        for (flag, value) in [
            ("--timeout", timeout), ("--fast-fail-timeout", fastFailTimeout), ("--links-timeout", linksTimeout),
            ("--outage-timeout", outageTimeout), ("--connect-timeout", connectTimeout),
        ] {
            guard value.isFinite, value >= 0.001, value <= JiraClientConfiguration.maxSeconds else {
                throw JiraError(
                    .invalidInput,
                    "\(flag) must be a number of seconds from 0.001 to \(Int(JiraClientConfiguration.maxSeconds)) (one week), got \(value)"
                )
            }
        }
        guard (1...100).contains(maxAttempts) else {
            throw JiraError(.invalidInput, "--max-attempts must be 1–100, got \(maxAttempts)")
        }
        guard backoffScale.isFinite, (0...1000).contains(backoffScale) else {
            throw JiraError(.invalidInput, "--backoff-scale must be 0–1000, got \(backoffScale)")
        }
        guard let bytes = ByteCount.parse(maxBody), bytes >= 1024 else {
            throw JiraError(
                .invalidInput, "--max-body must be a size from 1k to 1T, like 256M or 1G, got '\(maxBody.prefix(40))'")
        }
        c.timeout = timeout
        c.fastFailTimeout = fastFailTimeout
        c.linksTimeout = linksTimeout
        c.maxAttempts = maxAttempts
        c.backoffScale = backoffScale
        c.outageTimeout = outageTimeout
        c.firstContactTimeout = connectTimeout
        c.maxBody = bytes
        c.concurrency = concurrency
        c.rescueConcurrency = concurrency
        c.proxy = try proxySettings(for: base, environment: environment)
        try c.validate()
        if insecure {
            StandardStreams.err(
                "jira-resilient: warning: TLS certificate verification is OFF (--insecure): anyone on the path can read the token"
            )
        }
        return c
    }

    /// Says on stderr that certificates are not verified (`fetch`, `probe`, `refetch`; a scan
    /// says it through its events, on stderr, in events.jsonl and in the console header).
    func warnIfInsecure() {
        guard insecure else { return }
        StandardStreams.err(
            "jira-resilient: warning: TLS certificate verification is OFF (--insecure): anyone on the path can read the token"
        )
    }

    private func proxySettings(for base: String, environment: [String: String]) throws(JiraError) -> ProxySettings? {
        if let proxy {
            if proxy.lowercased() == "none" { return nil }
            guard let settings = ProxySettings(url: proxy) else {
                throw JiraError(
                    .invalidInput,
                    "--proxy '\(proxy.prefix(80))' is not an http proxy URL like http://proxy.example.com:3128")
            }
            return settings
        }
        switch ProxySettings.fromEnvironment(environment, for: base) {
        case .success(let settings): return settings
        case .failure(let error):
            throw JiraError(
                .invalidInput,
                "$\(error.variable) is not an http proxy URL like http://proxy.example.com:3128; fix it, or pass --proxy URL or --proxy none"
            )
        }
    }
}

extension ConnectionOptions {
    /// The options given other than by default (`console --attach` refuses them).
    var optionsGiven: [String] {
        var given: [String] = []
        if url != nil { given.append("--url") }
        if patFile != nil { given.append("--pat-file") }
        if caBundle != nil { given.append("--ca-bundle") }
        if insecure { given.append("--insecure") }
        if proxy != nil { given.append("--proxy") }
        if timeout != 120 { given.append("--timeout") }
        if fastFailTimeout != 60 { given.append("--fast-fail-timeout") }
        if linksTimeout != 600 { given.append("--links-timeout") }
        if maxAttempts != 5 { given.append("--max-attempts") }
        if backoffScale != 1 { given.append("--backoff-scale") }
        if outageTimeout != 3600 { given.append("--outage-timeout") }
        if connectTimeout != 10 { given.append("--connect-timeout") }
        if maxBody != "256M" { given.append("--max-body") }
        return given
    }
}
