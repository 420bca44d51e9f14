import Foundation
import JiraResilient
import JiraSimulator
import Synchronization

/// Collects every event a client sends, for assertions.
final class EventLog: Sendable {
    private let events = Mutex<[JiraEvent]>([])
    var sink: EventSink { EventSink { [self] event in events.withLock { $0.append(event) } } }
    var all: [JiraEvent] { events.withLock { $0 } }
    var backoffs: [JiraEvent.Backoff] { all.compactMap { if case .backoff(let b) = $0 { b } else { nil } } }
    var started: [JiraEvent.RequestInfo] { all.compactMap { if case .requestStarted(let r) = $0 { r } else { nil } } }
    var decisions: [TierDecision] { all.compactMap { if case .tierDecided(let d) = $0 { d } else { nil } } }
    var outages: [OutageEvent] { all.compactMap { if case .outage(let o) = $0 { o } else { nil } } }
    /// Every event rendered as text (for checks that a secret never appears).
    var text: String { all.map { String(reflecting: $0) }.joined(separator: "\n") }
}

/// A simulator plus a client pointed at it.
struct ClientHarness {
    static let token = "client-test-token-7f3a9"
    let sim: JiraSimulator
    let client: JiraClient
    let events: EventLog

    static func with<T>(
        _ scenario: Scenario = .small, timeScale: Double = 0.01,
        sim simulate: (inout JiraSimulator.Configuration) -> Void = { _ in },
        client configure: (inout JiraClientConfiguration) -> Void = { _ in },
        _ body: (ClientHarness) async throws -> T
    ) async throws -> T {
        var simulation = JiraSimulator.Configuration(scenario: scenario, token: token, timeScale: timeScale)
        simulate(&simulation)
        let sim = JiraSimulator(simulation)
        let url = try await sim.start()
        let events = EventLog()
        var configuration = JiraClientConfiguration(baseURL: url, token: AccessToken(token))
        // A loaded machine may need more than the default 10 s for the first answer.
        configuration.firstContactTimeout = 60
        // Wide budgets: on a loaded 2-core machine a trivial request can take seconds, and a
        // test that is not about budgets must not see a timeout.
        configuration.timeout = 30
        configuration.fastFailTimeout = 20
        configuration.linksTimeout = 20
        configuration.maxAttempts = 3
        configuration.backoffScale = 0.001
        // Rungs one after the other unless a test is about the hedge: a loaded machine must not
        // turn an ordinary issue into a race.
        configuration.hedgeFraction = 1
        configuration.events = events.sink
        configure(&configuration)
        let client: JiraClient
        do { client = try JiraClient(configuration) } catch {
            await sim.stop()
            throw error
        }
        let harness = ClientHarness(sim: sim, client: client, events: events)
        do {
            let result = try await body(harness)
            await client.shutdown()
            await sim.stop()
            return result
        } catch {
            await client.shutdown()
            await sim.stop()
            throw error
        }
    }

    var universe: SimUniverse { sim.universe }
    func truth(_ key: String) -> SimIssue { universe.resolve(key)! }
    var hub: SimIssue {
        universe.issues.values.filter { $0.projectKey == "PRJ" }.max { $0.linkIDs.count < $1.linkIDs.count }!
    }
}

func json(_ bytes: [UInt8]) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
}

/// The keys of a project in the simulator's truth.
func keysOf(_ h: ClientHarness, _ project: String) -> Set<String> {
    Set(h.universe.members[project]!.compactMap { h.universe.issues[$0]?.key })
}
