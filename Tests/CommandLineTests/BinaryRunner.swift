import Dispatch
import Glibc
import Foundation
import Synchronization
import Testing
import TestSupport

/// Runs the built `jira-resilient` binary and captures what it prints.
struct BinaryRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var all: String { stdout + stderr }
    }

    static var binary: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("jira-resilient").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return ".build/debug/jira-resilient"
    }

    /// Starts the binary; the caller waits or signals it.
    /// `directory`: the working directory (default: the test's).
    static func start(
        _ arguments: [String], environment: [String: String], directory: String? = nil
    ) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        // Tests not about first contact give a loaded machine a minute for it (the default 10 s
        // budget is for operators on a real network).
        let talksToJira =
            ["scan", "console", "fetch", "refetch", "probe"].contains(arguments.first ?? "")
            && !arguments.contains("--attach")
        process.arguments =
            talksToJira && !arguments.contains("--connect-timeout")
            ? arguments + ["--connect-timeout", "60"] : arguments
        var env = ProcessInfo.processInfo.environment
        env["JIRA_URL"] = nil
        env["JIRA_PAT"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        try process.run()
        let reaping = Reaper.killOnDeath(process.processIdentifier)
        tickets.withLock { $0[process.processIdentifier] = reaping }
        return (process, out, err)
    }

    /// The watchdog's tickets of the binaries running now, by pid: `finish` cancels them.
    private static let tickets = Mutex<[pid_t: Reaper.Ticket]>([:])

    /// Reads a pipe to its end on a GCD thread: a blocking read must never occupy the Swift
    /// concurrency pool, where the in-process simulator answers the binary.
    static func readAll(_ pipe: Pipe) async -> Data {
        await read(pipe) { _ in false }
    }

    /// Reads a pipe on a GCD thread until `enough` says so or the pipe ends. POSIX `read`
    /// with EINTR retried: Foundation's `FileHandle` reads trap on an interrupted system call,
    /// which a loaded machine delivers.
    static func read(_ pipe: Pipe, until enough: @escaping @Sendable (Data) -> Bool) async -> Data {
        let fd = pipe.fileHandleForReading.fileDescriptor
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var data = Data()
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while !enough(data) {
                    let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    data.append(contentsOf: buffer[0..<n])
                }
                continuation.resume(returning: data)
            }
        }
    }

    /// Waits for the binary to exit and collects its output. A binary still running after
    /// `deadline` is killed and the test records it: a hung binary fails its test, never the run.
    static func finish(_ process: Process, _ out: Pipe, _ err: Pipe, deadline: Duration = .seconds(180)) async -> Result
    {
        let pid = process.processIdentifier
        let watchdog = Task {
            try await Task.sleep(for: deadline)
            Issue.record("jira-resilient (pid \(pid)) was still running after \(deadline); killed")
            kill(pid, SIGKILL)
        }
        defer { watchdog.cancel() }
        async let stdout = readAll(out)
        async let stderr = readAll(err)
        let o = await stdout, e = await stderr
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        tickets.withLock { $0.removeValue(forKey: pid) }?.cancel()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    ) async throws -> Result {
        let (p, o, e) = try start(arguments, environment: environment, directory: directory)
        return await finish(p, o, e)
    }
}
