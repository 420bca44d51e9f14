import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Sends requests to one JIRA base URL with the token, a budget per attempt covering head and
/// body, the retry policy, and one back-off gate shared by every request of the client.
/// Redirects are never followed. Owns its `HTTPClient`: call `shutdown()` before releasing it.
final class JiraTransport: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod = .GET
        /// Path below the base URL, starting with `/rest/api/2/`.
        var path: String
        var query: [(String, String)] = []
        var body: [UInt8]?
        /// What the request is for, as shown in events (`search`, `issue`, `links`…).
        var operation: String
        /// The issue key or JQL it concerns.
        var target: String
        var rung: Rung?
        /// Seconds one attempt may take, head and body.
        var budget: Double
        var maxAttempts: Int
    }

    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    let configuration: JiraClientConfiguration
    let baseURL: String
    private let http: HTTPClient
    let gate = BackoffGate()
    private let slots: AsyncSemaphore
    private let rescueSlots: AsyncSemaphore
    private let nextID = Atomic<Int>(0)
    static let maxBody = 1 << 30

    init(_ configuration: JiraClientConfiguration) throws(JiraError) {
        try configuration.validate()
        self.configuration = configuration
        baseURL = configuration.normalizedBaseURL
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        switch configuration.tls {
        case .systemRoots: break
        case .caBundle(let path):
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(path)
                guard !certificates.isEmpty else { throw JiraError(.tls, "the CA bundle '\(path)' holds no PEM certificate") }
                tls.trustRoots = .certificates(certificates)
            } catch let error as JiraError {
                throw error
            } catch {
                throw JiraError(.tls, "cannot use the CA bundle '\(path)': it is not a PEM certificate file (\(error))")
            }
        case .insecure:
            tls.certificateVerification = .none
        }
        var http = HTTPClient.Configuration()
        http.tlsConfiguration = tls
        http.redirectConfiguration = .disallow
        http.timeout = .init(connect: .seconds(10))
        http.httpVersion = .http1Only
        http.decompression = .disabled
        slots = AsyncSemaphore(permits: configuration.concurrency)
        rescueSlots = AsyncSemaphore(permits: configuration.rescueConcurrency)
        http.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.concurrency + max(1, configuration.rescueConcurrency))
        // A refused or failed connect is an attempt like any other: the retry policy (with its
        // events) decides, instead of the pool silently retrying until its connect timeout.
        http.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        if configuration.tls == .insecure {
            configuration.events.send(.warning("TLS certificate verification is OFF (--insecure): anyone on the path can read the token"))
        }
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    private func send(_ event: JiraEvent) { configuration.events.send(event) }

    /// Sends `request`, retrying per the policy, and decodes a 2xx body with `decode`. A decode
    /// failure that says the body was cut short is retried like a dropped connection.
    func perform<T: Sendable>(_ request: Request, decode: (Response) throws(JiraShapeError) -> T) async throws(JiraError) -> T {
        let policy = RetryPolicy(maxAttempts: max(1, request.maxAttempts), backoffScale: configuration.backoffScale, maxWait: configuration.maxWait)
        var attempt = 0
        while true {
            // The slot first, then the gate: a request that waited for a slot through a 429 must
            // still wait out the hold (and its pacing slot) before it is sent.
            let lane = request.rung == .hubLinks ? rescueSlots : slots
            do { try await lane.acquire() } catch { throw JiraError(.cancelled, "cancelled while waiting for a request slot") }
            let sentAt: ContinuousClock.Instant
            do { sentAt = try await gate.pass() } catch {
                lane.release()
                throw JiraError(.cancelled, "cancelled while waiting out a rate limit")
            }
            let info = JiraEvent.RequestInfo(id: nextID.add(1, ordering: .relaxed).newValue, operation: request.operation,
                                             target: request.target, rung: request.rung, budget: request.budget,
                                             attempt: attempt + 1, maxAttempts: policy.maxAttempts)
            // The slot is released after the outcome is announced, and before any backoff.
            let step = await attemptOnce(request, info: info, attempt: attempt, sentAt: sentAt, decode: decode)
            lane.release()
            let failure: RetryPolicy.Failure
            let lastError: JiraError
            let rateLimit: RateLimitHeaders?
            switch step {
            case .done(let value): return value
            case .fail(let error): throw error
            case .retry(let f, let e, let r):
                failure = f
                lastError = e
                rateLimit = r
            }
            switch policy.decide(failure, attempt: attempt, rateLimit: rateLimit) {
            case .giveUp:
                throw lastError
            case .retry(let wait, let source):
                let global: Bool
                if case .status(429, _) = failure { global = true } else { global = false }
                send(.backoff(.init(request: info, reason: reason(failure), status: lastError.status, wait: wait, source: source, global: global)))
                if global {
                    await gate.hold(for: wait)
                    if let bucket = rateLimit, let perToken = bucket.secondsPerToken, let fill = bucket.fillRate, let interval = bucket.intervalSeconds,
                       await gate.pace(every: min(perToken * configuration.backoffScale, configuration.maxWait)) {
                        send(.warning("JIRA's rate limit refills \(fill) request\(fill == 1 ? "" : "s") every \(Self.trim(interval)) s: requests are paced to that rate until tokens build up again"))
                    }
                }
                do { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) } catch {
                    throw JiraError(.cancelled, "cancelled during a backoff")
                }
                attempt += 1
            }
        }
    }

    private enum Step<T: Sendable>: Sendable {
        case done(T)
        case fail(JiraError)
        /// A retryable failure, with what a 429 said of the rate limit's bucket.
        case retry(RetryPolicy.Failure, JiraError, RateLimitHeaders?)
    }

    private static func trim(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    /// One attempt: the exchange and its classification, announced as it happens.
    private func attemptOnce<T: Sendable>(_ request: Request, info: JiraEvent.RequestInfo, attempt: Int, sentAt: ContinuousClock.Instant,
                                          decode: (Response) throws(JiraShapeError) -> T) async -> Step<T> {
        send(.requestStarted(info))
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = await exchange(request)
        let seconds = (clock.now - started).seconds
        switch outcome {
        case .cancelled:
            send(.requestFinished(info, status: nil, bytes: 0, seconds: seconds, error: "cancelled"))
            return .fail(JiraError(.cancelled, "\(describe(request)) was cancelled"))
        case .timeout:
            send(.requestFinished(info, status: nil, bytes: 0, seconds: seconds, error: "timed out"))
            return .retry(.timeout, JiraError(.timeout, "\(describe(request)) took longer than its \(format(request.budget)) budget"), nil)
        case .tlsFailure(let detail):
            send(.requestFinished(info, status: nil, bytes: 0, seconds: seconds, error: "TLS failed"))
            return .fail(JiraError(.connection, "TLS with \(baseURL) failed (\(detail)); pass --ca-bundle PATH with the CA that signed the server's certificate"))
        case .connection(let detail):
            send(.requestFinished(info, status: nil, bytes: 0, seconds: seconds, error: detail))
            return .retry(.connection, JiraError(.connection, "\(describe(request)) failed: \(detail)"), nil)
        case .response(let response):
            let status = response.status
            let rateLimit = RateLimitHeaders(response.headers)
            // Pacing ends once half the bucket (or a burst of every slot, if its size is unknown)
            // has built up again.
            if status != 429, let remaining = rateLimit?.remaining,
               await gate.observe(remaining: remaining, burst: max(2, rateLimit?.limit.map { $0 / 2 } ?? configuration.concurrency), sentAt: sentAt) {
                send(.warning("JIRA's rate limit has \(remaining) requests left: pacing ended"))
            }
            if (200..<300).contains(status) {
                do throws(JiraShapeError) {
                    let value = try decode(response)
                    send(.requestFinished(info, status: status, bytes: response.body.count, seconds: seconds, error: nil))
                    return .done(value)
                } catch {
                    send(.requestFinished(info, status: status, bytes: response.body.count, seconds: seconds, error: error.reason))
                    guard error.truncated else {
                        return .fail(JiraError(.notJira, "\(describe(request)) answered \(status) but not as JIRA does: \(error.reason)\(contentTypeNote(response)); is --url the JIRA base URL, and is no proxy or SSO page in the way?", status: status))
                    }
                    return .retry(.truncated, JiraError(.connection, "\(describe(request)) returned a body cut short (\(response.body.count) bytes)"), nil)
                }
            } else {
                let messages = Self.errorMessages(response.body)
                send(.requestFinished(info, status: status, bytes: response.body.count, seconds: seconds, error: "HTTP \(status)"))
                switch status {
                case 300..<400:
                    let location = response.headers.first(name: "Location") ?? "(no Location)"
                    return .fail(JiraError(.redirect, "\(describe(request)) was redirected (\(status)) to \(location); a proxy or SSO answered instead of JIRA. Not following it, so the token never leaves \(baseURL)", status: status))
                case 401, 403:
                    let reason = response.headers.first(name: "X-Seraph-LoginReason").map { " (\($0))" } ?? ""
                    return .fail(JiraError(.authentication, status == 401
                        ? "JIRA refused the token\(reason): HTTP 401. Check JIRA_PAT or --pat-file; the token may have expired"
                        : "JIRA says the token's user may not do this: HTTP 403 on \(describe(request))", status: status, messages: messages))
                case 404:
                    return .fail(JiraError(.notFound, "\(describe(request)): not found (404)", status: status, messages: messages))
                case 429, 500, 502, 503, 504:
                    return .retry(.status(status, retryAfter: response.headers.first(name: "Retry-After")), JiraError(status == 429 ? .rateLimited : .serverError,
                                          "\(describe(request)) failed with HTTP \(status) after \(attempt + 1) attempt\(attempt == 0 ? "" : "s")",
                                          status: status, messages: status == 429 ? [] : messages), status == 429 ? rateLimit : nil)
                default:
                    return .fail(JiraError(.clientError, "\(describe(request)) was rejected with HTTP \(status)", status: status, messages: messages))
                }
            }
        }
    }

    private func reason(_ failure: RetryPolicy.Failure) -> String {
        switch failure {
        case .status(429, _): "rate limited"
        case .status(let code, _): "HTTP \(code)"
        case .connection: "connection failed"
        case .truncated: "body cut short"
        case .timeout: "timed out"
        }
    }

    private func contentTypeNote(_ response: Response) -> String {
        guard let type = response.headers.first(name: "Content-Type"), !type.lowercased().contains("json") else { return "" }
        return " (Content-Type: \(type.prefix(60)))"
    }

    func describe(_ request: Request) -> String {
        "\(request.method.rawValue) \(request.path)"
    }

    private func format(_ seconds: Double) -> String { String(format: "%.1f s", seconds) }

    static func errorMessages(_ body: [UInt8]) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return [] }
        var messages = object["errorMessages"] as? [String] ?? []
        if let errors = object["errors"] as? [String: Any] {
            for (field, message) in errors.sorted(by: { $0.key < $1.key }) { messages.append("\(field): \(message)") }
        }
        return messages
    }

    // MARK: - One exchange

    private enum Outcome: Sendable {
        case response(Response)
        case timeout
        case connection(String)
        case tlsFailure(String)
        case cancelled
    }

    private struct BudgetExceeded: Error {}

    func url(_ request: Request) -> String {
        var url = baseURL + request.path
        if !request.query.isEmpty {
            url += "?" + request.query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        return url
    }

    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "*"), UInt8(ascii: ","):
                out.append(Character(UnicodeScalar(b)))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    private func exchange(_ request: Request) async -> Outcome {
        var r = HTTPClientRequest(url: url(request))
        r.method = request.method
        r.headers.add(name: "Authorization", value: configuration.token.authorizationHeader)
        r.headers.add(name: "Accept", value: "application/json")
        r.headers.add(name: "User-Agent", value: "jira-resilient-swift/1.0")
        if let body = request.body {
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(bytes: body))
        }
        let budget = request.budget
        let http = self.http
        let prepared = r
        do {
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask {
                    let response = try await http.execute(prepared, deadline: .now() + .milliseconds(Int64(budget * 1000)))
                    return Response(status: Int(response.status.code), headers: response.headers, body: try await Self.collect(response))
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(Int64(budget * 1000)))
                    return nil
                }
                guard let first = try await group.next() else { return .timeout }
                group.cancelAll()
                guard let response = first else { return .timeout }
                return .response(response)
            }
        } catch {
            if Task.isCancelled { return .cancelled }
            if let e = error as? HTTPClientError, e == .deadlineExceeded || e == .readTimeout { return .timeout }
            let text = String(describing: error)
            if error is NIOSSLError || text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("handshakeFailed") {
                return .tlsFailure(text.prefix(200).description)
            }
            return .connection(Self.shortDescription(error))
        }
    }

    struct BodyTooLarge: Error, CustomStringConvertible {
        var description: String { "the response body exceeds \(JiraTransport.maxBody >> 20) MiB" }
    }

    /// The whole body, appended chunk by chunk into one array sized from `Content-Length` when
    /// the server sends it: a 10 MB hub payload is held once, not as a buffer plus its copy.
    static func collect(_ response: HTTPClientResponse) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        if let length = response.headers.first(name: "Content-Length").flatMap({ Int($0) }), length > 0 {
            guard length <= maxBody else { throw BodyTooLarge() }
            bytes.reserveCapacity(length)
        }
        for try await chunk in response.body {
            guard bytes.count + chunk.readableBytes <= maxBody else { throw BodyTooLarge() }
            chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }  // one memcpy per chunk
        }
        return bytes
    }

    static func shortDescription(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .remoteConnectionClosed: return "the server closed the connection"
            case .connectTimeout: return "connecting timed out"
            default: return "\(e)"
            }
        }
        let text = String(describing: error)
        if text.contains("invalidEOFState") || text.contains("EOF") { return "the connection closed mid-response" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return String(text.prefix(160))
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
