/// Renders issues and their sub-resources in JIRA Server's JSON shapes.
///
/// Content that the universe does not store (text, comments, worklogs, histories, custom values)
/// is generated from the issue's `contentSeed`, so repeated renders agree byte for byte.
public struct IssueRenderer: Sendable {
    public let universe: SimUniverse
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    public let baseURL: String
    public let offsetMinutes: Int

    public init(universe: SimUniverse, baseURL: String, offsetMinutes: Int) {
        self.universe = universe
        self.baseURL = baseURL
        self.offsetMinutes = offsetMinutes
    }

    /// How many entries JIRA puts inline before it truncates (the `total` stays true).
    public struct InlineCaps: Sendable {
        public var comments: Int?
        public var worklogs: Int
        public var histories: Int?
        public static let issue = InlineCaps(comments: nil, worklogs: 20, histories: nil)
        public static let search = InlineCaps(comments: 20, worklogs: 20, histories: 100)
    }

    func date(_ ms: Int64) -> String { JiraTime.format(ms, offsetMinutes: offsetMinutes) }

    // MARK: - Issue

    public func writeIssue(
        _ issue: SimIssue, into json: inout JSONBuilder, selection: FieldCatalog.Selection,
        expand: Set<String>, caps: InlineCaps, withNamesAndSchema: Bool
    ) {
        json.beginObject()
        json.member("expand", "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations")
        json.member("id", String(issue.id))
        json.member("self", "\(baseURL)/rest/api/2/issue/\(issue.id)")
        json.member("key", issue.key)
        json.object("fields")
        for field in FieldCatalog.fields where selection.includes(field) {
            json.key(field.id)
            writeField(field.id, of: issue, into: &json, caps: caps)
        }
        json.endObject()
        if expand.contains("changelog") {
            json.object("changelog")
            let total = issue.totalHistories
            let shown = min(total, caps.histories ?? total)
            json.member("startAt", 0)
            json.member("maxResults", shown)
            json.member("total", total)
            json.array("histories")
            for index in 0..<shown { writeHistory(index, of: issue, into: &json) }
            json.endArray()
            json.endObject()
        }
        if withNamesAndSchema {
            if expand.contains("names") { writeNames(selection: selection, into: &json) }
            if expand.contains("schema") { writeSchema(selection: selection, into: &json) }
        }
        json.endObject()
    }

    public func writeNames(selection: FieldCatalog.Selection, into json: inout JSONBuilder) {
        json.object("names")
        for field in FieldCatalog.fields where selection.includes(field) { json.member(field.id, field.name) }
        json.endObject()
    }

    public func writeSchema(selection: FieldCatalog.Selection, into json: inout JSONBuilder) {
        json.object("schema")
        for field in FieldCatalog.fields where selection.includes(field) {
            json.object(field.id)
            writeFieldSchema(field, into: &json)
            json.endObject()
        }
        json.endObject()
    }

    func writeFieldSchema(_ field: FieldCatalog.Field, into json: inout JSONBuilder) {
        json.member("type", field.type)
        if let items = field.items { json.member("items", items) }
        if let custom = field.custom {
            json.member("custom", custom)
            json.member("customId", Int(field.id.dropFirst("customfield_".count)) ?? 0)
        } else {
            json.member("system", field.id)
        }
    }

