import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to stdout and stderr, so lines reach pipes and logs as they happen. A
/// stream that has gone away (a closed pipe, a hung-up terminal) is ignored, never a crash:
/// Foundation's `FileHandle.write` traps on such errors.
enum StandardStreams {
    static func out(_ line: String) { write(1, line + "\n") }
    static func err(_ line: String) { write(2, line + "\n") }

    static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }
}
