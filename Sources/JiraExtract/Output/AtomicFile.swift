import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so a reader (or a crash) never sees half of one: a temporary file in the same
/// folder, flushed, then renamed over the target.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String, sync: Bool = false) throws {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // O_EXCL: never through something planted under the temporary name. 0600 whatever the umask.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw POSIXFailure("cannot create \(temporary)", errno) }
        fchmod(fd, 0o600)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                unlink(temporary)
                throw POSIXFailure("cannot write \(temporary)", e)
            }
            offset += n
        }
        if sync { fsync(fd) }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw POSIXFailure("cannot rename \(temporary) to \(path)", e)
        }
    }
}

/// An appending writer for `.jsonl` files: each line is written with one `write(2)` to an
/// `O_APPEND` descriptor, so lines never interleave or tear.
final class LineAppender: Sendable {
    private let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        // Never through a planted symlink, and readable by the owner only whatever the umask.
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw POSIXFailure(
                code == ELOOP ? "refusing to append to \(path): it is a symbolic link" : "cannot open \(path)", code)
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw POSIXFailure("refusing to append to \(path): it is not a regular file", EINVAL)
        }
        fchmod(fd, 0o600)
        // A line torn by `kill -9` is ended here, so the next line starts on its own.
        var last: UInt8 = 0x0A
        if info.st_size > 0, pread(fd, &last, 1, off_t(info.st_size - 1)) == 1, last != 0x0A {
            var newline: UInt8 = 0x0A
            _ = Glibc.write(fd, &newline, 1)
        }
    }

    func append(_ line: [UInt8]) throws {
        var bytes = line
        bytes.append(0x0A)
        try writeAll(fd, bytes, what: "cannot append to \(path)")
    }

    func sync() { fsync(fd) }

    /// The file's size in bytes now.
    var size: Int {
        var info = stat()
        return fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

    deinit { close(fd) }
}

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR; `what` names a failure.
func writeAll(_ fd: Int32, _ bytes: [UInt8], what: @autoclosure () -> String) throws {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
        if n < 0 {
            if errno == EINTR { continue }
            throw POSIXFailure(what(), errno)
        }
        offset += n
    }
}

struct POSIXFailure: Error, CustomStringConvertible {
    var description: String
    init(_ what: String, _ code: Int32) { description = "\(what): \(String(cString: strerror(code)))" }
}
