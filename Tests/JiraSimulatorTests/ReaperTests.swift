import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The watchdog that cleans up after a test process that dies: here it watches a stand-in
/// process (a `sleep`), which the test kills as a crash would end a test run.
@Suite(.timeLimit(.minutes(2))) struct ReaperTests {
    @Test func whenTheWatchedProcessDiesItsProcessesAreKilledAndItsFolderRemoved() async throws {
        let folder = Reaper.scratchPath("jr-reaper-test")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let standIn = try Self.spawn(["/bin/sleep", "600"])
        let child = try Self.spawn(["/bin/sleep", "601"])  // what the dead "test" had started
        defer {
            kill(standIn, SIGKILL); kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(standIn, &status, 0); waitpid(child, &status, 0)
        }
        let marker = folder + ".ran"
        defer { unlink(marker) }
        try Data("kill -KILL \(child)\ntouch \(Reaper.quoted(marker))\n".utf8).write(
            to: URL(fileURLWithPath: folder + "/a.reap"))
        #expect(FileManager.default.createFile(atPath: folder + "/scratch-file", contents: Data("x".utf8)))
        #expect(Reaper.watch(standIn, cleaning: folder))
        // Alive: nothing is cleaned.
        #expect(kill(child, 0) == 0)
        #expect(FileManager.default.fileExists(atPath: folder + "/a.reap"))
        // The stand-in dies (and is reaped, as the parent of a dead test process would).
        kill(standIn, SIGKILL)
        var status: Int32 = 0
        waitpid(standIn, &status, 0)
        try await waitUntil("the watchdog to clean up", deadline: .seconds(60)) {
            !FileManager.default.fileExists(atPath: folder)
        }
        #expect(FileManager.default.fileExists(atPath: marker), "the registered command ran")
        // The registered command killed the child: it is a zombie of ours now, or gone.
        let reaped = waitpid(child, &status, 0)
        #expect(reaped == child && (status & 0x7F) == SIGKILL)
    }

    static func spawn(_ arguments: [String]) throws -> pid_t {
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        guard posix_spawn(&pid, arguments[0], nil, nil, &argv, environ) == 0 else {
            throw CocoaError(.executableLoad)
        }
        return pid
    }
}
