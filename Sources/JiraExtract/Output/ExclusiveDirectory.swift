import Foundation
import JiraResilient

/// An output directory held by one command that writes it outside a scan (`fetch`, `refetch`,
/// `compact`): a running scan, console or following scan holds the directory's lock shared
/// for its whole life, so claiming it exclusively fails while one runs, and a scan started
/// meanwhile is refused. Released when this is released, or when the process ends.
public final class ExclusiveDirectory: Sendable {
    private let lock: DirectoryLock

    private init(lock: DirectoryLock) { self.lock = lock }

    /// Claims `directory` (which must exist) for `command`. Throws `.invalidInput` with one
    /// line naming the running scan's pid (read from its control socket's hello) and what to
    /// do instead.
    public static func claim(_ directory: String, for command: String) async throws(JiraError) -> ExclusiveDirectory {
        if let lock = DirectoryLock(directory: directory, exclusive: true) { return ExclusiveDirectory(lock: lock) }
        let pid = await runningScanPid(directory)
        throw JiraError(
            .invalidInput,
            "a scan\(pid.map { " (pid \($0))" } ?? "") is running on \(directory): \(command) would be a second writer of it; act through that scan with jira-resilient console --attach \(directory) (f fetches an issue, m re-fetches the incomplete ones), or stop it first"
        )
    }

    /// The pid of the scan serving `directory`'s control socket, nil if none answers (or it
    /// runs another version, whose hello this one does not read).
    public static func runningScanPid(_ directory: String) async -> Int32? {
        try? await ControlClient.attach(directory: directory, version: ToolVersion.current) { connection, _ in
            connection.hello.pid
        }
    }
}
