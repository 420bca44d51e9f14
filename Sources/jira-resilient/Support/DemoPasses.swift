import Console
import Foundation
import JiraExtract
import JiraResilient
import JiraSimulator

/// The demo keeps going until the operator quits: it follows its project (`--follow`), and a
/// few seconds after each pass, before the next delta pass starts, it changes the simulated
/// JIRA (some issues edited, and one event in turn: a 429 pause, a 503 storm, a reindex, a hub
/// edited) and says on screen what to watch.
struct DemoPasses: Sendable {
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
    static let pause = 5.0

    let sim: JiraSimulator
    let project: String
    let app: ConsoleApp

    /// Before pass `number` (2, 3, …): changes the simulator and tells the operator.
    func prepare(pass number: Int) async {
        let happening = Happening.allCases[(number - 2) % Happening.allCases.count]
        prepare(happening, pass: number)
        app.note { model in
            let text = "demo pass \(number): \(happening.hint)"
            model.setNotice(text, Date())
            model.append(.info, text, Date())
        }
    }

    /// Edits a few issues (so the delta pass has work) and sets up `happening`.
    private func prepare(_ happening: Happening, pass: Int) {
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
}
