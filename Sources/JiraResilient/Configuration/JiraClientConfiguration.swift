import Foundation
import Logging

/// How a `JiraClient` reaches JIRA and how patient it is. Times are seconds (decimals allowed).
public struct JiraClientConfiguration: Sendable {
    public enum TLS: Sendable, Equatable {
        /// The system's trust roots.
        case systemRoots
        /// Trust only the CA certificates in this PEM file.
        case caBundle(path: String)
        /// Skip certificate verification (a loud warning event is sent when the client starts).
        case insecure
    }

    /// The base URL of the JIRA Server, e.g. `https://jira.example.com` or `https://host/jira`.
    public var baseURL: String
    public var token: AccessToken
    public var tls: TLS = .systemRoots
    /// Budget of an ordinary read: head and body.
    public var timeout: Double = 120
    /// Budget of a full-tier attempt; never more than `timeout`.
    public var fastFailTimeout: Double = 60
    /// Budget of a links-only rescue request (a hub's links can take minutes).
    public var linksTimeout: Double = 600
    /// Attempts per request on 429, 5xx and connection failures.
    public var maxAttempts = 5
    /// Attempts of the full rung before the ladder steps down (a timeout steps down at once).
    public var fullRungAttempts = 2
    /// A search page's hub-base rung starts alongside its full rung once the full rung has taken
    /// this share of the fast-fail budget (1 = never: strictly one rung after the other).
    public var hedgeFraction = 0.25
    /// Multiplies the client's own backoff sleeps; a server's `Retry-After` is honoured as sent.
    public var backoffScale = 1.0
    /// Longest single wait, whatever `Retry-After` says.
    public var maxWait = 960.0
    /// Requests in flight at once (a request waiting for a slot has not started its budget).
    public var concurrency = 4
    /// Links-only rescue requests (the hub tier's long ones) in flight at once, in a lane of their
    /// own so a hub never takes a slot from the rest of the scan.
    public var rescueConcurrency = 2
    /// Receives every request, backoff and tier decision as it happens.
    public var events: EventSink = .none
    public var logger = Logger(label: "jira-resilient")

    public init(baseURL: String, token: AccessToken) {
        self.baseURL = baseURL
        self.token = token
    }

    /// `fastFailTimeout` clamped to `timeout`.
    public var effectiveFastFailTimeout: Double { min(fastFailTimeout, timeout) }

    /// Checks the values a person typed; the error says which one is wrong and why.
    public func validate() throws(JiraError) {
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw JiraError(.invalidInput, "the JIRA URL '\(baseURL)' is not an http(s) URL; pass --url https://jira.example.com or set JIRA_URL")
        }
        guard url.user == nil, url.password == nil, url.query == nil else {
            throw JiraError(.invalidInput, "the JIRA URL must not carry credentials or a query; give the token through JIRA_PAT or --pat-file")
        }
        guard !token.isEmpty else {
            throw JiraError(.invalidInput, "no personal access token: set JIRA_PAT or pass --pat-file PATH")
        }
        for (name, value) in [("timeout", timeout), ("fast-fail-timeout", fastFailTimeout), ("links-timeout", linksTimeout)] {
            guard value > 0, value.isFinite else { throw JiraError(.invalidInput, "--\(name) must be a positive number of seconds, got \(value)") }
        }
        guard maxAttempts >= 1 else { throw JiraError(.invalidInput, "--max-attempts must be at least 1") }
        guard (1...256).contains(concurrency) else { throw JiraError(.invalidInput, "--concurrency must be 1–256, got \(concurrency)") }
        guard backoffScale >= 0, backoffScale.isFinite else { throw JiraError(.invalidInput, "--backoff-scale must be ≥ 0") }
        if case .caBundle(let path) = tls {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw JiraError(.invalidInput, "cannot read the CA bundle '\(path)'; give a readable PEM file to --ca-bundle")
            }
        }
    }

    /// The base URL without a trailing slash.
    var normalizedBaseURL: String {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
