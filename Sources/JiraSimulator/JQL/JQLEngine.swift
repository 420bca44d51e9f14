import Foundation

/// Evaluates JQL over a universe with JIRA Server's semantics, including the ones that trap
/// clients:
/// - `id`, `key`, `issuekey` and `issue` are one clause. Equality matches the issue (an old key of
///   a moved issue finds it). A relational operator resolves its literal to one issue and matches
///   the issues of that issue's project whose key number compares so (Atlassian's
///   `IssueIdClauseQueryFactory`: a range on the key number plus a project term).
/// - A literal naming a deleted issue, or a relational literal naming a moved issue's old key, is
///   a 400 (under `validateQuery` strict) or a warning and no match (warn).
/// - `updated` filters and sorts on the index's value at second precision, which a Lucene
///   reindex can set apart from the document's `fields.updated`.
public struct JQLEngine: Sendable {
    public enum Validation: Sendable { case strict, warn }

    public let universe: SimUniverse
    /// Zone of the searching user: date literals are read in it.
    public let zone: TimeZone
    public var validation: Validation = .strict
    public var nowMs: Int64 = JiraTime.nowMs()

    public init(universe: SimUniverse, zone: TimeZone, validation: Validation = .strict) {
        self.universe = universe
        self.zone = zone
        self.validation = validation
    }

    public struct Result: Sendable {
        /// Matching issues in the query's order.
        public var issues: [SimIssue]
        public var warnings: [String]
    }

    typealias Predicate = (SimIssue) -> Bool

    public func search(_ jql: String) throws(JQLError) -> Result {
        let query = try JQLParser.parse(jql)
        var warnings: [String] = []
        let predicate: Predicate =
            try query.condition.map { node throws(JQLError) in try compile(node, &warnings) } ?? { _ in true }
        let comparator = try sortComparator(query.orderBy)
        let candidates = candidateIDs(query.condition)
        var matches: [SimIssue] = []
        if let candidates {
            for id in candidates { if let issue = universe.issues[id], predicate(issue) { matches.append(issue) } }
        } else {
            for issue in universe.issues.values where predicate(issue) { matches.append(issue) }
        }
        matches.sort(by: comparator)
        return Result(issues: matches, warnings: warnings)
    }

    /// Narrows evaluation to the projects or issues a top-level AND pins, when it does.
    private func candidateIDs(_ node: JQLNode?) -> [Int]? {
        guard let node else { return nil }
        let terms: [JQLNode]
        if case .and(let list) = node { terms = list } else { terms = [node] }
        // An issue list pins the fewest candidates: use it first (as an index would).
        for term in terms {
            guard case .clause(let c) = term, ["id", "key", "issuekey", "issue"].contains(c.field),
                c.op == .equals || c.op == .in
            else { continue }
            let literals: [String]
            switch c.operand {
            case .value(let v): literals = [v];
            case .list(let l): literals = l;
            case .empty: continue
            }
            return Array(Set(literals.compactMap { universe.resolve($0)?.id }))
        }
        for term in terms {
            guard case .clause(let c) = term else { continue }
            if c.field == "project", c.op == .equals || c.op == .in {
                let values: [String]
                switch c.operand {
                case .value(let v): values = [v];
                case .list(let l): values = l;
                case .empty: continue
                }
                var ids: [Int] = []
                for v in values { if let key = projectKey(v) { ids += universe.members[key] ?? [] } }
                return ids
            }
        }
        return nil
    }

    private func projectKey(_ value: String) -> String? {
        if let p = universe.projects[value.uppercased()] { return p.key }
        return universe.projects.values.first { String($0.id) == value || $0.name.lowercased() == value.lowercased() }?
            .key
    }

    private func values(_ operand: JQLOperand) -> [String] {
        switch operand {
        case .value(let v): [v];
        case .list(let l): l;
        case .empty: []
        }
    }

    private func reject(_ message: String, _ warnings: inout [String]) throws(JQLError) {
        if validation == .strict { throw JQLError(message) }
        warnings.append(message)
    }

