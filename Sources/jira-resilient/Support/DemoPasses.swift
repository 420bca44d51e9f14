import Console
import Foundation
import JiraExtract
import JiraResilient
import JiraSimulator
import ServiceLifecycle

/// The demo keeps going until the operator quits: a few seconds after each pass ends, it
/// changes the simulated JIRA (some issues edited, and one event in turn: a 429 pause, a 503
/// storm, a reindex, a hub edited) and runs a delta pass over what changed, into the same
/// output directory and on the same screen, with a line saying what to watch.
final class DemoPasses: Service, Sendable {
    /// What each pass does to the simulator, in turn.
    enum Happening: CaseIterable {
        case rateLimit, storm, reindex, hubTouched

        var hint: String {
            switch self {
            case .rateLimit: "JIRA answers 429 to the next searches: watch RATE-LIMITED count down in the header"
            case .storm: "a 503 storm: watch RETRYING in the header and the retry lines below"
            case .reindex: "a reindex: watch the 'reindex detected' line; those issues are fetched anyway"
            case .hubTouched: "a hub was edited: watch its rungs under In flight and its ◆ decision"
            }
        }
    }

    /// Seconds between the end of one pass and the start of the next.
    static let pause: Duration = .seconds(5)

    let sim: JiraSimulator
    let first: ScanSession
    let arguments: ScanArguments
    let configuration: JiraClientConfiguration
    let app: ConsoleApp

    init(
        sim: JiraSimulator, first: ScanSession, arguments: ScanArguments, configuration: JiraClientConfiguration,
        app: ConsoleApp
    ) {
        self.sim = sim
        self.first = first
        self.arguments = arguments
        self.configuration = configuration
        self.app = app
    }

    func run() async {
        await cancelWhenGracefulShutdown { await self.passes() }
    }

    private func passes() async {
        // The first pass is the session's own scan.
        while first.scan.outcome == nil {
            guard (try? await Task.sleep(for: .milliseconds(200))) != nil else { return }
        }
        guard case .success = first.scan.outcome else { return }
        var since = Date()
        for number in 2... {
            guard (try? await Task.sleep(for: Self.pause)) != nil else { return }
            let happening = Happening.allCases[(number - 2) % Happening.allCases.count]
            let start = Date()
            prepare(happening, pass: number)
            app.note { model in
                let text = "demo pass \(number): \(happening.hint)"
                model.setNotice(text, Date())
                model.append(.info, text, Date())
            }
            guard await run(since: since) else { return }
            since = start
        }
    }

    /// Edits a few issues (so the delta pass has work) and sets up `happening`.
    private func prepare(_ happening: Happening, pass: Int) {
        let project = arguments.project
        let universe = sim.universe
        let keys = (universe.members[project] ?? []).compactMap { universe.issues[$0] }
            .filter { $0.linkIDs.count < 100 }.map(\.key).sorted { $0.keyOrderLess($1) }
        guard !keys.isEmpty else { return }
        for i in 0..<min(12, keys.count) { sim.apply(.update(key: keys[(pass * 37 + i * 11) % keys.count])) }
        switch happening {
        case .rateLimit:
            sim.inject(.init(.rateLimited(.seconds(6)), matching: RequestMatcher(pathContains: "/search"), count: 1))
        case .storm:
            sim.inject(.init(.status(503, nil), matching: RequestMatcher(pathContains: "/issue/"), count: 2))
        case .reindex:
            sim.apply(.reindex(project: project, share: 0.1))
        case .hubTouched:
            // The third-largest hub: the demo's second one is scripted to be slower than any budget.
            let hubs = (universe.members[project] ?? []).compactMap { universe.issues[$0] }
                .sorted { $0.linkIDs.count > $1.linkIDs.count }
            if hubs.count > 2 { sim.apply(.update(key: hubs[2].key)) }
        }
    }

    /// One delta pass since `since`; false when it could not run or was stopped.
    private func run(since: Date) async -> Bool {
        var options: ScanOptions
        do { options = try arguments.scanOptions() } catch { return false }
        options.since = since
        // The simulator's clock is this machine's: a minute covers JQL's minute resolution.
        options.overlap = 60
        let extractor: Extractor
        do {
            extractor = try Extractor(
                configuration: configuration, options: options, directory: arguments.out, events: app.sink,
                control: first.extractor.control, logEvents: true)
        } catch {
            app.note { $0.setNotice("demo: the next pass could not start: \(error.description)", Date()) }
            return false
        }
        let outcome: Result<ScanSummary, JiraError>
        do { outcome = .success(try await extractor.run()) } catch { outcome = .failure(error) }
        _ = await extractor.shutdown()
        if case .failure(let error) = outcome, error.code != .cancelled {
            app.note { $0.setNotice("demo pass failed: \(error.description)", Date()) }
        }
        return (try? outcome.get()) != nil && !Task.isCancelled
    }
}
