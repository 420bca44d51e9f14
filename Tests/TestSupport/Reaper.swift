import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Cleans up after this test process even when it dies (a crash, SIGKILL, a CI time limit):
/// the processes it started, the tmux servers it ran and the directories it made.
///
/// A test's own `defer` runs only while its process lives, and a tmux server or a spawned
/// binary outlives it otherwise (a crashed run once left a `demo` at 40 % of a core). So each
/// such resource is also registered here as a shell command, a file in `/tmp/jr-test-PID/`;
/// a watchdog (`sh`, in a session of its own so that a signal to this process group spares
/// it) polls this process five times a second and, once it is gone, runs every command still
/// registered and removes the folder. A test that cleans up itself cancels its ticket.
///
/// Tests make their temporary files and folders inside that same folder (`scratchPath`), so
/// none survives this process whatever ends it.
public enum Reaper {
    /// A new path (not yet created) inside this process's folder, `PREFIX-UUID`: removed with
    /// the folder when this process ends, however it ends.
    public static func scratchPath(_ prefix: String) -> String {
        "\(root)/\(prefix)-\(UUID().uuidString)"
    }

    /// This process's folder, made (0700) and watched on first use.
    public static var root: String {
        watchdog.withLock { started -> String in
            if started == nil { started = startWatchdog() }
            return started ?? NSTemporaryDirectory()
        }
    }

    /// A registered clean-up; `cancel` once the test has done it itself.
    public struct Ticket: Sendable {
        let path: String
        public func cancel() { unlink(path) }
    }

    /// Runs `command` (sh) if this process dies before the ticket is cancelled.
    public static func onDeath(_ command: String) -> Ticket {
        let directory = root
        guard directory.hasPrefix("/tmp/jr-test-") else { return Ticket(path: "") }
        let id = UUID().uuidString
        let path = "\(directory)/\(id).reap"
        // Written whole, then renamed: the watchdog never runs half a command.
        let partial = "\(directory)/\(id).part"
        if FileManager.default.createFile(atPath: partial, contents: Data((command + "\n").utf8)) {
            rename(partial, path)
        }
        return Ticket(path: path)
    }

    /// Kills `pid` with SIGKILL if this process dies first.
    public static func killOnDeath(_ pid: pid_t) -> Ticket { onDeath("kill -KILL \(pid) 2>/dev/null") }

    /// Removes `path` (a file or a whole folder) if this process dies first.
    public static func removeOnDeath(_ path: String) -> Ticket { onDeath("rm -rf \(quoted(path))") }

    /// A single-quoted shell word.
    public static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The watch folder, once the watchdog runs (nil if it could not start: then nothing is
    /// registered, and the tests clean up only as they did before).
    private static let watchdog = Mutex<String?>(nil)

    private static let script = """
        dir=$1; pid=$2
        while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
        for f in "$dir"/*.reap; do [ -f "$f" ] && sh "$f" >/dev/null 2>&1; done
        n=0; while [ -e "$dir" ] && [ $n -lt 50 ]; do rm -rf "$dir"; n=$((n+1)); [ -e "$dir" ] && sleep 0.1; done
        """

    private static func startWatchdog() -> String? {
        let directory = "/tmp/jr-test-\(getpid())"
        mkdir(directory, 0o700)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
            return nil
        }
        guard watch(getpid(), cleaning: directory) else { return nil }
        return directory
    }

    /// Starts a watchdog that, once `pid` is gone, runs every `*.reap` file in `directory` and
    /// removes the folder. This process's own watchdog watches this process; tests of the
    /// watchdog give it a process of their own to watch.
    public static func watch(_ pid: pid_t, cleaning directory: String) -> Bool {
        spawnDetached(["/bin/sh", "-c", script, "jr-test-reaper", directory, String(pid)])
    }

    /// Starts `arguments` in a new session with only /dev/null open and no signal blocked;
    /// does not wait for it (when this process dies, init reaps it).
    private static func spawnDetached(_ arguments: [String]) -> Bool {
        CleanSpawn.start(arguments, newSession: true) != nil
    }
}
