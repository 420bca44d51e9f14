import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A personal access token. It prints as `<redacted>` everywhere (description, debug
/// description, reflection), so it cannot leak into a log line, an event or an error message.
public struct AccessToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Trims surrounding whitespace (a token file usually ends with a newline).
    public init(_ value: String) { self.value = value.trimmingCharacters(in: .whitespacesAndNewlines) }

    public var isEmpty: Bool { value.isEmpty }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "AccessToken(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    var authorizationHeader: String { "Bearer \(value)" }

    /// Whether `text` contains the token (for tests and output audits).
    public func occurs(in text: String) -> Bool { !value.isEmpty && text.contains(value) }
    public func occurs(in bytes: [UInt8]) -> Bool {
        let needle = Array(value.utf8)
        return !needle.isEmpty && bytes.firstRange(of: needle) != nil
    }
}

extension AccessToken {
    /// `text` with every occurrence of the token replaced by `[token]`: servers, proxies and SSO
    /// pages echo the `Authorization` header back (in a 401 body, a `Location`, a header).
    public func redact(_ text: String) -> String {
        guard !value.isEmpty, text.contains(value) else { return text }
        return text.replacingOccurrences(of: value, with: "[token]")
    }
}

extension AccessToken {
    /// `bytes` with every occurrence of the token replaced by `[token]` (a server that echoes
    /// it into issue data must not get it written to disk). Returns `bytes` unchanged, without
    /// a copy, when the token does not occur (the usual case: one `memmem` pass).
    public func redact(_ bytes: [UInt8]) -> [UInt8] {
        let needle = Array(value.utf8)
        guard !needle.isEmpty, Self.find(needle, in: bytes, from: 0) != nil else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        while let hit = Self.find(needle, in: bytes, from: position) {
            out += bytes[position..<hit]
            out += Array("[token]".utf8)
            position = hit + needle.count
        }
        out += bytes[position...]
        return out
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard start < haystack.count else { return nil }
        // memchr for the first byte, memcmp for the rest: one fast pass over a large payload.
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { n in
                guard let base = hay.baseAddress, let first = n.first else { return nil }
                var position = start
                while position + n.count <= hay.count {
                    guard let hit = memchr(base + position, Int32(first), hay.count - position - n.count + 1) else {
                        return nil
                    }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + offset, n.baseAddress!, n.count) == 0 { return offset }
                    position = offset + 1
                }
                return nil
            }
        }
    }
}
