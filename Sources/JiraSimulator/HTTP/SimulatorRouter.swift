import Foundation

/// Answers one authenticated request from a snapshot of the universe: the REST API v2 subset,
/// JIRA's envelopes and error wording, and the cost model's work. Pure: no clock but `nowMs`,
/// no shared state, so it is tested without sockets.
struct SimulatorRouter {
    let universe: SimUniverse
    let scenario: Scenario
    let baseURL: String
    let paginatedChangelog: Bool
    /// The token user's language, for warnings inside 200 answers (errors are translated by the server).
    var locale: SimLocale = .en
    var nowMs: Int64 = JiraTime.nowMs()

    private var renderer: IssueRenderer {
        IssueRenderer(universe: universe, baseURL: baseURL, offsetMinutes: scenario.serverOffsetMinutes)
    }
    private var cost: CostModel { scenario.cost }

    func route(_ request: SimRequest) -> SimResponse {
        let prefix = "/rest/api/2/"
        guard request.path.hasPrefix(prefix) else { return notFound(request.path) }
        let parts = request.path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(
            String.init)
        var response: SimResponse
        switch (request.method, parts.first ?? "") {
        case ("GET", "myself") where parts.count == 1: response = myself()
        case ("GET", "serverInfo") where parts.count == 1: response = serverInfo()
        case ("GET", "field") where parts.count == 1: response = fieldCatalog()
        case ("GET", "user") where parts.count == 1: response = user(request)
        case ("GET", "search"), ("POST", "search"):
            guard parts.count == 1 else { return notFound(request.path) }
            response = search(request)
        case ("GET", "issue") where parts.count >= 2: response = issueResource(parts, request)
        case ("GET", "project") where parts.count == 2: response = project(parts[1])
        default: return notFound(request.path)
        }
        response.work += cost.baseSeconds
        return response
    }

    func notFound(_ path: String) -> SimResponse {
        .html(
            404,
            "<!DOCTYPE html><html><head><title>Oops, you've found a dead link. - JIRA</title></head><body><h1>404</h1><p>Page not found: \(path.prefix(80))</p></body></html>"
        )
    }

    // MARK: - Server, user, fields

    private func myself() -> SimResponse {
        var json = JSONBuilder()
        let user = universe.users.first ?? SimUser(name: "admin", displayName: "Admin", email: "", timeZone: "UTC")
        json.beginObject()
        json.member("self", "\(baseURL)/rest/api/2/user?username=\(user.name)")
        json.member("key", "JIRAUSER10")
        json.member("name", user.name)
        json.member("emailAddress", user.email)
        json.member("displayName", user.displayName)
        json.member("active", true)
        json.member("deleted", false)
        json.member("timeZone", scenario.userTimeZone)
        json.member("locale", "en_US")
        json.object("groups")
        json.member("size", 2)
        json.array("items"); json.endArray()
        json.endObject()
        json.member("expand", "groups,applicationRoles")
        json.endObject()
        return .json(200, json.bytes)
    }

    private func serverInfo() -> SimResponse {
        var json = JSONBuilder()
        json.beginObject()
        json.member("baseUrl", baseURL)
        json.member("version", "9.12.4")
        json.array("versionNumbers"); json.int(9); json.int(12); json.int(4); json.endArray()
        json.member("deploymentType", "Server")
        json.member("buildNumber", 9_120_004)
        json.member(
            "buildDate",
            "2024-03-05T00:00:00.000" + JiraTime.format(0, offsetMinutes: scenario.serverOffsetMinutes).suffix(5))
        json.member("serverTime", JiraTime.format(nowMs, offsetMinutes: scenario.serverOffsetMinutes))
        json.member("scmInfo", "0b3c1a2f")
        json.member("serverTitle", "JIRA (jira-resilient simulator, scenario \(scenario.name))")
        json.endObject()
        return .json(200, json.bytes)
    }

    private func user(_ request: SimRequest) -> SimResponse {
        let name = request.first("username") ?? request.first("key") ?? ""
        guard
            let index = universe.users.firstIndex(where: {
                $0.name == name || "JIRAUSER1\(universe.users.firstIndex(of: $0) ?? -1)" == name
            })
        else {
            return .errors(404, ["The user named '\(name)' does not exist"])
        }
        var json = JSONBuilder()
        renderer.writeUser(index, into: &json)
        return .json(200, json.bytes)
    }

