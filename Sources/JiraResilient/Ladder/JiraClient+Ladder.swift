import Foundation

extension JiraClient {
    /// The seconds after which a slow full rung is hedged with hub-base; nil when the hedge is
    /// off (a fraction of 1: hub-base only after the full rung has failed).
    var hedgeAfter: Double? {
        configuration.hedgeFraction < 1 ? configuration.effectiveFastFailTimeout * configuration.hedgeFraction : nil
    }

    /// The hedge's sleep: seconds while JIRA is reachable (an outage restarts it when it ends).
    /// It declines the hedge (throws) when answers are slower than their floors: a full rung
    /// slow then is the load's doing, not a hub's, and a hedge would ask a busy server for a
    /// second rendering of the page, one of which is abandoned and still costs it to the end.
    var hedgeWait: @Sendable (Double) async throws -> Void {
        { [outage = transport.outage, limiter = transport.limiter] in
            try await outage.sleepWhileReachable($0)
            if limiter.isLoaded { throw CancellationError() }
        }
    }

    /// Fetches one issue through the tier ladder (`TierLadder`) and completes it:
    /// 1. `full`: `*all` with the changelog, within `fastFailTimeout`;
    /// 2. `hub-base` + `hub-links`: `*all,-issuelinks` within `timeout`, then the links alone
    ///    within `linksTimeout` (if that fails, `issuelinks` stays absent — unknown, not none);
    /// 3. `minimal`: the core fields within `timeout`, only when both upper rungs timed out.
    /// Other failures end the ladder with their error. Every rung is reported as it ends.
    /// `knownHub`: the issue was a hub when last fetched, so the ladder starts at hub-base (see
    /// `TierLadder.climb(from:)`).
    public func fetchResilient(_ key: String, knownHub: Bool = false) async throws(JiraError) -> AssembledIssue {
        let fastFail = configuration.effectiveFastFailTimeout
        let ladder = TierLadder<IssuePayload>(
            full: { () async throws(JiraError) in
                try await self.issue(key, fields: ["*all"], expand: ["changelog"], budget: fastFail, rung: .full)
            },
            hubBase: { () async throws(JiraError) in
                try await self.issue(key, fields: ["*all", "-issuelinks"], expand: ["changelog"], rung: .hubBase)
            },
            minimal: { () async throws(JiraError) in try await self.minimalIssue(key) },
            bytes: { $0.bytes.count })
        let events = self.events
        let outcome: TierLadder<IssuePayload>.Outcome
        do {
            outcome = try await ladder.climb(from: knownHub ? .hubBase : .full, hedgeAfter: hedgeAfter, wait: hedgeWait)
            {
                events.send(.rung(key: key, report: $0))
            }
        } catch  where error.code == .timeout {
            throw JiraError(.timeout, "every tier timed out for \(key) (the minimal one too)", status: error.status)
        }
        return try await complete(
            outcome.payload, tier: outcome.tier, links: LinksPlan(tier: outcome.tier), rungs: outcome.reports)
    }

    /// Completes a fetched issue: links (per `links`), the whole changelog, all comments and all
    /// worklogs where the payload holds fewer than JIRA's totals; then splices them into place.
    /// A completion request that fails leaves that part as it was and names it in `missing`;
    /// only cancellation, authentication failures and outages are thrown.
    public func complete(
        _ payload: IssuePayload, tier: Tier, links: LinksPlan, rungs: [RungReport] = []
    ) async throws(JiraError) -> AssembledIssue {
        let key = payload.summary.key
        var rungs = rungs
        var missing: [String] = []
        var assembler = IssueAssembler(base: payload.bytes)
        assembler.layout = payload.layout
        assembler.dropping = ["names", "schema"]
        func tolerate(_ error: JiraError, _ part: String) throws(JiraError) {
            // Stopping, refused, unreachable for good, or not JIRA at all (an endless or lying
            // pager): the scan must stop, not write a record that hides it.
            if [.cancelled, .authentication, .outage, .notJira, .redirect].contains(error.code) { throw error }
            missing.append(part)
            events.send(
                .warning("\(key): could not fetch \(part) (\(error.shortReason)); the record is marked incomplete"))
        }
        switch links {
        case .inline:
            if payload.summary.links == nil { missing.append("issuelinks") }
        case .fetch:
            let start = ContinuousClock.now
            do {
                let fetched = try await issueLinks(key.description)
                assembler.issueLinks = fetched.array
                let report = RungReport(
                    rung: .hubLinks, succeeded: true, seconds: (ContinuousClock.now - start).seconds, error: nil,
                    bytes: fetched.array.count)
                rungs.append(report)
                events.send(.rung(key: key.description, report: report))
            } catch {
                let report = RungReport(
                    rung: .hubLinks, succeeded: false, seconds: (ContinuousClock.now - start).seconds,
                    error: error.shortReason, bytes: 0)
                rungs.append(report)
                events.send(.rung(key: key.description, report: report))
                try tolerate(error, "issuelinks")
            }
        case .unavailable:
            missing += ["issuelinks", "description", "customfields"]
        }
        let s = payload.summary
        if s.histories.map({ !$0.isComplete }) ?? true {
            do { assembler.histories = try await changelog(key.description) } catch { try tolerate(error, "changelog") }
        }
        if s.comments.map({ !$0.isComplete }) ?? true {
            do { assembler.comments = try await comments(key.description) } catch { try tolerate(error, "comments") }
        }
        if s.worklogs.map({ !$0.isComplete }) ?? true {
            do { assembler.worklogs = try await worklogs(key.description) } catch { try tolerate(error, "worklogs") }
        }
        let bytes: [UInt8]
        let summary: IssueSummary
        do {
            // A server that echoes the token into issue data does not get it written to disk.
            bytes = configuration.token.redact(json: try assembler.assemble())
            summary = try IssueJSON.parse(bytes).summary
        } catch {
            throw JiraError(.notJira, "\(key): the issue JSON could not be assembled: \(error.reason)")
        }
        let result = AssembledIssue(tier: tier, bytes: bytes, summary: summary, missing: missing, rungs: rungs)
        events.send(
            .tierDecided(TierDecision(key: key, tier: tier, rungs: rungs, links: summary.links, title: summary.title)))
        return result
    }
}

extension JiraError {
    /// A short reason for rung reports and screens.
    public var shortReason: String {
        switch code {
        case .timeout: "timed out"
        case .serverError, .rateLimited: "HTTP \(status ?? 0)"
        case .connection: transport?.phrase ?? "connection failed"
        case .notFound: "not found"
        case .outage: "JIRA unreachable"
        case .cancelled: "cancelled"
        default: status.map { "HTTP \($0)" } ?? code.description
        }
    }
}
