/// An issue key, `PROJ-123`: a project key and a positive number, parsed and validated once.
/// Ordered as JIRA orders keys: by project, then by number (so `P-9 < P-10`).
public struct IssueKey: Sendable, Hashable, Comparable, CustomStringConvertible, Codable, ExpressibleByStringLiteral {
    public let project: String
    public let number: Int

    /// Parses `PROJ-123`: a project key JIRA accepts (a letter, then letters, digits or `_`, up to
    /// 255 characters) and a number 1…Int32.max; nil for anything else (server text included).
    public init?(_ text: some StringProtocol) {
        guard text.utf8.count <= 300, let dash = text.lastIndex(of: "-") else { return nil }
        let project = text[..<dash], digits = text[text.index(after: dash)...]
        guard let first = project.utf8.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first),
            project.utf8.allSatisfy({
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_")
            }),
            !digits.isEmpty, digits.utf8.count <= 10,
            digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            digits.utf8.first != UInt8(ascii: "0"), let number = Int(digits), number <= Int(Int32.max)
        else { return nil }
        self.project = String(project)
        self.number = number
    }

    public init(project: String, number: Int) {
        self.project = project
        self.number = number
    }

    public var description: String { "\(project)-\(number)" }

    /// A key written in code (`"PROJ-7"`); a literal that is not a key is a programmer error and
    /// traps. Text from a user or a server goes through `init?(_:)`.
    public init(stringLiteral text: String) {
        guard let key = IssueKey(text) else { preconditionFailure("'\(text)' is not an issue key") }
        self = key
    }

    public static func < (a: IssueKey, b: IssueKey) -> Bool { (a.project, a.number) < (b.project, b.number) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = IssueKey(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an issue key"))
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension String {
    /// Key order, as JIRA sorts keys: project, then number (`P-9` before `P-10`); text that is
    /// not a key sorts after keys, by its characters.
    public func keyOrderLess(_ other: String) -> Bool {
        switch (IssueKey(self), IssueKey(other)) {
        case let (a?, b?): a < b
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): self < other
        }
    }
}