    /// `GET /project/{key}`: the project, or 404 when it does not exist or the user may not browse it.
    private func project(_ key: String) -> SimResponse {
        guard
            let project = universe.projects[key.uppercased()]
                ?? universe.projects.values.first(where: { String($0.id) == key })
        else {
            return .errors(404, ["No project could be found with key '\(key)'."])
        }
        var json = JSONBuilder()
        renderer.writeProject(project.key, into: &json)
        return .json(200, json.bytes)
    }

    private func fieldCatalog() -> SimResponse {
        var json = JSONBuilder()
        json.beginArray()
        for field in FieldCatalog.fields {
            json.beginObject()
            json.member("id", field.id)
            json.member("name", field.name)
            json.member("custom", field.isCustom)
            json.member("orderable", true)
            json.member("navigable", field.navigable)
            json.member("searchable", true)
            json.array("clauseNames")
            json.string(field.isCustom ? "cf[\(field.id.dropFirst("customfield_".count))]" : field.id)
            json.endArray()
            json.object("schema")
            renderer.writeFieldSchema(field, into: &json)
            json.endObject()
            json.endObject()
        }
        json.endArray()
        return .json(200, json.bytes)
    }

    // MARK: - Search

    struct SearchParameters {
        var jql = ""
        var startAt = 0
        var maxResults = 50
        var fields: [String] = []
        var expand: Set<String> = []
        var validation: JQLEngine.Validation = .strict
    }

