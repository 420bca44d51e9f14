/// A search page fetched through the ladder; its issues still need `complete` (links for the
/// hub tier, and any truncated changelog, comments and worklogs).
public struct LadderPage: Sendable {
    public var tier: Tier
    public var rungs: [RungReport]
    public var page: SearchPageBytes
    /// What `complete` must do about each issue's links.
    public var links: LinksPlan { LinksPlan(tier: tier) }
}

extension JiraClient {
    /// The ladder (`TierLadder`) for a search page: `*all` with the changelog within the
    /// fast-fail budget, hedged with `*all,-issuelinks` with the changelog (links are then
    /// fetched per issue by `complete`). A page of one issue may descend to the minimal fields;
    /// a larger page whose upper rungs both timed out throws `.timeout`, for the caller to split
    /// it so that only the slow issue descends. A 400 (the JQL) is thrown at once.
    /// `knownHubs`: the page holds issues an earlier pass found to be hubs; it starts at
    /// hub-base (see `TierLadder.climb(from:)`).
    public func searchPageResilient(
        _ jql: String, maxResults: Int, validation: QueryValidation = .strict,
        label: String, subject: RequestSubject? = nil, knownHubs: Bool = false
    ) async throws(JiraError) -> LadderPage {
        let fastFail = configuration.effectiveFastFailTimeout
        let timeout = configuration.timeout
        var minimal: TierLadder<SearchPageBytes>.Rung?
        if maxResults == 1 {
            minimal = { @Sendable () async throws(JiraError) in
                try await self.search(
                    jql, fields: Self.minimalFields, maxResults: maxResults, validation: validation,
                    budget: timeout, rung: .minimal, subject: subject)
            }
        }
        let ladder = TierLadder<SearchPageBytes>(
            full: { () async throws(JiraError) in
                try await self.search(
                    jql, fields: ["*all"], expand: ["changelog"], maxResults: maxResults, validation: validation,
                    budget: fastFail, rung: .full, subject: subject)
            },
            hubBase: { () async throws(JiraError) in
                try await self.search(
                    jql, fields: ["*all", "-issuelinks"], expand: ["changelog"], maxResults: maxResults,
                    validation: validation,
                    budget: timeout, rung: .hubBase, subject: subject)
            },
            minimal: minimal,
            bytes: { $0.issues.reduce(0) { $0 + $1.bytes.count } })
        let events = self.events
        do {
            let outcome = try await ladder.climb(
                from: knownHubs ? .hubBase : .full, hedgeAfter: hedgeAfter, wait: hedgeWait
            ) {
                events.send(.rung(key: label, report: $0))
            }
            return LadderPage(tier: outcome.tier, rungs: outcome.reports, page: outcome.payload)
        } catch  where error.code == .timeout && maxResults > 1 {
            throw JiraError(
                .timeout,
                "\(label): the full and hub-base tiers both timed out; split the page to isolate its slow issue",
                status: error.status)
        }
    }
}
