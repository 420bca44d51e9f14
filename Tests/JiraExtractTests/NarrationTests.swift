import JiraResilient
import Testing

@testable import JiraExtract

/// How a ladder's rungs are said: a hedge's loser is cancelled, not failed, and the pair ran
/// side by side, so the decision's time is wall time, not a sum.
@Suite struct NarrationTests {
    static func rung(_ rung: Rung, _ ok: Bool, _ seconds: Double, lost: Bool = false) -> RungReport {
        var r = RungReport(rung: rung, succeeded: ok, seconds: seconds, error: ok ? nil : "timed out", bytes: 0)
        if lost { r.lostRace = true }
        return r
    }

    @Test func aHedgesLoserIsCancelledAndAddsNoWallTime() {
        // The full rung answered at 6.0 s; hub-base, started at the hedge's delay, was cut then.
        let fullWon = [Self.rung(.full, true, 6.0), Self.rung(.hubBase, false, 2.2, lost: true)]
        #expect(Narration.rungs(fullWon) == "full ✓ 6.0s → hub-base ◌ cancelled 2.2s")
        #expect(Narration.wallSeconds(fullWon) == 6.0)
        // Hub-base answered at 8.0 s (4.0 s after it started); the full rung ran all 8.0 s.
        let hubBaseWon = [Self.rung(.hubBase, true, 4.0), Self.rung(.full, false, 8.0, lost: true)]
        #expect(Narration.rungs(hubBaseWon) == "hub-base ✓ 4.0s → full ◌ cancelled 8.0s")
        #expect(Narration.wallSeconds(hubBaseWon) == 8.0)
        // Rungs one after another add up, and a real failure is ✗.
        let descended = [Self.rung(.full, false, 1.0), Self.rung(.hubBase, true, 0.5), Self.rung(.hubLinks, true, 2.0)]
        #expect(Narration.rungs(descended) == "full ✗ 1.0s → hub-base ✓ 0.5s → links ✓ 2.0s")
        #expect(Narration.wallSeconds(descended) == 3.5)
    }
}
