import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Why an exchange ended without a response, classified by the error's type (NIO,
/// NIOSSL, AsyncHTTPClient), never by its text.
public enum TransportFailure: Sendable, Equatable {
    /// Nothing listens on the port (ECONNREFUSED): JIRA is down or restarting.
    case refused
    /// The host name does not resolve.
    case unknownHost
    /// No route to the host, or the network is unreachable.
    case unreachable
    /// The TCP (or proxy, or TLS) handshake did not finish in time.
    case connectTimeout
    /// The connection closed or was reset before the response was complete.
    case connectionLost
    /// TLS could not be set up with the server.
    case tls(TLSProblem)
    /// The proxy refused the tunnel or answered something else.
    case proxy
    /// The proxy answered 407: it wants credentials this client did not give (or took others).
    case proxyAuthentication
    /// The body passed the configured size limit.
    case bodyTooLarge(limit: Int)
    /// Anything else, by the error's type name only.
    case other(String)

    public enum TLSProblem: Sendable, Equatable {
        /// The certificate was not accepted: not signed by a trusted CA, expired, or for another name.
        case certificateRejected
        /// The certificate is valid but names another host.
        case hostnameMismatch
        /// The handshake failed otherwise (protocol, cipher, a plain-HTTP port).
        case handshake
    }

    /// Whether the failure says JIRA cannot be reached at all (as opposed to one exchange going wrong).
    public var isUnreachable: Bool {
        switch self {
        case .refused, .unknownHost, .unreachable, .connectTimeout: true
        default: false
        }
    }

    /// One phrase for a person, naming the cause.
    public var phrase: String {
        switch self {
        case .refused: "connection refused"
        case .unknownHost: "the host name does not resolve"
        case .unreachable: "no route to the host"
        case .connectTimeout: "connecting timed out"
        case .connectionLost: "the connection closed before the response was complete"
        case .tls(.certificateRejected):
            "TLS failed: the server's certificate was not accepted (not signed by a trusted CA, or expired)"
        case .tls(.hostnameMismatch): "TLS failed: the server's certificate is for another host name"
        case .tls(.handshake): "TLS failed: the handshake did not complete (is the port serving HTTPS?)"
        case .proxy: "the HTTP proxy refused the tunnel"
        case .proxyAuthentication:
            "the HTTP proxy asks for credentials (407): put them in the proxy URL, http://USER:PASSWORD@HOST:PORT"
        case .bodyTooLarge(let limit): "the response body passed the \(ByteCount.format(limit)) limit"
        case .other(let kind): "the connection failed (\(kind))"
        }
    }

    /// Classifies an error thrown by `HTTPClient.execute` or by reading a response body.
    public static func classify(_ error: any Error) -> TransportFailure {
        switch error {
        case let e as TransportFailureError: return e.failure
        case let e as HTTPClientError: return classify(e)
        case let e as NIOConnectionError:
            if e.connectionErrors.isEmpty && (e.dnsAError != nil || e.dnsAAAAError != nil) { return .unknownHost }
            return e.connectionErrors.map { classify($0.error) }.first { $0 != .connectionLost } ?? .refused
        case let e as IOError: return classify(errno: e.errnoCode)
        case let e as ChannelError:
            switch e {
            case .connectTimeout: return .connectTimeout
            default: return .connectionLost
            }
        case let e as NIOSSLExtraError where e == .failedToValidateHostname || e == .serverHostnameImpossibleToMatch:
            return .tls(.hostnameMismatch)
        case let e as NIOSSLError:
            switch e {
            case .handshakeFailed(let inner):
                return .tls(certificateRejected(inner) ? .certificateRejected : .handshake)
            case .uncleanShutdown: return .connectionLost
            default: return .tls(.handshake)
            }
        case is HTTPParserError: return .connectionLost
        case is SocketAddressError.UnknownHost: return .unknownHost
        case let e as SocketAddressError:
            if case .unsupported = e { return .other("SocketAddressError") }
            return .unknownHost
        default: return .other(String(describing: type(of: error)))
        }
    }

    private static func classify(_ e: HTTPClientError) -> TransportFailure {
        switch e {
        case .connectTimeout, .tlsHandshakeTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
            return .connectTimeout
        case .remoteConnectionClosed, .uncleanShutdown, .bodyLengthMismatch, .readTimeout, .writeTimeout:
            return .connectionLost
        case .proxyAuthenticationRequired: return .proxyAuthentication
        case .invalidProxyResponse: return .proxy
        default: return .other("HTTPClientError")
        }
    }

    private static func classify(errno code: Int32) -> TransportFailure {
        switch code {
        case ECONNREFUSED: .refused
        case EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN: .unreachable
        case ETIMEDOUT: .connectTimeout
        default: .connectionLost
        }
    }

    /// Whether BoringSSL's error stack holds `SSL_R_CERTIFICATE_VERIFY_FAILED` (reason 125 of
    /// the SSL library, printed as `error:1000007d:…`). NIOSSL keeps the packed code private and prints it first as `Error: N`;
    /// that number (not the message, which carries a build path) is what is read here.
    private static func certificateRejected(_ error: BoringSSLError) -> Bool {
        let stack: NIOBoringSSLErrorStack
        switch error {
        case .sslError(let s), .unknownError(let s): stack = s
        default: return false
        }
        return stack.contains { entry in
            let text = entry.description
            guard text.hasPrefix("Error: ") else { return false }
            let digits = text.dropFirst(7).prefix { $0.isNumber }
            guard let code = UInt32(digits) else { return false }
            return (code >> 24) == 16 && (code & 0xFFF) == 125  // ERR_LIB_SSL, CERTIFICATE_VERIFY_FAILED
        }
    }
}

/// A failure found by this library while reading a response (such as a body over the limit).
struct TransportFailureError: Error {
    var failure: TransportFailure
}

/// Byte counts for people: `256 MiB`, `1.5 GiB`, `512 B`.
public enum ByteCount {
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        return value == value.rounded() ? "\(Int(value)) \(units[unit])" : String(format: "%.1f %@", value, units[unit])
    }

    /// Parses `268435456`, `256M`, `1.5G`, `64k` (binary units); nil when malformed or not positive.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let last = trimmed.last else { return nil }
        let multipliers: [Character: Double] = [
            "k": 1024, "K": 1024, "m": 1_048_576, "M": 1_048_576, "g": 1_073_741_824, "G": 1_073_741_824,
        ]
        let factor = multipliers[last] ?? 1
        let number = multipliers[last] == nil ? trimmed : String(trimmed.dropLast())
        guard let value = Double(number), value.isFinite, value > 0 else { return nil }
        let bytes = value * factor
        guard bytes >= 1, bytes <= Double(Int64(1) << 40) else { return nil }
        return Int(bytes)
    }
}
