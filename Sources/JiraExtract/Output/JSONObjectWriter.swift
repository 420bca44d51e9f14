import Foundation
import JiraResilient

/// Writes one JSON object into bytes, member by member, in the order given: the project's own
/// small writer for `events.jsonl` (no `[String: Any]`, no Foundation object graph).
struct JSONObjectWriter {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true
    /// When true, every string value is written in its sanitised form
    /// (`UntrustedText.sanitized`): lines an operator tails or pipes through `jq -r` to a
    /// terminal carry no escape sequences, whatever a server put in a message.
    let inert: Bool

    init(inert: Bool = false) { self.inert = inert }

    private mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        Self.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func member(_ name: String, _ value: String) {
        key(name)
        Self.appendString(inert ? UntrustedText.sanitized(value) : value, to: &bytes)
    }

    mutating func member(_ name: String, _ value: String?) {
        if let value { member(name, value) }
    }

    /// An issue key, as its text (inert by construction: letters, digits, `_`, `-`).
    mutating func member(_ name: String, _ value: IssueKey) { member(name, value.description) }

    mutating func member(_ name: String, _ value: IssueKey?) {
        if let value { member(name, value.description) }
    }

    mutating func member(_ name: String, _ values: [IssueKey]) { member(name, values.map(\.description)) }

    mutating func member(_ name: String, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func member(_ name: String, _ value: Int?) {
        if let value { member(name, value) }
    }

    /// A finite number with up to six decimals; a non-finite one is written as `null`.
    mutating func member(_ name: String, _ value: Double) {
        key(name)
        guard value.isFinite else { bytes.append(contentsOf: "null".utf8); return }
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        bytes.append(contentsOf: text.utf8)
    }

    mutating func member(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func member(_ name: String, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.appendString(inert ? UntrustedText.sanitized(v) : v, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// An object nested as a member.
    mutating func member(_ name: String, object: JSONObjectWriter) {
        key(name)
        bytes.append(contentsOf: object.finished)
    }

    /// An array of objects nested as a member.
    mutating func member(_ name: String, objects: [JSONObjectWriter]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, o) in objects.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: o.finished)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// The object's bytes, closed.
    var finished: [UInt8] { bytes + [UInt8(ascii: "}")] }

    /// A JSON string: quotes and backslashes escaped, every control character as `\u00XX`
    /// (so a line never breaks, and no raw escape sequence is written).
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(b)
            case 0..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)],
                    hex[Int(b & 15)],
                ])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
