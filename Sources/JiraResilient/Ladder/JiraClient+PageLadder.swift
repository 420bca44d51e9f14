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
    public func searchPageResilient(_ jql: String, maxResults: Int, validation: QueryValidation = .strict,
                                    label: String) async throws(JiraError) -> LadderPage {
        var rungs: [RungReport] = []
        var lastError: JiraError?
        let plans: [(Rung, [String], [String], Double, Int)] = [
            (.full, ["*all"], ["changelog"], configuration.effectiveFastFailTimeout, configuration.fullRungAttempts),
            (.hubBase, ["*all", "-issuelinks"], ["changelog"], configuration.timeout, configuration.maxAttempts),
            (.minimal, Self.minimalFields, [], configuration.timeout, configuration.maxAttempts),
        ]
        for (rung, fields, expand, budget, attempts) in plans {
            let start = ContinuousClock.now
            do {
                let page = try await search(jql, fields: fields, expand: expand, maxResults: maxResults, validation: validation,
                                            budget: budget, attempts: attempts, rung: rung)
                let report = RungReport(rung: rung, succeeded: true, seconds: (ContinuousClock.now - start).seconds, error: nil, bytes: page.issues.reduce(0) { $0 + $1.bytes.count })
                rungs.append(report)
                events.send(.rung(key: label, report: report))
                let tier: Tier = rung == .full ? .full : (rung == .hubBase ? .hub : .minimal)
                return LadderPage(tier: tier, rungs: rungs, page: page)
            } catch {
                let report = RungReport(rung: rung, succeeded: false, seconds: (ContinuousClock.now - start).seconds, error: error.shortReason, bytes: 0)
                rungs.append(report)
                events.send(.rung(key: label, report: report))
                guard error.allowsLowerRung else { throw error }
                lastError = error
            }
        }
        throw JiraError(lastError?.code ?? .serverError, "every tier failed for \(label): \(rungs.map { "\($0.rung.rawValue) \($0.error ?? "")" }.joined(separator: "; "))", status: lastError?.status)
    }
}
