import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Threads that connect to the address they are told when told, for stress tests of a
/// listener's shutdown: `burst(n)` lets n connections go, each made as fast as the threads can,
/// and every other one sends an HTTP request line and closes without reading. Between bursts
/// the threads sleep, so they take no CPU from the listener under test on a loaded machine.
/// Plain sockets on threads of their own, not NIO: the connecting side must share neither the
/// listener's event loops nor the concurrency pool.
public final class ConnectionHammer: Sendable {
    /// Where to connect: a loopback TCP port or a Unix socket's path.
    public enum Address: Hashable, Sendable {
        case tcp(port: Int)
        case unix(path: String)
    }

    private struct State {
        var address: Address?
        var stopped = false
        var perAddress: [Address: Int] = [:]
        var connected = 0
        /// Connections still to make in the current burst.
        var budget = 0
    }
    private let state = Mutex(State())
    /// Wakes the threads when a burst starts or the hammer stops.
    private let wake = NSCondition()
    /// Threads still running.
    private let running = Mutex(0)

    public init() {}

    /// Connections made so far, to any address.
    public var connected: Int { state.withLock { $0.connected } }

    public func target(_ address: Address) { state.withLock { $0.address = address } }

    /// Lets `count` more connections go to the current address.
    public func burst(_ count: Int) {
        state.withLock { $0.budget += count }
        wake.lock()
        wake.broadcast()
        wake.unlock()
    }

    /// Starts `count` connecting threads; `stop` ends them.
    public func start(threads count: Int) {
        running.withLock { $0 += count }
        for index in 0..<count {
            Thread { [self] in
                run(sendRequest: index % 2 == 0)
                running.withLock { $0 -= 1 }
            }.start()
        }
    }

    /// Connections made to `address` so far.
    public func connections(to address: Address) -> Int { state.withLock { $0.perAddress[address, default: 0] } }

    /// Returns once `count` connections to `address` have been made (its listener accepts).
    public func waitForConnections(to address: Address, count: Int) async {
        while state.withLock({ $0.perAddress[address, default: 0] }) < count {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Ends the threads and waits for them.
    public func stop() {
        state.withLock { $0.stopped = true }
        wake.lock()
        wake.broadcast()
        wake.unlock()
        while running.withLock({ $0 }) > 0 { usleep(1_000) }
    }

    private func run(sendRequest: Bool) {
        var toggle = sendRequest
        while true {
            // Take one connection of the burst, or sleep until there is one (or the end).
            var next: Address?
            wake.lock()
            while true {
                let (stopped, taken) = state.withLock { s -> (Bool, Address?) in
                    guard !s.stopped, s.budget > 0, let address = s.address else { return (s.stopped, nil) }
                    s.budget -= 1
                    return (false, address)
                }
                if stopped {
                    wake.unlock()
                    return
                }
                if let taken {
                    next = taken
                    break
                }
                _ = wake.wait(until: Date().addingTimeInterval(0.1))
            }
            wake.unlock()
            guard let address = next else { continue }
            let fd: Int32
            let result: Int32
            switch address {
            case .tcp(let port):
                fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                guard fd >= 0 else { continue }
                var a = sockaddr_in()
                a.sin_family = sa_family_t(AF_INET)
                a.sin_port = UInt16(port).bigEndian
                a.sin_addr.s_addr = inet_addr("127.0.0.1")
                result = withUnsafePointer(to: &a) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            case .unix(let path):
                fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                guard fd >= 0 else { continue }
                var a = sockaddr_un()
                a.sun_family = sa_family_t(AF_UNIX)
                withUnsafeMutableBytes(of: &a.sun_path) { raw in
                    for (i, b) in Array(path.utf8.prefix(raw.count - 1)).enumerated() { raw[i] = b }
                }
                result = withUnsafePointer(to: &a) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            if result == 0 {
                if toggle {
                    let request = "GET /rest/api/2/serverInfo HTTP/1.1\r\nHost: x\r\n\r\n"
                    _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                }
                toggle.toggle()
                state.withLock {
                    $0.connected += 1
                    $0.perAddress[address, default: 0] += 1
                }
            }
            close(fd)
        }
    }
}
