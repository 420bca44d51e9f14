import AsyncHTTPClient
import Foundation

/// An HTTP proxy between the client and JIRA. Every request goes through a `CONNECT` tunnel
/// (async-http-client does so for HTTP and HTTPS alike), so with HTTPS the proxy sees only the
/// host and port, never the token.
public struct ProxySettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// `user:password` from the proxy URL, sent as `Proxy-Authorization: Basic` to the proxy only.
    var credentials: String?

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `http://[user:password@]host[:port]` (port 80 by default, 3128 is not assumed);
    /// nil when it is not an http URL with a host.
    public init?(url text: String) {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let url = URL(string: withScheme), url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty,
            url.path.isEmpty || url.path == "/", url.query == nil
        else { return nil }
        self.host = host
        port = url.port ?? 80
        guard (1...65535).contains(port) else { return nil }
        if let user = url.user {
            credentials = "\(user.removingPercentEncoding ?? user):\(url.password?.removingPercentEncoding ?? "")"
        }
    }

    var authorization: HTTPClient.Authorization? {
        guard let credentials, let colon = credentials.firstIndex(of: ":") else { return nil }
        return .basic(
            username: String(credentials[..<colon]), password: String(credentials[credentials.index(after: colon)...]))
    }

    /// The proxy curl and Python requests would use for `baseURL`: `HTTPS_PROXY` (for https)
    /// or `HTTP_PROXY` (for http), lower case winning over upper case, unless `NO_PROXY` names
    /// the host (`*`, a host, or a domain suffix with or without a leading dot; ports ignored).
    /// Returns nil when no proxy applies; throws a description when a variable is malformed.
    public static func fromEnvironment(
        _ environment: [String: String], for baseURL: String
    ) -> Result<ProxySettings?, ProxyVariableError> {
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased()
        else { return .success(nil) }
        func variable(_ name: String) -> (String, String)? {
            for n in [name.lowercased(), name.uppercased()] {
                if let v = environment[n], !v.trimmingCharacters(in: .whitespaces).isEmpty { return (n, v) }
            }
            return nil
        }
        if let (_, noProxy) = variable("no_proxy"), bypasses(host: host, noProxy: noProxy) { return .success(nil) }
        guard let (name, value) = variable(scheme == "https" ? "https_proxy" : "http_proxy") else {
            return .success(nil)
        }
        guard let proxy = ProxySettings(url: value.trimmingCharacters(in: .whitespaces)) else {
            return .failure(ProxyVariableError(variable: name))
        }
        return .success(proxy)
    }

    /// Whether `NO_PROXY` (comma- or space-separated) exempts `host`.
    static func bypasses(host: String, noProxy: String) -> Bool {
        let entries = noProxy.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.lowercased() }
        for raw in entries {
            var entry = Substring(raw)
            if entry == "*" { return true }
            if let colon = entry.lastIndex(of: ":"), !entry.contains("]") || entry.hasSuffix("]") == false {
                entry = entry[..<colon]
            }
            if entry.hasPrefix("*.") { entry = entry.dropFirst(1) }
            if entry.hasPrefix(".") {
                if host.hasSuffix(entry) || host == entry.dropFirst() { return true }
            } else if host == entry || host.hasSuffix("." + entry) {
                return true
            }
        }
        return false
    }
}

/// A proxy variable of the environment that is not an http URL.
public struct ProxyVariableError: Error, Equatable {
    public var variable: String
}
