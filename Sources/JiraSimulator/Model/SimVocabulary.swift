/// Fixed reference data the simulated server exposes: statuses, issue types, priorities, link types.
public enum SimVocabulary {
    public struct Status: Sendable {
        public let id: Int, name: String, categoryID: Int, categoryKey: String, categoryName: String, color: String
    }
    public static let statuses: [Status] = [
        Status(id: 1, name: "Open", categoryID: 2, categoryKey: "new", categoryName: "To Do", color: "blue-gray"),
        Status(
            id: 3, name: "In Progress", categoryID: 4, categoryKey: "indeterminate", categoryName: "In Progress",
            color: "yellow"),
        Status(
            id: 10000, name: "In Review", categoryID: 4, categoryKey: "indeterminate", categoryName: "In Progress",
            color: "yellow"),
        Status(id: 5, name: "Resolved", categoryID: 3, categoryKey: "done", categoryName: "Done", color: "green"),
        Status(id: 6, name: "Closed", categoryID: 3, categoryKey: "done", categoryName: "Done", color: "green"),
    ]
    public static let issueTypes: [(id: Int, name: String, description: String)] = [
        (10001, "Story", "A user story."),
        (1, "Bug", "A problem which impairs or prevents the functions of the product."),
        (3, "Task", "A task that needs to be done."),
        (10000, "Epic", "Created by Jira Software - do not edit or delete."),
        (10002, "Requirement", "A requirement that other issues implement."),
        (10003, "Test Plan", "A plan that tests other issues."),
    ]
    public static let priorities: [(id: Int, name: String)] = [
        (1, "Highest"), (2, "High"), (3, "Medium"), (4, "Low"), (5, "Lowest"),
    ]
    public static let linkTypes: [(id: Int, name: String, inward: String, outward: String)] = [
        (10000, "Blocks", "is blocked by", "blocks"),
        (10001, "Cloners", "is cloned by", "clones"),
        (10002, "Duplicate", "is duplicated by", "duplicates"),
        (10003, "Relates", "relates to", "relates to"),
        (10100, "Implements", "is implemented by", "implements"),
        (10101, "Tests", "is tested by", "tests"),
        (10102, "Decomposition", "is decomposed from", "decomposes"),
    ]
    public static let labels = [
        "backend", "frontend", "infra", "security", "perf", "nightly", "regression", "ux",
        "api", "data", "migration", "customer",
    ]
    public static let resolvedStatusIndexes: Set<Int> = [3, 4]

    public static func statusIndex(named name: String) -> Int? {
        statuses.firstIndex { $0.name.lowercased() == name.lowercased() || String($0.id) == name }
    }
    public static func issueTypeIndex(named name: String) -> Int? {
        issueTypes.firstIndex { $0.name.lowercased() == name.lowercased() || String($0.id) == name }
    }
}
