import Foundation
import JiraResilient
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A console's end of a running scan's control socket (`console --attach DIR`).
public enum ControlClient {
    /// Connects to `directory/control.sock`, checks that the scan at the other end runs
    /// `version`, and runs `body` with the connection until it returns or the scan closes it.
    /// Throws `.invalidInput` with one line when no scan runs there, the socket is another
    /// user's, or the scan runs another version; `.localIO` when the connection fails otherwise.
    public static func attach<T: Sendable>(
        directory: String, version: String,
        body: @Sendable (ControlConnection, inout ControlMessages) async throws -> T
    ) async throws(JiraError) -> T {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw JiraError(.invalidInput, "\(directory) does not exist or is not a directory: no scan to attach to")
        }
        let socketPath = try ControlSocketPath(directory: directory)
        switch socketPath.presence() {
        case .absent:
            throw JiraError(
                .invalidInput, "no scan is running on \(directory): it has no \(ControlProtocol.socketName)")
        case .other:
            throw JiraError(.invalidInput, "\(socketPath.path) is not a scan's socket")
        case .unreachable(let code):
            throw JiraError(
                .invalidInput,
                "cannot reach \(socketPath.path): \(String(cString: strerror(code))) (an output directory is its owner's only)"
            )
        case .socket(let owner, _) where owner != geteuid():
            throw JiraError(
                .invalidInput, "\(socketPath.path) belongs to another user (uid \(owner)): attach as that user")
        case .socket:
            break
        }
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: socketPath.address) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(maxLength: ControlProtocol.maxLine)))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            switch socketPath.probe() {
            case .stale:
                throw JiraError(
                    .invalidInput,
                    "no scan is running on \(directory): \(ControlProtocol.socketName) was left by a scan that ended without removing it (killed?)"
                )
            case .forbidden:
                throw JiraError(.invalidInput, "\(socketPath.path) belongs to another user: attach as that user")
            default:
                throw JiraError(.localIO, "cannot connect to \(socketPath.path): \(error)")
            }
        }
        // A process that accepts but never speaks is not a scan of ours.
        let silence = channel.channel.eventLoop.scheduleTask(in: .seconds(10)) { channel.channel.close(promise: nil) }
        do {
            return try await channel.executeThenClose { inbound, _ in
                var messages = ControlMessages(inbound.makeAsyncIterator())
                guard case .hello(let hello)? = try await messages.next() else {
                    throw JiraError(.invalidInput, "\(socketPath.path) did not answer as a jira-resilient scan")
                }
                silence.cancel()
                guard hello.version == version, hello.revision == ControlProtocol.revision else {
                    throw JiraError(
                        .invalidInput,
                        "the scan on \(directory) (pid \(hello.pid)) runs jira-resilient \(hello.version); this is \(version): attach with the same version"
                    )
                }
                return try await body(
                    ControlConnection(hello: hello, channel: channel.channel), &messages)
            }
        } catch let error as JiraError {
            throw error
        } catch is DecodingError {
            throw JiraError(.invalidInput, "\(socketPath.path) did not answer as a jira-resilient scan")
        } catch {
            throw JiraError(.localIO, "the connection to the scan on \(directory) failed: \(error)")
        }
    }
}

/// The sending half of an attached console's connection.
public struct ControlConnection: Sendable {
    /// Who the scan is: its version, pid, project and directory.
    public let hello: ControlHello
    let channel: any Channel

    /// Closes the connection (detaches): the scan goes on; the messages end.
    public func close() { channel.close(promise: nil) }

    /// Sends an operator action and returns once it is in the socket (a `close()` after it
    /// loses nothing); throws when the scan has gone.
    public func send(_ action: ControlAction) async throws {
        var buffer = ByteBuffer(
            bytes: try JSONEncoder().encode(ControlClientMessage.action(action, console: getpid())))
        buffer.writeInteger(UInt8(ascii: "\n"))
        try await channel.writeAndFlush(buffer).get()
    }
}

/// The scan's messages, decoded as they arrive; nil at the end of the connection.
public struct ControlMessages {
    private var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let decoder = JSONDecoder()

    init(_ lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.lines = lines }

    /// The next message; throws `DecodingError` for a line that is not one.
    public mutating func next() async throws -> ControlServerMessage? {
        guard let line = try await lines.next() else { return nil }
        return try decoder.decode(ControlServerMessage.self, from: Data(line.readableBytesView))
    }
}
