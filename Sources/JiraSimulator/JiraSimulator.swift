import Foundation
import Synchronization

/// An embedded JIRA Server (Data Center) on loopback: the REST API v2 subset a data extractor
/// uses, with JIRA's shapes, JQL semantics, serialization cost, reindexes, live changes and faults.
///
/// Start it with `start()`, point a client at `baseURL` with `token`, and `stop()` it when done.
/// Tests read `requests` to see what a client sent, and change the world with `mutate`, `inject`
/// and `schedule` while a client runs.
public final class JiraSimulator: Sendable {
    public struct Configuration: Sendable {
        public var scenario: Scenario
        /// Multiplies every simulated delay (cost model, `.delay` faults, rate-limit refill).
        public var timeScale: Double = 1
        public var host = "127.0.0.1"
        /// 0 picks a free port.
        public var port = 0
        /// The personal access token the server accepts as `Authorization: Bearer …`.
        public var token: String
        /// A second token that authenticates but may not browse (answers 403).
        public var forbiddenToken: String?
        public var tls = false
        /// JIRA under a path (`/jira`): every REST path and `self` link starts with it, and
        /// requests outside it get Tomcat's 404 page. Empty = at the root of the host.
        public var contextPath = ""
        /// The token user's language: every message the server sends is translated into it.
        public var locale: SimLocale = .en
        /// JIRA unreachable for a while (a restart), once.
        public var outage: OutageSchedule?
        /// The node's cores, shared by the requests in service (see `ServerCapacity`); nil = a node
        /// without limit, where each request takes its own work in wall time (the tests' default;
        /// `jira-resilient sim` and `demo` default to 4).
        public var serverCores: Int?
        /// Share of the node's cores other users keep busy, 0..<1 (only with `serverCores`).
        public var backgroundLoad = 0.0
        /// Requests in service at most; the rest queue (Tomcat's `maxThreads`, 150 in JIRA's
        /// shipped `server.xml`).
        public var serverThreads = 150

        public init(scenario: Scenario, token: String, timeScale: Double = 1) {
            self.scenario = scenario
            self.token = token
            self.timeScale = timeScale
        }
    }

    struct State: Sendable {
        var universe: SimUniverse
        var faults: FaultPlan
        var faultRNG: SplitMix64
        var bucket: TokenBucket?
        var requestCount = 0
        var pendingChanges: [LiveChange]
        var log: [SimRequestRecord] = []
        var paginatedChangelog: Bool
        var baseURL = ""
        /// Monotonic seconds until which the scheduled outage lasts, once it has begun.
        var outageUntil: Double?
        var stopped = false
        var gates: [SimGate] = []
    }

    public let configuration: Configuration
    let state: Mutex<State>
    let server = Mutex<SimulatorServer?>(nil)
    private let abandoned = Mutex(0)
    /// The node's CPU: shares work among the requests in service and accounts it.
    let capacity: ServerCapacity
    private let outageTask = Mutex<Task<Void, Never>?>(nil)

