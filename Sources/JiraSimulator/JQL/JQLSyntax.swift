/// The parsed form of a JQL query.
public struct JQLQuery: Sendable {
    public var condition: JQLNode?
    public var orderBy: [JQLSortKey]
}

public struct JQLSortKey: Sendable {
    public var field: String
    public var ascending: Bool
}

public indirect enum JQLNode: Sendable {
    case and([JQLNode])
    case or([JQLNode])
    case not(JQLNode)
    case clause(JQLClause)
}

public struct JQLClause: Sendable {
    public var field: String
    public var op: JQLOperator
    public var operand: JQLOperand
}

public enum JQLOperator: String, Sendable {
    case equals = "=", notEquals = "!=", greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<="
    case `in` = "in", notIn = "not in", `is` = "is", isNot = "is not", like = "~", notLike = "!~"

    var isRelational: Bool { [.greater, .greaterOrEqual, .less, .lessOrEqual].contains(self) }
}

public enum JQLOperand: Sendable {
    case value(String)
    case list([String])
    case empty
}

/// A rejected query, with JIRA's wording.
public struct JQLError: Error, Sendable, Equatable {
    public var messages: [String]
    public init(_ message: String) { messages = [message] }
}
