/// Everything the simulated server knows: issues, links, projects, users and the key indexes.
///
/// A value type: the server hands a snapshot to each request (copy-on-write makes that free) and
/// applies live changes under its lock, so a render never sees a half-applied change.
public struct SimUniverse: Sendable {
    public var issues: [Int: SimIssue] = [:]
    public var links: [Int: SimLink] = [:]
    public var projects: [String: SimProject] = [:]
    /// Current key → issue id.
    public var byKey: [String: Int] = [:]
    /// Keys an issue had before a move → issue id.
    public var movedKeys: [String: Int] = [:]
    public var deletedKeys: Set<String> = []
    public var deletedIDs: Set<Int> = []
    /// Issue ids of each project, in no particular order.
    public var members: [String: Set<Int>] = [:]
    public var users: [SimUser] = []
    public var seed: UInt64
    public var nextIssueID = 10_000
    public var nextLinkID = 20_000

    public init(seed: UInt64) { self.seed = seed }

    public func issue(key: String) -> SimIssue? { byKey[key].flatMap { issues[$0] } }

    /// Resolves a key, an old key of a moved issue, or a numeric id, as `GET /issue/{keyOrId}` does.
    public func resolve(_ keyOrID: String) -> SimIssue? {
        if let id = Int(keyOrID) { return issues[id] }
        let upper = keyOrID.uppercased()
        if let id = byKey[upper] ?? movedKeys[upper] { return issues[id] }
        return nil
    }

    public func linkCount(_ issueID: Int) -> Int { issues[issueID]?.linkIDs.count ?? 0 }

    // MARK: - Building

    public mutating func addProject(key: String, name: String) {
        let id = 10_000 + projects.count * 100
        projects[key] = SimProject(id: id, key: key, name: name, nextNumber: 1)
        members[key] = members[key] ?? []
    }

    /// Creates an issue in `projectKey` with the next key number and the next id.
    @discardableResult
    public mutating func createIssue(
        projectKey: String, created: Int64, updated: Int64, template: (inout SimIssue) -> Void = { _ in }
    ) -> SimIssue {
        let number = projects[projectKey]!.nextNumber
        projects[projectKey]!.nextNumber += 1
        let id = nextIssueID
        nextIssueID += 1
        var issue = SimIssue(
            id: id, projectKey: projectKey, number: number, created: created, updated: updated,
            status: 0, issueType: 0, priority: 2, labels: [], commentCount: 0, worklogCount: 0,
            historyCount: 0, reporter: 0, assignee: nil, descriptionLength: 200, hostile: false,
            remoteLinkCount: 0, watcherCount: 1, voterCount: 0, propertyCount: 0,
            contentSeed: {
                var r = SplitMix64(seed: seed, id, 99); return r.next()
            }())
        template(&issue)
        issues[id] = issue
        byKey[issue.key] = id
        members[projectKey, default: []].insert(id)
        return issue
    }

    public mutating func link(_ outward: Int, _ inward: Int, type: Int) {
        let link = SimLink(id: nextLinkID, type: type, outward: outward, inward: inward)
        nextLinkID += 1
        links[link.id] = link
        issues[outward]?.linkIDs.append(link.id)
        issues[inward]?.linkIDs.append(link.id)
    }

    // MARK: - Live changes

    /// Records an edit at `at` (ms): a new history entry, a new `updated`, the index in step.
    public mutating func touch(id: Int, at: Int64) {
        guard var issue = issues[id] else { return }
        issue.updated = max(at, issue.created)
        issue.indexUpdated = nil
        issue.extraHistories.append(issue.updated)
        issue.revision += 1
        issues[id] = issue
    }

    /// Deletes an issue and every link it takes part in, as JIRA does.
    public mutating func delete(id: Int, at: Int64) {
        guard let issue = issues.removeValue(forKey: id) else { return }
        byKey[issue.key] = nil
        members[issue.projectKey]?.remove(id)
        deletedKeys.insert(issue.key)
        deletedIDs.insert(id)
        for key in issue.oldKeys { movedKeys[key] = nil; deletedKeys.insert(key) }
        for linkID in issue.linkIDs {
            guard let link = links.removeValue(forKey: linkID) else { continue }
            let other = link.outward == id ? link.inward : link.outward
            if var o = issues[other] {
                o.linkIDs.removeAll { $0 == linkID }
                o.updated = max(o.updated, at)
                o.indexUpdated = nil
                issues[other] = o
            }
        }
    }

    /// Moves an issue to another project: it keeps its id, takes the next key number there, and
    /// its old key still finds it by equality.
    public mutating func move(id: Int, to projectKey: String, at: Int64) {
        guard var issue = issues[id], projects[projectKey] != nil, issue.projectKey != projectKey else { return }
        let oldKey = issue.key
        byKey[oldKey] = nil
        members[issue.projectKey]?.remove(id)
        issue.oldKeys.append(oldKey)
        movedKeys[oldKey] = id
        issue.projectKey = projectKey
        issue.number = projects[projectKey]!.nextNumber
        projects[projectKey]!.nextNumber += 1
        issue.updated = max(at, issue.updated)
        issue.indexUpdated = nil
        issue.extraHistories.append(issue.updated)
        issue.revision += 1
        issues[id] = issue
        byKey[issue.key] = id
        members[projectKey, default: []].insert(id)
    }

    /// A Lucene reindex: the index's `updated` of these issues becomes `indexTime` (ms) while the
    /// documents' `fields.updated` keep their old values.
    public mutating func reindex(ids: [Int], indexTime: Int64) {
        for id in ids where issues[id] != nil { issues[id]!.indexUpdated = indexTime }
    }
}
