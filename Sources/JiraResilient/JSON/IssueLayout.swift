/// Where the parts of one issue object lie in its bytes, recorded while validating, so that
/// assembly needs no second pass.
public struct IssueLayout: Sendable {
    public struct Member: Sendable {
        public var name: String
        public var key: JSONSpan
        public var value: JSONSpan
    }
    /// The issue object.
    public var issue: JSONSpan
    public var fields: JSONSpan?
    public var fieldMembers: [Member] = []
    public var topMembers: [Member] = []

    public func field(_ name: String) -> Member? { fieldMembers.first { $0.name == name } }

    /// The same layout with every offset moved by `delta` (for an issue copied out of a page).
    public func rebased(by delta: Int) -> IssueLayout {
        func move(_ s: JSONSpan) -> JSONSpan { JSONSpan(start: s.start + delta, end: s.end + delta, kind: s.kind) }
        func move(_ m: Member) -> Member { Member(name: m.name, key: move(m.key), value: move(m.value)) }
        return IssueLayout(
            issue: move(issue), fields: fields.map(move), fieldMembers: fieldMembers.map(move),
            topMembers: topMembers.map(move))
    }
    public func top(_ name: String) -> Member? { topMembers.first { $0.name == name } }
}

/// An issue's bytes, validated, with its summary and layout.
public struct ParsedIssue: Sendable {
    public var bytes: [UInt8]
    public var summary: IssueSummary
    public var layout: IssueLayout
}

extension IssueJSON {
    /// Validates the issue object at `start` in one pass and reads its summary and layout.
    /// Offsets in the layout are relative to the scanner's buffer.
    /// The first name that occurs twice, if any.
    static func duplicate(_ members: [IssueLayout.Member]) -> String? {
        var seen = Set<String>(minimumCapacity: members.count)
        for member in members where !seen.insert(member.name).inserted { return member.name }
        return nil
    }

    static func scanIssue(
        _ s: JSONScanner, at start: Int, depth: Int
    ) throws(JSONScanError) -> (IssueLayout, IssueSummary?, String?) {
        var layout = IssueLayout(issue: JSONSpan(start: start, end: start, kind: .object))
        var id: String?, key: String?
        var summary = IssueSummary(id: "", key: IssueKey(project: "", number: 0))  // both set before it is returned
        guard start < s.count else {
            throw JSONScanError(.truncated, at: start, "input ends where an issue was expected")
        }
        guard s.base[start] == UInt8(ascii: "{") else {
            _ = try s.value(at: start, depth: depth)
            return (layout, nil, "an issue row is not a JSON object")
        }
        layout.issue = try s.objectMembers(at: start, depth: depth) {
            (name, valueStart) throws(JSONScanError) -> JSONSpan in
            let span: JSONSpan
            if s.keyEquals(name, "fields"), s.base[valueStart] == UInt8(ascii: "{") {
                span = try s.objectMembers(at: valueStart, depth: depth + 1) {
                    (fieldName, fieldStart) throws(JSONScanError) -> JSONSpan in
                    let fieldSpan: JSONSpan
                    if s.keyEquals(fieldName, "issuelinks"), s.base[fieldStart] == UInt8(ascii: "[") {
                        let (array, n) = try s.countElements(at: fieldStart, depth: depth + 2)
                        fieldSpan = array
                        summary.links = n
                    } else {
                        fieldSpan = try s.value(at: fieldStart, depth: depth + 2)
                        if s.keyEquals(fieldName, "updated") {
                            summary.updated = s.string(fieldSpan)
                        } else if s.keyEquals(fieldName, "summary") {
                            summary.title = s.string(fieldSpan).map { ServerText($0, limit: 200) }
                        } else if s.keyEquals(fieldName, "comment") {
                            summary.comments = count(s, fieldSpan, array: "comments")
                        } else if s.keyEquals(fieldName, "worklog") {
                            summary.worklogs = count(s, fieldSpan, array: "worklogs")
                        }
                    }
                    layout.fieldMembers.append(.init(name: s.string(fieldName) ?? "", key: fieldName, value: fieldSpan))
                    return fieldSpan
                }
                layout.fields = span
            } else {
                span = try s.value(at: valueStart, depth: depth + 1)
                if s.keyEquals(name, "id") {
                    id = s.string(span) ?? (span.kind == .number ? s.int(span).map(String.init) : nil)
                } else if s.keyEquals(name, "key") {
                    key = s.string(span)
                } else if s.keyEquals(name, "changelog") {
                    summary.histories = count(s, span, array: "histories")
                }
            }
            layout.topMembers.append(.init(name: s.string(name) ?? "", key: name, value: span))
            return span
        }
        guard let id, !id.isEmpty else { return (layout, nil, "an issue row has no id") }
        guard let key, !key.isEmpty else { return (layout, nil, "issue \(ServerText(id, limit: 40)) has no key") }
        guard let parsedKey = IssueKey(key) else { return (layout, nil, IssueJSON.keyProblem(key, id: id)) }
        // JIRA never repeats a member; a repeated one would make the splice edit one copy while
        // readers take the other.
        if let name = duplicate(layout.topMembers) ?? duplicate(layout.fieldMembers) {
            return (layout, nil, "issue \(id) repeats the member '\(ServerText(name, limit: 60))'")
        }
        summary.id = id
        summary.key = parsedKey
        return (layout, summary, nil)
    }

    /// Validates a single-issue response in one pass and reads its summary and layout.
    public static func parse(_ bytes: [UInt8]) throws(JiraShapeError) -> ParsedIssue {
        let result: Result<(IssueLayout, IssueSummary?, String?), JSONScanError> = JSONScanner.withScanner(bytes) { s in
            do throws(JSONScanError) {
                let start = s.skipWhitespace(0)
                let scanned = try scanIssue(s, at: start, depth: 0)
                let rest = s.skipWhitespace(scanned.0.issue.end)
                guard rest == s.count || scanned.2 != nil else {
                    throw JSONScanError(.invalid, at: rest, "unexpected data after the JSON value")
                }
                return .success(scanned)
            } catch { return .failure(error) }
        }
        switch result {
        case .failure(let error):
            throw JiraShapeError(reason: "the body is not JSON (\(error))", truncated: error.kind == .truncated)
        case .success(let (layout, summary, problem)):
            guard let summary else {
                let notAnObject = problem == "an issue row is not a JSON object"
                throw JiraShapeError(
                    reason: notAnObject ? "expected an issue object" : problem ?? "malformed issue", truncated: false,
                    malformedRow: !notAnObject)
            }
            return ParsedIssue(bytes: bytes, summary: summary, layout: layout)
        }
    }
}