    private func writeField(_ id: String, of issue: SimIssue, into json: inout JSONBuilder, caps: InlineCaps) {
        var rng = SplitMix64(seed: issue.contentSeed, 2, issue.revision)
        let resolved = SimVocabulary.resolvedStatusIndexes.contains(issue.status)
        switch id {
        case "summary": json.string(TextGenerator.summary(for: issue))
        case "issuetype": writeIssueType(issue.issueType, into: &json)
        case "status": writeStatus(issue.status, into: &json)
        case "priority": writePriority(issue.priority, into: &json)
        case "project": writeProject(issue.projectKey, into: &json)
        case "labels":
            json.openArrayValue()
            for label in issue.labels { json.string(label) }
            json.endArray()
        case "created": json.string(date(issue.created))
        case "updated": json.string(date(issue.updated))
        case "resolutiondate": if resolved { json.string(date(issue.updated)) } else { json.null() }
        case "resolution":
            if resolved {
                json.openObjectValue()
                json.member("self", "\(baseURL)/rest/api/2/resolution/10000")
                json.member("id", "10000")
                json.member("description", "Work has been completed on this issue.")
                json.member("name", "Done")
                json.endObject()
            } else {
                json.null()
            }
        case "duedate":
            if issue.id % 3 == 0 {
                json.string(JiraTime.formatDay(issue.created + 30 * JiraTime.msPerDay, offsetMinutes: offsetMinutes))
            } else {
                json.null()
            }
        case "assignee": if let a = issue.assignee { writeUser(a, into: &json) } else { json.null() }
        case "reporter", "creator": writeUser(issue.reporter, into: &json)
        case "description":
            var text = SplitMix64(seed: issue.contentSeed, 3, issue.revision)
            json.string(TextGenerator.paragraph(&text, length: issue.descriptionLength))
        case "environment": json.null()
        case "components", "fixVersions", "versions":
            json.openArrayValue()
            if issue.id % 4 == 0 {
                json.openObjectValue()
                json.member(
                    "self", "\(baseURL)/rest/api/2/\(id == "components" ? "component" : "version")/1\(issue.id % 7)")
                json.member("id", "1\(issue.id % 7)")
                json.member("name", id == "components" ? "Core \(issue.id % 7)" : "2.\(issue.id % 7)")
                json.endObject()
            }
            json.endArray()
        case "watches":
            json.openObjectValue()
            json.member("self", "\(baseURL)/rest/api/2/issue/\(issue.key)/watchers")
            json.member("watchCount", issue.watcherCount)
            json.member("isWatching", false)
            json.endObject()
        case "votes":
            json.openObjectValue()
            json.member("self", "\(baseURL)/rest/api/2/issue/\(issue.key)/votes")
            json.member("votes", issue.voterCount)
            json.member("hasVoted", false)
            json.endObject()
        case "issuelinks":
            json.openArrayValue()
            for linkID in issue.linkIDs {
                if let link = universe.links[linkID] { writeLink(link, on: issue.id, into: &json) }
            }
            json.endArray()
        case "subtasks", "attachment":
            json.openArrayValue()
            json.endArray()
        case "comment":
            let shown = min(issue.commentCount, caps.comments ?? issue.commentCount)
            json.openObjectValue()
            json.array("comments")
            for index in 0..<shown { writeComment(index, of: issue, into: &json) }
            json.endArray()
            json.member("maxResults", shown)
            json.member("total", issue.commentCount)
            json.member("startAt", 0)
            json.endObject()
        case "worklog":
            let shown = min(issue.worklogCount, caps.worklogs)
            json.openObjectValue()
            json.member("startAt", 0)
            json.member("maxResults", caps.worklogs)
            json.member("total", issue.worklogCount)
            json.array("worklogs")
            for index in 0..<shown { writeWorklog(index, of: issue, into: &json) }
            json.endArray()
            json.endObject()
        case "timetracking":
            json.openObjectValue()
            json.endObject()
        case "lastViewed": json.null()
        case "customfield_10100": if rng.chance(0.7) { json.double(Double(rng.int(1...13))) } else { json.null() }
        case "customfield_10101":
            let team = rng.int(0...4)
            json.openObjectValue()
            json.member("self", "\(baseURL)/rest/api/2/customFieldOption/1020\(team)")
            json.member("value", ["Platform", "Payments", "Search", "Mobile", "Data"][team])
            json.member("id", "1020\(team)")
            json.endObject()
        case "customfield_10102": if issue.issueType == 0 { json.string("\(issue.projectKey)-1") } else { json.null() }
        case "customfield_10103":
            if rng.chance(0.5) {
                var text = SplitMix64(seed: issue.contentSeed, 4, issue.revision)
                json.string(TextGenerator.paragraph(&text, length: 300))
            } else {
                json.null()
            }
        case "customfield_10104":
            json.string(JiraTime.formatDay(issue.created + 60 * JiraTime.msPerDay, offsetMinutes: offsetMinutes))
        case "customfield_10105": writeUser(Int(issue.contentSeed % UInt64(max(1, universe.users.count))), into: &json)
        case "customfield_10106":
            json.openArrayValue()
            let sprint = issue.id % 40
            json.string(
                "com.atlassian.greenhopper.service.sprint.Sprint@\(sprint)f3a[id=\(sprint),rapidViewId=3,state=CLOSED,name=Sprint \(sprint),startDate=2025-01-06T09:00:00.000-06:00,endDate=2025-01-20T09:00:00.000-06:00,sequence=\(sprint)]"
            )
            json.endArray()
        case "customfield_10107":
            json.openArrayValue()
            for service in 0..<rng.int(0...2) {
                json.openObjectValue()
                json.member("self", "\(baseURL)/rest/api/2/customFieldOption/1030\(service)")
                json.member("value", "service-\(service)")
                json.member("id", "1030\(service)")
                json.endObject()
            }
            json.endArray()
        default: json.null()
        }
    }

