/// A validating structural scanner over UTF-8 JSON (RFC 8259): it checks every byte once, finds
/// values by path without building an object tree, and reads the few scalars a caller needs.
///
/// Works on borrowed memory: use it only inside `JSONScanner.withScanner(_:_:)`, never store it.
public struct JSONScanner {
    @usableFromInline let base: UnsafePointer<UInt8>
    public let count: Int
    /// Deeper nesting is rejected (the scanner recurses).
    public static let maxDepth = 512

    @usableFromInline init(_ buffer: UnsafeBufferPointer<UInt8>) {
        base = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
        count = buffer.count
    }

    /// Runs `body` with a scanner over `bytes`.
    public static func withScanner<R, E: Error>(_ bytes: [UInt8], _ body: (JSONScanner) throws(E) -> R) throws(E) -> R {
        try bytes.withUnsafeBufferPointer { (buffer) throws(E) -> R in
            let scanner = JSONScanner(buffer)
            return try body(scanner)
        }
    }

    @inline(__always) public func skipWhitespace(_ i: Int) -> Int {
        var i = i
        while i < count {
            let b = base[i]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 } else { break }
        }
        return i
    }

    /// Validates the whole input as exactly one JSON value (whitespace around it allowed).
    public func validateDocument() throws(JSONScanError) -> JSONSpan {
        let start = skipWhitespace(0)
        guard start < count else { throw JSONScanError(.truncated, at: start, "empty body") }
        let span = try value(at: start, depth: 0)
        let rest = skipWhitespace(span.end)
        guard rest == count else { throw JSONScanError(.invalid, at: rest, "unexpected data after the JSON value") }
        return span
    }

    /// Validates the value starting exactly at `i` and returns where it lies.
    public func value(at i: Int, depth: Int) throws(JSONScanError) -> JSONSpan {
        guard i < count else { throw JSONScanError(.truncated, at: i, "input ends where a value was expected") }
        switch base[i] {
        case UInt8(ascii: "{"): return JSONSpan(start: i, end: try object(at: i, depth: depth), kind: .object)
        case UInt8(ascii: "["): return JSONSpan(start: i, end: try array(at: i, depth: depth), kind: .array)
        case UInt8(ascii: "\""): return JSONSpan(start: i, end: try string(at: i), kind: .string)
        case UInt8(ascii: "t"): return JSONSpan(start: i, end: try literal("true", at: i), kind: .bool)
        case UInt8(ascii: "f"): return JSONSpan(start: i, end: try literal("false", at: i), kind: .bool)
        case UInt8(ascii: "n"): return JSONSpan(start: i, end: try literal("null", at: i), kind: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONSpan(start: i, end: try number(at: i), kind: .number)
        default: throw JSONScanError(.invalid, at: i, "unexpected character '\(Self.show(base[i]))'")
        }
    }

    static func show(_ b: UInt8) -> String {
        b >= 0x20 && b < 0x7F ? String(UnicodeScalar(b)) : "0x" + String(b, radix: 16)
    }

    private func literal(_ word: StaticString, at i: Int) throws(JSONScanError) -> Int {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for k in 0..<n {
            guard i + k < count else { throw JSONScanError(.truncated, at: i + k, "input ends inside a literal") }
            guard base[i + k] == w[k] else { throw JSONScanError(.invalid, at: i + k, "invalid literal") }
        }
        return i + n
    }

    private func number(at start: Int) throws(JSONScanError) -> Int {
        var i = start
        @inline(__always) func digit(_ i: Int) -> Bool { i < count && base[i] >= 0x30 && base[i] <= 0x39 }
        if base[i] == UInt8(ascii: "-") { i += 1 }
        guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside a number") }
        if base[i] == UInt8(ascii: "0") {
            i += 1
        } else if digit(i) {
            while digit(i) { i += 1 }
        } else {
            throw JSONScanError(.invalid, at: i, "invalid number")
        }
        if i < count && base[i] == UInt8(ascii: ".") {
            i += 1
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside a number") }
            guard digit(i) else { throw JSONScanError(.invalid, at: i, "invalid number") }
            while digit(i) { i += 1 }
        }
        var hasExponent = false
        if i < count && (base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E")) {
            hasExponent = true
            i += 1
            if i < count && (base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside a number") }
            guard digit(i) else { throw JSONScanError(.invalid, at: i, "invalid number") }
            while digit(i) { i += 1 }
        }
        // Like Foundation, refuse a number no Double can hold (only exponents and very long
        // mantissas can overflow, so only those are parsed).
        if hasExponent || i - start > 300 {
            let text = String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                throw JSONScanError(.invalid, at: start, "number out of range")
            }
        }
        return i
    }

    @inline(__always) private static func hexValue(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    /// Validates a string starting at its opening quote; returns the index after the closing one.
    public func string(at start: Int) throws(JSONScanError) -> Int {
        var i = start + 1
        while true {
            // Fast path: plain ASCII that needs no attention.
            while i < count {
                let b = base[i]
                if b == 0x22 || b == 0x5C || b < 0x20 || b >= 0x80 { break }
                i += 1
            }
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside a string") }
            let b = base[i]
            if b == 0x22 { return i + 1 }
            if b == 0x5C {
                guard i + 1 < count else { throw JSONScanError(.truncated, at: i + 1, "input ends inside an escape") }
                switch base[i + 1] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                case 0x75:
                    let unit = try hexUnit(at: i)
                    i += 6
                    if unit >= 0xDC00 && unit <= 0xDFFF {
                        throw JSONScanError(.invalid, at: i - 6, "unpaired low surrogate escape")
                    }
                    if unit >= 0xD800 && unit <= 0xDBFF {
                        guard i + 1 < count else {
                            throw JSONScanError(.truncated, at: i, "input ends after a high surrogate")
                        }
                        guard base[i] == 0x5C, base[i + 1] == 0x75 else {
                            throw JSONScanError(.invalid, at: i, "unpaired high surrogate escape")
                        }
                        let low = try hexUnit(at: i)
                        guard low >= 0xDC00 && low <= 0xDFFF else {
                            throw JSONScanError(.invalid, at: i, "unpaired high surrogate escape")
                        }
                        i += 6
                    }
                default: throw JSONScanError(.invalid, at: i + 1, "invalid escape")
                }
                continue
            }
            if b < 0x20 { throw JSONScanError(.invalid, at: i, "unescaped control character in a string") }
            i = try utf8Sequence(at: i)
        }
    }

    /// The 16-bit value of the `\\uXXXX` escape at `i` (which is the backslash).
    private func hexUnit(at i: Int) throws(JSONScanError) -> UInt32 {
        guard i + 5 < count else { throw JSONScanError(.truncated, at: i, "input ends inside an escape") }
        var value: UInt32 = 0
        for k in 2...5 {
            let b = base[i + k]
            guard Self.hexValue(b) else { throw JSONScanError(.invalid, at: i + k, "invalid \\u escape") }
            value = value << 4 | UInt32(b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x57)
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence (no overlongs, no surrogates, ≤ U+10FFFF).
    private func utf8Sequence(at i: Int) throws(JSONScanError) -> Int {
        let b0 = base[i]
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw JSONScanError(.invalid, at: i, "invalid UTF-8")
        }
        guard i + length <= count else { throw JSONScanError(.truncated, at: i, "input ends inside a UTF-8 sequence") }
        let b1 = base[i + 1]
        guard b1 >= lower && b1 <= upper else { throw JSONScanError(.invalid, at: i + 1, "invalid UTF-8") }
        for k in 2..<length where base[i + k] & 0xC0 != 0x80 {
            throw JSONScanError(.invalid, at: i + k, "invalid UTF-8")
        }
        return i + length
    }

    private func object(at start: Int, depth: Int) throws(JSONScanError) -> Int {
        guard depth < Self.maxDepth else {
            throw JSONScanError(.invalid, at: start, "nesting deeper than \(Self.maxDepth)")
        }
        var i = skipWhitespace(start + 1)
        guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an object") }
        if base[i] == UInt8(ascii: "}") { return i + 1 }
        while true {
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an object") }
            guard base[i] == UInt8(ascii: "\"") else { throw JSONScanError(.invalid, at: i, "expected a member name") }
            i = skipWhitespace(try string(at: i))
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an object") }
            guard base[i] == UInt8(ascii: ":") else { throw JSONScanError(.invalid, at: i, "expected ':'") }
            i = skipWhitespace(i + 1)
            i = skipWhitespace(try value(at: i, depth: depth + 1).end)
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an object") }
            if base[i] == UInt8(ascii: ",") { i = skipWhitespace(i + 1); continue }
            if base[i] == UInt8(ascii: "}") { return i + 1 }
            throw JSONScanError(.invalid, at: i, "expected ',' or '}'")
        }
    }

    private func array(at start: Int, depth: Int) throws(JSONScanError) -> Int {
        guard depth < Self.maxDepth else {
            throw JSONScanError(.invalid, at: start, "nesting deeper than \(Self.maxDepth)")
        }
        var i = skipWhitespace(start + 1)
        guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an array") }
        if base[i] == UInt8(ascii: "]") { return i + 1 }
        while true {
            i = skipWhitespace(try value(at: i, depth: depth + 1).end)
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an array") }
            if base[i] == UInt8(ascii: ",") { i = skipWhitespace(i + 1); continue }
            if base[i] == UInt8(ascii: "]") { return i + 1 }
            throw JSONScanError(.invalid, at: i, "expected ',' or ']'")
        }
    }
}
