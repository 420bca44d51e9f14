import Foundation
import JiraResilient
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A running scan's control socket, `DIR/control.sock` (0600, in the 0700 output directory):
/// every attached console (`console --attach DIR`) gets a snapshot of the scan, then its events
/// live, and may send operator actions, which `handler` performs.
///
/// The scan never waits for a console: `sink` only appends to each console's queue. A console
/// that falls `maxQueued` events behind is told so and disconnected (it may attach again); a
/// console that dies is dropped. Encoding happens on each console's own task.
public final class ControlServer: Sendable {
    /// Performs an operator's action from the console in process `console`; returns the
    /// outcome of each issue a fetch covered.
    public typealias Handler = @Sendable (_ action: ControlAction, _ console: Int32) async -> [OperatorOutcome]

    /// Events kept for a console attaching later (beside those that set the scan's state).
    static let recentEvents = 2000
    /// Events a console may fall behind before it is disconnected.
    private let maxQueued: Int

    /// What a console's writer sends next: events already encoded (one line each), or a
    /// message of its own.
    private enum Outgoing {
        case lines(ByteBuffer, events: Int)
        case message(ControlServerMessage)
    }

    private enum Pending {
        case event(Int, DatedEvent)
        case to(Int, ControlServerMessage)
    }

    private struct Attacher {
        var queue: [Outgoing] = []
        /// Events in `queue`.
        var queuedEvents = 0
        var wake: AsyncStream<Void>.Continuation
        /// Set when the console must be told this and closed, after what is queued.
        var closing: String?
        /// The last event its snapshot holds: later ones only are sent to it.
        var after: Int
    }

    private struct State {
        var sequence = 0
        /// The latest event of each kind that sets the console's state, with its sequence number.
        var sticky: [String: (Int, DatedEvent)] = [:]
        var recent: [(Int, DatedEvent)] = []
        var recentStart = 0
        var progress = ScanProgress()
        var inFlight: [Int: DatedEvent] = [:]
        var incomplete: [String: ManifestRecord] = [:]
        var attachers: [Int: Attacher] = [:]
        var nextAttacher = 0
        /// Events for the consoles, not yet encoded (only while any is attached), and messages
        /// to one console in their place among them (a fetch's outcome follows the events
        /// that wrote its issue).
        var pending: [Pending] = []
        var ended: String?
        var handler: Handler?
    }

    private let state = Mutex(State())
    private let hello: ControlHello
    private let socketPath: ControlSocketPath
    private let inode: UInt64
    private let listener: any Channel
    private let accepting: Task<Void, Never>
    private let encoding: Task<Void, Never>
    private let encoderWake: AsyncStream<Void>.Continuation
    public let path: String

    private init(
        hello: ControlHello, socketPath: ControlSocketPath, inode: UInt64, listener: any Channel,
        accepting: Task<Void, Never>, maxQueued: Int
    ) {
        self.maxQueued = maxQueued
        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        encoderWake = wake
        let box = Mutex<ControlServer?>(nil)
        encoding = Task {
            let encoder = JSONEncoder()
            for await _ in wakes {
                // Events are sent 20 times a second, in batches: a console redraws at most 10
                // times a second, and a wake-up and a write per event would cost the scan's
                // machine more in system calls than the encoding does.
                try? await Task.sleep(for: .milliseconds(50))
                guard let me = box.withLock({ $0 }) else { continue }
                me.broadcast(encoder)
            }
            // Stopping: whatever came in since the last wake.
            box.withLock { $0 }?.broadcast(encoder)
        }
        self.hello = hello
        self.socketPath = socketPath
        self.inode = inode
        self.listener = listener
        self.accepting = accepting
        path = socketPath.path
        box.withLock { $0 = self }
    }

