import Foundation

/// The token's user, as `/myself` describes it.
public struct JiraUser: Sendable, Equatable {
    public var name: ServerText
    public var displayName: ServerText
    /// IANA zone in which JIRA reads this user's JQL date literals.
    public var timeZone: String?
}

public struct ServerInfo: Sendable, Equatable {
    public var version: ServerText
    public var deploymentType: ServerText?
    /// `serverTime` as sent, e.g. `2026-05-19T07:00:00.000-0600`.
    public var serverTime: String?
    public var title: ServerText?

    /// The fixed UTC offset carried by `serverTime`, in seconds.
    public var serverOffsetSeconds: Int? {
        guard let t = serverTime, t.count >= 5 else { return nil }
        let tail = t.suffix(5)
        guard let sign = tail.first, sign == "+" || sign == "-", let hh = Int(tail.dropFirst().prefix(2)),
            let mm = Int(tail.suffix(2))
        else {
            return t.hasSuffix("Z") ? 0 : nil
        }
        return (sign == "-" ? -1 : 1) * (hh * 3600 + mm * 60)
    }
}

/// The zone JQL date literals are rendered in, and where it came from.
public struct JQLTimeZone: Sendable {
    public enum Source: String, Sendable { case user, serverOffset = "server-offset", utcFallback = "utc-fallback" }
    public var zone: TimeZone
    public var source: Source
}

/// The outcome of an authentication check; never an error.
public enum AuthenticationCheck: Sendable {
    case authenticated(JiraUser)
    case rejected(status: Int)
    case notJira(String)
    case unreachable(String)
}

extension JiraClient {
    public func myself() async throws(JiraError) -> JiraUser {
        try await getObject(
            request(
                "/rest/api/2/myself", operation: "myself", subject: .server("myself"),
                budget: min(30, configuration.timeout))
        ) { o in
            guard let name = o["name"] as? String ?? o["key"] as? String else { return nil }
            let token = self.configuration.token
            return JiraUser(
                name: ServerText(name, redacting: token, limit: 255),
                displayName: ServerText(o["displayName"] as? String ?? name, redacting: token, limit: 255),
                timeZone: o["timeZone"] as? String)
        }
    }

    public func serverInfo() async throws(JiraError) -> ServerInfo {
        try await getObject(
            request(
                "/rest/api/2/serverInfo", operation: "serverInfo", subject: .server("serverInfo"),
                budget: min(30, configuration.timeout))
        ) { o in
            guard let version = o["version"] as? String else { return nil }
            let token = self.configuration.token
            return ServerInfo(
                version: ServerText(version, redacting: token, limit: 60),
                deploymentType: (o["deploymentType"] as? String).map { ServerText($0, redacting: token, limit: 60) },
                serverTime: o["serverTime"] as? String,
                title: (o["serverTitle"] as? String).map { ServerText($0, redacting: token, limit: 255) })
        }
    }

    /// Checks the token against `/myself`. Never throws: a 401, an HTML page and a network error
    /// are each an answer.
    public func checkAuthentication() async -> AuthenticationCheck {
        do {
            return .authenticated(try await myself())
        } catch {
            switch error.code {
            case .authentication: return .rejected(status: error.status ?? 401)
            case .notJira, .redirect: return .notJira(error.description)
            default: return .unreachable(error.description)
            }
        }
    }

    /// The zone JIRA reads this token's date literals in: the user's `timeZone` (with daylight
    /// saving), else the server's `serverTime` offset, else UTC (with a warning event). Cached.
    public func jqlTimeZone() async -> JQLTimeZone {
        if let cached = cachedTimeZone.withLock({ $0 }) { return cached }
        var result: JQLTimeZone
        if let user = try? await myself(), let id = user.timeZone, let zone = TimeZone(identifier: id) {
            result = JQLTimeZone(zone: zone, source: .user)
        } else if let info = try? await serverInfo(), let offset = info.serverOffsetSeconds,
            let zone = TimeZone(secondsFromGMT: offset)
        {
            result = JQLTimeZone(zone: zone, source: .serverOffset)
        } else {
            result = JQLTimeZone(zone: TimeZone(identifier: "UTC")!, source: .utcFallback)
            events.send(
                .warning(
                    "could not learn the time zone JIRA reads dates in (no /myself timeZone, no serverTime); using UTC")
            )
        }
        events.send(.timeZone(identifier: result.zone.identifier, source: result.source.rawValue))
        cachedTimeZone.withLock { $0 = result }
        return result
    }

    /// `GET /field`: the field catalog, as JIRA sent it (a JSON array).
    public func fieldCatalog() async throws(JiraError) -> [UInt8] {
        try await getJSON(
            request("/rest/api/2/field", operation: "fields", subject: .server("field catalog")), expecting: .array)
    }
}
