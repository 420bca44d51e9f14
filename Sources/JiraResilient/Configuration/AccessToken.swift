import Foundation

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
