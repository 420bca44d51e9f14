import Foundation
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// Runs a helper program (tmux, pgrep) so that it can neither hang a test nor be hung by one.
///
/// Foundation's `Process` lets a child inherit every descriptor the test process has open that
/// is not close-on-exec: its own exit-watching socket and the pipes of other tests' binaries.
/// A child that daemonizes (the first `tmux` command starts tmux's server) keeps them open for
/// as long as it lives, so `waitUntilExit` and reads to end of file never return. Here the child
/// gets only stdin (`/dev/null`), stdout (a temporary file) and stderr (`/dev/null`); every
/// other descriptor is closed in it, and it starts with no signal blocked. Exit is polled with
/// `waitpid` between sleeps, so no pool thread is held.
enum Spawn {
    struct Outcome: Sendable {
        /// The exit status, or nil when the program was killed at the deadline.
        var status: Int32?
        var output: String
    }

    /// Runs `arguments` (looked up on `PATH`), waits at most `deadline`, and returns what it
    /// printed on stdout. A program still running at the deadline is killed with SIGKILL.
    static func run(_ arguments: [String], deadline: Duration = .seconds(30)) async -> Outcome {
        let outputPath = Reaper.scratchPath("jr-spawn")
        defer { unlink(outputPath) }
        let pid = CleanSpawn.start(arguments, stdout: outputPath)
        guard let pid else { return Outcome(status: nil, output: "") }

        let start = ContinuousClock.now
        var status: Int32 = 0
        var exited = false
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { exited = true; break }
            if r < 0 { break }
            if ContinuousClock.now - start > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let output = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        // WIFEXITED / WEXITSTATUS, which Swift does not import as functions.
        let code: Int32? = exited && (status & 0x7F) == 0 ? (status >> 8) & 0xFF : nil
        return Outcome(status: code, output: output)
    }
}
