/// `/_sim/…`: what the simulator knows, for comparison scripts and `jira-resilient sim` users.
/// Not part of JIRA's API; it needs the same token.
enum SimulatorIntrospection {
    static func respond(_ request: SimRequest, universe: SimUniverse, log: [SimRequestRecord]) -> SimResponse {
        switch request.path {
        case "/_sim/truth":
            // Every live issue with the counts a complete extraction must reproduce.
            let project = request.first("project")
            var json = JSONBuilder(capacity: 1 << 20)
            json.beginArray()
            for issue in universe.issues.values.sorted(by: { $0.id < $1.id })
            where project == nil || issue.projectKey == project {
                json.beginObject()
                json.member("id", String(issue.id))
                json.member("key", issue.key)
                json.member("project", issue.projectKey)
                json.member("links", issue.linkIDs.count)
                json.member("comments", issue.commentCount)
                json.member("worklogs", issue.worklogCount)
                json.member("histories", issue.totalHistories)
                json.member("updated", JiraTime.format(issue.updated, offsetMinutes: 0))
                json.endObject()
            }
            json.endArray()
            return .json(200, json.bytes)
        case "/_sim/requests":
            var json = JSONBuilder(capacity: 1 << 16)
            json.beginObject()
            json.member("count", log.count)
            json.member("bytes", log.reduce(0) { $0 + $1.bytes })
            json.endObject()
            return .json(200, json.bytes)
        default:
            return .errors(404, ["No such simulator resource"])
        }
    }
}
