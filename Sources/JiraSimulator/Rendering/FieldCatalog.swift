/// The fields the simulated JIRA has, in the order it renders them, as `GET /field` lists them.
public enum FieldCatalog {
    public struct Field: Sendable {
        public let id: String
        public let name: String
        public let navigable: Bool
        public let type: String
        public let items: String?
        public let custom: String?
        public var isCustom: Bool { custom != nil }
    }

    public static let fields: [Field] = [
        Field(id: "summary", name: "Summary", navigable: true, type: "string", items: nil, custom: nil),
        Field(id: "issuetype", name: "Issue Type", navigable: true, type: "issuetype", items: nil, custom: nil),
        Field(id: "status", name: "Status", navigable: true, type: "status", items: nil, custom: nil),
        Field(id: "priority", name: "Priority", navigable: true, type: "priority", items: nil, custom: nil),
        Field(id: "project", name: "Project", navigable: true, type: "project", items: nil, custom: nil),
        Field(id: "labels", name: "Labels", navigable: true, type: "array", items: "string", custom: nil),
        Field(id: "created", name: "Created", navigable: true, type: "datetime", items: nil, custom: nil),
        Field(id: "updated", name: "Updated", navigable: true, type: "datetime", items: nil, custom: nil),
        Field(id: "resolutiondate", name: "Resolved", navigable: true, type: "datetime", items: nil, custom: nil),
        Field(id: "resolution", name: "Resolution", navigable: true, type: "resolution", items: nil, custom: nil),
        Field(id: "duedate", name: "Due Date", navigable: true, type: "date", items: nil, custom: nil),
        Field(id: "assignee", name: "Assignee", navigable: true, type: "user", items: nil, custom: nil),
        Field(id: "reporter", name: "Reporter", navigable: true, type: "user", items: nil, custom: nil),
        Field(id: "creator", name: "Creator", navigable: true, type: "user", items: nil, custom: nil),
        Field(id: "description", name: "Description", navigable: true, type: "string", items: nil, custom: nil),
        Field(id: "environment", name: "Environment", navigable: true, type: "string", items: nil, custom: nil),
        Field(id: "components", name: "Component/s", navigable: true, type: "array", items: "component", custom: nil),
        Field(id: "fixVersions", name: "Fix Version/s", navigable: true, type: "array", items: "version", custom: nil),
        Field(id: "versions", name: "Affects Version/s", navigable: true, type: "array", items: "version", custom: nil),
        Field(id: "watches", name: "Watchers", navigable: true, type: "watches", items: nil, custom: nil),
        Field(id: "votes", name: "Votes", navigable: true, type: "votes", items: nil, custom: nil),
        Field(
            id: "issuelinks", name: "Linked Issues", navigable: true, type: "array", items: "issuelinks", custom: nil),
        Field(id: "subtasks", name: "Sub-Tasks", navigable: true, type: "array", items: "issuelinks", custom: nil),
        Field(id: "attachment", name: "Attachment", navigable: false, type: "array", items: "attachment", custom: nil),
        Field(id: "comment", name: "Comment", navigable: true, type: "comments-page", items: nil, custom: nil),
        Field(id: "worklog", name: "Log Work", navigable: false, type: "array", items: "worklog", custom: nil),
        Field(
            id: "timetracking", name: "Time Tracking", navigable: false, type: "timetracking", items: nil, custom: nil),
        Field(id: "lastViewed", name: "Last Viewed", navigable: true, type: "datetime", items: nil, custom: nil),
        Field(
            id: "customfield_10100", name: "Story Points", navigable: true, type: "number", items: nil,
            custom: "com.atlassian.jira.plugin.system.customfieldtypes:float"),
        Field(
            id: "customfield_10101", name: "Team", navigable: true, type: "option", items: nil,
            custom: "com.atlassian.jira.plugin.system.customfieldtypes:select"),
        Field(
            id: "customfield_10102", name: "Epic Link", navigable: true, type: "any", items: nil,
            custom: "com.pyxis.greenhopper.jira:gh-epic-link"),
        Field(
            id: "customfield_10103", name: "Acceptance Criteria", navigable: true, type: "string", items: nil,
            custom: "com.atlassian.jira.plugin.system.customfieldtypes:textarea"),
        Field(
            id: "customfield_10104", name: "Target Date", navigable: true, type: "date", items: nil,
            custom: "com.atlassian.jira.plugin.system.customfieldtypes:datepicker"),
        Field(
            id: "customfield_10105", name: "Tech Owner", navigable: true, type: "user", items: nil,
            custom: "com.atlassian.jira.plugin.system.customfieldtypes:userpicker"),
        Field(
            id: "customfield_10106", name: "Sprint", navigable: true, type: "array", items: "string",
            custom: "com.pyxis.greenhopper.jira:gh-sprint"),
        Field(
            id: "customfield_10107", name: "Affected Services", navigable: true, type: "array", items: "option",
            custom: "com.atlassian.jira.plugin.system.customfieldtypes:multiselect"),
    ]

    public static let ids: Set<String> = Set(fields.map(\.id))

    /// Which fields a `fields` parameter selects: `*all`, `*navigable`, `-name` exclusions and names.
    public struct Selection: Sendable {
        var all = false
        var navigable = false
        var explicit: Set<String> = []
        var excluded: Set<String> = []

        /// Parses the comma-separated (or repeated) `fields` values; empty means `defaultAll`.
        public init(_ values: [String], defaultAll: Bool) {
            let tokens = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters() }.filter {
                !$0.isEmpty
            }
            for token in tokens {
                switch token {
                case "*all": all = true
                case "*navigable": navigable = true
                default:
                    if token.hasPrefix("-") {
                        excluded.insert(String(token.dropFirst()))
                    } else {
                        explicit.insert(token)
                    }
                }
            }
            if !all && !navigable && explicit.isEmpty {
                if defaultAll { all = true } else { navigable = true }
            }
        }

        public func includes(_ field: Field) -> Bool {
            if excluded.contains(field.id) { return false }
            return all || (navigable && field.navigable) || explicit.contains(field.id)
        }

        public var includesIssueLinks: Bool { includes(FieldCatalog.fields[21]) }
        /// Whether the selection is no more than ids and keys (a key listing).
        public var isKeysOnly: Bool {
            !all && !navigable && explicit.allSatisfy { !FieldCatalog.ids.contains($0) || $0 == "updated" }
        }
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
