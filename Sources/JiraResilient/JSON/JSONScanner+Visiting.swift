/// Validating traversals that hand each member or element to a visitor, which parses the value
/// itself (returning its span). A caller can descend into the parts it cares about while the
/// rest is validated by `value(at:depth:)`: one pass over the bytes, whatever is extracted.
extension JSONScanner {
    /// Validates the object at `start`; `member` gets each name's span and the value's start and
    /// must return the value's span. Returns the object's span.
    public func objectMembers(
        at start: Int, depth: Int,
        _ member: (JSONSpan, Int) throws(JSONScanError) -> JSONSpan
    ) throws(JSONScanError) -> JSONSpan {
        guard start < count, base[start] == UInt8(ascii: "{") else {
            throw JSONScanError(start < count ? .invalid : .truncated, at: start, "expected an object")
        }
        guard depth < Self.maxDepth else {
            throw JSONScanError(.invalid, at: start, "nesting deeper than \(Self.maxDepth)")
        }
        var i = skipWhitespace(start + 1)
        guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an object") }
        if base[i] == UInt8(ascii: "}") { return JSONSpan(start: start, end: i + 1, kind: .object) }
        while true {
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an object") }
            guard base[i] == UInt8(ascii: "\"") else { throw JSONScanError(.invalid, at: i, "expected a member name") }
            let keyEnd = try string(at: i)
            let key = JSONSpan(start: i, end: keyEnd, kind: .string)
            i = skipWhitespace(keyEnd)
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an object") }
            guard base[i] == UInt8(ascii: ":") else { throw JSONScanError(.invalid, at: i, "expected ':'") }
            i = skipWhitespace(i + 1)
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends where a value was expected") }
            i = skipWhitespace(try member(key, i).end)
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an object") }
            if base[i] == UInt8(ascii: ",") { i = skipWhitespace(i + 1); continue }
            if base[i] == UInt8(ascii: "}") { return JSONSpan(start: start, end: i + 1, kind: .object) }
            throw JSONScanError(.invalid, at: i, "expected ',' or '}'")
        }
    }

    /// Validates the array at `start`; `element` gets each element's start and returns its span.
    public func arrayElements(
        at start: Int, depth: Int,
        _ element: (Int) throws(JSONScanError) -> JSONSpan
    ) throws(JSONScanError) -> JSONSpan {
        guard start < count, base[start] == UInt8(ascii: "[") else {
            throw JSONScanError(start < count ? .invalid : .truncated, at: start, "expected an array")
        }
        guard depth < Self.maxDepth else {
            throw JSONScanError(.invalid, at: start, "nesting deeper than \(Self.maxDepth)")
        }
        var i = skipWhitespace(start + 1)
        guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an array") }
        if base[i] == UInt8(ascii: "]") { return JSONSpan(start: start, end: i + 1, kind: .array) }
        while true {
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an array") }
            i = skipWhitespace(try element(i).end)
            guard i < count else { throw JSONScanError(.truncated, at: i, "input ends inside an array") }
            if base[i] == UInt8(ascii: ",") { i = skipWhitespace(i + 1); continue }
            if base[i] == UInt8(ascii: "]") { return JSONSpan(start: start, end: i + 1, kind: .array) }
            throw JSONScanError(.invalid, at: i, "expected ',' or ']'")
        }
    }

    /// Validates the array at `start` and counts its elements.
    public func countElements(at start: Int, depth: Int) throws(JSONScanError) -> (JSONSpan, Int) {
        var n = 0
        let span = try arrayElements(at: start, depth: depth) { (i) throws(JSONScanError) in
            n += 1
            return try value(at: i, depth: depth + 1)
        }
        return (span, n)
    }
}
