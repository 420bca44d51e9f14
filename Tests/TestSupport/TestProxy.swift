import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP forward proxy for tests, on an ephemeral loopback port: it answers `CONNECT
/// host:port` by opening a tunnel (only to loopback) and relays bytes both ways, recording
/// each CONNECT line and every byte it relayed from the client. Threads and blocking sockets:
/// it is test scaffolding, never on a measured path.
public final class TestProxy: Sendable {
    public let port: Int
    private let listener: Int32
    private let connects = Mutex<[String]>([])
    private let relayed = Mutex<[UInt8]>([])

    /// When set, a CONNECT without `Proxy-Authorization: Basic <this>` is answered 407.
    private let credentials: String?

    public var connectLines: [String] { connects.withLock { $0 } }
    public var bytesFromClient: [UInt8] { relayed.withLock { $0 } }

    /// `credentials`: `user:password` the proxy demands (nil: none).
    public init(credentials: String? = nil) throws {
        self.credentials = credentials.map { Data($0.utf8).base64EncodedString() }
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        withUnsafeMutablePointer(to: &address) {
            _ = $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        self.port = port
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting (tunnels already open end with their peers).
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func serve(_ client: Int32) {
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while head.count < 8192, head.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
            let n = read(client, &buffer, buffer.count)
            guard n > 0 else { close(client); return }
            head += buffer[..<n]
        }
        let line = String(decoding: head.prefix { $0 != 13 }, as: UTF8.self)  // up to the first CR
        connects.withLock { $0.append(line) }
        if let credentials {
            let headers = String(decoding: head, as: UTF8.self).lowercased()
            guard headers.contains("\r\nproxy-authorization: basic \(credentials.lowercased())\r\n") else {
                _ =
                    "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n"
                    .withCString { write(client, $0, strlen($0)) }
                close(client)
                return
            }
        }
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[0] == "CONNECT", let colon = parts[1].lastIndex(of: ":"),
            parts[1][..<colon] == "127.0.0.1", let port = UInt16(parts[1][parts[1].index(after: colon)...])
        else {
            _ = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".withCString { write(client, $0, strlen($0)) }
            close(client)
            return
        }
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            _ = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".withCString { write(client, $0, strlen($0)) }
            close(client); close(upstream)
            return
        }
        _ = "HTTP/1.1 200 Connection established\r\n\r\n".withCString { write(client, $0, strlen($0)) }
        if let end = head.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound, end < head.count {
            let rest = Array(head[end...])
            relayed.withLock { $0 += rest }
            _ = rest.withUnsafeBytes { write(upstream, $0.baseAddress, $0.count) }
        }
        let back = DispatchSemaphore(value: 0)
        Thread { [self] in
            pump(from: upstream, to: client, record: false)
            back.signal()
        }.start()
        pump(from: client, to: upstream, record: true)
        back.wait()
        close(client)
        close(upstream)
    }

    private func pump(from source: Int32, to target: Int32, record: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(source, &buffer, buffer.count)
            guard n > 0 else { break }
            if record { relayed.withLock { $0 += buffer[..<n] } }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(target, $0.baseAddress! + offset, n - offset) }
                guard w > 0 else { break }
                offset += w
            }
        }
        // Half-close: the other direction ends when its peer does; `serve` closes both.
        shutdown(target, Int32(SHUT_WR))
        shutdown(source, Int32(SHUT_RD))
    }
}