    // MARK: - Shared objects

    func writeUser(_ index: Int, into json: inout JSONBuilder) {
        let user =
            universe.users.isEmpty
            ? SimUser(name: "admin", displayName: "Admin", email: "admin@example.invalid", timeZone: "UTC")
            : universe.users[index % universe.users.count]
        json.openObjectValue()
        json.member("self", "\(baseURL)/rest/api/2/user?username=\(user.name)")
        json.member("name", user.name)
        json.member("key", "JIRAUSER1\(index)")
        json.member("emailAddress", user.email)
        json.object("avatarUrls")
        json.member("48x48", "\(baseURL)/secure/useravatar?avatarId=10122")
        json.member("24x24", "\(baseURL)/secure/useravatar?size=small&avatarId=10122")
        json.endObject()
        json.member("displayName", user.displayName)
        json.member("active", true)
        json.member("timeZone", user.timeZone)
        json.endObject()
    }

    func writeStatus(_ index: Int, into json: inout JSONBuilder) {
        let s = SimVocabulary.statuses[index]
        json.openObjectValue()
        json.member("self", "\(baseURL)/rest/api/2/status/\(s.id)")
        json.member("description", "")
        json.member("iconUrl", "\(baseURL)/images/icons/statuses/generic.png")
        json.member("name", s.name)
        json.member("id", String(s.id))
        json.object("statusCategory")
        json.member("self", "\(baseURL)/rest/api/2/statuscategory/\(s.categoryID)")
        json.member("id", s.categoryID)
        json.member("key", s.categoryKey)
        json.member("colorName", s.color)
        json.member("name", s.categoryName)
        json.endObject()
        json.endObject()
    }

    func writeIssueType(_ index: Int, into json: inout JSONBuilder) {
        let t = SimVocabulary.issueTypes[index]
        json.openObjectValue()
        json.member("self", "\(baseURL)/rest/api/2/issuetype/\(t.id)")
        json.member("id", String(t.id))
        json.member("description", t.description)
        json.member("iconUrl", "\(baseURL)/secure/viewavatar?size=xsmall&avatarId=10315&avatarType=issuetype")
        json.member("name", t.name)
        json.member("subtask", false)
        json.member("avatarId", 10315)
        json.endObject()
    }

    func writePriority(_ index: Int, into json: inout JSONBuilder) {
        let p = SimVocabulary.priorities[index]
        json.openObjectValue()
        json.member("self", "\(baseURL)/rest/api/2/priority/\(p.id)")
        json.member("iconUrl", "\(baseURL)/images/icons/priorities/\(p.name.lowercased()).svg")
        json.member("name", p.name)
        json.member("id", String(p.id))
        json.endObject()
    }

    func writeProject(_ key: String, into json: inout JSONBuilder) {
        let project = universe.projects[key] ?? SimProject(id: 0, key: key, name: key, nextNumber: 0)
        json.openObjectValue()
        json.member("self", "\(baseURL)/rest/api/2/project/\(project.id)")
        json.member("id", String(project.id))
        json.member("key", project.key)
        json.member("name", project.name)
        json.member("projectTypeKey", "software")
        json.endObject()
    }

