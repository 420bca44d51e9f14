import Synchronization

/// The two upper rungs that race when hedged.
enum LadderArm: Sendable { case full, hubBase }

/// The tier ladder, one for single issues and search pages: ordered rungs, each reported as it
/// ends, one hedging rule.
///
/// - `full` runs within the fast-fail budget. Once it has taken `hedgeFraction` of that budget
///   (a request that slow almost always concerns a hub), `hub-base` starts alongside it; the
///   first to succeed wins and the other is cancelled (and reported as such, with its time).
///   The full rung keeps its whole budget, so a slow answer that arrives in time is still
///   taken whole.
/// - Only slowness descends: a rung that failed for another reason (a 4xx, or 5xx, 429 and
///   lost connections after the transport's retries on that same rung) ends the ladder with
///   its error. An outage is held inside the transport and never reaches the ladder.
/// - When both upper rungs ran out of budget, `minimal` runs if the caller has one (a single
///   issue); a page has none, and the timeout is thrown so that the caller splits the page and
///   only the slow issue ever descends to `minimal`.
struct TierLadder<Payload: Sendable>: Sendable {
    typealias Rung = @Sendable () async throws(JiraError) -> Payload
    var full: Rung
    var hubBase: Rung
    var minimal: Rung?
    /// Bytes of a payload, for the rung reports.
    var bytes: @Sendable (Payload) -> Int

    struct Outcome: Sendable {
        var tier: Tier
        var payload: Payload
        var reports: [RungReport]
    }

    /// What the two racing arms share.
    private final class Race: Sendable {
        let reports = Mutex<[RungReport]>([])
        let winner = Mutex<LadderArm?>(nil)
        let hubBaseStarted = Mutex(false)
        let report: @Sendable (RungReport) -> Void
        init(report: @escaping @Sendable (RungReport) -> Void) { self.report = report }
        func record(_ r: RungReport) {
            reports.withLock { $0.append(r) }
            report(r)
        }
    }

    /// Runs `body` as `rung` and records its report (time, bytes or the reason it failed) as
    /// soon as it ends: the one place a rung is timed. `reason` names a failure; `lost` says
    /// whether it was a hedge's rung cancelled because the other one answered first.
    private func timed(
        _ rung: JiraResilient.Rung, _ race: Race, reason: (JiraError) -> String = { $0.shortReason },
        lost: (JiraError) -> Bool = { _ in false }, _ body: Rung
    ) async -> Result<Payload, JiraError> {
        let start = ContinuousClock.now
        let result: Result<Payload, JiraError>
        do throws(JiraError) { result = .success(try await body()) } catch { result = .failure(error) }
        let seconds = (ContinuousClock.now - start).seconds
        switch result {
        case .success(let payload):
            race.record(RungReport(rung: rung, succeeded: true, seconds: seconds, error: nil, bytes: bytes(payload)))
        case .failure(let error):
            var report = RungReport(rung: rung, succeeded: false, seconds: seconds, error: reason(error), bytes: 0)
            if lost(error) { report.lostRace = true }
            race.record(report)
        }
        return result
    }

    private func run(_ arm: LadderArm, _ race: Race) async -> Result<Payload, JiraError> {
        func lost(_ error: JiraError) -> LadderArm? {
            guard error.code == .cancelled, let other = race.winner.withLock({ $0 }), other != arm else { return nil }
            return other
        }
        return await timed(
            arm == .full ? .full : .hubBase, race,
            reason: { error in
                lost(error).map { "cancelled: \($0 == .full ? "full" : "hub-base") answered first" }
                    ?? error.shortReason
            },
            lost: { lost($0) != nil }, arm == .full ? full : hubBase)
    }