    /// Answers never rendered because the client had gone when the delay ended.
    public var abandonedResponses: Int { abandoned.withLock { $0 } }
    static let logLimit = 500_000

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        capacity = ServerCapacity(
            cores: configuration.serverCores, threads: configuration.serverThreads,
            background: configuration.backgroundLoad, timeScale: configuration.timeScale)
        let scenario = configuration.scenario
        let bucket = scenario.rateLimit.map {
            TokenBucket(limit: $0, timeScale: configuration.timeScale, now: Self.monotonic())
        }
        let universe = DataGenerator.universe(for: scenario)
        var faults = scenario.faults
        for i in faults.rules.indices { Self.resolveHub(&faults.rules[i].matcher, in: universe) }
        state = Mutex(
            State(
                universe: universe, faults: faults,
                faultRNG: SplitMix64(seed: scenario.faults.seed), bucket: bucket,
                pendingChanges: scenario.liveChanges.sorted { $0.afterRequests < $1.afterRequests },
                paginatedChangelog: scenario.paginatedChangelog))
    }

    /// Binds the port and starts serving; returns the base URL (`http://127.0.0.1:PORT`, with
    /// the context path if there is one).
    @discardableResult
    public func start() async throws -> String {
        let server = try await bind(port: configuration.port)
        let scheme = configuration.tls ? "https" : "http"
        let url = "\(scheme)://\(configuration.host):\(server.port)\(configuration.contextPath)"
        state.withLock { $0.baseURL = url }
        self.server.withLock { $0 = server }
        return url
    }

    private func bind(port: Int) async throws -> SimulatorServer {
        try await SimulatorServer.start(
            host: configuration.host, port: port, tls: configuration.tls,
            onAbandoned: { [self] response in
                abandoned.withLock { $0 += 1 }
                capacity.abandoned(work: response.work)
            }
        ) { [self] request in
            await self.handle(request)
        }
    }

    /// Stops accepting, closes open connections and cancels delayed responses (and a restart
    /// still to come after an outage).
    public func stop() async {
        for gate in state.withLock({ s in
            s.stopped = true; return s.gates
        }) { gate.open() }
        outageTask.withLock { $0 }?.cancel()
        await outageTask.withLock { $0 }?.value
        let server = self.server.withLock { s in
            defer { s = nil }; return s
        }
        await server?.stop()
        capacity.stop()
    }

    /// What the node has spent so far (server work, abandoned work, stretch).
    public var stats: ServerStats { capacity.stats.withLock { $0 } }

    /// Ends the scheduled outage now (JIRA is back); returns once the port serves again.
    public func endOutage() async {
        state.withLock { s in
            if let until = s.outageUntil, until > Self.monotonic() { s.outageUntil = Self.monotonic() }
        }
        let task = outageTask.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    /// Whether the scheduled outage is under way now.
    public var isInOutage: Bool {
        state.withLock { $0.outageUntil.map { Self.monotonic() < $0 } ?? false }
    }

    /// Closes the port for `seconds` (real), dropping open connections, then serves again on
    /// the same port. Runs outside the request that triggered it.
    private func refuseConnections(for seconds: Double) {
        let task = Task { [self] in
            let old = server.withLock { s in
                defer { s = nil }; return s
            }
            let port = old?.port ?? configuration.port
            await old?.stop()
            // Cancelled by endOutage (serve again now) or by stop (the check below).
            try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
            guard !state.withLock({ $0.stopped }) else { return }
            // The port may linger for a moment after close; try again briefly.
            for _ in 0..<50 {
                if let restarted = try? await bind(port: port) {
                    server.withLock { $0 = restarted }
                    return
                }
                // Not `Task.sleep`: cancelled by endOutage, it would not wait at all.
                usleep(100_000)
            }
        }
        outageTask.withLock { $0 = task }
    }

    public var baseURL: String { state.withLock { $0.baseURL } }
    public var port: Int { server.withLock { $0?.port ?? 0 } }

    /// Every request answered so far, oldest first.
    public var requests: [SimRequestRecord] { state.withLock { $0.log } }
    public func clearRequestLog() { state.withLock { $0.log.removeAll() } }

    /// The server's truth: every live issue, for tests and comparisons.
    public var universe: SimUniverse { state.withLock { $0.universe } }

    /// Applies a change to the data now (update, delete, move, reindex…).
    public func mutate(_ change: (inout SimUniverse) -> Void) {
        state.withLock { change(&$0.universe) }
    }

    public func apply(_ kind: LiveChange.Kind) {
        state.withLock { Self.apply(kind, to: &$0.universe, timeScale: configuration.timeScale) }
    }

    /// Holds every answer to requests `matching` until the returned gate opens (see `SimGate`).
    public func hold(_ matching: RequestMatcher) -> SimGate {
        let gate = SimGate()
        let number = state.withLock { s in
            s.gates.append(gate)
            return s.gates.count - 1
        }
        inject(.init(.held(gate: number), matching: matching, count: nil))
        return gate
    }

    /// Adds a scripted fault rule ahead of the scenario's.
    public func inject(_ rule: FaultPlan.Rule) {
        state.withLock { s in
            var rule = rule
            Self.resolveHub(&rule.matcher, in: s.universe)
            s.faults.rules.insert(rule, at: 0)
        }
    }

    /// Pins a matcher's `hubRank` to that hub's id and key (the n-th largest by links).
    static func resolveHub(_ matcher: inout RequestMatcher, in universe: SimUniverse) {
        guard let rank = matcher.hubRank else { return }
        let hubs = universe.issues.values.sorted { ($0.linkIDs.count, $1.id) > ($1.linkIDs.count, $0.id) }
        guard rank < hubs.count else { return }
        matcher.issueID = hubs[rank].id
        matcher.issueKey = hubs[rank].key
    }
    public func clearFaults() { state.withLock { $0.faults = FaultPlan() } }

    /// Schedules a change to happen once `afterRequests` more requests have been answered.
    public func schedule(_ kind: LiveChange.Kind, afterRequests: Int) {
        state.withLock { s in
            s.pendingChanges.append(LiveChange(afterRequests: s.requestCount + afterRequests, kind))
            s.pendingChanges.sort { $0.afterRequests < $1.afterRequests }
        }
    }

    /// Switches `/issue/{key}/changelog` between Data Center (paginated) and Server (404).
    public func setPaginatedChangelog(_ enabled: Bool) { state.withLock { $0.paginatedChangelog = enabled } }

    /// Seconds on the monotonic clock `SimRequestRecord.receivedAt` uses.
    public static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func apply(_ kind: LiveChange.Kind, to u: inout SimUniverse, timeScale: Double) {
        let now = JiraTime.nowMs()
        switch kind {
        case .update(let key): if let id = u.resolve(key)?.id { u.touch(id: id, at: now) }
        case .delete(let key): if let id = u.resolve(key)?.id { u.delete(id: id, at: now) }
        case .move(let key, let project): if let id = u.resolve(key)?.id { u.move(id: id, to: project, at: now) }
        case .create(let project):
            guard u.projects[project] != nil else { return }
            let seed = u.seed
            u.createIssue(projectKey: project, created: now, updated: now) { issue in
                issue.historyCount = 1
                issue.commentCount = 1
                issue.contentSeed = seed ^ UInt64(issue.id)
            }
        case .reindex(let project, let share):
            let ids = (u.members[project] ?? []).compactMap { u.issues[$0] }
                .sorted { ($0.updated, $0.id) < ($1.updated, $1.id) }.map(\.id)
            u.reindex(ids: Array(ids.prefix(Int(Double(ids.count) * share))), indexTime: now)
        }
    }

    // MARK: - Answering

    func handle(_ incoming: SimRequest) async -> SimResponse {
        var request = incoming
        let contextPath = configuration.contextPath
        if !contextPath.isEmpty {
            if request.path.hasPrefix(contextPath + "/") {
                request.path.removeFirst(contextPath.count)
            } else if !request.path.hasPrefix("/_sim/") {
                // Tomcat's answer outside the web application's path.
                return .html(
                    404,
                    "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 – Not Found</title></head><body><h1>HTTP Status 404 – Not Found</h1></body></html>"
                )
            }
        }
        if let outage = configuration.outage, let response = outageResponse(outage) { return response }
        let fieldsText =
            (request.query["fields"] ?? []).joined(separator: ",")
            + (request.method == "POST" ? String(decoding: request.body.prefix(4096), as: UTF8.self) : "")
        let authorization = request.authorization ?? ""
        let bearer = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : nil
        let authenticated = bearer == configuration.token
        let forbidden = bearer != nil && bearer == configuration.forbiddenToken
        let now = Self.monotonic()
        let (universe, fault, limit, sequence, paginated, baseURL) = state.withLock { s in
            s.requestCount += 1
            while let next = s.pendingChanges.first, next.afterRequests <= s.requestCount {
                s.pendingChanges.removeFirst()
                Self.apply(next.kind, to: &s.universe, timeScale: configuration.timeScale)
            }
            var fault: Fault?
            var limit: (allowed: Bool, remaining: Int, retryAfter: Int)?
            if authenticated && !request.path.hasPrefix("/_sim/") {
                fault = s.faults.draw(method: request.method, path: request.path, fields: fieldsText, rng: &s.faultRNG)
                limit = s.bucket?.take(now: now)
            }
            return (s.universe, fault, limit, s.requestCount, s.paginatedChangelog, s.baseURL)
        }

        var response: SimResponse
        var appliedFault = fault
        if forbidden {
            response = .errors(403, ["You do not have the permission to see the specified issue."])
            appliedFault = nil
        } else if !authenticated {
            response = .errors(401, ["You are not authenticated. Authentication required to perform this operation."])
            response.headers.append(
                ("X-Seraph-LoginReason", bearer == nil ? "AUTHENTICATION_DENIED" : "AUTHENTICATED_FAILED"))
            response.headers.append(("WWW-Authenticate", "OAuth realm=\"\(baseURL)\""))
            appliedFault = nil
        } else if request.path.hasPrefix("/_sim/") {
            response = SimulatorIntrospection.respond(
                request, universe: universe, log: state.withLock { $0.log },
                context: .init(
                    stats: stats, cost: configuration.scenario.cost, cores: configuration.serverCores,
                    backgroundLoad: configuration.backgroundLoad, timeScale: configuration.timeScale))
        } else if let limit, !limit.allowed {
            response = Self.rateLimitedResponse(retryAfter: .seconds(limit.retryAfter))
            appendRateHeaders(&response, remaining: 0)
            appliedFault = .rateLimited(.seconds(limit.retryAfter))
        } else {
            var router = SimulatorRouter(
                universe: universe, scenario: configuration.scenario, baseURL: baseURL,
                paginatedChangelog: paginated)
            router.nowMs = JiraTime.nowMs()
            router.locale = configuration.locale
            response = router.route(request)
            if let limit { appendRateHeaders(&response, remaining: limit.remaining) }
            if let fault { applyFault(fault, to: &response, baseURL: baseURL) }
        }
        var jql: String?
        if request.path.hasSuffix("/search") {
            jql =
                request.method == "POST"
                ? (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["jql"] as? String
                : request.first("jql")
        }
        let record = SimRequestRecord(
            sequence: sequence, method: request.method, path: request.path, jql: jql, fields: fieldsText,
            status: response.status, bytes: response.body.count,
            delay: response.work * configuration.timeScale + response.delay,
            work: response.work, authenticated: authenticated, fault: appliedFault, receivedAt: now)
        state.withLock { s in if s.log.count < Self.logLimit { s.log.append(record) } }
        if configuration.locale != .en, response.status >= 400, response.deferred == nil,
            response.headers.contains(where: { $0.0 == "Content-Type" && $0.1.hasPrefix("application/json") })
        {
            response.body = configuration.locale.translateEnvelope(response.body)
        }
        await capacity.process(response.work, operation: response.operation)
        return response
    }

    /// What the outage makes of this request, or nil outside it. Starts it on the scheduled request.
    private func outageResponse(_ outage: OutageSchedule) -> SimResponse? {
        let now = Self.monotonic()
        let (begins, inside) = state.withLock { s -> (Bool, Bool) in
            if let until = s.outageUntil { return (false, now < until) }
            guard s.requestCount + 1 >= outage.afterRequests else { return (false, false) }
            s.outageUntil = now + outage.seconds * configuration.timeScale
            return (true, true)
        }
        guard inside else { return nil }
        switch outage.mode {
        case .refuse:
            if begins { refuseConnections(for: outage.seconds * configuration.timeScale) }
            var response = SimResponse(status: 503, body: [])
            response.delivery = .closeBeforeResponse
            return response
        case .loadBalancer503:
            return .html(
                503,
                "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>"
            )
        }
    }

    private func appendRateHeaders(_ response: inout SimResponse, remaining: Int) {
        guard let limit = configuration.scenario.rateLimit else { return }
        response.headers.append(("X-RateLimit-Limit", String(limit.capacity)))
        response.headers.append(("X-RateLimit-Remaining", String(remaining)))
        response.headers.append(("X-RateLimit-FillRate", String(limit.fillRate)))
        response.headers.append(("X-RateLimit-Interval-Seconds", String(Int(limit.intervalSeconds))))
    }

    static func rateLimitedResponse(retryAfter: Fault.RetryAfter?) -> SimResponse {
        var response = SimResponse.html(
            429,
            "<!doctype html><html lang=\"en\"><head><title>HTTP Status 429 – Too Many Requests</title><style type=\"text/css\">body {font-family:Tahoma,Arial,sans-serif;}</style></head><body><h1>HTTP Status 429 – Too Many Requests</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p><p><b>Description</b> The user has sent too many requests in a given amount of time (&quot;rate limiting&quot;).</p><hr class=\"line\" /><h3>Apache Tomcat/9.0.82</h3></body></html>"
        )
        if let retryAfter { response.headers.append(("Retry-After", retryAfterValue(retryAfter))) }
        return response
    }

    static func retryAfterValue(_ value: Fault.RetryAfter) -> String {
        switch value {
        case .seconds(let s): return String(s)
        case .httpDate(let s):
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            return formatter.string(from: Date().addingTimeInterval(Double(s)))
        }
    }

    private func applyFault(_ fault: Fault, to response: inout SimResponse, baseURL: String) {
        switch fault {
        case .rateLimited(let retryAfter):
            // Tomcat's limiter answers before JIRA does any work.
            let work = response.work
            response = Self.rateLimitedResponse(retryAfter: retryAfter)
            response.delay = min(work, 0.05) * configuration.timeScale
        case .status(let code, let retryAfter):
            response =
                code == 500
                ? .errors(500, ["Internal server error"])
                : .html(
                    code,
                    "<html><head><title>\(code) Service Unavailable</title></head><body><center><h1>\(code) Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>"
                )
            if let retryAfter { response.headers.append(("Retry-After", Self.retryAfterValue(retryAfter))) }
            response.delay = 0.01 * configuration.timeScale
        case .closeBeforeResponse:
            response.delivery = .closeBeforeResponse
        case .truncatedBody(let fraction):
            response.delivery = .truncated(fraction: fraction)
        case .htmlLogin:
            response = .html(
                200,
                "<!DOCTYPE html><html><head><title>Log in - Company SSO</title></head><body><form action=\"/login\" method=\"post\"><input name=\"os_username\"/><input type=\"password\" name=\"os_password\"/></form></body></html>"
            )
        case .redirect(let location):
            response = .html(302, "<html><body>Moved</body></html>")
            response.headers.append(("Location", location))
        case .jsonArray:
            response = .json(200, Array("[{\"message\":\"not an object\"}]".utf8))
        case .jsonString:
            response = .json(200, Array("\"JIRA is in maintenance mode\"".utf8))
        case .delay(let seconds):
            response.delay += seconds * configuration.timeScale
        case .slowBody(let seconds):
            response.delivery = .bodyAfter(seconds: seconds * configuration.timeScale)
        case .held(let number):
            response.gate = state.withLock { $0.gates.indices.contains(number) ? $0.gates[number] : nil }
        case .hostileKey:
            let body = response.body, inner = response.deferred
            response.deferred = {
                var bytes = inner?() ?? body
                if let end = Self.firstKeyValueEnd(in: bytes) { bytes.insert(contentsOf: Self.hostileSuffix, at: end) }
                return bytes
            }
        case .malformedRow:
            let body = response.body, inner = response.deferred
            response.deferred = {
                var bytes = inner?() ?? body
                if let range = Self.firstIDMember(in: bytes) { bytes.removeSubrange(range) }
                return bytes
            }
        }
    }

    /// JSON-escaped: OSC 0 (window title), then OSC 52 (clipboard, "PWNED" in base64).
    static let hostileSuffix = Array(#"\u001b]0;PWNED-KEY\u0007\u001b]52;c;UFdORUQ=\u0007"#.utf8)

    /// Where the first issue's `"key":"…"` value ends (its closing quote) in a search page.
    static func firstKeyValueEnd(in body: [UInt8]) -> Int? {
        let marker = Array("\"issues\":[{".utf8)
        guard let start = body.firstRange(of: marker)?.upperBound else { return nil }
        let keyKey = Array("\"key\":\"".utf8)
        guard let keyStart = body[start...].firstRange(of: keyKey)?.upperBound else { return nil }
        return body[keyStart...].firstIndex(of: UInt8(ascii: "\""))
    }

    /// The byte range of the first issue's `"id":"…",` member in a search page.
    static func firstIDMember(in body: [UInt8]) -> Range<Int>? {
        let marker = Array("\"issues\":[{".utf8)
        guard let start = body.firstRange(of: marker)?.upperBound else { return nil }
        let idKey = Array("\"id\":\"".utf8)
        guard let idStart = body[start...].firstRange(of: idKey)?.lowerBound,
            let close = body[(idStart + idKey.count)...].firstIndex(of: UInt8(ascii: "\""))
        else { return nil }
        return idStart..<(close + 2)
    }
}
