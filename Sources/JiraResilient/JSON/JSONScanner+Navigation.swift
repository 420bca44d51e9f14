/// Lookups over input that `validateDocument()` already accepted: they skip values without
/// validating them again, so a caller pays for validation once.
extension JSONScanner {
    /// The end of the (valid) value starting at `i`.
    public func skip(at i: Int) -> Int {
        let b = base[i]
        switch b {
        case UInt8(ascii: "\""): return skipString(at: i)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var j = i
            while j < count {
                let c = base[j]
                if c == 0x22 { j = skipString(at: j); continue }
                if c == 0x7B || c == 0x5B {
                    depth += 1
                } else if c == 0x7D || c == 0x5D {
                    depth -= 1
                    if depth == 0 { return j + 1 }
                }
                j += 1
            }
            return j
        default:
            var j = i
            while j < count {
                let c = base[j]
                if c == 0x2C || c == 0x7D || c == 0x5D || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { break }
                j += 1
            }
            return j
        }
    }

    @inline(__always) func skipString(at i: Int) -> Int {
        var j = i + 1
        while j < count {
            let c = base[j]
            if c == 0x22 { return j + 1 }
            j += c == 0x5C ? 2 : 1
        }
        return j
    }

    func kind(at i: Int) -> JSONSpan.Kind {
        switch base[i] {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: .number
        }
    }

    /// Calls `body` with each member's name span and value span, in order; stops when it returns false.
    public func forEachMember(of object: JSONSpan, _ body: (JSONSpan, JSONSpan) -> Bool) {
        guard object.kind == .object else { return }
        var i = skipWhitespace(object.start + 1)
        while i < object.end, base[i] == 0x22 {
            let keyEnd = skipString(at: i)
            let key = JSONSpan(start: i, end: keyEnd, kind: .string)
            let valueStart = skipWhitespace(skipWhitespace(keyEnd) + 1)
            let valueEnd = skip(at: valueStart)
            if !body(key, JSONSpan(start: valueStart, end: valueEnd, kind: kind(at: valueStart))) { return }
            i = skipWhitespace(valueEnd)
            if i < object.end, base[i] == 0x2C { i = skipWhitespace(i + 1) } else { return }
        }
    }

    /// The value of the member `name` (an unescaped ASCII name), or nil.
    public func member(_ name: StaticString, in object: JSONSpan) -> JSONSpan? {
        var found: JSONSpan?
        forEachMember(of: object) { key, value in
            if keyEquals(key, name) { found = value; return false }
            return true
        }
        return found
    }

    @inline(__always) func keyEquals(_ key: JSONSpan, _ name: StaticString) -> Bool {
        let n = name.utf8CodeUnitCount
        guard key.end - key.start == n + 2 else { return false }
        let p = name.utf8Start
        for k in 0..<n where base[key.start + 1 + k] != p[k] { return false }
        return true
    }

    /// Calls `body` with each element of an array, in order.
    public func forEachElement(of array: JSONSpan, _ body: (JSONSpan) -> Void) {
        guard array.kind == .array else { return }
        var i = skipWhitespace(array.start + 1)
        while i < array.end, base[i] != 0x5D {
            let end = skip(at: i)
            body(JSONSpan(start: i, end: end, kind: kind(at: i)))
            i = skipWhitespace(end)
            if i < array.end, base[i] == 0x2C { i = skipWhitespace(i + 1) } else { return }
        }
    }

    public func elementCount(of array: JSONSpan) -> Int {
        var n = 0
        forEachElement(of: array) { _ in n += 1 }
        return n
    }

    /// The decoded text of a string span (escapes resolved; invalid surrogates replaced).
    public func string(_ span: JSONSpan) -> String? {
        guard span.kind == .string else { return nil }
        let inner = UnsafeBufferPointer(start: base + span.start + 1, count: span.end - span.start - 2)
        if !inner.contains(0x5C) { return String(decoding: inner, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
        var i = 0
        var pendingHigh: UInt32?
        func appendScalar(_ v: UInt32) {
            let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        while i < inner.count {
            let b = inner[i]
            guard b == 0x5C, i + 1 < inner.count else { out.append(b); i += 1; continue }
            let e = inner[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard i + 4 <= inner.count,
                    let v = UInt32(String(decoding: inner[i..<(i + 4)], as: UTF8.self), radix: 16)
                else { break }
                i += 4
                if (0xD800...0xDBFF).contains(v) {
                    if let high = pendingHigh { appendScalar(0xFFFD); _ = high }
                    pendingHigh = v
                    continue
                }
                if (0xDC00...0xDFFF).contains(v), let high = pendingHigh {
                    appendScalar(0x10000 + ((high - 0xD800) << 10) + (v - 0xDC00))
                    pendingHigh = nil
                    continue
                }
                appendScalar(v)
            default: out.append(e)
            }
            if pendingHigh != nil && e != UInt8(ascii: "u") { pendingHigh = nil }
        }
        if pendingHigh != nil { appendScalar(0xFFFD) }
        return String(decoding: out, as: UTF8.self)
    }

    /// An integer number span's value, or nil for anything else (or a fraction).
    public func int(_ span: JSONSpan) -> Int? {
        guard span.kind == .number else { return nil }
        var value = 0
        var negative = false
        for i in span.start..<span.end {
            let b = base[i]
            if b == UInt8(ascii: "-") { negative = true; continue }
            guard b >= 0x30 && b <= 0x39 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
            if o1 || o2 { return nil }
            value = a
        }
        return negative ? -value : value
    }
}
