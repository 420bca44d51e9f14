import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The simulator's HTTP/1.1 listener on SwiftNIO: reads each request whole, asks the handler for
/// a response, waits the response's delay before the head (as JIRA's serializer does), then
/// delivers it completely, cut short, or not at all. Public as a small HTTP listener: the
/// command line serves `--metrics` with it, and tests serve hand-written hostile servers.
public final class SimulatorServer: Sendable {
    public typealias Handler = @Sendable (SimRequest) async -> SimResponse
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// The bound port (the one asked for, or the one the system picked for 0).
    public let port: Int
    private let listener: any Channel
    private let task: Task<Void, Never>

    private init(port: Int, listener: any Channel, task: Task<Void, Never>) {
        self.port = port
        self.listener = listener
        self.task = task
    }

    static let maxRequestBody = 8 << 20

    public static func start(
        host: String, port: Int, tls: Bool, onAbandoned: @escaping @Sendable (SimResponse) -> Void = { _ in },
        handler: @escaping Handler
    ) async throws -> SimulatorServer {
        let sslContext: NIOSSLContext? = tls ? try makeTLSContext() : nil
        let accepted = AcceptedConnections()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try accepted.hold { try Connection(wrappingChannelSynchronously: channel) }
                }
            }
        let boundPort = server.channel.localAddress?.port ?? port
        let listener = server.channel
        let task = Task {
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            accepted.release(connection)
                            group.addTask { await serve(connection, onAbandoned: onAbandoned, handler: handler) }
                        }
                    }
                } catch {
                    // The listener closed (stop) or failed; connections end with the group.
                }
                group.cancelAll()
            }
            // Accepted but never delivered by the listener's stream: closed here, not dropped.
            for connection in accepted.closeForGood() {
                try? await connection.executeThenClose { _, _ in }
            }
        }
        return SimulatorServer(port: boundPort, listener: listener, task: task)
    }

    /// Closes the listener, lets the accept loop drain, ends every connection, and closes the
    /// ones the listener accepted but had not handed over yet. Safe at any moment of a
    /// connection's arrival: see `AcceptedConnections`.
    public func stop() async {
        try? await listener.close()
        await task.value
    }

    private static func makeTLSContext() throws -> NIOSSLContext {
        let certificate = try NIOSSLCertificate(bytes: Array(SimulatorCertificate.certificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(SimulatorCertificate.privateKeyPEM.utf8), format: .pem)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        return try NIOSSLContext(configuration: configuration)
    }

    private static func serve(
        _ connection: Connection, onAbandoned: @Sendable (SimResponse) -> Void, handler: Handler
    ) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let h):
                        head = h
                        body.removeAll(keepingCapacity: true)
                    case .body(let buffer):
                        if body.count + buffer.readableBytes > maxRequestBody { return }
                        body.append(contentsOf: buffer.readableBytesView)
                    case .end:
                        guard let h = head else { return }
                        let request = SimRequest(
                            method: h.method.rawValue, uri: h.uri,
                            authorization: h.headers.first(name: "Authorization"), body: body)
                        var response = await handler(request)
                        // The server is stopping (the handler's work returns early then): answer nothing.
                        try Task.checkCancellation()
                        if response.delay > 0 {
                            try await Task.sleep(nanoseconds: UInt64(response.delay * 1e9))
                        }
                        if let gate = response.gate { await gate.wait() }
                        if response.deferred != nil {
                            // Serialize only for a client still waiting (the work was spent in the
                            // handler, through the capacity model; the bytes are made after it).
                            guard connection.channel.isActive else {
                                onAbandoned(response)
                                return
                            }
                            response.body = response.materialized()
                            response.deferred = nil
                        }
                        // After a complete response the client closes (it asked to, or it reuses
                        // the connection): closing here would drop bytes NIO has not sent yet.
                        guard try await write(response, to: outbound, keepAlive: h.isKeepAlive) else { return }
                    }
                }
            }
        } catch {
            // The peer went away or the server is stopping: nothing to answer.
        }
    }

    /// Writes a response; returns false when the connection must close afterwards.
    private static func write(
        _ response: SimResponse, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, keepAlive: Bool
    ) async throws -> Bool {
        if response.delivery == .closeBeforeResponse { return false }
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        headers.replaceOrAdd(name: "X-AREQUESTID", value: "sim")
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        try await outbound.write(.head(head))
        if case .truncated(let fraction) = response.delivery {
            let buffer = ByteBuffer(bytes: response.body.prefix(max(1, Int(Double(response.body.count) * fraction))))
            try await outbound.write(.body(.byteBuffer(buffer)))
            return false
        }
        if case .bodyAfter(let seconds) = response.delivery {
            try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
        }
        if !response.body.isEmpty {
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
        }
        try await outbound.write(.end(nil))
        return true
    }
}
