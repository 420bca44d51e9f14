/// A recursive-descent parser for the JQL subset clients send: OR of ANDs of (NOT) terms,
/// parentheses, the comparison operators, IN lists, IS [NOT] EMPTY, and ORDER BY.
struct JQLParser {
    private var tokens: [JQLLexer.Token]
    private var index = 0

    static func parse(_ source: String) throws(JQLError) -> JQLQuery {
        var parser = JQLParser(tokens: try JQLLexer.tokenize(source))
        return try parser.query()
    }

    private init(tokens: [JQLLexer.Token]) { self.tokens = tokens }

    private var current: JQLLexer.Token { tokens[index] }
    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private func unexpected(_ expectation: String) -> JQLError {
        let got = current.kind == .end ? "end of query" : "'\(current.text)'"
        let position = current.kind == .end ? "" : " (line 1, character \(current.position))"
        return JQLError("Error in the JQL Query: Expecting \(expectation) but got \(got).\(position)")
    }

    private mutating func query() throws(JQLError) -> JQLQuery {
        var condition: JQLNode?
        if !current.isKeyword("order") && current.kind != .end { condition = try orExpression() }
        var orderBy: [JQLSortKey] = []
        if current.isKeyword("order") {
            advance()
            guard current.isKeyword("by") else { throw unexpected("'by'") }
            advance()
            repeat {
                if current.kind == .comma { advance() }
                guard current.kind == .word || current.kind == .string else { throw unexpected("a field name") }
                var key = JQLSortKey(field: current.text.lowercased(), ascending: true)
                advance()
                if current.isKeyword("asc") {
                    advance()
                } else if current.isKeyword("desc") {
                    key.ascending = false; advance()
                }
                orderBy.append(key)
            } while current.kind == .comma
        }
        guard current.kind == .end else {
            throw unexpected(condition == nil ? "a field name" : "either 'OR' or 'AND'")
        }
        return JQLQuery(condition: condition, orderBy: orderBy)
    }

    private mutating func orExpression() throws(JQLError) -> JQLNode {
        var terms = [try andExpression()]
        while current.isKeyword("or") {
            advance()
            terms.append(try andExpression())
        }
        return terms.count == 1 ? terms[0] : .or(terms)
    }

    private mutating func andExpression() throws(JQLError) -> JQLNode {
        var terms = [try notExpression()]
        while current.isKeyword("and") {
            advance()
            terms.append(try notExpression())
        }
        return terms.count == 1 ? terms[0] : .and(terms)
    }

    private mutating func notExpression() throws(JQLError) -> JQLNode {
        if current.isKeyword("not") || (current.kind == .word && current.text == "!") {
            advance()
            return .not(try notExpression())
        }
        if current.kind == .lparen {
            advance()
            let inner = try orExpression()
            guard current.kind == .rparen else { throw unexpected("')'") }
            advance()
            return inner
        }
        return .clause(try clause())
    }

    private static let reserved: Set<String> = ["and", "or", "not", "in", "is", "order", "by", "empty", "null"]

    private mutating func clause() throws(JQLError) -> JQLClause {
        guard current.kind == .word || current.kind == .string,
            !(current.kind == .word && Self.reserved.contains(current.text.lowercased()))
        else {
            throw unexpected("a field name")
        }
        let field = current.text.lowercased()
        advance()
        let op: JQLOperator
        if current.kind == .op, let o = JQLOperator(rawValue: current.text) {
            op = o
            advance()
        } else if current.isKeyword("in") {
            op = .in
            advance()
        } else if current.isKeyword("not") {
            advance()
            guard current.isKeyword("in") else { throw unexpected("'IN'") }
            op = .notIn
            advance()
        } else if current.isKeyword("is") {
            advance()
            if current.isKeyword("not") { advance(); op = .isNot } else { op = .is }
        } else {
            throw unexpected("operator")
        }
        switch op {
        case .is, .isNot:
            guard current.isKeyword("empty") || current.isKeyword("null") else { throw unexpected("EMPTY") }
            advance()
            return JQLClause(field: field, op: op, operand: .empty)
        case .in, .notIn:
            guard current.kind == .lparen else { throw unexpected("'('") }
            advance()
            var values: [String] = []
            while true {
                guard current.kind == .word || current.kind == .string else { throw unexpected("a value") }
                values.append(current.text)
                advance()
                if current.kind == .comma { advance(); continue }
                guard current.kind == .rparen else { throw unexpected("')'") }
                advance()
                break
            }
            return JQLClause(field: field, op: op, operand: .list(values))
        default:
            if current.isKeyword("empty") || current.isKeyword("null") {
                advance()
                return JQLClause(field: field, op: op, operand: .empty)
            }
            guard current.kind == .word || current.kind == .string else {
                throw unexpected("either a value, list or function")
            }
            let value = current.text
            advance()
            if current.kind == .lparen { throw JQLError("Unable to find JQL function '\(value)()'.") }
            return JQLClause(field: field, op: op, operand: .value(value))
        }
    }
}
