import Foundation
import JiraResilient
#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to stdout and stderr, so lines reach pipes and logs as they happen. A
/// stream that has gone away (a closed pipe, a hung-up terminal) is ignored, never a crash:
/// Foundation's `FileHandle.write` traps on such errors.
///
/// `out` and `err` are the last of two gates: server text arrives as `ServerText`, already
/// sanitised, and every line is sanitised once more here (controls, escape introducers, bidi
/// controls), so no line any command prints can carry a foreign escape sequence. Only `write`
/// passes bytes through, for this program's own cursor controls.
enum StandardStreams {
    static func out(_ line: String) { write(1, inert(line) + "\n") }
    static func err(_ line: String) { write(2, inert(line) + "\n") }

    /// `line` with newlines kept and everything else a terminal would act on made visible.
    static func inert(_ line: String) -> String {
        UntrustedText.sanitized(line, keepNewlines: true, limit: 1 << 20)
    }

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
