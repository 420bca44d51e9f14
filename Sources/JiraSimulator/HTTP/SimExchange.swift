/// One request as the router sees it: method, decoded path, query parameters, token, body.
public struct SimRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: [String]]
    /// The whole `Authorization` header, or nil.
    public var authorization: String?
    public var body: [UInt8]

    public init(method: String, uri: String, authorization: String?, body: [UInt8]) {
        self.method = method
        self.authorization = authorization
        self.body = body
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = Self.percentDecode(String(parts[0]), plusIsSpace: false)
        var query: [String: [String]] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = Self.percentDecode(String(kv[0]), plusIsSpace: true)
                let value = kv.count == 2 ? Self.percentDecode(String(kv[1]), plusIsSpace: true) : ""
                query[key, default: []].append(value)
            }
        }
        self.query = query
    }

    public func first(_ name: String) -> String? { query[name]?.first }

    static func percentDecode(_ s: String, plusIsSpace: Bool) -> String {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2,
                let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16)
            {
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else if plusIsSpace && b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What the server sends back, and how.
public struct SimResponse: Sendable {
    public enum Delivery: Sendable, Equatable {
        case complete
        /// Close the connection without a response.
        case closeBeforeResponse
        /// Send the head (with the full Content-Length) and this share of the body, then close.
        case truncated(fraction: Double)
        /// Send the head, then the body after this many real seconds.
        case bodyAfter(seconds: Double)
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Real seconds to wait before the head (already multiplied by the time scale), on top of the
    /// work: a fault's pause, which costs the server nothing.
    public var delay: Double = 0
    /// Server work before the head, simulated seconds of one core (time scale 1): spent through
    /// the capacity model, which shares the node's cores among the requests in service.
    public var work: Double = 0
    /// What the request was, for the server's accounting.
    public var operation: ServerStats.Operation = .other
    public var delivery: Delivery = .complete
    /// Produces the body after the delay, as JIRA serializes while the client waits; a client
    /// that has gone by then costs nothing. Nil when `body` is already final.
    public var deferred: (@Sendable () -> [UInt8])?
    /// When set, the head waits (after `delay`) until this gate opens.
    var gate: SimGate?

    /// The body, rendering it now if it was deferred.
    public func materialized() -> [UInt8] { deferred?() ?? body }

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(_ status: Int, _ body: [UInt8]) -> SimResponse {
        SimResponse(status: status, headers: [("Content-Type", "application/json;charset=UTF-8")], body: body)
    }

    static func errors(_ status: Int, _ messages: [String], warnings: [String] = []) -> SimResponse {
        var json = JSONBuilder()
        json.beginObject()
        json.array("errorMessages")
        for m in messages { json.string(m) }
        json.endArray()
        json.object("errors")
        json.endObject()
        if !warnings.isEmpty {
            json.array("warningMessages")
            for w in warnings { json.string(w) }
            json.endArray()
        }
        json.endObject()
        return .json(status, json.bytes)
    }

    static func html(_ status: Int, _ text: String) -> SimResponse {
        SimResponse(status: status, headers: [("Content-Type", "text/html;charset=UTF-8")], body: Array(text.utf8))
    }
}

/// One request the server answered, for tests and for `/_sim/requests`.
public struct SimRequestRecord: Sendable {
    public var sequence: Int
    public var method: String
    public var path: String
    /// The JQL of a search, if any.
    public var jql: String?
    /// The `fields` the request asked for, joined with commas.
    public var fields: String
    public var status: Int
    public var bytes: Int
    /// Real seconds the server would wait before the head on an idle node (work and fault delays).
    public var delay: Double
    /// Server work the request cost, simulated seconds of one core.
    public var work: Double = 0
    /// Whether the request carried `Authorization: Bearer` with the right token.
    public var authenticated: Bool
    public var fault: Fault?
    /// Monotonic seconds when the request was read.
    public var receivedAt: Double
}