    /// Runs the ladder; `report` receives each rung's report as the rung ends. With
    /// `hedgeAfter` nil the upper rungs run one after the other. `wait` sleeps the hedge's
    /// delay in seconds; the client's counts only time when JIRA was reachable, so an outage
    /// held through never starts hub-base (the tier would then depend on the outage, not on
    /// the issue's size). A `wait` that throws declines the hedge: the rungs then run one after
    /// the other.
    ///
    /// `from: .hubBase` skips the full rung, for payloads known to be hubs: their full rung
    /// would only be abandoned, and JIRA keeps rendering an abandoned request to its end (Tomcat
    /// fails only the final write), so that attempt is pure server time.
    func climb(
        from start: LadderArm = .full,
        hedgeAfter: Double?,
        wait: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(for: .seconds($0)) },
        report: @escaping @Sendable (RungReport) -> Void
    ) async throws(JiraError) -> Outcome {
        let race = Race(report: report)
        if start == .hubBase { return try await fromHubBase(race) }
        guard let hedgeAfter else {
            switch await run(.full, race) {
            case .success(let payload):
                return Outcome(tier: .full, payload: payload, reports: race.reports.withLock { $0 })
            case .failure(let error): guard error.descendsLadder else { throw error }
            }
            return try await fromHubBase(race)
        }
        var won: (Tier, Payload)?
        var fullError: JiraError?
        var hubBaseError: JiraError?
        await withTaskGroup(of: (LadderArm, Result<Payload, JiraError>)?.self) { group in
            group.addTask { (.full, await self.run(.full, race)) }
            group.addTask {
                do { try await wait(hedgeAfter) } catch { return nil }
                race.hubBaseStarted.withLock { $0 = true }
                return (.hubBase, await self.run(.hubBase, race))
            }
            while let next = await group.next() {
                guard let (arm, result) = next else { continue }
                switch (arm, result) {
                case (_, .success(let payload)):
                    race.winner.withLock { $0 = arm }
                    won = (arm == .full ? .full : .hub, payload)
                    group.cancelAll()
                case (.full, .failure(let error)):
                    fullError = error
                    // Another failure than slowness: hub-base may still end the ladder well if it
                    // is already running; otherwise nothing lower is tried.
                    if !error.descendsLadder
                        && (error.code == .cancelled || !error.isTransient || !race.hubBaseStarted.withLock({ $0 }))
                    {
                        group.cancelAll()
                    }
                case (.hubBase, .failure(let error)):
                    hubBaseError = error
                    if !error.descendsLadder && !error.isTransient { group.cancelAll() }
                }
            }
        }
        if let (tier, payload) = won {
            return Outcome(tier: tier, payload: payload, reports: race.reports.withLock { $0 })
        }
        if Task.isCancelled { throw JiraError(.cancelled, "the ladder was cancelled") }
        // The hedge was declined (`wait` threw: JIRA is loaded) and the full rung was too slow:
        // hub-base now, as without a hedge.
        if !race.hubBaseStarted.withLock({ $0 }), let fullError, fullError.descendsLadder {
            return try await fromHubBase(race)
        }
        // The reason that does not descend wins: a 4xx, or a transient failure after retries.
        for error in [fullError, hubBaseError].compactMap({ $0 }) where !error.descendsLadder { throw error }
        return try await descend(hubBaseError ?? fullError ?? JiraError(.timeout, "every upper tier timed out"), race)
    }

    /// Hub-base alone, then `minimal` if it too was too slow: a known hub, a ladder without a
    /// hedge after its full rung, and a declined hedge.
    private func fromHubBase(_ race: Race) async throws(JiraError) -> Outcome {
        switch await run(.hubBase, race) {
        case .success(let payload):
            return Outcome(tier: .hub, payload: payload, reports: race.reports.withLock { $0 })
        case .failure(let error):
            guard error.descendsLadder else { throw error }
            return try await descend(error, race)
        }
    }

    /// Both upper rungs were too slow: the minimal rung if there is one, else the slowness.
    private func descend(_ slowness: JiraError, _ race: Race) async throws(JiraError) -> Outcome {
        guard let minimal else { throw slowness }
        let payload = try await timed(.minimal, race, minimal).get()
        return Outcome(tier: .minimal, payload: payload, reports: race.reports.withLock { $0 })
    }
}
