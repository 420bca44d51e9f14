import JiraResilient
import Testing

@testable import jira_resilient

/// What `fetch`, `refetch` and `probe` say while a step runs, on instants the test chooses.
@Suite struct RungHeartbeatTests {
    static func info(_ id: Int, rung: Rung?, operation: String = "issue", attempt: Int = 1) -> JiraEvent.RequestInfo {
        JiraEvent.RequestInfo(
            id: id, operation: operation, subject: .issue("P-7"), rung: rung, budget: 600, attempt: attempt,
            maxAttempts: 5)
    }

    @Test func aLineForEachWholeIntervalARequestHasRunAndNoneOnceItEnds() {
        let heartbeat = RungHeartbeat(interval: .seconds(10))
        let t0 = ContinuousClock.now
        heartbeat.record(.requestStarted(Self.info(1, rung: .hubLinks)), at: t0)
        heartbeat.record(
            .requestStarted(Self.info(2, rung: nil, operation: "comments", attempt: 2)), at: t0 + .seconds(3))
        #expect(heartbeat.lines(at: t0 + .seconds(9)).isEmpty)
        #expect(heartbeat.lines(at: t0 + .seconds(10)) == ["  P-7 hub-links: still running, 10 s of its 600 s budget"])
        // Said once per interval, however often asked.
        #expect(heartbeat.lines(at: t0 + .seconds(12)).isEmpty)
        #expect(
            heartbeat.lines(at: t0 + .seconds(20)) == [
                "  P-7 hub-links: still running, 20 s of its 600 s budget",
                "  P-7 comments: still running (attempt 2), 10 s of its 600 s budget",
            ])
        heartbeat.record(
            .requestFinished(Self.info(1, rung: .hubLinks), status: 200, bytes: 1, seconds: 21, error: nil), at: t0)
        #expect(
            heartbeat.lines(at: t0 + .seconds(31)) == [
                "  P-7 comments: still running (attempt 2), 20 s of its 600 s budget"
            ])
    }
}
