import Foundation
import JiraExtract
import JiraResilient
import JiraSimulator
import Synchronization
import Testing
import TestSupport

/// A simulator, a client and an output directory for one scan test.
struct ScanHarness {
    static let token = "scan-test-token-q8w7e6"
    let sim: JiraSimulator
    let url: String
    let directory: String
    let events = Recorder()

    final class Recorder: Sendable {
        private let list = Mutex<[ScanEvent]>([])
        var sink: ScanEventSink { ScanEventSink { [self] e in list.withLock { $0.append(e) } } }
        var all: [ScanEvent] { list.withLock { $0 } }
        var written: [ManifestRecord] { all.compactMap { if case .written(let r) = $0 { r } else { nil } } }
        var clientEvents: [JiraEvent] { all.compactMap { if case .client(let e) = $0 { e } else { nil } } }
        var text: String { all.map { String(reflecting: $0) }.joined(separator: "\n") }
    }

    static func with<T>(
        _ scenario: Scenario = .small, timeScale: Double = 0.01,
        sim configure: (inout JiraSimulator.Configuration) -> Void = { _ in },
        _ body: (ScanHarness) async throws -> T
    ) async throws -> T {
        var configuration = JiraSimulator.Configuration(scenario: scenario, token: token, timeScale: timeScale)
        configure(&configuration)
        let sim = JiraSimulator(configuration)
        let url = try await sim.start()
        let directory = Reaper.scratchPath("jr-scan")
        let harness = ScanHarness(sim: sim, url: url, directory: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let result = try await body(harness)
            await sim.stop()
            return result
        } catch {
            await sim.stop()
            throw error
        }
    }

    func configuration(_ tune: (inout JiraClientConfiguration) -> Void = { _ in }) -> JiraClientConfiguration {
        var c = JiraClientConfiguration(baseURL: url, token: AccessToken(Self.token))
        c.firstContactTimeout = 60  // a loaded machine may need more than the default 10 s
        c.timeout = 10
        c.fastFailTimeout = 5
        c.linksTimeout = 30
        c.maxAttempts = 4
        c.backoffScale = 0.001
        tune(&c)
        return c
    }

    /// Runs one scan to its end (or error) with a fresh extractor and client.
    @discardableResult
    func scan(
        _ options: ScanOptions, directory: String? = nil, control: ScanControl = ScanControl(),
        client tune: (inout JiraClientConfiguration) -> Void = { _ in }
    ) async throws -> ScanSummary {
        let extractor = try Extractor(
            configuration: configuration(tune), options: options, directory: directory ?? self.directory,
            events: events.sink, control: control)
        do {
            let summary = try await extractor.run()
            await extractor.shutdown()
            return summary
        } catch {
            await extractor.shutdown()
            throw error
        }
    }

    /// The project's issue with the most links.
    func largestHub(_ project: String) throws -> SimIssue {
        try #require(
            sim.universe.issues.values.filter { $0.projectKey == project }.max { $0.linkIDs.count < $1.linkIDs.count })
    }

    /// Slows the full rung (`*all` search) of the page holding the largest hub by
    /// `simulatedSeconds`; its hub-base still answers at its own cost.
    func slowFullRungOfLargestHub(by simulatedSeconds: Double) {
        sim.inject(
            .init(
                .delay(simulatedSeconds),
                matching: RequestMatcher(
                    method: "POST", pathContains: "/search", fieldsContains: #"["*all"]"#, hubRank: 0), count: nil))
    }

    func projectKeys(_ project: String) -> Set<String> {
        let u = sim.universe
        return Set((u.members[project] ?? []).compactMap { u.issues[$0]?.key })
    }

    func file(_ key: String, in dir: String? = nil) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir ?? directory)/issues/\(key).json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func writtenKeys(_ dir: String? = nil) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(dir ?? directory)/issues")) ?? []
        return Set(names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) })
    }

    /// Checks every written file against the simulator's truth; returns the keys that differ.
    func mismatches(_ dir: String? = nil) throws -> [String] {
        let u = sim.universe
        var bad: [String] = []
        for key in writtenKeys(dir) {
            guard let truth = u.issue(key: key) else { bad.append("\(key) (not in the universe)"); continue }
            let o = try file(key, in: dir)
            let f = o["fields"] as! [String: Any]
            let links = (f["issuelinks"] as? [Any])?.count
            let comments = ((f["comment"] as? [String: Any])?["comments"] as? [Any])?.count
            let worklogs = ((f["worklog"] as? [String: Any])?["worklogs"] as? [Any])?.count
            let changelog = o["changelog"] as? [String: Any]
            let histories = (changelog?["histories"] as? [Any])?.count
            if links != truth.linkIDs.count || comments != truth.commentCount || worklogs != truth.worklogCount
                || histories != truth.totalHistories || changelog?["total"] as? Int != truth.totalHistories
                || o["key"] as? String != key
            {
                bad.append(
                    "\(key): links \(links ?? -1)/\(truth.linkIDs.count) comments \(comments ?? -1)/\(truth.commentCount) worklogs \(worklogs ?? -1)/\(truth.worklogCount) histories \(histories ?? -1)/\(truth.totalHistories)"
                )
            }
        }
        return bad
    }

    func manifest(_ dir: String? = nil) throws -> [ManifestRecord] {
        try OutputStore.latestRecords(in: dir ?? directory)
    }
}
