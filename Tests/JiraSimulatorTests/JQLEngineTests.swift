import Foundation
import Testing
@testable import JiraSimulator

/// The JQL engine against a hand-built universe whose answers are computed by hand:
/// A-1 (id 10000), A-3 (10004), A-4 (10003, moved in from B as B-2), A-5 (10005); B-1 (10001);
/// A-2 (10002) deleted.
@Suite struct JQLEngineTests {
    static let t0 = JiraTime.msFromCivil(2026, 1, 10, 10, 0, 30)

    static func universe() -> SimUniverse {
        var u = SimUniverse(seed: 1)
        u.addProject(key: "A", name: "Alpha")
        u.addProject(key: "B", name: "Beta")
        let t = t0
        u.createIssue(projectKey: "A", created: t - 1000, updated: t) { $0.labels = ["x"] }  // 10000 A-1
        u.createIssue(projectKey: "B", created: t - 1000, updated: t + 60_000)  // 10001 B-1
        u.createIssue(projectKey: "A", created: t - 1000, updated: t + 120_000)  // 10002 A-2
        u.createIssue(projectKey: "B", created: t - 1000, updated: t + 180_000) { $0.status = 3 }  // 10003 B-2
        u.createIssue(projectKey: "A", created: t - 1000, updated: t + 240_000) { $0.labels = ["y"] }  // 10004 A-3
        u.move(id: 10003, to: "A", at: t + 180_000)  // B-2 → A-4
        u.createIssue(projectKey: "A", created: t - 1000, updated: t + 300_000)  // 10005 A-5
        u.delete(id: 10002, at: t + 400_000)
        return u
    }

    func run(
        _ jql: String, zone: String = "UTC", validation: JQLEngine.Validation = .strict,
        universe: SimUniverse = universe()
    ) throws -> [String] {
        try JQLEngine(universe: universe, zone: TimeZone(identifier: zone)!, validation: validation).search(jql).issues
            .map(\.key)
    }

    func error(_ jql: String) -> String? {
        do {
            _ = try run(jql)
            return nil
        } catch let e as JQLError {
            return e.messages.first
        } catch {
            return "\(error)"
        }
    }

    @Test func keyOrderAndIdOrderDisagreeAfterAMove() throws {
        #expect(try run("project = A ORDER BY key ASC") == ["A-1", "A-3", "A-4", "A-5"])
        #expect(try run("project = A ORDER BY id ASC") == ["A-1", "A-4", "A-3", "A-5"])
        #expect(try run("project = A ORDER BY key DESC") == ["A-5", "A-4", "A-3", "A-1"])
    }

    @Test func relationalIdComparesKeyNumbersInsideTheLiteralsProject() throws {
        // 10003 is A-4: `id > 10003` means "A issues numbered above 4", so A-3 (id 10004) is skipped.
        #expect(try run("project = A AND id > 10003 ORDER BY id ASC") == ["A-5"])
        #expect(try run("project = A AND id >= 10003 ORDER BY id ASC") == ["A-4", "A-5"])
        #expect(try run("id < 10004") == ["A-1"])
        // The literal's project, not the query's: A-1's numbers, restricted to B, match nothing.
        #expect(try run("id >= 10000 AND project = B") == [])
        #expect(try run("key > \"A-3\" ORDER BY key") == ["A-4", "A-5"])
        #expect(try run("issuekey <= A-3 ORDER BY key") == ["A-1", "A-3"])
        #expect(try run("key > B-1") == [])
    }

    @Test func equalityFindsAMovedIssueByItsOldKey() throws {
        #expect(try run("key = \"B-2\"") == ["A-4"])
        #expect(try run("issue in (B-2, A-1) ORDER BY key") == ["A-1", "A-4"])
        #expect(try run("key in (B-2, A-4, 10003) ORDER BY key") == ["A-4"])  // three names of one issue
        #expect(try run("id = 10003") == ["A-4"])
        #expect(try run("project = A AND key != A-1 ORDER BY key") == ["A-3", "A-4", "A-5"])
        #expect(try run("project = A AND key not in (A-1, A-5) ORDER BY key") == ["A-3", "A-4"])
    }

    @Test func deletedAndMovedLiteralsAreRejected() throws {
        #expect(error("key > \"A-2\"") == "An issue with key 'A-2' does not exist for field 'key'.")
        #expect(error("key > \"B-2\"") == "Operator '>' cannot be applied to moved issue key 'B-2'.")
        #expect(error("issuekey >= B-2") == "Operator '>=' cannot be applied to moved issue key 'B-2'.")
        #expect(error("key in (A-1, A-2)") == "An issue with key 'A-2' does not exist for field 'key'.")
        #expect(error("id > 99999") == "An issue with key '99999' does not exist for field 'id'.")
        #expect(error("key = \"nonsense\"") == "The issue key 'nonsense' for field 'key' is invalid.")
        // With validateQuery=warn the bad literal matches nothing and the rest still answers.
        let warned = try JQLEngine(universe: Self.universe(), zone: .gmt, validation: .warn).search("key in (A-1, A-2)")
        #expect(warned.issues.map(\.key) == ["A-1"])
        #expect(warned.warnings == ["An issue with key 'A-2' does not exist for field 'key'."])
    }

