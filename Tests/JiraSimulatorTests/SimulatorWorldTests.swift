import Dispatch
import Foundation
import Testing
import TestSupport
@testable import JiraSimulator

/// The generated data, the cost model and live changes.
@Suite struct SimulatorWorldTests {
    @Test func generationIsDeterministicAndHasTheTraps() {
        let a = DataGenerator.universe(for: .small), b = DataGenerator.universe(for: .small)
        #expect(a.issues == b.issues)
        let prj = a.members["PRJ"]!.compactMap { a.issues[$0] }
        #expect(prj.count == 120 + 6 - 3)
        let linkCounts = prj.map(\.linkIDs.count).sorted(by: >)
        #expect(linkCounts[0] >= 420 && linkCounts[1] >= 150 && linkCounts[2] < 150)
        let moved = prj.filter { !$0.oldKeys.isEmpty }
        #expect(moved.count == 6)
        // Moved-in issues have low ids but high key numbers: ids out of key order.
        for issue in moved {
            #expect(prj.contains { $0.id > issue.id && $0.number < issue.number })
        }
        #expect(a.deletedKeys.filter { $0.hasPrefix("PRJ-") }.count == 3)
        // A same-minute cluster larger than a page.
        let minutes = Dictionary(grouping: prj, by: { $0.updated / 60_000 })
        #expect((minutes.values.map(\.count).max() ?? 0) >= 30)
        #expect(prj.contains { $0.hostile })
        var other = Scenario.small
        other.seed = 43
        #expect(DataGenerator.universe(for: other).issues != a.issues)
    }

    @Test func costModelFollowsTheMeasuredCurve() {
        let cost = CostModel()
        #expect(abs(cost.linkSeconds(106) - 0.8) < 1e-9)
        #expect(abs(cost.linkSeconds(8249) - 206.1) < 1e-9)
        #expect(abs(cost.linkSeconds(2073) - 23.7) < 1e-9)
        #expect(cost.linkSeconds(0) == 0)
        #expect(cost.linkSeconds(9000) > 206.1)
        let mid = cost.linkSeconds(3000)
        #expect(mid > 23.7 && mid < 56.6)
    }

    @Test func responseDelayScalesWithLinksAndTimeScale() async throws {
        try await SimulatorHarness.with(timeScale: 0.001) { (h: SimulatorHarness) async throws in
            let hub = try #require(h.sim.universe.issues.values.max { $0.linkIDs.count < $1.linkIDs.count })
            _ = try await h.get("/rest/api/2/issue/\(hub.key)?fields=*all")
            _ = try await h.get("/rest/api/2/issue/\(hub.key)?fields=*all,-issuelinks")
            _ = try await h.search("project = PRJ", fields: ["key"], max: 1000)
            let log = h.sim.requests
            let cost = CostModel()
            let expectedFull = (cost.baseSeconds + cost.perIssueSeconds + cost.linkSeconds(hub.linkIDs.count)) * 0.001
            #expect(log[0].delay >= expectedFull * 0.99)
            #expect(log[1].delay < log[0].delay / 5)
            #expect(log[2].delay < log[0].delay)  // a key listing is cheap even for many issues
        }
    }

    @Test func liveChangesDuringAScan() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            let before = try await h.keys("project = PRJ ORDER BY key")
            let victim = before[10], mover = before[20]
            h.sim.schedule(.delete(key: victim), afterRequests: 1)
            h.sim.schedule(.move(key: mover, toProject: "OTHER"), afterRequests: 1)
            _ = try await h.get("/rest/api/2/serverInfo")
            let after = try await h.keys("project = PRJ ORDER BY key")
            #expect(!after.contains(victim) && !after.contains(mover))
            #expect(after.count == before.count - 2)
            #expect(try await h.get("/rest/api/2/issue/\(victim)").status == 404)
            let movedKey = try await h.get("/rest/api/2/issue/\(mover)?fields=summary").object["key"] as? String
            #expect(movedKey?.hasPrefix("OTHER-") == true)
            // The cursor naming the moved issue's old key is now an error.
            let reply = try await h.search("project = PRJ AND key > \(mover)")
            #expect(
                reply.object["errorMessages"] as? [String] == [
                    "Operator '>' cannot be applied to moved issue key '\(mover)'."
                ])
            // An update is seen by an updated filter; a create gets the next number.
            h.sim.apply(.update(key: before[0]))
            h.sim.apply(.create(project: "PRJ"))
            let recent = try await h.keys("project = PRJ AND updated >= -1h ORDER BY key")
            let created = "PRJ-\(h.sim.universe.projects["PRJ"]!.nextNumber - 1)"
            #expect(recent.contains(before[0]) && recent.contains(created))
            #expect(!before.contains(created))
        }
    }

    @Test func reindexSetsTheIndexApartFromTheDocument() async throws {
        try await SimulatorHarness.with { (h: SimulatorHarness) async throws in
            let all = try await h.keys("project = PRJ")
            #expect(try await h.keys("project = PRJ AND updated >= -1h").isEmpty)
            h.sim.apply(.reindex(project: "PRJ", share: 0.25))
            let recent = try await h.keys("project = PRJ AND updated >= -1h")
            #expect(recent.count == all.count / 4)
            let sample =
                try await h.get("/rest/api/2/issue/\(recent[0])?fields=updated").object["fields"] as? [String: Any]
            let updated = try #require(sample?["updated"] as? String)
            #expect(updated < "2026-05-20")  // the document still says its old date
        }
    }
}

@Suite struct SimulatorConnectionTests {
    /// Python's urllib sends `Connection: close`; a 10 MB answer must still arrive whole.
    @Test func aLargeAnswerArrivesWholeWhenTheClientAsksToClose() async throws {
        var scenario = Scenario.small
        scenario.projects[0].hubLinks = [7000]
        try await SimulatorHarness.with(scenario, timeScale: 0.0001) { (h: SimulatorHarness) async throws in
            let hub = h.sim.universe.issues.values.max { $0.linkIDs.count < $1.linkIDs.count }!
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "timeout", "120", "python3", "-c",
                """
                import json, sys, urllib.request
                r = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
                body = urllib.request.urlopen(r).read()
                print(len(json.loads(body)["fields"]["issuelinks"]), len(body))
                """, "\(h.url)/rest/api/2/issue/\(hub.key)?fields=issuelinks", h.token,
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let reaping = Reaper.killOnDeath(process.processIdentifier)
            defer { reaping.cancel() }
            let output = await withCheckedContinuation { c in
                DispatchQueue.global().async { c.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
            }
            process.waitUntilExit()
            let parts = String(decoding: output, as: UTF8.self).split(separator: " ")
            #expect(process.terminationStatus == 0)
            #expect(parts.first.flatMap { Int($0) } == hub.linkIDs.count)
            #expect((parts.last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0) > 5_000_000)
        }
    }
}
