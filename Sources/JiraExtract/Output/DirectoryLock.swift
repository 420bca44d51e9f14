import Foundation
import JiraResilient

/// An advisory lock (`flock(2)`) on an output directory itself: a scan holds it shared for its
/// whole life (between `--follow` passes too), and `compact` takes it exclusively, so a manifest
/// is never rewritten under a process still appending to it. Released when this is released,
/// or when the process ends however it ends (`kill -9` included).
final class DirectoryLock: Sendable {
    private let fd: Int32

    /// Takes the lock without waiting; nil when another process holds it the other way.
    init?(directory: String, exclusive: Bool) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit { close(fd) }
}
