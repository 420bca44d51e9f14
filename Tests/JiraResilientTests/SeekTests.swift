import Foundation
import Testing
import JiraResilient
@testable import JiraSimulator

/// Seek soundness under JIRA's real key-clause semantics.
@Suite struct SeekTests {
    @Test func keySeekReadsEveryIssueWhereAnIdCursorLosesSome() async throws {
        try await ClientHarness.with(.moved) { (h: ClientHarness) async throws in
            let truth = keysOf(h, "MOVE")
            var seen: [String] = []
            try await h.client.seek(project: "MOVE", pageSize: 20, fields: ["key"]) { (page, _) throws(JiraError) in
                seen += page.issues.map(\.summary.key.description)
            }
            #expect(seen.count == truth.count && Set(seen) == truth)
            #expect(seen == seen.sorted { JiraClientKeyOrder.less($0, $1) })

            // The same universe read with an id cursor (`id > N ORDER BY id`), as the Python client does.
            var idSeen: Set<String> = []
            var cursor: String?
            while true {
                let jql = "project = MOVE" + (cursor.map { " AND id > \($0)" } ?? "") + " ORDER BY id ASC"
                let page = try await h.client.search(jql, fields: ["key"], maxResults: 20)
                guard let last = page.issues.last else { break }
                idSeen.formUnion(page.issues.map(\.summary.key.description))
                cursor = last.summary.id
            }
            #expect(idSeen.count < truth.count)  // the trap is real in this universe
        }
    }

    @Test func offsetPagingAdvancesByTheRealPageLength() async throws {
        var scenario = Scenario.moved
        scenario.maxResults = 7  // the server returns fewer rows than asked
        try await ClientHarness.with(scenario) { (h: ClientHarness) async throws in
            var keys: [String] = []
            var pages = 0
            try await h.client.forEachOffsetPage("project = MOVE ORDER BY key", fields: ["key"], pageSize: 20) {
                (page) throws(JiraError) in
                keys += page.issues.map(\.summary.key.description)
                pages += 1
            }
            #expect(keys.count == keysOf(h, "MOVE").count && Set(keys) == keysOf(h, "MOVE"))
            #expect(pages == (keys.count + 6) / 7)
            #expect(h.sim.requests.compactMap { $0.jql }.count == pages)
        }
    }

    @Test func listKeysReachesPastTheOffsetWindow() async throws {
        var scenario = Scenario.moved
        scenario.offsetWindow = 100
        scenario.maxResults = 50
        try await ClientHarness.with(scenario) { (h: ClientHarness) async throws in
            var totals: [Int?] = []
            let rows = try await h.client.listKeys(project: "MOVE") { (_, total) throws(JiraError) in
                totals.append(total)
            }
            #expect(rows.count == keysOf(h, "MOVE").count)
            #expect(totals.first == rows.count)  // the exact size is known from the first request
            #expect(rows.allSatisfy { $0.updated != nil })
        }
    }

    @Test func aDeletedCursorIsRecovered() async throws {
        try await ClientHarness.with(.moved) { (h: ClientHarness) async throws in
            let truth = keysOf(h, "MOVE")
            var seen: Set<String> = []
            var pages = 0
            try await h.client.seek(project: "MOVE", pageSize: 25, fields: ["key"]) {
                (page, cursor) throws(JiraError) in
                seen.formUnion(page.issues.map(\.summary.key.description))
                pages += 1
                if pages == 2 {
                    // The cursor and the key before it vanish before the next request.
                    let keys = page.issues.map(\.summary.key.description)
                    h.sim.apply(.delete(key: cursor.description))
                    h.sim.apply(.move(key: keys[keys.count - 2], toProject: "LEGACY"))
                }
            }
            let remaining = keysOf(h, "MOVE")
            #expect(remaining.isSubset(of: seen))
            #expect(seen.isSubset(of: truth))
            let recoveries = h.events.all.compactMap {
                if case .cursorRecovered(let from, let to, _) = $0 { (from, to) } else { nil }
            }
            #expect(recoveries.count == 2)
        }
    }

