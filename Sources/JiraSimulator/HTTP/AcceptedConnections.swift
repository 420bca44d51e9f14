import NIOCore
import NIOHTTP1
import Synchronization

/// The connections a listener has wrapped for async use and not yet handed to a task that
/// runs them, held so that none is ever dropped unrun.
///
/// NIO's async server bootstrap wraps each accepted channel in the child initializer, then
/// passes it through the listener's inbound stream. A wrapper that stream drops (the listener
/// closed while the connection was on its way) is deinitialised with its writer unfinished,
/// and NIO traps ("Deinited NIOAsyncWriter without calling finish()") in `channelActive`: the
/// race of swift-nio issues 2637 and 3481. Here every wrapper is held from its creation until
/// the accept loop takes it; the ones still held when the loop ends are closed through
/// `executeThenClose`, and no wrapper is created once the listener has stopped (the child
/// initializer fails instead, and NIO closes that channel).
final class AcceptedConnections: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private struct State {
        var held: [ObjectIdentifier: Connection] = [:]
        var closed = false
    }
    private let state = Mutex(State())

    struct ListenerStopped: Error {}

    /// Wraps a new connection (`make`, on its event loop) and holds it; throws without
    /// wrapping once `closeForGood` has run.
    func hold(_ make: () throws -> Connection) throws -> Connection {
        try state.withLock { s in
            guard !s.closed else { throw ListenerStopped() }
            let connection = try make()
            s.held[ObjectIdentifier(connection.channel)] = connection
            return connection
        }
    }

    /// The accept loop has the connection: it runs it from here on.
    func release(_ connection: Connection) {
        _ = state.withLock { $0.held.removeValue(forKey: ObjectIdentifier(connection.channel)) }
    }

    /// Stops holding new connections; returns those never handed over, for the caller to close.
    func closeForGood() -> [Connection] {
        state.withLock { s in
            s.closed = true
            defer { s.held.removeAll() }
            return Array(s.held.values)
        }
    }
}