    private func compile(_ node: JQLNode, _ warnings: inout [String]) throws(JQLError) -> Predicate {
        switch node {
        case .and(let terms):
            var compiled: [Predicate] = []
            for t in terms { compiled.append(try compile(t, &warnings)) }
            return { issue in compiled.allSatisfy { $0(issue) } }
        case .or(let terms):
            var compiled: [Predicate] = []
            for t in terms { compiled.append(try compile(t, &warnings)) }
            return { issue in compiled.contains { $0(issue) } }
        case .not(let inner):
            let p = try compile(inner, &warnings)
            return { !p($0) }
        case .clause(let clause):
            return try compile(clause, &warnings)
        }
    }

    private func compile(_ c: JQLClause, _ warnings: inout [String]) throws(JQLError) -> Predicate {
        let fieldName = c.field
        switch fieldName {
        case "project":
            if c.op == .is { return { _ in false } }
            if c.op == .isNot { return { _ in true } }
            guard [.equals, .notEquals, .in, .notIn].contains(c.op) else { throw badOperator(c) }
            var keys: Set<String> = []
            for v in values(c.operand) {
                if let key = projectKey(v) {
                    keys.insert(key)
                } else {
                    try reject("The value '\(v)' does not exist for the field 'project'.", &warnings)
                }
            }
            let positive = c.op == .equals || c.op == .in
            return { keys.contains($0.projectKey) == positive }
        case "key", "issuekey", "id", "issue":
            return try compileIssueKey(c, &warnings)
        case "updated", "created":
            if c.op == .is { return { _ in false } }
            if c.op == .isNot { return { _ in true } }
            var instants: [Int64] = []
            for v in values(c.operand) {
                instants.append(try JQLDateLiteral.instant(v, field: fieldName, zone: zone, nowMs: nowMs))
            }
            let value: (SimIssue) -> Int64 =
                fieldName == "updated"
                ? { $0.indexedUpdatedSeconds * 1000 } : { $0.created / 1000 * 1000 }
            guard let first = instants.first else { throw badOperator(c) }
            switch c.op {
            case .equals: return { value($0) == first }
            case .notEquals: return { value($0) != first }
            case .greater: return { value($0) > first }
            case .greaterOrEqual: return { value($0) >= first }
            case .less: return { value($0) < first }
            case .lessOrEqual: return { value($0) <= first }
            case .in: let set = Set(instants); return { set.contains(value($0)) }
            case .notIn: let set = Set(instants); return { !set.contains(value($0)) }
            default: throw badOperator(c)
            }
        case "status", "issuetype", "type":
            if c.op == .is { return { _ in false } }
            if c.op == .isNot { return { _ in true } }
            guard [.equals, .notEquals, .in, .notIn].contains(c.op) else { throw badOperator(c) }
            var indexes: Set<Int> = []
            for v in values(c.operand) {
                let index =
                    fieldName == "status" ? SimVocabulary.statusIndex(named: v) : SimVocabulary.issueTypeIndex(named: v)
                if let index {
                    indexes.insert(index)
                } else {
                    try reject("The value '\(v)' does not exist for the field '\(fieldName)'.", &warnings)
                }
            }
            let positive = c.op == .equals || c.op == .in
            if fieldName == "status" { return { indexes.contains($0.status) == positive } }
            return { indexes.contains($0.issueType) == positive }
        case "labels":
            switch c.op {
            case .is: return { $0.labels.isEmpty }
            case .isNot: return { !$0.labels.isEmpty }
            case .equals, .in: let set = Set(values(c.operand)); return { !set.isDisjoint(with: $0.labels) }
            case .notEquals, .notIn:
                let set = Set(values(c.operand))
                return { !$0.labels.isEmpty && set.isDisjoint(with: $0.labels) }
            default: throw badOperator(c)
            }
        case "summary", "text":
            guard c.op == .like || c.op == .notLike, case .value(let needle) = c.operand else { throw badOperator(c) }
            let lowered = needle.lowercased()
            let positive = c.op == .like
            return { TextGenerator.summary(for: $0).lowercased().contains(lowered) == positive }
        default:
            throw JQLError("Field '\(fieldName)' does not exist or you do not have permission to view it.")
        }
    }

