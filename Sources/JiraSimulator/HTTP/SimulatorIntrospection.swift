/// `/_sim/…`: what the simulator knows, for comparison scripts and `jira-resilient sim` users.
/// Not part of JIRA's API; it needs the same token.
enum SimulatorIntrospection {
    /// What `/_sim/stats` reports besides the universe.
    struct Context {
        var stats: ServerStats
        var cost: CostModel
        var cores: Int?
        var backgroundLoad: Double
        var timeScale: Double
    }

    static func respond(
        _ request: SimRequest, universe: SimUniverse, log: [SimRequestRecord], context: Context
    ) -> SimResponse {
        switch request.path {
        case "/_sim/stats":
            return stats(project: request.first("project"), universe: universe, context: context)
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

    /// `/_sim/stats[?project=KEY]`: the node's capacity, the server work spent so far (simulated
    /// seconds of one core, comparable across time scales), and the floor: the work of rendering
    /// each live issue (of the project) once with every field, its whole changelog and all its
    /// links, without any request's overhead. `workPerIssue / floorPerIssue` is what a client costs
    /// the server over the least possible.
    static func stats(project: String?, universe: SimUniverse, context: Context) -> SimResponse {
        var floor = 0.0
        var issues = 0
        for issue in universe.issues.values where project == nil || issue.projectKey == project {
            issues += 1
            floor += context.cost.floorSeconds(links: issue.linkIDs.count, histories: issue.totalHistories)
        }
        let s = context.stats
        var json = JSONBuilder()
        json.beginObject()
        if let cores = context.cores { json.member("cores", cores) } else { json.member("cores", "unlimited") }
        json.member("backgroundLoad", context.backgroundLoad)
        json.member("timeScale", context.timeScale)
        json.member("requests", s.requests)
        json.member("workSeconds", s.work)
        json.member("abandonedWorkSeconds", s.abandonedWork)
        json.object("workSecondsByOperation")
        for op in ServerStats.Operation.allCases { json.member(op.rawValue, s.workByOperation[op] ?? 0) }
        json.endObject()
        json.object("requestsByOperation")
        for op in ServerStats.Operation.allCases { json.member(op.rawValue, s.requestsByOperation[op] ?? 0) }
        json.endObject()
        if let p50 = s.stretchP50 { json.member("stretchP50", p50) }
        if let p50 = s.latencyP50 { json.member("latencyP50Seconds", p50) }
        json.member("issues", issues)
        json.member("floorSeconds", floor)
        if issues > 0 {
            json.member("workPerIssue", s.work / Double(issues))
            json.member("floorPerIssue", floor / Double(issues))
        }
        json.endObject()
        return .json(200, json.bytes)
    }
}
