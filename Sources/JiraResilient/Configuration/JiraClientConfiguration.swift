import Foundation

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
    /// A search page's hub-base rung starts alongside its full rung once the full rung has taken
    /// this share of the fast-fail budget (1 = never: strictly one rung after the other).
    public var hedgeFraction = 0.25
    /// Multiplies the client's own backoff sleeps; a server's `Retry-After` is honoured as sent.
    public var backoffScale = 1.0
    /// Longest single wait, whatever `Retry-After` says.
    public var maxWait = 960.0
    /// Requests in flight at once (a request waiting for a slot has not started its budget): fixed,
    /// or adapting to JIRA's latency up to a ceiling (see `RequestLimiter`).
    public var concurrencyLimit: ConcurrencyLimit = .fixed(4)
    /// The most ordinary requests in flight; setting it fixes the concurrency.
    public var concurrency: Int {
        get { concurrencyLimit.ceiling }
        set { concurrencyLimit = .fixed(newValue) }
    }
    /// Links-only rescue requests (the hub tier's long ones) in flight at once, in a lane of their
    /// own so a hub never takes a slot from the rest of the scan.
    public var rescueConcurrency = 2
    /// Receives every request, backoff, outage and tier decision as it happens.
    public var events: EventSink = .none
    /// An HTTP proxy (every request tunnels through `CONNECT`); nil = direct.
    public var proxy: ProxySettings?
    /// Seconds the client holds through JIRA being unreachable (a restart) before requests
    /// fail with `.outage`.
    public var outageTimeout = 3600.0
    /// Budget of the run's first requests until JIRA has answered once, and of the connect
    /// handshake: a wrong URL or a dead server is named within this many seconds.
    public var firstContactTimeout = 10.0
    /// Largest response body accepted, in bytes.
    public var maxBody = 256 << 20
    /// Bodies larger than this many bytes take turns (one at a time); nil: 8 MiB, or `maxBody`
    /// if smaller. Tests set it to see a body wait.
    var bodyLaneThreshold: Int?
    /// The clock latencies are read on (tests move their own).
    var latencyClock = LatencyClock.continuous

    public init(baseURL: String, token: AccessToken) {
        self.baseURL = baseURL
        self.token = token
    }

    /// The longest budget or wait accepted: one week, in seconds.
    public static let maxSeconds = 7 * 86_400.0

    /// `fastFailTimeout` clamped to `timeout`.
    public var effectiveFastFailTimeout: Double { min(fastFailTimeout, timeout) }

    /// Checks the values a person typed; the error says which one is wrong and why.
    public func validate() throws(JiraError) {
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(),
            ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else {
            throw JiraError(
                .invalidInput,
                "the JIRA URL '\(baseURL.prefix(200))' is not an http(s) URL like https://jira.example.com",
                hint: .checkURL)
        }
        guard url.user == nil, url.password == nil, url.query == nil, url.fragment == nil else {
            throw JiraError(
                .invalidInput, "the JIRA URL must not carry credentials, a query or a fragment", hint: .checkURL)
        }
        guard !token.isEmpty else {
            throw JiraError(.invalidInput, "no personal access token was given", hint: .provideToken)
        }
        for (name, value) in [
            ("timeout", timeout), ("fast-fail timeout", fastFailTimeout), ("links timeout", linksTimeout),
            ("outage timeout", outageTimeout), ("first-contact timeout", firstContactTimeout),
        ] {
            guard value >= 0.001, value <= Self.maxSeconds, value.isFinite else {
                throw JiraError(
                    .invalidInput, "the \(name) must be 0.001–\(Int(Self.maxSeconds)) seconds, got \(value)")
            }
        }
        guard (1...100).contains(maxAttempts) else {
            throw JiraError(.invalidInput, "the attempts per request must be 1–100, got \(maxAttempts)")
        }
        guard (1...256).contains(concurrency) else {
            throw JiraError(.invalidInput, "the concurrency must be 1–256, got \(concurrency)")
        }
        guard (1...256).contains(rescueConcurrency) else {
            throw JiraError(.invalidInput, "the rescue concurrency must be 1–256, got \(rescueConcurrency)")
        }
        guard backoffScale >= 0, backoffScale <= 1000, backoffScale.isFinite else {
            throw JiraError(.invalidInput, "the backoff scale must be 0–1000, got \(backoffScale)")
        }
        guard maxWait >= 0, maxWait <= Self.maxSeconds, maxWait.isFinite else {
            throw JiraError(.invalidInput, "the longest wait must be 0–\(Int(Self.maxSeconds)) seconds")
        }
        guard hedgeFraction > 0, hedgeFraction <= 1 else {
            throw JiraError(.invalidInput, "the hedge fraction must be in (0, 1]")
        }
        guard maxBody >= 1024, maxBody <= 1 << 40 else {
            throw JiraError(.invalidInput, "the largest body must be 1 KiB–1 TiB, got \(maxBody) bytes")
        }
        if case .caBundle(let path) = tls {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw JiraError(.invalidInput, "cannot read the CA bundle '\(path)'", hint: .trustServerCA)
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
