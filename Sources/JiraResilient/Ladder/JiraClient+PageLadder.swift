/// A search page fetched through the ladder; its issues still need `complete` (links for the
/// hub tier, and any truncated changelog, comments and worklogs).
public struct LadderPage: Sendable {
    public var tier: Tier
    public var rungs: [RungReport]
    public var page: SearchPageBytes
    /// What `complete` must do about each issue's links.
    public var links: LinksPlan {
        switch tier { case .full: .inline; case .hub: .fetch; case .minimal: .unavailable }
    }
}

extension JiraClient {
    /// The ladder for a search page: `*all` with the changelog within the fast-fail budget, then
    /// `*all,-issuelinks` with the changelog (links are then fetched per issue by `complete`),
    /// then the minimal fields. A 400 (the JQL) is thrown at once: lower rungs send the same JQL.
    ///
    /// Hedged: once the full rung has taken `hedgeFraction` of its budget (a page that slow
    /// almost always holds a hub), the hub-base rung starts alongside it, and the first to
    /// succeed wins; the other is cancelled. The full rung keeps its whole budget, so a slow page
    /// that does arrive in time is still taken whole. This takes the fast-fail wait off a hub
    /// page's critical path and frees its request slot early.
    public func searchPageResilient(_ jql: String, maxResults: Int, validation: QueryValidation = .strict,
                                    label: String) async throws(JiraError) -> LadderPage {
        let fastFail = configuration.effectiveFastFailTimeout
        let hedgeAfter = fastFail * configuration.hedgeFraction
        enum Arm: Sendable { case full, hubBase }
        typealias Outcome = (Arm, Result<SearchPageBytes, JiraError>, RungReport)

        func run(_ arm: Arm) async -> Outcome {
            let rung: Rung = arm == .full ? .full : .hubBase
            let start = ContinuousClock.now
            do throws(JiraError) {
                let page = arm == .full
                    ? try await search(jql, fields: ["*all"], expand: ["changelog"], maxResults: maxResults, validation: validation,
                                       budget: fastFail, attempts: configuration.fullRungAttempts, rung: .full)
                    : try await search(jql, fields: ["*all", "-issuelinks"], expand: ["changelog"], maxResults: maxResults, validation: validation,
                                       budget: configuration.timeout, attempts: configuration.maxAttempts, rung: .hubBase)
                let report = RungReport(rung: rung, succeeded: true, seconds: (ContinuousClock.now - start).seconds, error: nil,
                                        bytes: page.issues.reduce(0) { $0 + $1.bytes.count })
                return (arm, .success(page), report)
            } catch {
                let report = RungReport(rung: rung, succeeded: false, seconds: (ContinuousClock.now - start).seconds, error: error.shortReason, bytes: 0)
                return (arm, .failure(error), report)
            }
        }

        var reports: [RungReport] = []
        var lastError: JiraError?
        var winner: (Tier, SearchPageBytes)?
        var fatal: JiraError?
        await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await run(.full) }
            group.addTask {
                // Starts only if the full rung is still running after the hedge delay.
                do { try await Task.sleep(for: .milliseconds(Int64(hedgeAfter * 1000))) } catch { return nil }
                return await run(.hubBase)
            }
            var pending = 2
            while pending > 0, let next = await group.next() {
                pending -= 1
                guard let (arm, result, report) = next else { continue }
                switch result {
                case .success(let page):
                    reports.append(report)
                    winner = (arm == .full ? .full : .hub, page)
                    group.cancelAll()
                    pending = 0
                case .failure(let error):
                    if error.code == .cancelled && winner != nil { continue }
                    reports.append(report)
                    if !error.allowsLowerRung {
                        fatal = error
                        group.cancelAll()
                        pending = 0
                    } else {
                        lastError = error
                    }
                }
            }
            group.cancelAll()
        }
        if Task.isCancelled { throw JiraError(.cancelled, "\(label) was cancelled") }
        if let fatal {
            send(reports, label)
            throw fatal
        }
        if let (tier, page) = winner {
            // The losing full rung, cancelled when hub-base answered first, is reported as such.
            if tier == .hub && !reports.contains(where: { $0.rung == .full }) {
                reports.append(RungReport(rung: .full, succeeded: false, seconds: (reports.last?.seconds ?? 0) + hedgeAfter,
                                          error: "slow: hub-base answered first", bytes: 0))
            }
            reports.sort { Self.rungOrder($0.rung) < Self.rungOrder($1.rung) }
            send(reports, label)
            return LadderPage(tier: tier, rungs: reports, page: page)
        }
        // Both upper rungs failed: the minimal fields.
        let start = ContinuousClock.now
        do {
            let page = try await search(jql, fields: Self.minimalFields, maxResults: maxResults, validation: validation,
                                        budget: configuration.timeout, attempts: configuration.maxAttempts, rung: .minimal)
            reports.sort { Self.rungOrder($0.rung) < Self.rungOrder($1.rung) }
            reports.append(RungReport(rung: .minimal, succeeded: true, seconds: (ContinuousClock.now - start).seconds, error: nil,
                                      bytes: page.issues.reduce(0) { $0 + $1.bytes.count }))
            send(reports, label)
            return LadderPage(tier: .minimal, rungs: reports, page: page)
        } catch {
            reports.sort { Self.rungOrder($0.rung) < Self.rungOrder($1.rung) }
            reports.append(RungReport(rung: .minimal, succeeded: false, seconds: (ContinuousClock.now - start).seconds, error: error.shortReason, bytes: 0))
            send(reports, label)
            guard error.allowsLowerRung else { throw error }
            throw JiraError(error.code, "every tier failed for \(label): \(reports.map { "\($0.rung.rawValue) \($0.error ?? "")" }.joined(separator: "; "))",
                            status: error.status ?? lastError?.status)
        }
    }

    private func send(_ reports: [RungReport], _ label: String) {
        for report in reports { events.send(.rung(key: label, report: report)) }
    }

    static func rungOrder(_ rung: Rung) -> Int {
        switch rung { case .full: 0; case .hubBase: 1; case .hubLinks: 2; case .minimal: 3 }
    }
}
