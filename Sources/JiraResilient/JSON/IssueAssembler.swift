/// Splices separately fetched arrays into an issue object's bytes, without decoding it: the
/// issuelinks array, the whole changelog, all comments and all worklogs. Everything else is
/// copied byte for byte.
public struct IssueAssembler: Sendable {
    public var base: [UInt8]
    /// A JSON array of issue links, replacing (or adding) `fields.issuelinks`: a slice of the
    /// response it came in, so a hub's megabytes of links are not copied before assembly.
    public var issueLinks: ArraySlice<UInt8>?
    /// Every changelog history, in order; becomes `changelog` with `total` equal to its length.
    public var histories: [ArraySlice<UInt8>]?
    public var comments: [ArraySlice<UInt8>]?
    public var worklogs: [ArraySlice<UInt8>]?
    /// Top-level members to leave out (e.g. `names`, `schema` of a single-issue response).
    public var dropping: [String] = []

    /// Layout of `base`, when the caller already parsed it (saves a pass).
    public var layout: IssueLayout?

    public init(base: [UInt8]) { self.base = base }

    public init(parsed: ParsedIssue) {
        base = parsed.bytes
        layout = parsed.layout
    }

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

    private struct Edit { var range: Range<Int>; var bytes: ArraySlice<UInt8> }

    /// The assembled issue. Throws when `base` is not an issue object with `fields`.
    public func assemble() throws(JiraShapeError) -> [UInt8] {
        let layout: IssueLayout
        if let known = self.layout { layout = known } else { layout = try IssueJSON.parse(base).layout }
        guard let fields = layout.fields else {
            throw JiraShapeError(reason: "the issue has no fields object", truncated: false)
        }
        var edits: [Edit] = []
        var fieldInsertions: [UInt8] = []
        func setField(_ name: String, _ value: ArraySlice<UInt8>) {
            if let existing = layout.field(name) {
                edits.append(Edit(range: existing.value.range, bytes: value))
            } else {
                fieldInsertions.append(contentsOf: "\"\(name)\":".utf8)
                fieldInsertions.append(contentsOf: value)
                fieldInsertions.append(UInt8(ascii: ","))
            }
        }
        if let links = issueLinks { setField("issuelinks", links) }
        if let comments {
            setField(
                "comment",
                ArraySlice(
                    Array("{\"comments\":".utf8) + Self.array(comments)
                        + Array(",\"maxResults\":\(comments.count),\"total\":\(comments.count),\"startAt\":0}".utf8)))
        }
        if let worklogs {
            setField(
                "worklog",
                ArraySlice(
                    Array(
                        "{\"startAt\":0,\"maxResults\":\(worklogs.count),\"total\":\(worklogs.count),\"worklogs\":".utf8
                    )
                        + Self.array(worklogs) + [UInt8(ascii: "}")]))
        }
        if !fieldInsertions.isEmpty {
            // Insert right after `{` of fields; the trailing comma joins the existing members.
            if layout.fieldMembers.isEmpty { fieldInsertions.removeLast() }
            edits.append(Edit(range: (fields.start + 1)..<(fields.start + 1), bytes: fieldInsertions[...]))
        }
        if let histories {
            let value =
                Array(
                    "{\"startAt\":0,\"maxResults\":\(histories.count),\"total\":\(histories.count),\"histories\":".utf8)
                + Self.array(histories) + [UInt8(ascii: "}")]
            if let existing = layout.top("changelog") {
                edits.append(Edit(range: existing.value.range, bytes: value[...]))
            } else {
                edits.append(Edit(range: fields.end..<fields.end, bytes: (Array(",\"changelog\":".utf8) + value)[...]))
            }
        }
        for name in dropping {
            guard let member = layout.top(name) else { continue }
            // Remove `,"name":value`: the comma before the name goes with it.
            var start = member.key.start
            while start > layout.issue.start, base[start - 1] != UInt8(ascii: ",") { start -= 1 }
            if start > layout.issue.start { edits.append(Edit(range: (start - 1)..<member.value.end, bytes: [])) }
        }
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
