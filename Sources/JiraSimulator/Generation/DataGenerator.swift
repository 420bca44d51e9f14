/// Builds a universe from a scenario, deterministically from its seed.
public enum DataGenerator {
    public static func universe(for scenario: Scenario) -> SimUniverse {
        var u = SimUniverse(seed: scenario.seed)
        var rng = SplitMix64(seed: scenario.seed)
        u.users = (0..<12).map { i in
            SimUser(
                name: "user\(i)", displayName: "User \(i)", email: "user\(i)@example.invalid",
                timeZone: i == 0 ? scenario.userTimeZone : "UTC")
        }
        for p in scenario.projects { u.addProject(key: p.key, name: p.name) }
        for p in scenario.projects where p.movedIn > 0 {
            let donor = p.movedFrom ?? "OLD"
            if u.projects[donor] == nil { u.addProject(key: donor, name: "Retired \(donor)") }
        }

        // Creation order interleaves projects, so ids of one project are not contiguous.
        var order: [String] = []
        for p in scenario.projects { order += Array(repeating: p.key, count: p.issueCount) }
        var donorOrder: [String] = []
        for p in scenario.projects where p.movedIn > 0 {
            donorOrder += Array(repeating: p.movedFrom ?? "OLD", count: p.movedIn)
        }
        order.shuffle(using: &rng)
        let early = Int(Double(order.count) * 0.85)
        // Donor issues are created early (low ids) and moved late (high key numbers).
        order.insert(contentsOf: donorOrder, at: min(order.count, max(0, early / 4)))
        let totalCreated = order.count
        let span = 5 * 365 * JiraTime.msPerDay
        let start = JiraTime.dataEpochEnd - span - 30 * JiraTime.msPerDay
        let specs = Dictionary(scenario.projects.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var hostileCounter: [String: Int] = [:]
        var createdIDs: [String: [Int]] = [:]
        let moveAt = early + donorOrder.count

        for (index, projectKey) in order.enumerated() {
            if index == moveAt {
                moveDonors(
                    &u, scenario: scenario, rng: &rng, createdIDs: &createdIDs,
                    at: start + span * Int64(index) / Int64(max(totalCreated, 1)))
            }
            let created = start + span * Int64(index) / Int64(max(totalCreated, 1)) + Int64(rng.int(0...3_600_000))
            let spec = specs[projectKey]
            let maxUpdate = min(JiraTime.dataEpochEnd, created + 400 * JiraTime.msPerDay)
            let updated = created + Int64.random(in: 0...max(0, maxUpdate - created), using: &rng)
            hostileCounter[projectKey, default: 0] += 1
            let hostileEvery = spec?.hostileEvery ?? 0
            let isHostile = hostileEvery > 0 && hostileCounter[projectKey]! % hostileEvery == 0
            let userCount = u.users.count
            let issue = u.createIssue(projectKey: projectKey, created: created, updated: updated) { issue in
                fill(&issue, spec: spec, users: userCount, hostile: isHostile, rng: &rng)
            }
            createdIDs[projectKey, default: []].append(issue.id)
        }
        if moveAt >= order.count {
            moveDonors(
                &u, scenario: scenario, rng: &rng, createdIDs: &createdIDs,
                at: JiraTime.dataEpochEnd - JiraTime.msPerDay)
        }

        for p in scenario.projects {
            let created = u.members[p.key].map { Array($0).sorted() } ?? []
            guard !created.isEmpty else { continue }
            for id in created.shuffled(using: &rng).prefix(p.deleted) {
                u.delete(id: id, at: u.issues[id]!.updated)
            }
            let ids = u.members[p.key].map { Array($0).sorted() } ?? []
            addLinks(&u, project: p, ids: ids, rng: &rng)
            if p.sameMinuteCluster > 0 {
                let minute = JiraTime.dataEpochEnd - 3 * JiraTime.msPerDay
                for id in ids.shuffled(using: &rng).prefix(p.sameMinuteCluster) {
                    let at = minute + Int64(rng.int(0...59_999))
                    u.issues[id]!.updated = at
                    u.issues[id]!.created = min(u.issues[id]!.created, at - JiraTime.msPerDay)
                }
            }
        }
        if scenario.reindexShare > 0 {
            let all = u.issues.values.sorted { ($0.updated, $0.id) < ($1.updated, $1.id) }
            let group = all.prefix(Int(Double(all.count) * scenario.reindexShare)).map(\.id)
            u.reindex(ids: group, indexTime: JiraTime.dataEpochEnd - 2 * JiraTime.msPerDay + 17_000)
        }
        return u
    }

    private static func fill(
        _ issue: inout SimIssue, spec: Scenario.Project?, users: Int, hostile: Bool, rng: inout SplitMix64
    ) {
        let overflow = rng.chance(spec?.overflowShare ?? 0.05)
        issue.status = rng.int(0...(SimVocabulary.statuses.count - 1))
        issue.issueType = rng.int(0...3)
        issue.priority = rng.int(0...4)
        issue.labels = Array(SimVocabulary.labels.shuffled(using: &rng).prefix(rng.int(0...3))).sorted()
        issue.commentCount = overflow ? rng.int(21...60) : rng.int(0...(spec?.maxComments ?? 8))
        issue.worklogCount = overflow ? rng.int(21...45) : rng.int(0...(spec?.maxWorklogs ?? 6))
        issue.historyCount = overflow ? rng.int(101...240) : rng.int(1...max(1, spec?.maxHistories ?? 12))
        issue.reporter = rng.int(0...(users - 1))
        issue.assignee = rng.chance(0.8) ? rng.int(0...(users - 1)) : nil
        issue.descriptionLength = rng.chance(0.1) ? rng.int(4000...20000) : rng.int(80...1500)
        issue.hostile = hostile
        issue.remoteLinkCount = rng.chance(0.2) ? rng.int(1...3) : 0
        issue.watcherCount = rng.int(1...4)
        issue.voterCount = rng.int(0...2)
        issue.propertyCount = rng.chance(0.1) ? 1 : 0
    }

    private static func moveDonors(
        _ u: inout SimUniverse, scenario: Scenario, rng: inout SplitMix64, createdIDs: inout [String: [Int]], at: Int64
    ) {
        for p in scenario.projects where p.movedIn > 0 {
            let donor = p.movedFrom ?? "OLD"
            let candidates = (createdIDs[donor] ?? []).filter { u.issues[$0]?.projectKey == donor }
            for id in candidates.prefix(p.movedIn) { u.move(id: id, to: p.key, at: at) }
        }
    }

    private static func addLinks(_ u: inout SimUniverse, project p: Scenario.Project, ids: [Int], rng: inout SplitMix64)
    {
        let hubTypes = [4, 5, 6, 3]
        for (h, count) in p.hubLinks.enumerated() where h < ids.count {
            let hub = ids[(h * 7919) % ids.count]
            u.issues[hub]!.issueType = h % 2 == 0 ? 4 : 5
            if p.hubsUpdatedRecently {
                u.issues[hub]!.updated = JiraTime.dataEpochEnd - Int64(h + 1) * 3_600_000
            }
            for i in 0..<count {
                var other = ids[rng.int(0...(ids.count - 1))]
                if other == hub { other = ids[(i + 1) % ids.count] }
                if other == hub { continue }
                u.link(hub, other, type: hubTypes[h % hubTypes.count])
            }
        }
        for id in ids where rng.chance(0.35) {
            for _ in 0..<rng.int(1...3) {
                let other = ids[rng.int(0...(ids.count - 1))]
                if other != id { u.link(id, other, type: rng.int(0...3)) }
            }
        }
    }
}
