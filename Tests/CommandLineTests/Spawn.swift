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

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// glibc ≥ 2.34 has it; Swift's Glibc module does not export it, so it is looked up.
    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// Runs `arguments` (looked up on `PATH`), waits at most `deadline`, and returns what it
    /// printed on stdout. A program still running at the deadline is killed with SIGKILL.
    static func run(_ arguments: [String], deadline: Duration = .seconds(30)) async -> Outcome {
        let outputPath = Reaper.scratchPath("jr-spawn")
        defer { unlink(outputPath) }
        let pid: pid_t? = outputPath.withCString { path in
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            guard let closeFrom, closeFrom(&actions, 3) == 0 else { return nil }
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            defer { for p in argv { free(p) } }
            // The calling thread (a concurrency-pool thread) blocks most signals, and a spawned
            // program inherits that mask: tmux's server would never see SIGCHLD or SIGTERM, nor
            // the shells in its panes SIGHUP. The child starts with an empty mask and defaults.
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var empty = sigset_t(), all = sigset_t()
            sigemptyset(&empty)
            sigfillset(&all)
            posix_spawnattr_setsigmask(&attributes, &empty)
            posix_spawnattr_setsigdefault(&attributes, &all)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            var pid: pid_t = 0
            guard posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ) == 0 else { return nil }
            return pid
        }
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
