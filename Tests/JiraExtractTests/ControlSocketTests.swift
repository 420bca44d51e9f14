import Foundation
import JiraResilient
import Synchronization
import Testing
import TestSupport

@testable import JiraExtract

#if canImport(Glibc)
import Glibc
#endif

/// The control socket a running scan serves (`DIR/control.sock`), over a real Unix socket: what
/// an attaching console is told, in what order, what it may ask, and what it may never do
/// (slow the scan down, or share a directory with a second scan).
@Suite(.timeLimit(.minutes(3))) struct ControlSocketTests {
    func directory() throws -> String {
        let dir = Reaper.scratchPath("jr-ctl")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func hello(_ dir: String, version: String = ToolVersion.current) -> ControlHello {
        ControlHello(version: version, revision: ControlProtocol.revision, pid: getpid(), project: "P", directory: dir)
    }

    func record(_ key: String, complete: Bool) throws -> ManifestRecord {
        let json = """
            {"bytes":10,"changelog":0,"comments":0,"complete":\(complete),"fetchedAt":"2026-12-02T00:00:00.000Z",\
            "id":"1\(key.dropFirst(2))","key":"\(key)","links":0,"missing":\(complete ? "[]" : "[\"links\"]"),\
            "rungs":[],"tier":"full","worklogs":0}
            """
        return try JSONDecoder().decode(ManifestRecord.self, from: Data(json.utf8))
    }

    /// Leaves a socket file nobody listens on, as a scan killed with -9 does.
    func leaveStaleSocket(at path: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in Array(path.utf8).enumerated() { raw[i] = b }
        }
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        close(fd)
    }

    @Test func aConsoleGetsTheScanAsOfNowThenEveryLaterEventInOrderAndItsFetchOutcomes() async throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try await ControlServer.start(directory: dir, hello: hello(dir))
        let asked = Mutex<[ControlAction]>([])
        let done = try record("P-3", complete: true)
        server.setHandler { action, _ in
            asked.withLock { $0.append(action) }
            if case .fetch = action { return [.written(done)] }
            return []
        }
        var info = stat()
        #expect(lstat(dir + "/control.sock", &info) == 0 && info.st_mode & 0o777 == 0o600)
        // Before anyone attaches: the scan connects, plans, writes two issues (one incomplete).
        let sink = server.sink
        sink.send(.planned(total: 10, mode: .full, window: nil))
        sink.send(.written(try record("P-1", complete: true)))
        sink.send(.written(try record("P-2", complete: false)))
        let seen = try await ControlClient.attach(directory: dir, version: ToolVersion.current) {
            connection, messages -> [String] in
            #expect(connection.hello.pid == getpid() && connection.hello.project == "P")
            guard case .snapshot(let snapshot)? = try await messages.next() else {
                Issue.record("the second message is not the snapshot")
                return []
            }
            #expect(snapshot.progress.written == 2 && snapshot.progress.total == 10)
            #expect(snapshot.incomplete.map(\.key) == ["P-2"])
            #expect(snapshot.events.count == 3)
            // Later events, then an action and its outcome, in the order they happened.
            for n in 4...6 { sink.send(.written(try self.record("P-\(n)", complete: true))) }
            try await connection.send(.setPaused(true))
            try await connection.send(.fetch(key: "P-3"))
            var keys: [String] = []
            while let message = try await messages.next() {
                switch message {
                case .event(let dated):
                    if case .written(let r) = dated.event { keys.append(r.key.description) }
                case .outcome(.written(let r), let report):
                    #expect(report)
                    keys.append("outcome \(r.key)")
                    return keys
                default: break
                }
            }
            return keys
        }
        #expect(seen == ["P-4", "P-5", "P-6", "outcome P-3"])
        #expect(asked.withLock { $0 } == [.setPaused(true), .fetch(key: "P-3")])
        await server.stop(reason: "test over")
        #expect(!FileManager.default.fileExists(atPath: dir + "/control.sock"))
    }

    @Test func severalConsolesAttachAndTheScansEndReachesEach() async throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try await ControlServer.start(directory: dir, hello: hello(dir))
        final class Count: Sendable { let value = Mutex(0) }
        let attached = Count()
        let endings = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    try await ControlClient.attach(directory: dir, version: ToolVersion.current) { _, messages in
                        attached.value.withLock { $0 += 1 }
                        while let message = try await messages.next() {
                            if case .closing(let reason) = message { return reason }
                        }
                        return "closed without a reason"
                    }
                }
            }
            try await waitUntil("three consoles attached", deadline: .seconds(60)) {
                attached.value.withLock { $0 } == 3 && server.attached == 3
            }
            await server.stop(reason: "the scan has ended: 5 issues written")
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(endings == Array(repeating: "the scan has ended: 5 issues written", count: 3))
    }

    @Test func aConsoleThatFallsBehindIsDroppedAndTheScanNeverWaitsForIt() async throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try await ControlServer.start(directory: dir, hello: hello(dir), maxQueued: 1000)
        let sink = server.sink
        let reason = try await ControlClient.attach(directory: dir, version: ToolVersion.current) {
            _, messages -> String? in
            // This console reads nothing while the scan sends far more than its socket buffers
            // and its queue hold: every send returns (a blocked send would hang this test).
            let record = try self.record("P-1", complete: true)
            for _ in 0..<200_000 { sink.send(.written(record)) }
            while let message = try await messages.next() {
                if case .closing(let reason) = message { return reason }
            }
            return nil
        }
        #expect(reason?.contains("fell more than 1000 events behind") == true)
        try await waitUntil("the dropped console is gone", deadline: .seconds(60)) { server.attached == 0 }
        await server.stop(reason: "test over")
    }

    @Test func aSecondScanIsRefusedAndAKilledScansSocketIsReplaced() async throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try await ControlServer.start(directory: dir, hello: hello(dir))
        do {
            _ = try await ControlServer.start(directory: dir, hello: hello(dir))
            Issue.record("a second scan started on a directory a scan is serving")
        } catch {
            #expect(error.code == .invalidInput && error.hint == .attachToRunningScan(directory: dir))
        }
        await first.stop(reason: "test over")
        // kill -9 leaves the socket behind: the next scan replaces it; a console is told.
        leaveStaleSocket(at: dir + "/control.sock")
        do {
            try await ControlClient.attach(directory: dir, version: ToolVersion.current) { _, _ in }
            Issue.record("attached to a dead scan's socket")
        } catch {
            #expect(error.code == .invalidInput && error.description.contains("left by a scan that ended"))
        }
        let next = try await ControlServer.start(directory: dir, hello: hello(dir))
        try await ControlClient.attach(directory: dir, version: ToolVersion.current) { connection, _ in
            #expect(connection.hello.pid == getpid())
        }
        await next.stop(reason: "test over")
    }

    @Test func attachingWhereNoScanOfThisVersionRunsIsOneClearRefusal() async throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func refusal(_ directory: String) async -> JiraError? {
            do {
                try await ControlClient.attach(directory: directory, version: ToolVersion.current) { _, _ in }
                return nil
            } catch { return error }
        }
        #expect(await refusal(dir)?.description.contains("no scan is running on \(dir)") == true)
        #expect(await refusal(dir + "/missing")?.description.contains("does not exist") == true)
        // Another build's scan: its messages may differ, so this console does not guess.
        let other = try await ControlServer.start(directory: dir, hello: hello(dir, version: "0.9.0"))
        let error = await refusal(dir)
        #expect(error?.code == .invalidInput)
        #expect(error?.description.contains("runs jira-resilient 0.9.0; this is \(ToolVersion.current)") == true)
        await other.stop(reason: "test over")
        // Another user's socket (only root can make one here).
        if geteuid() == 0 {
            let theirs = try await ControlServer.start(directory: dir, hello: hello(dir))
            chown(dir + "/control.sock", 65534, 65534)
            #expect(await refusal(dir)?.description.contains("belongs to another user (uid 65534)") == true)
            chown(dir + "/control.sock", 0, 0)
            await theirs.stop(reason: "test over")
        }
    }

    @Test func aLongDirectoryPathStillGetsItsSocket() async throws {
        let base = try directory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        // Longer than a Unix socket address holds (107 bytes).
        let dir = base + "/" + String(repeating: "d", count: 60) + "/" + String(repeating: "e", count: 60)
        let server = try await ControlServer.start(directory: dir, hello: hello(dir))
        #expect(FileManager.default.fileExists(atPath: dir + "/control.sock"))
        try await ControlClient.attach(directory: dir, version: ToolVersion.current) { connection, _ in
            #expect(connection.hello.directory == dir)
        }
        await server.stop(reason: "test over")
        #expect(!FileManager.default.fileExists(atPath: dir + "/control.sock"))
    }
}

