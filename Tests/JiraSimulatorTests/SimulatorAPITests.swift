import Foundation
import Testing
@testable import JiraSimulator

/// The REST surface over real HTTP: shapes, field selection, paging, inline caps, errors, auth.
@Suite struct SimulatorAPITests {
    @Test func serverInfoAndMyselfCarryTheTwoTimeZones() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            let info = try await h.get("/rest/api/2/serverInfo").object
            let serverTime = try #require(info["serverTime"] as? String)
            #expect(serverTime.hasSuffix("-0600"))
            #expect(serverTime.count == "2026-05-19T07:00:00.000-0600".count)
            #expect(info["version"] as? String == "9.12.4")
            let me = try await h.get("/rest/api/2/myself").object
            #expect(me["timeZone"] as? String == "Australia/Sydney")
            #expect(me["name"] as? String == "user0")
        }
    }

    @Test func searchEnvelopeAndMaxResultsCap() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            let reply = try await h.search(
                "project = PRJ ORDER BY key", fields: ["key"], max: 5000, expand: ["names", "schema"])
            #expect(reply.status == 200)
            let o = reply.object
            #expect(o["startAt"] as? Int == 0)
            #expect(o["maxResults"] as? Int == 1000)
            let total = try #require(o["total"] as? Int)
            #expect(total == h.sim.universe.members["PRJ"]!.count)
            #expect((o["issues"] as? [Any])?.count == total)
            #expect(o["names"] is [String: Any])
            #expect(o["schema"] is [String: Any])
            // Paging by offset: startAt advances, the window is honoured.
            let second = try await h.search("project = PRJ ORDER BY key", max: 10, startAt: 10).object
            #expect(
                (second["issues"] as? [[String: Any]])?.first?["key"] as? String == (o["issues"] as? [[String: Any]])?[
                    10]["key"] as? String)
            // GET /search answers the same.
            let get = try await h.get("/rest/api/2/search?jql=project%20%3D%20PRJ&maxResults=3&fields=summary").object
            #expect((get["issues"] as? [Any])?.count == 3)
        }
    }

    @Test func offsetPagingPastTheWindowIsSearchLimitExceeded() async throws {
        var scenario = Scenario.small
        scenario.offsetWindow = 50
        try await SimulatorHarness.with(scenario) { (h: SimulatorHarness) async throws in
            let ok = try await h.search("project = PRJ ORDER BY key", max: 30, startAt: 30)
            #expect(ok.status == 200)
            #expect((ok.object["issues"] as? [Any])?.count == 20)  // rows 30..<50 only
            let past = try await h.search("project = PRJ ORDER BY key", max: 30, startAt: 50)
            #expect(past.status == 500)
            #expect((past.object["errorMessages"] as? [String])?.first?.hasPrefix("Search limit exceeded") == true)
        }
    }

    @Test func fieldSelectionFollowsJirasRules() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            let hub = try #require(h.sim.universe.issues.values.max { $0.linkIDs.count < $1.linkIDs.count })
            let all = try await h.get("/rest/api/2/issue/\(hub.key)?fields=*all&expand=changelog,names,schema").object
            let fields = try #require(all["fields"] as? [String: Any])
            #expect((fields["issuelinks"] as? [Any])?.count == hub.linkIDs.count)
            #expect(fields["worklog"] != nil && fields["customfield_10103"] != nil)
            #expect(all["names"] is [String: Any] && all["schema"] is [String: Any])
            let changelog = try #require(all["changelog"] as? [String: Any])
            #expect(changelog["total"] as? Int == hub.totalHistories)
            #expect((changelog["histories"] as? [Any])?.count == hub.totalHistories)

            let noLinks =
                try await h.get("/rest/api/2/issue/\(hub.key)?fields=*all,-issuelinks").object["fields"]
                as? [String: Any]
            #expect(noLinks?["issuelinks"] == nil && noLinks?["summary"] != nil)

            let nav =
                try await h.get("/rest/api/2/issue/\(hub.key)?fields=*navigable").object["fields"] as? [String: Any]
            #expect(nav?["worklog"] == nil && nav?["summary"] != nil)

            let explicit =
                try await h.get("/rest/api/2/issue/\(hub.key)?fields=summary,status,nosuchfield").object["fields"]
                as? [String: Any]
            #expect(Set(explicit?.keys.map { $0 } ?? []) == ["summary", "status"])

            let linksOnly =
                try await h.get("/rest/api/2/issue/\(hub.key)?fields=issuelinks").object["fields"] as? [String: Any]
            #expect(linksOnly?.count == 1)
            let link = try #require((linksOnly?["issuelinks"] as? [[String: Any]])?.first)
            #expect(link["type"] is [String: Any])
            #expect(link["outwardIssue"] != nil || link["inwardIssue"] != nil)

            // The old key of a moved issue and the numeric id both find the issue.
            let moved = try #require(h.sim.universe.issues.values.first { !$0.oldKeys.isEmpty })
            #expect(
                try await h.get("/rest/api/2/issue/\(moved.oldKeys[0])?fields=summary").object["key"] as? String
                    == moved.key)
            #expect(
                try await h.get("/rest/api/2/issue/\(moved.id)?fields=summary").object["key"] as? String == moved.key)
        }
    }

    @Test func searchResultsTruncateInlineWithTheTrueTotals() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            let busy = try #require(
                h.sim.universe.issues.values.first {
                    $0.commentCount > 20 && $0.worklogCount > 20 && $0.totalHistories > 100
                })
            let page = try await h.search("key = \(busy.key)", fields: ["*all"], expand: ["changelog"]).object
            let issue = try #require((page["issues"] as? [[String: Any]])?.first)
            let fields = try #require(issue["fields"] as? [String: Any])
            let comment = try #require(fields["comment"] as? [String: Any])
            #expect(comment["total"] as? Int == busy.commentCount)
            #expect((comment["comments"] as? [Any])?.count == 20)
            let worklog = try #require(fields["worklog"] as? [String: Any])
            #expect(worklog["total"] as? Int == busy.worklogCount)
            #expect((worklog["worklogs"] as? [Any])?.count == 20)
            let changelog = try #require(issue["changelog"] as? [String: Any])
            #expect(changelog["total"] as? Int == busy.totalHistories)
            #expect((changelog["histories"] as? [Any])?.count == 100)

            // The paginated sub-resources give everything.
            var comments = 0, start = 0
            while true {
                let p = try await h.get("/rest/api/2/issue/\(busy.key)/comment?startAt=\(start)&maxResults=7").object
                let n = (p["comments"] as? [Any])?.count ?? 0
                #expect(p["total"] as? Int == busy.commentCount)
                if n == 0 { break }
                comments += n
                start += n
            }
            #expect(comments == busy.commentCount)
            let cl = try await h.get("/rest/api/2/issue/\(busy.key)/changelog?startAt=100&maxResults=100").object
            #expect(cl["total"] as? Int == busy.totalHistories)
            #expect((cl["values"] as? [Any])?.count == min(100, busy.totalHistories - 100))
            #expect(cl["isLast"] as? Bool == (busy.totalHistories <= 200))
            let wl = try await h.get("/rest/api/2/issue/\(busy.key)/worklog").object
            #expect((wl["worklogs"] as? [Any])?.count == busy.worklogCount)
        }
    }

    @Test func otherSubResources() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            let issue = try #require(
                h.sim.universe.issues.values.first { $0.remoteLinkCount > 0 && $0.propertyCount > 0 }
                    ?? h.sim.universe.issues.values.first { $0.remoteLinkCount > 0 })
            #expect(
                (try await h.get("/rest/api/2/issue/\(issue.key)/remotelink").json as? [Any])?.count
                    == issue.remoteLinkCount)
            #expect(
                (try await h.get("/rest/api/2/issue/\(issue.key)/watchers").object["watchers"] as? [Any])?.count
                    == issue.watcherCount)
            #expect(try await h.get("/rest/api/2/issue/\(issue.key)/votes").object["votes"] as? Int == issue.voterCount)
            let keys = try await h.get("/rest/api/2/issue/\(issue.key)/properties").object["keys"] as? [[String: Any]]
            #expect(keys?.count == issue.propertyCount)
            if let name = keys?.first?["key"] as? String {
                #expect(
                    try await h.get("/rest/api/2/issue/\(issue.key)/properties/\(name)").object["value"]
                        is [String: Any])
            }
            let catalog = try #require(try await h.get("/rest/api/2/field").json as? [[String: Any]])
            #expect(catalog.contains { $0["id"] as? String == "issuelinks" })
            #expect(catalog.contains { $0["custom"] as? Bool == true })
            #expect(try await h.get("/rest/api/2/user?username=user3").object["name"] as? String == "user3")
        }
    }

    @Test func changelogEndpointCanBeAbsentAsOnServer() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            let key = try #require(h.sim.universe.issues.values.first?.key)
            #expect(try await h.get("/rest/api/2/issue/\(key)/changelog").status == 200)
            #expect(
                try await h.get("/rest/api/2/issue/PRJ-99999/changelog").object["errorMessages"] as? [String] == [
                    "Issue Does Not Exist"
                ])
            h.sim.setPaginatedChangelog(false)
            let absent = try await h.get("/rest/api/2/issue/\(key)/changelog")
            #expect(absent.status == 404)
            #expect(absent.json == nil)  // a servlet's HTML 404, not JIRA's JSON
        }
    }

    @Test func errorsUseJirasEnvelope() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            for (jql, message) in [
                ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
                ("bogus = 1", "Field 'bogus' does not exist or you do not have permission to view it."),
                ("project = PRJ AND", "Error in the JQL Query: Expecting a field name but got end of query."),
            ] {
                let reply = try await h.search(jql)
                #expect(reply.status == 400)
                #expect(reply.object["errorMessages"] as? [String] == [message])
                #expect(reply.object["errors"] is [String: Any])
            }
            let missing = try await h.get("/rest/api/2/issue/PRJ-424242")
            #expect(missing.status == 404)
            #expect(missing.object["errorMessages"] as? [String] == ["Issue Does Not Exist"])
            let deleted = try #require(h.sim.universe.deletedKeys.first { $0.hasPrefix("PRJ-") })
            let cursor = try await h.search("project = PRJ AND key > \(deleted)")
            #expect(cursor.status == 400)
            #expect(
                cursor.object["errorMessages"] as? [String] == [
                    "An issue with key '\(deleted)' does not exist for field 'key'."
                ])
        }
    }

    @Test func authentication() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            let wrong = try await h.get("/rest/api/2/myself", token: "wrong")
            #expect(wrong.status == 401)
            #expect(wrong.headers.first(name: "X-Seraph-LoginReason") == "AUTHENTICATED_FAILED")
            #expect(try await h.get("/rest/api/2/myself", token: "forbidden-token").status == 403)
            let log = h.sim.requests
            #expect(log.map(\.authenticated) == [false, false])
            _ = try await h.get("/rest/api/2/myself")
            #expect(h.sim.requests.last?.authenticated == true)
        }
    }
}
