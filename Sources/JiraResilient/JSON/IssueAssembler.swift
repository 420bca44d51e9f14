/// Splices separately fetched arrays into an issue object's bytes, without decoding it: the
/// issuelinks array, the whole changelog, all comments and all worklogs. Everything else is
/// copied byte for byte.
public struct IssueAssembler: Sendable {
    public var base: [UInt8]
    /// A JSON array of issue links, replacing (or adding) `fields.issuelinks`.
    public var issueLinks: [UInt8]?
    /// Every changelog history, in order; becomes `changelog` with `total` equal to its length.
    public var histories: [ArraySlice<UInt8>]?
    public var comments: [ArraySlice<UInt8>]?
    public var worklogs: [ArraySlice<UInt8>]?
    /// Top-level members to leave out (e.g. `names`, `schema` of a single-issue response).
    public var dropping: [String] = []

    public init(base: [UInt8]) { self.base = base }

    static func array(_ elements: [ArraySlice<UInt8>]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(elements.reduce(2) { $0 + $1.count + 1 })
        for (i, e) in elements.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: e)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    private struct Edit { var range: Range<Int>; var bytes: [UInt8] }

    /// The assembled issue. Throws when `base` is not an issue object with `fields`.
    public func assemble() throws(JiraShapeError) -> [UInt8] {
        let document: JSONDocument
        do { document = try JSONDocument(validating: base) } catch {
            throw JiraShapeError(reason: "the issue is not JSON (\(error))", truncated: error.kind == .truncated)
        }
        let edits: [Edit]? = document.withScanner { s in
            guard document.root.kind == .object, let fields = s.member("fields", in: document.root), fields.kind == .object else { return nil }
            var edits: [Edit] = []
            var fieldSpans: [String: (key: JSONSpan, value: JSONSpan)] = [:]
            s.forEachMember(of: fields) { key, value in
                if let name = s.string(key) { fieldSpans[name] = (key, value) }
                return true
            }
            var topSpans: [String: (key: JSONSpan, value: JSONSpan)] = [:]
            s.forEachMember(of: document.root) { key, value in
                if let name = s.string(key) { topSpans[name] = (key, value) }
                return true
            }
            var fieldInsertions: [UInt8] = []
            func setField(_ name: String, _ value: [UInt8]) {
                if let existing = fieldSpans[name] {
                    edits.append(Edit(range: existing.value.range, bytes: value))
                } else {
                    fieldInsertions += Array("\"\(name)\":".utf8) + value + [UInt8(ascii: ",")]
                }
            }
            if let links = issueLinks { setField("issuelinks", links) }
            if let comments {
                setField("comment", Array("{\"comments\":".utf8) + Self.array(comments)
                         + Array(",\"maxResults\":\(comments.count),\"total\":\(comments.count),\"startAt\":0}".utf8))
            }
            if let worklogs {
                setField("worklog", Array("{\"startAt\":0,\"maxResults\":\(worklogs.count),\"total\":\(worklogs.count),\"worklogs\":".utf8)
                         + Self.array(worklogs) + [UInt8(ascii: "}")])
            }
            if !fieldInsertions.isEmpty {
                // Insert right after `{` of fields; the trailing comma joins the existing members.
                if fieldSpans.isEmpty { fieldInsertions.removeLast() }
                edits.append(Edit(range: (fields.start + 1)..<(fields.start + 1), bytes: fieldInsertions))
            }
            if let histories {
                let value = Array("{\"startAt\":0,\"maxResults\":\(histories.count),\"total\":\(histories.count),\"histories\":".utf8)
                    + Self.array(histories) + [UInt8(ascii: "}")]
                if let existing = topSpans["changelog"] {
                    edits.append(Edit(range: existing.value.range, bytes: value))
                } else {
                    edits.append(Edit(range: fields.end..<fields.end, bytes: Array(",\"changelog\":".utf8) + value))
                }
            }
            for name in dropping {
                guard let span = topSpans[name] else { continue }
                // Remove `,"name":value` (members after `fields` always have a comma before them).
                var start = span.key.start
                while start > 0, document.bytes[start - 1] != UInt8(ascii: ",") { start -= 1 }
                if start > 0 { edits.append(Edit(range: (start - 1)..<span.value.end, bytes: [])) }
            }
            return edits
        }
        guard let edits else { throw JiraShapeError(reason: "the issue has no fields object", truncated: false) }
        return Self.apply(edits.sorted { $0.range.lowerBound < $1.range.lowerBound }, to: base)
    }

    private static func apply(_ edits: [Edit], to base: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(base.count + edits.reduce(0) { $0 + $1.bytes.count })
        var cursor = 0
        for edit in edits {
            out.append(contentsOf: base[cursor..<edit.range.lowerBound])
            out.append(contentsOf: edit.bytes)
            cursor = edit.range.upperBound
        }
        out.append(contentsOf: base[cursor...])
        return out
    }
}
