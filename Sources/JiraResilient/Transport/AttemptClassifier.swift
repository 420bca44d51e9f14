import NIOHTTP1

/// What one attempt's outcome means for its request: the transport's decisions as values,
/// computed without I/O and tested without sockets (as async-http-client's
/// `Transaction+StateMachine` returns actions for a thin type to perform).
///
/// Server text (headers, `errorMessages`) enters errors only with the token redacted.
struct AttemptClassifier: Sendable {
    /// The request, as named in messages (`GET /rest/api/2/search`).
    var subject: String
    var baseURL: String
    var budget: Double
    var token: AccessToken
    /// The 0-based index of the attempt.
    var attempt: Int
    /// JIRA has not answered yet in this run: an answer that is not JIRA's says the URL is wrong.
    var firstContact = false

    /// How one exchange ended.
    enum Outcome: Sendable {
        case response(status: Int, headers: HTTPHeaders, body: [UInt8])
        case timeout
        case failed(TransportFailure)
        case cancelled
    }

    enum Step: Sendable, Equatable {
        /// A 2xx: decode the body (`classifyDecodeFailure` says what a failed decode means).
        case deliver
        case fail(JiraError)
        /// A retryable failure for the retry policy; `rateLimit` is what a 429 said of the bucket.
        case retry(RetryPolicy.Failure, JiraError, rateLimit: RateLimitHeaders?)
        /// JIRA did not answer (connection lost, or a load balancer's page): the outage monitor
        /// decides between holding, retrying as `retryAs`, and failing (before first contact).
        case lost(retryAs: RetryPolicy.Failure, unreachable: Bool, JiraError)
    }

    func classify(_ outcome: Outcome) -> Step {
        switch outcome {
        case .cancelled:
            return .fail(JiraError(.cancelled, "\(subject) was cancelled"))
        case .timeout:
            return .retry(
                .timeout, JiraError(.timeout, "\(subject) took longer than its \(Self.seconds(budget)) budget"),
                rateLimit: nil)
        case .failed(let failure):
            return classify(failure)
        case .response(let status, let headers, let body):
            return classify(status: status, headers: headers, body: body)
        }
    }

    private func classify(_ failure: TransportFailure) -> Step {
        switch failure {
        case .tls(let problem):
            return .fail(
                JiraError(
                    .connection, "\(TransportFailure.tls(problem).phrase) with \(baseURL)",
                    hint: problem == .handshake ? .checkURL : .trustServerCA,
                    transport: failure))
        case .proxy:
            return .fail(JiraError(.connection, "\(subject): \(failure.phrase)", hint: .checkProxy))
        case .bodyTooLarge:
            return .fail(JiraError(.notJira, "\(subject): \(failure.phrase)", hint: .raiseMaxBody))
        default:
            let error = JiraError(.connection, "\(subject) failed: \(failure.phrase)", transport: failure)
            return .lost(retryAs: .connection, unreachable: failure.isUnreachable, error)
        }
    }

    private func classify(status: Int, headers: HTTPHeaders, body: [UInt8]) -> Step {
        if (200..<300).contains(status) { return .deliver }
        let fromJira = Self.isJSON(headers)
        let messages = fromJira ? JiraErrorEnvelope.messages(body, redacting: token) : []
        switch status {
        case 300..<400:
            let location =
                headers.first(name: "Location").map { "\(ServerText($0, redacting: token, limit: 200))" }
                ?? "(no Location)"
            return .fail(
                JiraError(
                    .redirect,
                    "\(subject) was redirected (\(status)) to \(location); a proxy or SSO answered instead of JIRA. Not following it, so the token never leaves \(baseURL)",
                    status: status))
        case 401:
            let reason =
                headers.first(name: "X-Seraph-LoginReason").map { " (\(ServerText($0, redacting: token, limit: 60)))" }
                ?? ""
            return .fail(
                JiraError(
                    .authentication, "JIRA refused the token\(reason): HTTP 401",
                    status: status, messages: messages, hint: .checkToken))
        case 403:
            return .fail(
                JiraError(
                    .authentication, "JIRA says the token's user may not do this: HTTP 403 on \(subject)",
                    status: status, messages: messages))
        case 404 where firstContact && !fromJira:
            // A web server's page, not JIRA's JSON: the URL misses JIRA (a context path?).
            return .fail(
                JiraError(
                    .notJira,
                    "\(Self.absolute(subject, baseURL)) answered 404 with a page that is not JIRA's: \(baseURL) does not lead to JIRA's REST API",
                    status: status, hint: .notJiraURL))
        case 404:
            return .fail(JiraError(.notFound, "\(subject): not found (404)", status: status, messages: messages))
        case 429:
            return .retry(
                .status(429, retryAfter: headers.first(name: "Retry-After")),
                JiraError(.rateLimited, "\(subject) failed with HTTP 429 after \(attempts)", status: status),
                rateLimit: RateLimitHeaders(headers))
        case 502...504 where !fromJira:
            // A load balancer's or proxy's page: JIRA itself did not answer.
            let error = JiraError(
                .serverError,
                "\(subject) failed with HTTP \(status) from a proxy or load balancer (not JIRA) after \(attempts)",
                status: status)
            return .lost(
                retryAs: .status(status, retryAfter: headers.first(name: "Retry-After")), unreachable: false, error)
        case 500, 502, 503, 504:
            return .retry(
                .status(status, retryAfter: headers.first(name: "Retry-After")),
                JiraError(
                    .serverError, "\(subject) failed with HTTP \(status) after \(attempts)", status: status,
                    messages: messages),
                rateLimit: nil)
        default:
            return .fail(
                JiraError(
                    .clientError, "\(subject) was rejected with HTTP \(status)", status: status, messages: messages))
        }
    }

    /// What a 2xx body that did not decode means: cut short is retried like a dropped
    /// connection; anything else is not JIRA's answer.
    func classifyDecodeFailure(_ error: JiraShapeError, status: Int, headers: HTTPHeaders, bodyCount: Int) -> Step {
        if error.truncated {
            return .lost(
                retryAs: .truncated, unreachable: false,
                JiraError(
                    .connection, "\(subject) returned a body cut short (\(bodyCount) bytes)", transport: .connectionLost
                ))
        }
        var note = ""
        if let type = headers.first(name: "Content-Type"), !type.lowercased().contains("json") {
            note = " (Content-Type: \(ServerText(type, redacting: token, limit: 60)))"
        }
        return .fail(
            JiraError(
                .notJira, "\(subject) answered \(status) but not as JIRA does: \(error.reason)\(note)", status: status,
                // A malformed row inside JIRA's answer: the URL is right, so no word on it.
                hint: error.malformedRow ? nil : .notJiraURL))
    }

    private var attempts: String { "\(attempt + 1) attempt\(attempt == 0 ? "" : "s")" }

    static func isJSON(_ headers: HTTPHeaders) -> Bool {
        headers.first(name: "Content-Type")?.lowercased().contains("json") ?? false
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }

    /// `GET /rest/api/2/myself` as the URL it went to (`GET https://host/jira/rest/api/2/myself`):
    /// a wrong context path shows in the message.
    static func absolute(_ subject: String, _ baseURL: String) -> String {
        guard let space = subject.firstIndex(of: " "), subject[subject.index(after: space)...].hasPrefix("/") else {
            return subject
        }
        return "\(subject[..<space]) \(baseURL)\(subject[subject.index(after: space)...])"
    }
}
