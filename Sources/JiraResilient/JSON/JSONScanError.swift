/// Why bytes are not the JSON expected.
public struct JSONScanError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The input ends inside a value: a body cut short. Worth retrying.
        case truncated
        /// The input is not JSON (or not the shape expected). Retrying will not help.
        case invalid
    }

    public let kind: Kind
    /// Byte offset where the problem was found.
    public let offset: Int
    public let reason: String

    public init(_ kind: Kind, at offset: Int, _ reason: String) {
        self.kind = kind
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte \(offset)" }
}

/// Where one JSON value lies in a byte buffer: `start..<end`.
public struct JSONSpan: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case object, array, string, number, bool, null }
    public var start: Int
    public var end: Int
    public var kind: Kind
    public var range: Range<Int> { start..<end }
}