    static func searchParameters(_ request: SimRequest) -> (SearchParameters?, SimResponse?) {
        var p = SearchParameters()
        func list(_ any: Any?) -> [String] {
            if let s = any as? String { return s.split(separator: ",").map(String.init) }
            if let a = any as? [Any] { return a.compactMap { $0 as? String } }
            return []
        }
        if request.method == "POST" {
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
                return (nil, SimResponse.errors(400, ["Unrecognized token: the request body is not a JSON object."]))
            }
            p.jql = object["jql"] as? String ?? ""
            p.startAt = (object["startAt"] as? NSNumber)?.intValue ?? 0
            p.maxResults = (object["maxResults"] as? NSNumber)?.intValue ?? 50
            p.fields = list(object["fields"])
            p.expand = Set(list(object["expand"]))
            if let v = object["validateQuery"] as? String { p.validation = v == "strict" ? .strict : .warn }
            if let v = object["validateQuery"] as? Bool { p.validation = v ? .strict : .warn }
        } else {
            p.jql = request.first("jql") ?? ""
            p.startAt = Int(request.first("startAt") ?? "") ?? 0
            p.maxResults = Int(request.first("maxResults") ?? "") ?? 50
            p.fields = request.query["fields"] ?? []
            p.expand = Set((request.query["expand"] ?? []).flatMap { $0.split(separator: ",").map(String.init) })
            if let v = request.first("validateQuery") {
                p.validation = (v == "strict" || v == "true") ? .strict : .warn
            }
        }
        return (p, nil)
    }

    private func search(_ request: SimRequest) -> SimResponse {
        let (parsed, failure) = Self.searchParameters(request)
        guard let p = parsed else { return failure! }
        let zone = TimeZone(identifier: scenario.userTimeZone) ?? TimeZone(secondsFromGMT: 0)!
        var engine = JQLEngine(universe: universe, zone: zone, validation: p.validation)
        engine.nowMs = nowMs
        let result: JQLEngine.Result
        do { result = try engine.search(p.jql) } catch { return .errors(400, error.messages) }

        let selection = FieldCatalog.Selection(p.fields, defaultAll: false)
        var cap = scenario.maxResults
        if selection.all, scenario.maxResultsAllFields > 0 { cap = min(cap, scenario.maxResultsAllFields) }
        let maxResults = p.maxResults < 0 ? cap : min(p.maxResults, cap)
        let startAt = max(0, p.startAt)
        if startAt > 0, startAt >= scenario.offsetWindow {
            return .errors(
                500,
                [
                    "Search limit exceeded. The search returned more than \(scenario.offsetWindow) results; use a narrower query."
                ])
        }
        let end = min(result.issues.count, startAt + maxResults, scenario.offsetWindow)
        let page = startAt < end ? result.issues[startAt..<end] : []
        let keysOnly = selection.isKeysOnly && !p.expand.contains("changelog")

        var seconds = 0.0
        for issue in page {
            seconds += issueCost(issue, selection: selection, expand: p.expand, keysOnly: keysOnly, caps: .search)
        }
        var response = SimResponse.json(200, [])
        response.work = seconds + cost.searchOverhead(matched: result.issues.count)
        response.operation = keysOnly ? .listing : .search
        let renderer = self.renderer, issues = Array(page), expand = p.expand,
            warnings = result.warnings.map(locale.translate), total = result.issues.count
        response.deferred = {
            var json = JSONBuilder(capacity: 64 * 1024)
            json.beginObject()
            json.member("expand", "schema,names")
            json.member("startAt", startAt)
            json.member("maxResults", maxResults)
            json.member("total", total)
            json.array("issues")
            for issue in issues {
                renderer.writeIssue(
                    issue, into: &json, selection: selection, expand: expand, caps: .search, withNamesAndSchema: false)
            }
            json.endArray()
            if !warnings.isEmpty {
                json.array("warningMessages")
                for w in warnings { json.string(w) }
                json.endArray()
            }
            if expand.contains("names") { renderer.writeNames(selection: selection, into: &json) }
            if expand.contains("schema") { renderer.writeSchema(selection: selection, into: &json) }
            json.endObject()
            return json.bytes
        }
        return response
    }

    func issueCost(
        _ issue: SimIssue, selection: FieldCatalog.Selection, expand: Set<String>, keysOnly: Bool,
        caps: IssueRenderer.InlineCaps
    ) -> Double {
        if keysOnly { return cost.perKeySeconds }
        var seconds = cost.perIssueSeconds
        if selection.includesIssueLinks { seconds += cost.linkSeconds(issue.linkIDs.count) }
        if expand.contains("changelog") {
            seconds +=
                cost.perHistorySeconds * Double(min(issue.totalHistories, caps.histories ?? issue.totalHistories))
        }
        return seconds
    }

    // MARK: - Issue and sub-resources

    private func issueResource(_ parts: [String], _ request: SimRequest) -> SimResponse {
        let keyOrID = parts[1]
        let sub = parts.count > 2 ? parts[2] : ""
        if sub == "changelog" && !paginatedChangelog { return notFound(request.path) }
        guard let issue = universe.resolve(keyOrID) else {
            return .errors(404, ["Issue Does Not Exist"])
        }
        let startAt = max(0, Int(request.first("startAt") ?? "") ?? 0)
        let requested = Int(request.first("maxResults") ?? "")
        switch (sub, parts.count) {
        case ("", 2):
            let selection = FieldCatalog.Selection(request.query["fields"] ?? [], defaultAll: true)
            let expand = Set((request.query["expand"] ?? []).flatMap { $0.split(separator: ",").map(String.init) })
            var response = SimResponse.json(200, [])
            let keysOnly = selection.isKeysOnly && !expand.contains("changelog")
            response.work = issueCost(issue, selection: selection, expand: expand, keysOnly: keysOnly, caps: .issue)
            response.operation = .issue
            let renderer = self.renderer
            response.deferred = {
                var json = JSONBuilder(capacity: 64 * 1024)
                renderer.writeIssue(
                    issue, into: &json, selection: selection, expand: expand, caps: .issue, withNamesAndSchema: true)
                return json.bytes
            }
            return response
        case ("changelog", 3):
            return paged(
                total: issue.totalHistories, startAt: startAt, requested: requested, cap: scenario.subResourcePageCap,
                arrayName: "values", isLastStyle: true, selfPath: "issue/\(issue.key)/changelog"
            ) { json, i in
                renderer.writeHistory(i, of: issue, into: &json)
            }
        case ("comment", 3):
            return paged(
                total: issue.commentCount, startAt: startAt, requested: requested, cap: scenario.subResourcePageCap,
                arrayName: "comments", isLastStyle: false, selfPath: nil
            ) { json, i in
                renderer.writeComment(i, of: issue, into: &json)
            }
        case ("worklog", 3):
            return paged(
                total: issue.worklogCount, startAt: startAt, requested: requested,
                cap: max(scenario.subResourcePageCap, 20), arrayName: "worklogs", isLastStyle: false, selfPath: nil
            ) { json, i in
                renderer.writeWorklog(i, of: issue, into: &json)
            }
        case ("remotelink", 3):
            var json = JSONBuilder()
            json.beginArray()
            for i in 0..<issue.remoteLinkCount {
                json.beginObject()
                json.member("id", issue.id * 10 + i)
                json.member("self", "\(baseURL)/rest/api/2/issue/\(issue.key)/remotelink/\(issue.id * 10 + i)")
                json.object("object")
                json.member("url", "https://wiki.example.invalid/page/\(issue.id)/\(i)")
                json.member("title", "Design note \(i) for \(issue.key)")
                json.endObject()
                json.endObject()
            }
            json.endArray()
            return .json(200, json.bytes)
        case ("watchers", 3):
            var json = JSONBuilder()
            json.beginObject()
            json.member("self", "\(baseURL)/rest/api/2/issue/\(issue.key)/watchers")
            json.member("isWatching", false)
            json.member("watchCount", issue.watcherCount)
            json.array("watchers")
            for i in 0..<issue.watcherCount { renderer.writeUser(issue.id + i, into: &json) }
            json.endArray()
            json.endObject()
            return .json(200, json.bytes)
        case ("votes", 3):
            var json = JSONBuilder()
            json.beginObject()
            json.member("self", "\(baseURL)/rest/api/2/issue/\(issue.key)/votes")
            json.member("votes", issue.voterCount)
            json.member("hasVoted", false)
            json.array("voters")
            for i in 0..<issue.voterCount { renderer.writeUser(issue.id + 3 + i, into: &json) }
            json.endArray()
            json.endObject()
            return .json(200, json.bytes)
        case ("properties", 3):
            var json = JSONBuilder()
            json.beginObject()
            json.array("keys")
            for i in 0..<issue.propertyCount {
                json.beginObject()
                json.member("self", "\(baseURL)/rest/api/2/issue/\(issue.id)/properties/sync.state\(i)")
                json.member("key", "sync.state\(i)")
                json.endObject()
            }
            json.endArray()
            json.endObject()
            return .json(200, json.bytes)
        case ("properties", 4):
            let name = parts[3]
            guard name.hasPrefix("sync.state"), let i = Int(name.dropFirst("sync.state".count)), i < issue.propertyCount
            else {
                return .errors(404, ["Property with key not found"])
            }
            var json = JSONBuilder()
            json.beginObject()
            json.member("key", name)
            json.object("value")
            json.member("lastSync", JiraTime.format(issue.updated, offsetMinutes: scenario.serverOffsetMinutes))
            json.member("origin", "warehouse")
            json.endObject()
            json.endObject()
            return .json(200, json.bytes)
        default:
            return notFound(request.path)
        }
    }

    private func paged(
        total: Int, startAt: Int, requested: Int?, cap: Int, arrayName: String, isLastStyle: Bool, selfPath: String?,
        write: (inout JSONBuilder, Int) -> Void
    ) -> SimResponse {
        let maxResults = min(max(requested ?? cap, 0), cap)
        let end = min(total, startAt + maxResults)
        var json = JSONBuilder()
        json.beginObject()
        if let selfPath {
            json.member("self", "\(baseURL)/rest/api/2/\(selfPath)?startAt=\(startAt)&maxResults=\(maxResults)")
        }
        json.member("startAt", startAt)
        json.member("maxResults", maxResults)
        if !scenario.omitPagingTotals { json.member("total", total) }
        if isLastStyle { json.member("isLast", end >= total) }
        json.array(arrayName)
        if startAt < end { for i in startAt..<end { write(&json, i) } }
        json.endArray()
        json.endObject()
        var response = SimResponse.json(200, json.bytes)
        response.work = Double(max(0, end - startAt)) * cost.perHistorySeconds
        response.operation = .subResource
        return response
    }
}
