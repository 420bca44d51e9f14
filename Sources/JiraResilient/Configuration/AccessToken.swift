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
    /// The JSON document `json` with every occurrence of the token inside a string value
    /// replaced by `[token]` (a server that echoes it into issue data must not get it written to disk). The
    /// token is looked for as JSON writes it (quotes, backslashes and controls escaped), and
    /// only inside strings: a token short enough to match JSON's own text (`t` in `true`, a
    /// digit in a number) leaves the document valid. Returns `json` unchanged, without a copy,
    /// when the token does not occur (the usual case: one `memchr`/`memcmp` pass).
    public func redact(json: [UInt8]) -> [UInt8] {
        let needle = Self.jsonEscaped(value)
        guard !needle.isEmpty, Self.find(needle, in: json, from: 0) != nil else { return json }
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var out: [UInt8] = []
        out.reserveCapacity(json.count)
        var i = 0
        var inString = false
        // Member names are left alone (the document keeps its shape): the containers open
        // around the current byte, and whether the next string is a member name.
        var objects: [Bool] = []
        var expectName = false
        var inName = false
        while i < json.count {
            let byte = json[i]
            guard inString else {
                switch byte {
                case quote:
                    inString = true
                    inName = expectName
                    expectName = false
                case UInt8(ascii: "{"):
                    objects.append(true)
                    expectName = true
                case UInt8(ascii: "["): objects.append(false)
                case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = objects.popLast()
                case UInt8(ascii: ","): expectName = objects.last == true
                default: break
                }
                out.append(byte)
                i += 1
                continue
            }
            if !inName, byte == needle[0], i + needle.count <= json.count,
                json[i..<(i + needle.count)].elementsEqual(needle)
            {
                out += Array("[token]".utf8)
                i += needle.count
            } else if byte == backslash {
                out += json[i..<min(i + 2, json.count)]
                i += 2
            } else {
                if byte == quote { inString = false }
                out.append(byte)
                i += 1
            }
        }
        return out
    }

    /// The token as it appears inside a JSON string: quotes and backslashes escaped. A token has
    /// no control characters to escape (an `Authorization` header cannot carry them).
    static func jsonEscaped(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
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