extension ControlSocketTests {
    /// Attaching between passes of a follow: the counts are the last pass's, not every pass's.
    @Test func aSnapshotBetweenPassesCountsTheLastPassOnly() async throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try await ControlServer.start(directory: dir, hello: hello(dir))
        let sink = server.sink
        sink.send(.phase(.connecting))
        sink.send(.planned(total: 3, mode: .full, window: nil))
        for n in 1...3 { sink.send(.written(try record("P-\(n)", complete: true))) }
        sink.send(.phase(.done))
        sink.send(.nextPass(number: 2, inSeconds: 60))
        sink.send(.phase(.connecting))
        sink.send(.continuing(since: "2026-12-02T10:00:00Z", lastFullScan: nil))
        sink.send(.written(try record("P-2", complete: false)))
        sink.send(.phase(.done))
        let progress = try await ControlClient.attach(directory: dir, version: ToolVersion.current) {
            _, messages -> ScanProgress? in
            guard case .snapshot(let snapshot)? = try await messages.next() else { return nil }
            return snapshot.progress
        }
        #expect(progress?.mode == .delta && progress?.written == 1 && progress?.incomplete == 1)
        await server.stop(reason: "test over")
    }
}

/// What the progress line and the console count when a run resumes an interrupted pass.
@Suite struct ScanProgressTests {
    @Test func aResumedPassCountsWhatEarlierRunsWrote() throws {
        var p = ScanProgress()
        p.apply(.planned(total: 100, mode: .full, window: nil))
        p.apply(.resumedPass(written: 60, pending: 40))
        let record = try ControlSocketTests().record("P-61", complete: true)
        p.apply(.written(record))
        #expect(p.written == 1 && p.done == 61 && p.fraction == 0.61)
        var summary = ScanSummary(project: "P", mode: .full)
        summary.total = 100
        summary.written = 100
        p.apply(.finished(summary))
        #expect(p.done == 100 && p.fraction == 1)
        // It crosses the control socket with the rest.
        let copy = try JSONDecoder().decode(ScanProgress.self, from: JSONEncoder().encode(p))
        #expect(copy.done == 100 && copy.earlier == 0)
    }
}

/// The control socket's listener, started and stopped while connections keep arriving: a
/// connection accepted as it stops must be closed, never dropped unrun (NIO traps on that).
@Suite(.timeLimit(.minutes(10))) struct ControlListenerShutdownStressTests {
    @Test func theControlSocketSurvivesConnectionsDuringItsStops() async throws {
        let dir = Reaper.scratchPath("jr-ctl-stress")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let hammer = ConnectionHammer()
        hammer.start(threads: 2)
        defer { hammer.stop() }
        let address = ConnectionHammer.Address.unix(path: dir + "/" + ControlProtocol.socketName)
        hammer.target(address)
        for _ in 1...300 {
            let hello = ControlHello(
                version: ToolVersion.current, revision: ControlProtocol.revision, pid: getpid(), project: "P",
                directory: dir)
            let server = try await ControlServer.start(directory: dir, hello: hello)
            let before = hammer.connections(to: address)
            hammer.burst(4)
            await hammer.waitForConnections(to: address, count: before + 1)
            await server.stop(reason: "stress", grace: 0)
        }
        #expect(hammer.connected >= 300)
    }
}