    /// Creates `directory` (0700) if needed and serves `directory/control.sock`. A socket left
    /// there by a scan that was killed is replaced. Throws `.invalidInput` when a scan is
    /// already serving it (two scans must not write one directory) or it belongs to another
    /// user, `.localIO` when the socket cannot be created.
    public static func start(
        directory: String, hello: ControlHello, maxQueued: Int = 200_000
    ) async throws(JiraError) -> ControlServer {
        try PrivateDirectory.create(directory)
        let socketPath = try ControlSocketPath(directory: directory)
        switch socketPath.presence() {
        case .absent: break
        case .unreachable(let code):
            throw JiraError(.localIO, "cannot use \(directory): \(String(cString: strerror(code)))")
        case .other:
            throw JiraError(
                .invalidInput, "\(socketPath.path) is not a socket: move it away, then start the scan again")
        case .socket(let owner, _):
            if owner != geteuid() {
                throw JiraError(.invalidInput, "\(socketPath.path) belongs to another user (uid \(owner))")
            }
            switch socketPath.probe() {
            case .listening:
                throw JiraError(
                    .invalidInput,
                    "another scan is running on \(directory): its \(ControlProtocol.socketName) answers; two scans must not write one directory",
                    hint: .attachToRunningScan(directory: directory))
            case .stale:
                // Left by a scan that ended without removing it (killed): ours to replace.
                unlink(socketPath.address)
            case .forbidden:
                throw JiraError(.invalidInput, "\(socketPath.path) belongs to another user")
            case .failed(let code):
                throw JiraError(.localIO, "cannot check \(socketPath.path): \(String(cString: strerror(code)))")
            }
        }
        // Connections are wrapped for async use only once `serve` takes them: one accepted as
        // the server stops is then merely closed (an async wrapper dropped unused traps).
        let server: NIOAsyncChannel<any Channel, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(unixDomainSocketPath: socketPath.address) { channel in
                    channel.eventLoop.makeSucceededFuture(channel)
                }
        } catch let error as IOError {
            throw JiraError(.localIO, "cannot create \(socketPath.path): \(String(cString: strerror(error.errnoCode)))")
        } catch {
            throw JiraError(.localIO, "cannot create \(socketPath.path): \(error)")
        }
        // Owner only, whatever the umask (the directory is 0700 too).
        chmod(socketPath.address, 0o600)
        guard case .socket(_, let inode) = socketPath.presence() else {
            try? await server.channel.close()
            throw JiraError(.localIO, "\(socketPath.path) vanished as it was created")
        }
        let box = Mutex<ControlServer?>(nil)
        let started = AsyncStream<Void>.makeStream()
        let accepting = Task {
            for await _ in started.stream { break }
            guard let me = box.withLock({ $0 }) else { return }
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await channel in inbound {
                            group.addTask { await me.serve(channel) }
                        }
                    }
                } catch {
                    // The listener closed (stop) or failed; connections end with the group.
                }
                group.cancelAll()
            }
        }
        let control = ControlServer(
            hello: hello, socketPath: socketPath, inode: inode, listener: server.channel, accepting: accepting,
            maxQueued: maxQueued)
        box.withLock { $0 = control }
        started.continuation.yield()
        started.continuation.finish()
        return control
    }

    /// Sets who performs operator actions (the scan's extractor, once it exists); until then
    /// a console's fetch fails with a message saying the scan is starting.
    public func setHandler(_ handler: @escaping Handler) { state.withLock { $0.handler = handler } }

    /// The scan's events, for the consoles; never blocks.
    public var sink: ScanEventSink { ScanEventSink { [self] in receive($0) } }

    /// Consoles attached now.
    public var attached: Int { state.withLock { $0.attachers.count } }

    /// Tells every console `reason`, gives them up to `grace` seconds to receive what is
    /// queued, then closes the socket and removes it (unless another process replaced it).
    public func stop(reason: String, grace: Double = 2) async {
        // The scan's last events first (its end), then the reason.
        encoderWake.finish()
        await encoding.value
        let wakes = state.withLock { s -> [AsyncStream<Void>.Continuation] in
            s.ended = reason
            for id in s.attachers.keys { s.attachers[id]!.closing = reason }
            return s.attachers.values.map(\.wake)
        }
        for wake in wakes { wake.yield() }
        let deadline = ContinuousClock.now + .seconds(grace)
        while attached > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if case .socket(_, let current) = socketPath.presence(), current == inode { unlink(socketPath.address) }
        try? await listener.close()
        accepting.cancel()
        await accepting.value
    }

    // MARK: - Events

    /// Which state-setting kind an event is, when it is one: only its latest is kept for a
    /// console attaching later (the recent events carry the rest).
    private static func stickyKind(_ event: ScanEvent) -> String? {
        switch event {
        case .connected: "connected"
        case .planned: "planned"
        case .phase: "phase"
        case .continuing: "continuing"
        case .paused: "paused"
        case .nextPass: "nextPass"
        case .finished: "finished"
        case .recounted: "recounted"
        case .reindexDetected: "reindex"
        case .client(.outage): "outage"
        case .client(.timeZone): "timeZone"
        case .client(.backoff(let b)) where b.global: "hold"
        default: nil
        }
    }

    private func receive(_ event: ScanEvent) {
        let dated = DatedEvent(at: Date(), event: event)
        let wake = state.withLock { s -> Bool in
            s.sequence += 1
            s.progress.applyStartingPasses(event, at: dated.at)
            if let kind = Self.stickyKind(event) { s.sticky[kind] = (s.sequence, dated) }
            if s.recent.count < Self.recentEvents {
                s.recent.append((s.sequence, dated))
            } else {
                s.recent[s.recentStart] = (s.sequence, dated)
                s.recentStart = (s.recentStart + 1) % Self.recentEvents
            }
            switch event {
            case .client(.requestStarted(let info)): s.inFlight[info.id] = dated
            case .client(.requestFinished(let info, _, _, _, _)): s.inFlight[info.id] = nil
            case .written(let record):
                s.incomplete[record.key.description] = record.complete || !record.isPresent ? nil : record
            case .incompleteInDirectory(let records):
                for record in records { s.incomplete[record.key.description] = record }
            case .swept(let deleted, let movedTo):
                for key in deleted { s.incomplete[key.description] = nil }
                for key in movedTo.keys { s.incomplete[key] = nil }
            default: break
            }
            guard !s.attachers.isEmpty else { return false }
            s.pending.append(.event(s.sequence, dated))
            // Woken on the first pending event only: the encoder takes them all.
            return s.pending.count == 1
        }
        if wake { encoderWake.yield() }
    }

    /// Encodes the pending events once, one line each, and queues them for every console
    /// (from the first its snapshot does not hold), with each console's own messages in place.
    private func broadcast(_ encoder: JSONEncoder) {
        var batch: [Pending] = []
        state.withLock { swap(&batch, &$0.pending) }
        var run: [(Int, DatedEvent)] = []
        for item in batch {
            switch item {
            case .event(let sequence, let dated): run.append((sequence, dated))
            case .to(let id, let message):
                fanOut(run, encoder)
                run.removeAll()
                let wake = state.withLock { s -> AsyncStream<Void>.Continuation? in
                    guard s.attachers[id] != nil, s.attachers[id]!.closing == nil else { return nil }
                    s.attachers[id]!.queue.append(.message(message))
                    return s.attachers[id]!.wake
                }
                wake?.yield()
            }
        }
        fanOut(run, encoder)
    }

    private func fanOut(_ batch: [(Int, DatedEvent)], _ encoder: JSONEncoder) {
        guard let first = batch.first?.0 else { return }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(batch.count * 300)
        var offsets: [Int] = []
        offsets.reserveCapacity(batch.count)
        for (_, dated) in batch {
            offsets.append(buffer.writerIndex)
            guard let bytes = try? encoder.encode(ControlServerMessage.event(dated)) else { continue }
            buffer.writeBytes(bytes)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        let wakes = state.withLock { s -> [AsyncStream<Void>.Continuation] in
            var wakes: [AsyncStream<Void>.Continuation] = []
            for id in s.attachers.keys where s.attachers[id]!.closing == nil {
                let skip = max(0, min(batch.count, s.attachers[id]!.after - first + 1))
                guard skip < batch.count else { continue }
                let from = offsets[skip]
                let lines = buffer.getSlice(at: from, length: buffer.writerIndex - from)!
                let count = batch.count - skip
                s.attachers[id]!.queue.append(.lines(lines, events: count))
                s.attachers[id]!.queuedEvents += count
                if s.attachers[id]!.queuedEvents > maxQueued {
                    s.attachers[id]!.queue.removeAll()
                    s.attachers[id]!.queuedEvents = 0
                    s.attachers[id]!.closing =
                        "this console fell more than \(maxQueued) events behind the scan; attach again"
                }
                wakes.append(s.attachers[id]!.wake)
            }
            return wakes
        }
        for wake in wakes { wake.yield() }
    }

    private func snapshot(_ s: State) -> ControlSnapshot {
        let recent = Array(s.recent[s.recentStart...] + s.recent[..<s.recentStart])
        let firstRecent = recent.first?.0 ?? Int.max
        let sticky = s.sticky.values.filter { $0.0 < firstRecent }
        let events = (sticky + recent).sorted { $0.0 < $1.0 }.map(\.1)
        return ControlSnapshot(
            progress: s.progress, events: events, inFlight: s.inFlight.values.sorted { $0.at < $1.at },
            incomplete: Array(s.incomplete.values))
    }

    // MARK: - Connections

    private func serve(_ channel: any Channel) async {
        let connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            connection = try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    ByteToMessageHandler(LineFrameDecoder(maxLength: 1 << 20)))
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }.get()
        } catch {
            channel.close(promise: nil)
            return
        }
        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { s -> Int in
            let id = s.nextAttacher
            s.nextAttacher += 1
            var attacher = Attacher(wake: wake, after: s.sequence)
            attacher.queue = [.message(.hello(hello)), .message(.snapshot(snapshot(s)))]
            attacher.closing = s.ended
            s.attachers[id] = attacher
            return id
        }
        wake.yield()
        defer {
            state.withLock { _ = $0.attachers.removeValue(forKey: id) }
            wake.finish()
        }
        do {
            try await connection.executeThenClose { inbound, _ in
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask {
                        defer { connection.channel.close(promise: nil) }
                        try await self.write(id, wakes: wakes, to: connection.channel)
                    }
                    // Reads actions until the console closes its end (or the writer closes
                    // the connection); each action runs on its own, a fetch may take minutes.
                    let decoder = JSONDecoder()
                    for try await line in inbound {
                        guard
                            let message = try? decoder.decode(
                                ControlClientMessage.self, from: Data(line.readableBytesView))
                        else {
                            self.close(id, reason: "a message from this console could not be read")
                            break
                        }
                        guard case .action(let action, let console) = message else { continue }
                        group.addTask { await self.perform(action, from: console, for: id) }
                    }
                    self.close(id, reason: nil)
                }
            }
        } catch {
            // The console went away: nothing to tell it.
        }
    }

    /// Ends a connection: with a last message, or (nil) silently.
    private func close(_ id: Int, reason: String?) {
        let wake = state.withLock { s -> AsyncStream<Void>.Continuation? in
            guard s.attachers[id] != nil else { return nil }
            s.attachers[id]!.closing = reason ?? ""
            return s.attachers[id]!.wake
        }
        wake?.yield()
    }

    /// Writes each batch and waits until it is in the socket (so a console that reads nothing
    /// holds up only this task, and the last message is sent before the connection closes).
    private func write(_ id: Int, wakes: AsyncStream<Void>, to channel: any Channel) async throws {
        let encoder = JSONEncoder()
        for await _ in wakes {
            guard
                let (batch, closing) = state.withLock({ s -> ([Outgoing], String?)? in
                    guard s.attachers[id] != nil else { return nil }
                    var batch: [Outgoing] = []
                    swap(&batch, &s.attachers[id]!.queue)
                    s.attachers[id]!.queuedEvents = 0
                    return (batch, s.attachers[id]!.closing)
                })
            else { return }
            var buffer = ByteBuffer()
            for item in batch + (closing.map { $0.isEmpty ? [] : [.message(.closing(reason: $0))] } ?? []) {
                switch item {
                case .lines(var lines, _): buffer.writeBuffer(&lines)
                case .message(let message):
                    buffer.writeBytes(try encoder.encode(message))
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
            }
            if buffer.readableBytes > 0 { try await channel.writeAndFlush(buffer).get() }
            if closing != nil { return }
        }
    }

    private func perform(_ action: ControlAction, from console: Int32, for id: Int) async {
        guard let handler = state.withLock({ $0.handler }) else {
            if case .fetch(let key) = action {
                enqueue(.outcome(.failed(key: key, message: "the scan is still starting; try again"), report: true), id)
            }
            return
        }
        let report: Bool
        if case .fetch = action { report = true } else { report = false }
        for outcome in await handler(action, console) { enqueue(.outcome(outcome, report: report), id) }
    }

    /// Queues a message to one console behind the events already pending for it.
    private func enqueue(_ message: ControlServerMessage, _ id: Int) {
        let wake = state.withLock { s -> Bool in
            guard s.attachers[id] != nil, s.attachers[id]!.closing == nil else { return false }
            s.pending.append(.to(id, message))
            return s.pending.count == 1
        }
        if wake { encoderWake.yield() }
    }
}
