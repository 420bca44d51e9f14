/// Appends JSON to a byte buffer. The caller keeps structure balanced; commas are placed for it.
public struct JSONBuilder: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// One entry per open container: whether it already holds a member.
    private var hasMember: [Bool] = []

    public init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    private mutating func separate() {
        if let last = hasMember.last {
            if last { bytes.append(UInt8(ascii: ",")) }
            hasMember[hasMember.count - 1] = true
        }
    }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); hasMember.append(false) }
    public mutating func endObject() { hasMember.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); hasMember.append(false) }
    public mutating func endArray() { hasMember.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// Writes a member name; the next value call writes its value.
    public mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        hasMember.append(false)
        pendingKey = true
    }
    private var pendingKey = false

    private mutating func valuePrologue() {
        if pendingKey {
            pendingKey = false
            hasMember.removeLast()
        } else {
            separate()
        }
    }

    public mutating func string(_ s: String) { valuePrologue(); appendString(s) }
    public mutating func int<I: BinaryInteger>(_ v: I) { valuePrologue(); bytes.append(contentsOf: String(v).utf8) }
    public mutating func double(_ v: Double) { valuePrologue(); bytes.append(contentsOf: String(v).utf8) }
    public mutating func bool(_ v: Bool) { valuePrologue(); bytes.append(contentsOf: (v ? "true" : "false").utf8) }
    public mutating func null() { valuePrologue(); bytes.append(contentsOf: "null".utf8) }
    /// Appends bytes that are already a JSON value.
    public mutating func raw(_ json: [UInt8]) { valuePrologue(); bytes.append(contentsOf: json) }
    public mutating func openObjectValue() {
        valuePrologue(); bytes.append(UInt8(ascii: "{")); hasMember.append(false)
    }
    public mutating func openArrayValue() {
        valuePrologue(); bytes.append(UInt8(ascii: "[")); hasMember.append(false)
    }

    public mutating func member(_ name: String, _ value: String) { key(name); string(value) }
    public mutating func member(_ name: String, _ value: Int) { key(name); int(value) }
    public mutating func member(_ name: String, _ value: Bool) { key(name); bool(value) }
    /// A finite number (NaN and infinities are written as null: JSON has no form for them).
    public mutating func member(_ name: String, _ value: Double) {
        key(name)
        if value.isFinite { double(value) } else { null() }
    }
    public mutating func memberOrNull(_ name: String, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }
    /// `"name": {` — pair with `endObject()`.
    public mutating func object(_ name: String) { key(name); openObjectValue() }
    /// `"name": [` — pair with `endArray()`.
    public mutating func array(_ name: String) { key(name); openArrayValue() }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20, 0x7F:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30])
                bytes.append(Self.hex[Int(b >> 4)])
                bytes.append(Self.hex[Int(b & 0xF)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
