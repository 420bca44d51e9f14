import Foundation
import JiraResilient

/// `fetch KEY...` and `refetch`: issues fetched one by one through the resilient ladder and
/// written to the output directory like a scan writes them.
public enum IssueFetcher {
    public enum Outcome: Sendable {
        case written(ManifestRecord)
        case failed(key: IssueKey, JiraError)
    }

    /// Keys typed by a user, parsed once, and their one project; or an error naming the text
    /// that is not a key, or the second project.
    public static func parse(_ texts: [String]) throws(JiraError) -> (project: String, keys: [IssueKey]) {
        guard !texts.isEmpty else { throw JiraError(.invalidInput, "name at least one issue key, e.g. PROJ-123") }
        var project: String?
        var keys: [IssueKey] = []
        for key in texts {
            guard let parsed = IssueKey(key) else {
                throw JiraError(
                    .invalidInput,
                    "'\(UntrustedText.sanitized(String(key.prefix(40))))' is not an issue key like PROJ-123")
            }
            let p = parsed.project
            try JQL.validateProjectKey(p)
            if let project, project != p {
                throw JiraError(
                    .invalidInput,
                    "keys of different projects (\(project), \(p)) cannot share one output directory; fetch them separately"
                )
            }
            project = p
            keys.append(parsed)
        }
        return (project!, keys)
    }

    /// Fetches `keys` (up to `concurrency` at once), writes each, and returns the outcomes in
    /// the order of `keys`; `completed` hears each outcome as it happens (for progress).
    /// Cancellation and authentication failures are thrown. Issues the directory's manifest
    /// knows as hubs start at the hub-base rung.
    public static func fetch(
        _ keys: [IssueKey], client: JiraClient, store: OutputStore, concurrency: Int,
        events: ScanEventSink, completed: @Sendable (Outcome) -> Void = { _ in }
    ) async throws(JiraError) -> [Outcome] {
        let knownHubs = try OutputStore.hubKeys(in: store.directory)
        var outcomes = [Outcome?](repeating: nil, count: keys.count)
        let result: JiraError? = await withTaskGroup(of: (Int, Outcome).self) { group in
            var next = 0
            func start() {
                let index = next
                let key = keys[index]
                next += 1
                group.addTask {
                    do throws(JiraError) {
                        let issue = try await client.fetchResilient(key.description, knownHub: knownHubs.contains(key))
                        let record = try await store.write(issue)
                        events.send(.written(record))
                        return (index, .written(record))
                    } catch {
                        return (index, .failed(key: key, error))
                    }
                }
            }
            while next < min(keys.count, max(1, concurrency)) { start() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                completed(outcome)
                if case .failed(_, let error) = outcome, error.code == .cancelled || error.code == .authentication {
                    group.cancelAll()
                    return error
                }
                if next < keys.count { start() }
            }
            return nil
        }
        if let result { throw result }
        return outcomes.compactMap { $0 }
    }

    /// Keys whose latest manifest record is not complete, in manifest order.
    public static func incompleteKeys(in directory: String) throws(JiraError) -> [ManifestRecord] {
        try OutputStore.latestRecords(in: directory).filter { !$0.complete && $0.isPresent }
    }
}