    @Test func andBindsTighterThanOrAndNotNegates() throws {
        #expect(try run("project = A OR project = B AND key = A-1 ORDER BY key") == ["A-1", "A-3", "A-4", "A-5"])
        #expect(try run("(project = A OR project = B) AND key = A-1") == ["A-1"])
        #expect(try run("NOT project = A") == ["B-1"])
        #expect(try run("project = A AND NOT (labels = x OR labels = y) ORDER BY key") == ["A-4", "A-5"])
        #expect(try run("project in (A, B) AND labels is EMPTY ORDER BY key") == ["A-4", "A-5", "B-1"])
        #expect(try run("labels is not EMPTY ORDER BY key") == ["A-1", "A-3"])
        #expect(try run("project = A && labels != x") == ["A-3"])
        #expect(try run("status = Resolved") == ["A-4"])
        #expect(try run("project = A AND status != Resolved ORDER BY key") == ["A-1", "A-3", "A-5"])
    }

    @Test func dateLiteralsAreReadInTheUsersZoneAtTheMinute() throws {
        // A-1 was updated 10:00:30Z. In Tokyo (+9) that is 19:00:30; in UTC 10:00:30.
        #expect(try run("key = A-1 AND updated >= \"2026-01-10 19:00\"", zone: "Asia/Tokyo") == ["A-1"])
        #expect(try run("key = A-1 AND updated >= \"2026-01-10 19:01\"", zone: "Asia/Tokyo") == [])
        #expect(try run("key = A-1 AND updated >= \"2026-01-10 19:00\"", zone: "UTC") == [])
        // A bare minute is the instant MM:00, so `=` misses a 10:00:30 update.
        #expect(try run("key = A-1 AND updated = \"2026-01-10 10:00\"") == [])
        #expect(try run("key = A-1 AND updated > \"2026/01/10 10:00\"") == ["A-1"])
        #expect(try run("key = A-1 AND updated < \"2026-01-11\"") == ["A-1"])
        // Daylight saving: Denver is -7 in January, so 03:00 local is 10:00Z.
        #expect(try run("key = A-1 AND updated >= \"2026-01-10 03:00\"", zone: "America/Denver") == ["A-1"])
        #expect(try run("key = A-1 AND updated >= \"2026-01-10 03:01\"", zone: "America/Denver") == [])
        #expect(
            error("updated > \"10/01/2026\"")?.hasPrefix("Date value '10/01/2026' for field 'updated' is invalid.")
                == true)
    }

    @Test func updatedFiltersAndSortsOnTheIndexAfterAReindex() throws {
        var u = Self.universe()
        let reindexAt = JiraTime.msFromCivil(2026, 6, 1, 0, 0, 0)
        u.reindex(ids: [10000], indexTime: reindexAt)
        #expect(try run("updated >= \"2026-05-31\"", universe: u) == ["A-1"])
        #expect(u.issues[10000]!.updated == Self.t0)  // the document is unchanged
        #expect(try run("project = A ORDER BY updated DESC", universe: u) == ["A-1", "A-5", "A-3", "A-4"])
        #expect(
            try run("project = A ORDER BY updated ASC, key DESC", universe: Self.universe()) == [
                "A-1", "A-4", "A-3", "A-5",
            ])
    }

    @Test func errorsUseJirasWording() {
        #expect(error("foo = bar") == "Field 'foo' does not exist or you do not have permission to view it.")
        #expect(error("project = NOPE") == "The value 'NOPE' does not exist for the field 'project'.")
        #expect(
            error("project = A foo")
                == "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'foo'. (line 1, character 13)")
        #expect(error("project = A AND") == "Error in the JQL Query: Expecting a field name but got end of query.")
        #expect(error("project A") == "Error in the JQL Query: Expecting operator but got 'A'. (line 1, character 9)")
        #expect(
            error("summary = \"open")
                == "Error in the JQL Query: The quoted string 'open' has not been completed. (line 1, character 11)")
        #expect(
            error("project = A ORDER BY bogus")
                == "Field 'bogus' does not exist or you do not have permission to view it.")
        #expect(error("project = A ORDER BY description") == "Not able to sort using field 'description'.")
        #expect(error("status = Nope") == "The value 'Nope' does not exist for the field 'status'.")
    }
}