    private func badOperator(_ c: JQLClause) -> JQLError {
        JQLError("The operator '\(c.op.rawValue)' is not supported by the '\(c.field)' field.")
    }

    private func compileIssueKey(_ c: JQLClause, _ warnings: inout [String]) throws(JQLError) -> Predicate {
        if c.op == .is { return { _ in false } }
        if c.op == .isNot { return { _ in true } }
        if c.op == .like || c.op == .notLike { throw badOperator(c) }
        let literals = values(c.operand)
        if c.op.isRelational {
            guard let literal = literals.first else { throw badOperator(c) }
            let upper = literal.uppercased()
            let target: SimIssue
            if let id = Int(literal) {
                guard let issue = universe.issues[id] else {
                    try reject("An issue with key '\(literal)' does not exist for field '\(c.field)'.", &warnings)
                    return { _ in false }
                }
                target = issue
            } else if let id = universe.byKey[upper], let issue = universe.issues[id] {
                target = issue
            } else if universe.movedKeys[upper] != nil {
                try reject("Operator '\(c.op.rawValue)' cannot be applied to moved issue key '\(literal)'.", &warnings)
                return { _ in false }
            } else {
                try reject(missingKeyMessage(literal, field: c.field), &warnings)
                return { _ in false }
            }
            let project = target.projectKey, number = target.number
            switch c.op {
            case .greater: return { $0.projectKey == project && $0.number > number }
            case .greaterOrEqual: return { $0.projectKey == project && $0.number >= number }
            case .less: return { $0.projectKey == project && $0.number < number }
            default: return { $0.projectKey == project && $0.number <= number }
            }
        }
        var ids: Set<Int> = []
        for literal in literals {
            if let issue = universe.resolve(literal) {
                ids.insert(issue.id)
            } else {
                try reject(missingKeyMessage(literal, field: c.field), &warnings)
            }
        }
        let positive = c.op == .equals || c.op == .in
        return { ids.contains($0.id) == positive }
    }

    private func missingKeyMessage(_ literal: String, field: String) -> String {
        if Int(literal) != nil { return "An issue with key '\(literal)' does not exist for field '\(field)'." }
        let parts = literal.split(separator: "-")
        if parts.count != 2 || Int(parts[1]) == nil || parts[0].isEmpty {
            return "The issue key '\(literal)' for field '\(field)' is invalid."
        }
        return "An issue with key '\(literal)' does not exist for field '\(field)'."
    }

    private func sortComparator(_ keys: [JQLSortKey]) throws(JQLError) -> (SimIssue, SimIssue) -> Bool {
        typealias Compare = (SimIssue, SimIssue) -> Int
        func cmp<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a > b ? 1 : 0) }
        var comparers: [Compare] = []
        for key in keys {
            let base: Compare
            switch key.field {
            case "key", "issuekey":
                base = {
                    cmp($0.projectKey, $1.projectKey) != 0
                        ? cmp($0.projectKey, $1.projectKey) : cmp($0.number, $1.number)
                }
            case "id", "issue": base = { cmp($0.id, $1.id) }
            case "updated": base = { cmp($0.indexedUpdatedSeconds, $1.indexedUpdatedSeconds) }
            case "created": base = { cmp($0.created / 1000, $1.created / 1000) }
            case "project": base = { cmp($0.projectKey, $1.projectKey) }
            case "status": base = { cmp($0.status, $1.status) }
            case "issuetype", "type": base = { cmp($0.issueType, $1.issueType) }
            case "priority": base = { cmp($0.priority, $1.priority) }
            default:
                if FieldCatalog.ids.contains(key.field) {
                    throw JQLError("Not able to sort using field '\(key.field)'.")
                }
                throw JQLError("Field '\(key.field)' does not exist or you do not have permission to view it.")
            }
            comparers.append(key.ascending ? base : { base($1, $0) })
        }
        comparers.append { cmp($0.id, $1.id) }
        return { a, b in
            for c in comparers {
                let r = c(a, b)
                if r != 0 { return r < 0 }
            }
            return false
        }
    }
}