    func writeLink(_ link: SimLink, on issueID: Int, into json: inout JSONBuilder) {
        let type = SimVocabulary.linkTypes[link.type]
        let otherID = link.outward == issueID ? link.inward : link.outward
        guard let other = universe.issues[otherID] else { return }
        json.openObjectValue()
        json.member("id", String(link.id))
        json.member("self", "\(baseURL)/rest/api/2/issueLink/\(link.id)")
        json.object("type")
        json.member("id", String(type.id))
        json.member("name", type.name)
        json.member("inward", type.inward)
        json.member("outward", type.outward)
        json.member("self", "\(baseURL)/rest/api/2/issueLinkType/\(type.id)")
        json.endObject()
        json.object(link.outward == issueID ? "outwardIssue" : "inwardIssue")
        json.member("id", String(other.id))
        json.member("key", other.key)
        json.member("self", "\(baseURL)/rest/api/2/issue/\(other.id)")
        json.object("fields")
        json.member("summary", TextGenerator.summary(for: other))
        json.key("status"); writeStatus(other.status, into: &json)
        json.key("priority"); writePriority(other.priority, into: &json)
        json.key("issuetype"); writeIssueType(other.issueType, into: &json)
        json.endObject()
        json.endObject()
        json.endObject()
    }

    /// The instant of the n-th of `count` events spread over the issue's life; the last is `updated`.
    func spread(_ index: Int, of count: Int, issue: SimIssue) -> Int64 {
        let span = max(0, issue.updated - issue.created)
        return issue.created + span * Int64(index + 1) / Int64(max(count, 1))
    }

    public func writeComment(_ index: Int, of issue: SimIssue, into json: inout JSONBuilder) {
        var rng = SplitMix64(seed: issue.contentSeed, 10, index)
        let at = spread(index, of: issue.commentCount, issue: issue)
        let id = issue.id * 1000 + index
        json.openObjectValue()
        json.member("self", "\(baseURL)/rest/api/2/issue/\(issue.id)/comment/\(id)")
        json.member("id", String(id))
        json.key("author"); writeUser(rng.int(0...11), into: &json)
        json.member("body", TextGenerator.paragraph(&rng, length: rng.int(40...600)))
        json.key("updateAuthor"); writeUser(rng.int(0...11), into: &json)
        json.member("created", date(at))
        json.member("updated", date(at))
        json.endObject()
    }

    public func writeWorklog(_ index: Int, of issue: SimIssue, into json: inout JSONBuilder) {
        var rng = SplitMix64(seed: issue.contentSeed, 11, index)
        let at = spread(index, of: issue.worklogCount, issue: issue)
        let seconds = rng.int(1...16) * 1800
        json.openObjectValue()
        json.member("self", "\(baseURL)/rest/api/2/issue/\(issue.id)/worklog/\(issue.id * 1000 + index)")
        json.key("author"); writeUser(rng.int(0...11), into: &json)
        json.key("updateAuthor"); writeUser(rng.int(0...11), into: &json)
        json.member("comment", TextGenerator.sentence(&rng, words: 6))
        json.member("created", date(at))
        json.member("updated", date(at))
        json.member("started", date(at))
        json.member("timeSpent", seconds % 3600 == 0 ? "\(seconds / 3600)h" : "\(seconds / 3600)h 30m")
        json.member("timeSpentSeconds", seconds)
        json.member("id", String(issue.id * 1000 + index))
        json.member("issueId", String(issue.id))
        json.endObject()
    }

    public func writeHistory(_ index: Int, of issue: SimIssue, into json: inout JSONBuilder) {
        var rng = SplitMix64(seed: issue.contentSeed, 12, index)
        let at =
            index < issue.historyCount
            ? spread(
                index, of: issue.historyCount,
                issue: SimIssue(copying: issue, updated: issue.extraHistories.first ?? issue.updated))
            : issue.extraHistories[index - issue.historyCount]
        let from = rng.int(0...4), to = rng.int(0...4)
        json.openObjectValue()
        json.member("id", String(issue.id * 1000 + index))
        json.key("author"); writeUser(rng.int(0...11), into: &json)
        json.member("created", date(at))
        json.array("items")
        json.openObjectValue()
        json.member("field", "status")
        json.member("fieldtype", "jira")
        json.member("from", String(SimVocabulary.statuses[from].id))
        json.member("fromString", SimVocabulary.statuses[from].name)
        json.member("to", String(SimVocabulary.statuses[to].id))
        json.member("toString", SimVocabulary.statuses[to].name)
        json.endObject()
        json.endArray()
        json.endObject()
    }
}

extension SimIssue {
    init(copying issue: SimIssue, updated: Int64) {
        self = issue
        self.updated = updated
    }
}
