import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Sends requests to one JIRA base URL with the token: a budget per attempt covering head and
/// body, the retry policy, one back-off gate and one outage monitor shared by every request of
/// the client, and request slots. Redirects are never followed. The decisions are
/// `AttemptClassifier`'s; this type performs them. Owns its `HTTPClient`: call `shutdown()`
/// before releasing it.
final class JiraTransport: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod = .GET
        /// Path below the base URL, starting with `/rest/api/2/`.
        var path: String
        var query: [(String, String)] = []
        var body: [UInt8]?
        /// What the request does, as shown in events (`search`, `issue`, `links`…).
        var operation: String
        /// What the request is for.
        var subject: RequestSubject
        var rung: Rung?
        /// Seconds one attempt may take, head and body (multiplied by the task's budget factor).
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
    /// One body at a time may grow past 8 MiB (or `--max-body`, if smaller).
    let bodyLane: BodyLane
    let gate = BackoffGate(clock: ContinuousClock())
    let outage: OutageMonitor
    /// Ordinary requests in flight (fixed or adaptive); the links lane counts against it too.
    let limiter: RequestLimiter
    private let rescueSlots: AsyncSemaphore
    private let nextID = Atomic<Int>(0)
    private let prober = Mutex<Task<Void, Never>?>(nil)

    init(_ configuration: JiraClientConfiguration) throws(JiraError) {
        try configuration.validate()
        self.configuration = configuration
        baseURL = configuration.normalizedBaseURL
        outage = OutageMonitor(limit: configuration.outageTimeout)
        bodyLane = BodyLane(threshold: configuration.bodyLaneThreshold ?? min(8 << 20, configuration.maxBody))
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        switch configuration.tls {
        case .systemRoots: break
        case .caBundle(let path):
            let certificates: [NIOSSLCertificate]
            do { certificates = try NIOSSLCertificate.fromPEMFile(path) } catch {
                throw JiraError(
                    .tls, "cannot use the CA bundle '\(path)': it is not a PEM certificate file", hint: .trustServerCA)
            }
            guard !certificates.isEmpty else {
                throw JiraError(.tls, "the CA bundle '\(path)' holds no PEM certificate", hint: .trustServerCA)
            }
            tls.trustRoots = .certificates(certificates)
        case .insecure:
            tls.certificateVerification = .none
        }
        var http = HTTPClient.Configuration()
        http.tlsConfiguration = tls
        http.redirectConfiguration = .disallow
        http.timeout = .init(connect: .milliseconds(Int64(configuration.firstContactTimeout * 1000)))
        http.httpVersion = .http1Only
        http.decompression = .disabled
        if let proxy = configuration.proxy {
            http.proxy = .server(host: proxy.host, port: proxy.port, authorization: proxy.authorization)
        }
        let events = configuration.events
        limiter = RequestLimiter(configuration.concurrencyLimit) { events.send(.load($0)) }
        rescueSlots = AsyncSemaphore(permits: configuration.rescueConcurrency)
        http.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.concurrency
                + max(1, configuration.rescueConcurrency))
        // A refused or failed connect is an attempt like any other: the classifier (with its
        // events) decides, instead of the pool silently retrying until its connect timeout.
        http.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
    }

    func shutdown() async {
        prober.withLock { $0 }?.cancel()
        try? await http.shutdown()
    }

    private func send(_ event: JiraEvent) { configuration.events.send(event) }

    /// Sends `request`, retrying per the policy and holding through outages, and decodes a 2xx
    /// body with `decode`. A decode failure that says the body was cut short is retried like
    /// a dropped connection. Every wait ends on cancellation with `.cancelled`.
    func perform<T: Sendable>(
        _ request: Request, decode: (Response) throws(JiraShapeError) -> T
    ) async throws(JiraError) -> T {
        let policy = RetryPolicy(
            maxAttempts: max(1, request.maxAttempts), backoffScale: configuration.backoffScale,
            maxWait: configuration.maxWait)
        let budget = request.budget * BudgetScope.factor
        // The run's first contact (no answer from JIRA yet) retries only while its retries fit
        // in the first-contact budget, so a JIRA that is down is named within seconds.
        let firstContactDeadline =
            !outage.answeredOnce && request.rung == nil
            ? ContinuousClock.now + .milliseconds(Int64(configuration.firstContactTimeout * 1000)) : nil
        var attempt = 0
        // Set once this request's last attempt started an outage: if JIRA answered the probe
        // and this request still fails, the failure is its own, and it fails (no endless hold).
        var heldOnLastAttempt = false
        while true {
            try await holdThroughOutage()
            // The slot first, then the gate: a request that waited for a slot through a 429 must
            // still wait out the hold (and its pacing slot) before it is sent.
            let lane = Lane(rescue: request.rung == .hubLinks, limiter: limiter, rescueSlots: rescueSlots)
            do { try await lane.acquire() } catch {
                throw JiraError(.cancelled, "cancelled while waiting for a request slot")
            }
            let sentAt: ContinuousClock.Instant
            do { sentAt = try await gate.pass() } catch {
                lane.release(.neutral(seconds: 0))
                throw JiraError(.cancelled, "cancelled while waiting out a rate limit")
            }
            // Until JIRA has answered once, a request without a rung (the run's first contact)
            // gets the first-contact budget (`--connect-timeout`), so a wrong URL or a dead server
            // is named within seconds, and a slow first answer is given what the operator allows.
            let firstContact = !outage.answeredOnce && request.rung == nil
            let attemptBudget = firstContact ? configuration.firstContactTimeout : budget
            let info = JiraEvent.RequestInfo(
                id: nextID.add(1, ordering: .relaxed).newValue, operation: request.operation,
                subject: request.subject, rung: request.rung, budget: attemptBudget,
                attempt: attempt + 1, maxAttempts: policy.maxAttempts)
            let classifier = AttemptClassifier(
                subject: describe(request), baseURL: baseURL, budget: attemptBudget,
                token: configuration.token, attempt: attempt, firstContact: !outage.answeredOnce)
            send(.requestStarted(info))
            let latency = configuration.latencyClock
            let started = latency.now()
            let (outcome, headSeconds) = await exchange(request, budget: attemptBudget)
            let seconds = (latency.now() - started).seconds
            var step = classifier.classify(outcome)
            var bytes = 0
            var status: Int?
            if case .response(let code, let headers, let body) = outcome {
                status = code
                bytes = body.count
                if AttemptClassifier.isJSON(headers) { outage.recordAnswer() }
                await observeRateLimit(status: code, headers: headers, sentAt: sentAt)
                if step == .deliver {
                    do throws(JiraShapeError) {
                        let value = try decode(Response(status: code, headers: headers, body: body))
                        outage.recordAnswer()
                        send(.requestFinished(info, status: code, bytes: bytes, seconds: seconds, error: nil))
                        lane.release(.answered(seconds: headSeconds ?? seconds, kind: Self.kind(of: request)))
                        return value
                    } catch {
                        step = classifier.classifyDecodeFailure(
                            error, status: code, headers: headers, bodyCount: body.count)
                    }
                }
            }
            // The slot is released after the outcome is announced, and before any wait.
            send(.requestFinished(info, status: status, bytes: bytes, seconds: seconds, error: step.summary))
            lane.release(
                Self.loadOutcome(of: outcome, step: step, seconds: headSeconds ?? seconds, request: request))
            switch step {
            case .deliver:
                preconditionFailure("a delivered response returns above")
            case .fail(let error):
                throw error
            case .retry(let failure, let error, let rateLimit):
                if case .timeout = failure, firstContact {
                    throw JiraError(
                        .timeout,
                        "JIRA at \(baseURL) did not answer within \(AttemptClassifier.seconds(attemptBudget)) (\(describe(request)))",
                        hint: .checkURL)
                }
                try await backoff(
                    policy, failure, error, rateLimit: rateLimit, info: info, attempt: attempt,
                    deadline: outage.answeredOnce ? nil : firstContactDeadline)
                attempt += 1
            case .lost(let failure, let unreachable, let error):
                // Before JIRA has answered once, a connection that fails or drops is the setup's
                // fault (URL, scheme, proxy), not a passing hiccup: say so now, not after retries.
                if !outage.answeredOnce, error.transport != nil { throw firstContactFailure(error) }
                // Only a balancer's page says the service is away; a body cut short or a dropped
                // connection on one request is that request's trouble.
                var balancer = false
                if case .status = failure { balancer = true }
                let lastAttempt = balancer && !heldOnLastAttempt && attempt + 1 >= policy.maxAttempts
                let (verdict, began) = outage.recordLost(unreachable: unreachable, lastAttempt: lastAttempt)
                if verdict == .hold && lastAttempt { heldOnLastAttempt = true }
                switch verdict {
                case .fail:
                    throw firstContactFailure(error)
                case .hold:
                    if began { startProbing(cause: error.transport?.phrase ?? error.shortReason) }
                case .retry:
                    try await backoff(
                        policy, failure, error, rateLimit: nil, info: info, attempt: attempt,
                        deadline: outage.answeredOnce ? nil : firstContactDeadline, notJira: true)
                    attempt += 1
                }
            }
        }
    }

    /// A request's slot: the limiter's, and for the links lane also one of its own few.
    private struct Lane {
        var rescue: Bool
        var limiter: RequestLimiter
        var rescueSlots: AsyncSemaphore

        func acquire() async throws {
            if rescue { try await rescueSlots.acquire() }
            do { try await limiter.acquire(rescue: rescue) } catch {
                if rescue { rescueSlots.release() }
                throw error
            }
        }

        func release(_ outcome: RequestLimiter.Outcome) {
            limiter.release(rescue: rescue, rescue ? .neutral(seconds: outcome.seconds) : outcome)
            if rescue { rescueSlots.release() }
        }
    }

    /// Requests whose answers take comparable time: the operation, the rung, and the page size
    /// rounded to a power of two.
    static func kind(of request: Request) -> String {
        var bucket = 1
        if case .batch(let count, _, _) = request.subject {
            while bucket < count { bucket *= 2 }
        }
        return "\(request.operation)/\(request.rung.map { "\($0)" } ?? "-")/\(bucket)"
    }

    /// What a finished attempt that was not delivered says about JIRA's load.
    static func loadOutcome(
        of outcome: AttemptClassifier.Outcome, step: AttemptClassifier.Step, seconds: Double, request: Request
    ) -> RequestLimiter.Outcome {
        switch outcome {
        case .response(let status, _, _) where status == 429 || status == 503:
            return .overloaded(seconds: seconds)
        case .timeout:
            return .timedOut(seconds: seconds)
        case .response:
            return .answered(seconds: seconds, kind: kind(of: request))
        case .failed, .cancelled:
            return .neutral(seconds: seconds)
        }
    }

    /// The one line for a first contact that failed, naming the proxy when there is one.
    private func firstContactFailure(_ error: JiraError) -> JiraError {
        var cause = error.transport?.phrase ?? error.detail
        if error.transport == .connectionLost, configuration.proxy == nil {
            cause += " (is the URL's scheme right? a TLS port drops plain HTTP like this)"
        }
        if let proxy = configuration.proxy {
            // A 407 is missing credentials, as a 401 is: exit 3, not "unreachable".
            return JiraError(
                error.transport == .proxyAuthentication ? .authentication : error.code,
                "cannot reach JIRA at \(baseURL) through the proxy \(proxy.host):\(proxy.port): \(cause)",
                hint: .checkProxy, transport: error.transport)
        }
        return JiraError(
            error.code, "cannot reach JIRA at \(baseURL): \(cause)", hint: .checkURL, transport: error.transport)
    }

    /// The one line for a first contact answered only with errors (a 5xx or 429, from JIRA or
    /// from a balancer in front of it) that retries could not outlast within its budget.
    private func firstContactRefused(_ error: JiraError, notJira: Bool) -> JiraError {
        let status = error.status.map { "HTTP \($0)" } ?? error.shortReason
        let who = notJira ? "a proxy or load balancer answered \(status) instead of JIRA" : "JIRA answered \(status)"
        return JiraError(
            error.code,
            "cannot reach JIRA at \(baseURL) within \(AttemptClassifier.seconds(configuration.firstContactTimeout)): \(who) (JIRA may be down, restarting or overloaded)",
            status: error.status, messages: error.messages, hint: .retryLater)
    }

    /// Waits out an outage without spending an attempt.
    private func holdThroughOutage() async throws(JiraError) {
        do { try await outage.waitWhileOutage() } catch is OutageExceeded {
            throw JiraError(
                .outage,
                "JIRA at \(baseURL) stayed unreachable for \(Int(configuration.outageTimeout)) s, the outage timeout",
                hint: .resumeOrRestart)
        } catch {
            throw JiraError(.cancelled, "cancelled while JIRA was unreachable")
        }
    }

    /// Announces and waits one retry's backoff (a 429 holds every request of the client). A
    /// wait that would end past `deadline` (the first contact's budget) is not taken: the
    /// error is thrown now, as the first contact's one line.
    private func backoff(
        _ policy: RetryPolicy, _ failure: RetryPolicy.Failure, _ error: JiraError, rateLimit: RateLimitHeaders?,
        info: JiraEvent.RequestInfo, attempt: Int, deadline: ContinuousClock.Instant? = nil, notJira: Bool = false
    ) async throws(JiraError) {
        guard case .retry(let wait, let source) = policy.decide(failure, attempt: attempt, rateLimit: rateLimit) else {
            throw error
        }
        if let deadline, ContinuousClock.now + .milliseconds(Int64(wait * 1000)) > deadline {
            throw firstContactRefused(error, notJira: notJira)
        }
        let global: Bool
        if case .status(429, _) = failure { global = true } else { global = false }
        send(
            .backoff(
                .init(
                    request: info, reason: failure.reason, status: error.status, wait: wait, source: source,
                    global: global)))
        if global {
            await gate.hold(for: wait)
            if let bucket = rateLimit, let perToken = bucket.secondsPerToken, let fill = bucket.fillRate,
                let interval = bucket.intervalSeconds,
                await gate.pace(every: min(perToken * configuration.backoffScale, configuration.maxWait))
            {
                send(
                    .warning(
                        "JIRA's rate limit refills \(fill) request\(fill == 1 ? "" : "s") every \(Self.trim(interval)) s: requests are paced to that rate until tokens build up again"
                    ))
            }
        }
        do { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) } catch {
            throw JiraError(.cancelled, "cancelled during a backoff")
        }
    }

    /// Pacing ends once half the bucket (or a burst of every slot, if its size is unknown) has
    /// built up again.
    private func observeRateLimit(status: Int, headers: HTTPHeaders, sentAt: ContinuousClock.Instant) async {
        guard status != 429, let rateLimit = RateLimitHeaders(headers), let remaining = rateLimit.remaining else {
            return
        }
        let burst = max(2, rateLimit.limit.map { $0 / 2 } ?? configuration.concurrency)
        if await gate.observe(remaining: remaining, burst: burst, sentAt: sentAt) {
            send(.warning("JIRA's rate limit has \(remaining) requests left: pacing ended"))
        }
    }

    private static func trim(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    // MARK: - Outage probing

    /// Starts the one prober of an outage: `serverInfo` at a growing interval until JIRA
    /// answers (releasing every held request) or the outage timeout passes (failing them).
    private func startProbing(cause: String) {
        send(.outage(.began(cause: cause)))
        let task = Task { [self] in
            let limit = configuration.outageTimeout
            while !Task.isCancelled {
                let probe = outage.nextProbe()
                let elapsed = outage.elapsed ?? 0
                let wait = min(
                    OutageMonitor.interval(afterProbe: probe, scale: configuration.backoffScale),
                    max(0, limit - elapsed))
                send(.outage(.probeScheduled(number: probe, inSeconds: wait, elapsed: elapsed)))
                do { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) } catch { return }
                if let elapsed = outage.elapsed, elapsed >= limit {
                    outage.giveUp()
                    send(.outage(.gaveUp(seconds: elapsed)))
                    return
                }
                let failure = await probeOnce()
                send(.outage(.probed(number: probe, reachable: failure == nil, cause: failure?.phrase)))
                if failure == nil {
                    let seconds = outage.elapsed ?? 0
                    outage.end()
                    send(.outage(.ended(seconds: seconds)))
                    return
                }
            }
        }
        prober.withLock { $0 = task }
    }

    /// One `GET serverInfo` outside slots and gates; nil when JIRA answered in JSON.
    private func probeOnce() async -> TransportFailure? {
        let request = Request(
            path: "/rest/api/2/serverInfo", operation: "probe", subject: .server("serverInfo"),
            budget: min(configuration.timeout, 10), maxAttempts: 1)
        switch await exchange(request, budget: request.budget).outcome {
        case .response(let status, let headers, _):
            return AttemptClassifier.isJSON(headers) || (200..<300).contains(status) ? nil : .other("HTTP \(status)")
        case .timeout: return .connectTimeout
        case .failed(let failure): return failure
        case .cancelled: return .other("cancelled")
        }
    }

    // MARK: - One exchange

    func describe(_ request: Request) -> String {
        "\(request.method.rawValue) \(request.path)"
    }

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
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "*"),
                UInt8(ascii: ","):
                out.append(Character(UnicodeScalar(b)))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    /// One exchange within `budget` seconds (head and body). Cancelling the calling task
    /// cancels the request in flight at once.
    /// One attempt, and the seconds until the response head arrived (nil without a head).
    ///
    /// The head's time is what the request limiter reads as JIRA's latency: JIRA's REST
    /// resources run the search and build the response before the first byte leaves, so queueing
    /// and contention on the node show there; the body's transfer also grows with this
    /// client's own CPU and network, which more concurrency would not relieve.
    private func exchange(
        _ request: Request, budget: Double
    ) async -> (outcome: AttemptClassifier.Outcome, headSeconds: Double?) {
        let latency = configuration.latencyClock
        let started = latency.now()
        let headAt = Mutex<Duration?>(nil)
        let outcome = await attempt(request, budget: budget) { headAt.withLock { $0 = latency.now() } }
        return (outcome, headAt.withLock { $0 }.map { ($0 - started).seconds })
    }

    private func attempt(
        _ request: Request, budget: Double, headArrived: @escaping @Sendable () -> Void
    ) async -> AttemptClassifier.Outcome {
        var r = HTTPClientRequest(url: url(request))
        r.method = request.method
        r.headers.add(name: "Authorization", value: configuration.token.authorizationHeader)
        r.headers.add(name: "Accept", value: "application/json")
        r.headers.add(name: "User-Agent", value: "jira-resilient-swift/\(ToolVersion.current)")
        if let body = request.body {
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(bytes: body))
        }
        let http = self.http
        let prepared = r
        let maxBody = configuration.maxBody
        do {
            return try await withThrowingTaskGroup(of: AttemptClassifier.Outcome?.self) { group in
                let clock = PausableBudget(seconds: budget)
                let lane = self.bodyLane
                group.addTask {
                    // The head must come within the budget; the body's time is ours to keep
                    // (the timer below), so that a wait in the body lane does not count.
                    let response = try await http.execute(
                        prepared, deadline: .now() + .milliseconds(Int64(budget * 1000)))
                    headArrived()
                    let body = try await Self.collect(response, limit: maxBody, lane: lane, clock: clock)
                    return .response(status: Int(response.status.code), headers: response.headers, body: body)
                }
                group.addTask {
                    while let left = clock.untilDeadline { try await Task.sleep(for: left) }
                    return nil
                }
                guard let first = try await group.next() else { return .timeout }
                group.cancelAll()
                return first ?? .timeout
            }
        } catch {
            if Task.isCancelled || error is CancellationError { return .cancelled }
            if let e = error as? HTTPClientError, e == .deadlineExceeded || e == .readTimeout { return .timeout }
            if let e = error as? HTTPClientError, e == .cancelled { return .cancelled }
            return .failed(TransportFailure.classify(error))
        }
    }

    /// The whole body, appended chunk by chunk into one array sized from `Content-Length` when
    /// the server sends it: a 10 MB hub payload is held once, not as a buffer plus its copy.
    /// Throws once the body passes `limit` bytes (announced or received).
    /// A body that passes `lane.threshold` (announced or received) first waits for the lane,
    /// with `clock` paused meanwhile, and leaves it when collected or failed.
    static func collect(
        _ response: HTTPClientResponse, limit: Int, lane: BodyLane? = nil, clock: PausableBudget<ContinuousClock>? = nil
    ) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        var inLane = false
        defer { if inLane { lane?.leave() } }
        func enterLane() async throws {
            guard let lane, !inLane else { return }
            clock?.pause()
            defer { clock?.resume() }
            try await lane.enter()
            inLane = true
        }
        // With a length, one array of exactly that size; without (chunked), the chunks are kept
        // as they came and joined once at the end, so a body never sits in a doubled array
        // (growth by doubling held 545 MB for a 256 MiB body).
        var length: Int?
        if let announced = response.headers.first(name: "Content-Length").flatMap({ Int($0) }), announced > 0 {
            guard announced <= limit else { throw TransportFailureError(failure: .bodyTooLarge(limit: limit)) }
            if let lane, announced > lane.threshold { try await enterLane() }
            bytes.reserveCapacity(announced)
            length = announced
        }
        var chunks: [ByteBuffer] = []
        var received = 0
        for try await chunk in response.body {
            guard received + chunk.readableBytes <= limit else {
                throw TransportFailureError(failure: .bodyTooLarge(limit: limit))
            }
            if let lane, !inLane, received + chunk.readableBytes > lane.threshold { try await enterLane() }
            received += chunk.readableBytes
            if length != nil && received <= length! {
                chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }  // one memcpy per chunk
            } else {
                chunks.append(chunk)
            }
        }
        if !chunks.isEmpty {
            bytes.reserveCapacity(received)
            for chunk in chunks { chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) } }
        }
        return bytes
    }
}

extension AttemptClassifier.Step {
    /// The failure in a few words, for `requestFinished`; nil when delivered.
    var summary: String? {
        switch self {
        case .deliver: nil
        case .fail(let e), .retry(_, let e, _), .lost(_, _, let e): e.shortReason
        }
    }
}

extension RetryPolicy.Failure {
    var reason: String {
        switch self {
        case .status(429, _): "rate limited"
        case .status(let code, _): "HTTP \(code)"
        case .connection: "connection failed"
        case .truncated: "body cut short"
        case .timeout: "timed out"
        }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
