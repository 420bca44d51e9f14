import Foundation

/// Unbuffered writes to stdout and stderr, so lines reach pipes and logs as they happen.
enum StandardStreams {
    static func out(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    static func err(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
