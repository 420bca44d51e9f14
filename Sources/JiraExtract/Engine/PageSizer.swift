import Synchronization

/// How many issues each batch asks for: fixed, or adapting to JIRA's per-request overhead.
///
/// Adaptive: a search costs JIRA a fixed overhead (JQL, permissions, the hit collection) plus a
/// cost per issue rendered; pycontribs/jira issue 1393 measured 0.31 s a request against 0.25 ms an
/// issue, so at JIRA's default of 50 the overhead is most of the time. The sizer starts at 50 and
/// doubles the page while the time per issue (the best full-tier page at that size) falls by at
/// least a tenth, then settles on the best size. It never plans a page expected to take more than
/// an eighth of the fast-fail budget, and never asks past the cap the server showed (a page answered
/// with a smaller `maxResults`). A fast-fail timeout of a page that size could explain (its expected
/// time is past a sixteenth of the budget) halves the size; any other timeout is one slow issue,
/// which the page split isolates.
///
/// Adaptive pages never grow past `adaptiveCeiling` (a fixed `--page-size` may ask up to JIRA's
/// 1,000). A page that meets a hub no pass has seen yet falls whole to the hub tier, where each
/// of its issues has its links fetched alone, or is split and asked again; and its bytes (about
/// 30 kB an issue with every field and the changelog) are held while it is read. All three grow
/// with the page, while the overhead saved past 200 is small: 0.31 s spread over 200 issues is
/// 1.6 ms an issue, against the 2 ms of rendering each issue with every field that the
/// simulator's cost model assumes. Measured with `bench/scan/run.sh`, 100,000 issues: pages
/// grown to 1,000 took 2.8× the wall time of fixed 50 and 1.5× its peak memory.
final class PageSizer: Sendable {
    /// A change of size, for the events: from, to, and the time per issue that decided it.
    struct Change: Sendable, Equatable {
        var from: Int
        var to: Int
        var reason: ScanEvent.PageSizeReason
        /// Best seconds per issue at `from`, when measured.
        var perIssue: Double?

        var event: ScanEvent { .pageSize(from: from, to: to, reason: reason, perIssue: perIssue) }
    }

    let adaptive: Bool
    /// Seconds a full-tier page may take before it is abandoned.
    let budget: Double

    private struct State {
        var size: Int
        var ceiling: Int
        /// The best seconds per issue seen at each size.
        var perIssue: [Int: Double] = [:]
        var samples = 0
        var previous: Int?
        var settled = false
    }

    private let state: Mutex<State>
    /// Pages measured at a size before it is judged.
    static let samplesPerSize = 3
    static let minimum = 10
    /// The largest page the adaptive sizer grows to.
    static let adaptiveCeiling = 200

    init(initial: Int, adaptive: Bool, budget: Double, ceiling: Int = 1000) {
        self.adaptive = adaptive
        self.budget = budget
        let ceiling = adaptive ? min(ceiling, Self.adaptiveCeiling) : ceiling
        state = Mutex(State(size: max(1, initial), ceiling: max(1, ceiling)))
    }

    /// Issues the next batch asks for.
    var size: Int { state.withLock { $0.size } }

    /// A full-tier page of `issues` (asked: `asked`) answered in `seconds`, with the `maxResults`
    /// the server echoed. Returns the change it caused, if any.
    func record(asked: Int, issues: Int, seconds: Double, serverMax: Int?) -> Change? {
        state.withLock { s -> Change? in
            if let serverMax, serverMax < asked, serverMax < s.ceiling {
                // The server caps pages below what was asked: never ask past its cap again.
                s.ceiling = max(1, serverMax)
                let from = s.size
                s.size = min(s.size, s.ceiling)
                return from == s.size ? nil : Change(from: from, to: s.size, reason: .serverCap)
            }
            guard adaptive, !s.settled, asked == s.size, issues * 2 >= asked, issues > 0, seconds > 0 else {
                return nil
            }
            let perIssue = seconds / Double(issues)
            s.perIssue[s.size] = min(s.perIssue[s.size] ?? .infinity, perIssue)
            s.samples += 1
            guard s.samples >= Self.samplesPerSize else { return nil }
            s.samples = 0
            let here = s.perIssue[s.size]!
            let from = s.size
            if let previous = s.previous, let before = s.perIssue[previous], here > before * 0.9 {
                // No longer worth it: settle on the better of the two.
                s.settled = true
                s.size = here < before ? s.size : previous
                return from == s.size ? nil : Change(from: from, to: s.size, reason: .settled, perIssue: here)
            }
            // Cheaper per issue: grow, within an eighth of the budget and the server's cap.
            let affordable = Int(budget / 8 / here)
            let next = min(s.ceiling, s.size * 2, max(s.size, affordable))
            guard next > s.size else {
                s.settled = true
                return nil
            }
            s.previous = s.size
            s.size = next
            return Change(from: from, to: next, reason: .cheaperPerIssue, perIssue: here)
        }
    }

    /// A page of `asked` issues timed out at the full tier.
    func timedOut(asked: Int) -> Change? {
        state.withLock { s -> Change? in
            guard adaptive, asked >= s.size, s.size > Self.minimum else { return nil }
            let perIssue = s.perIssue[s.size] ?? s.perIssue.values.min()
            guard let perIssue, perIssue * Double(asked) >= budget / 16 else { return nil }
            let from = s.size
            s.size = max(Self.minimum, s.size / 2)
            s.settled = true
            return Change(from: from, to: s.size, reason: .timeout, perIssue: perIssue)
        }
    }
}
