import Foundation
import JiraResilient

#if canImport(Glibc)
import Glibc
#endif

/// Where `DIR/control.sock` is, and what is there now. A Unix socket's address holds at most
/// 107 bytes; a longer output directory is reached through `/proc/self/fd/N/` of an open
/// descriptor of it (Linux resolves that like the directory itself), so any `--out` works.
final class ControlSocketPath: Sendable {
    /// The socket's path as the user knows it (for messages and `lstat`).
    let path: String
    /// The path to bind or connect to (the same, or its `/proc/self/fd/` form).
    let address: String
    private let directoryDescriptor: Int32?

    init(directory: String) throws(JiraError) {
        path = directory + "/" + ControlProtocol.socketName
        if path.utf8.count <= 100 {
            address = path
            directoryDescriptor = nil
        } else {
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else {
                throw JiraError(.localIO, "cannot open \(directory): \(String(cString: strerror(errno)))")
            }
            directoryDescriptor = fd
            address = "/proc/self/fd/\(fd)/" + ControlProtocol.socketName
        }
    }

    deinit { if let directoryDescriptor { close(directoryDescriptor) } }

    enum Presence: Equatable {
        case absent
        /// A socket owned by `owner` (a uid), with this inode.
        case socket(owner: UInt32, inode: UInt64)
        /// Something else under the socket's name.
        case other
        /// The directory cannot be searched by this user (another user's output directory).
        case unreachable(Int32)
    }

    func presence() -> Presence {
        var info = stat()
        guard lstat(address, &info) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .absent : .unreachable(errno)
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { return .other }
        return .socket(owner: UInt32(info.st_uid), inode: UInt64(info.st_ino))
    }

    enum Answer: Equatable {
        /// A process accepts connections on it.
        case listening
        /// Nobody does: a socket left by a process that ended without removing it.
        case stale
        /// Not allowed (another user's socket).
        case forbidden
        case failed(Int32)
    }

    /// Tries a connection (Unix sockets answer or refuse at once) and closes it.
    func probe() -> Answer {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(errno) }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(address.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result == 0 { return .listening }
        switch errno {
        case ECONNREFUSED, ENOENT: return .stale
        case EACCES, EPERM: return .forbidden
        default: return .failed(errno)
        }
    }
}