    @Test func whenTheWholeLastPageVanishesAProbeFindsAnAnchor() async throws {
        try await ClientHarness.with(.moved) { (h: ClientHarness) async throws in
            var seen: Set<String> = []
            var pages = 0
            try await h.client.seek(project: "MOVE", pageSize: 10, fields: ["key"]) { (page, _) throws(JiraError) in
                seen.formUnion(page.issues.map(\.summary.key.description))
                pages += 1
                if pages == 3 {
                    for key in page.issues.map(\.summary.key.description) { h.sim.apply(.delete(key: key)) }
                }
            }
            #expect(keysOf(h, "MOVE").isSubset(of: seen))
            #expect(h.sim.requests.contains { $0.jql?.contains(" in (") == true })
        }
    }

    @Test func deltaSeekAfterAReindexNeitherLoopsNorLoses() async throws {
        try await ClientHarness.with(.reindexDelta) { (h: ClientHarness) async throws in
            let zone = await h.client.jqlTimeZone()
            let since = Date(timeIntervalSince1970: Double(JiraTime.dataEpochEnd - 20 * JiraTime.msPerDay) / 1000)
            let literal = JQL.dateLiteral(since, in: zone.zone)
            let wanted = Set(
                h.universe.issues.values.filter { $0.updated >= JiraTime.dataEpochEnd - 20 * JiraTime.msPerDay }.map(
                    \.key))
            var seen: [String] = []
            try await h.client.seek(project: "RIDX", since: literal, pageSize: 50, fields: ["updated"]) {
                (page, _) throws(JiraError) in
                seen += page.issues.map(\.summary.key.description)
            }
            #expect(wanted.isSubset(of: Set(seen)))
            #expect(seen.count == Set(seen).count)  // no page repeated: no loop
            #expect(seen.count > wanted.count)  // the reindexed issues match too, harmlessly
        }
    }

    @Test func theDeltaLiteralIsReadInTheUsersZone() async throws {
        // The user is behind the server: a literal rendered in the server's offset names a later
        // instant to JIRA, and the issues in between are lost.
        try await ClientHarness.with(.timezone) { (h: ClientHarness) async throws in
            let zone = await h.client.jqlTimeZone()
            #expect(zone.zone.identifier == "America/Los_Angeles" && zone.source == .user)
            let sorted = h.universe.issues.values.sorted { $0.updated < $1.updated }
            let target = sorted[sorted.count / 2]
            let cutoff = (target.updated - 3_600_000) / 60_000 * 60_000
            let wanted = Set(sorted.filter { $0.updated / 1000 * 1000 >= cutoff }.map(\.key))
            let since = Date(timeIntervalSince1970: Double(cutoff) / 1000)
            let rows = try await h.client.listKeys(project: "TZ", since: JQL.dateLiteral(since, in: zone.zone))
            #expect(Set(rows.map(\.key.description)) == wanted)
            let serverZone = TimeZone(secondsFromGMT: 9 * 3600)!
            let wrong = try await h.client.listKeys(project: "TZ", since: JQL.dateLiteral(since, in: serverZone))
            #expect(!wrong.map(\.key.description).contains(target.key))
            #expect(wrong.count < wanted.count)
        }
    }

    @Test func aFilterNarrowsAndNeverWidens() async throws {
        try await ClientHarness.with { (h: ClientHarness) async throws in
            let rows = try await h.client.listKeys(project: "PRJ", filter: "labels = backend OR project = OTHER")
            #expect(!rows.isEmpty && rows.allSatisfy { $0.key.project == "PRJ" })
            await #expect {
                try await h.client.listKeys(project: "PRJ", filter: "labels = x) OR (project = OTHER")
            } throws: { error in
                (error as! JiraError).code == .invalidInput
            }
            #expect(h.sim.requests.count == 1)
        }
    }
}

enum JiraClientKeyOrder {
    static func less(_ a: String, _ b: String) -> Bool {
        let (pa, na) = split(a), (pb, nb) = split(b)
        return pa != pb ? pa < pb : na < nb
    }
    static func split(_ key: String) -> (String, Int) {
        let parts = key.split(separator: "-")
        return (String(parts[0]), Int(parts[1]) ?? 0)
    }
}
