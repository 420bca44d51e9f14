import Foundation

extension JiraClient {
    /// Fetches one issue through the tier ladder and completes it:
    /// 1. `full`: `*all` with the changelog, within `fastFailTimeout` (`fullRungAttempts` attempts;
    ///    a timeout steps down at once, since the same request would time out again);
    /// 2. `hub-base` + `hub-links`: `*all,-issuelinks` within `timeout`, then the links alone
    ///    within `linksTimeout` (if that fails, `issuelinks` stays absent — unknown, not none);
    /// 3. `minimal`: the core fields within `timeout`.
    /// A 4xx skips the lower rungs and is thrown. Every rung is reported in events and in the result.
    public func fetchResilient(_ key: String) async throws(JiraError) -> AssembledIssue {
        var rungs: [RungReport] = []
        var lastError: JiraError?
        let clock = ContinuousClock()

        func attempt(_ rung: Rung, _ body: () async throws(JiraError) -> IssuePayload) async throws(JiraError) -> IssuePayload? {
            let start = clock.now
            do {
                let payload = try await body()
                let report = RungReport(rung: rung, succeeded: true, seconds: (clock.now - start).seconds, error: nil, bytes: payload.bytes.count)
                rungs.append(report)
                events.send(.rung(key: key, report: report))
                return payload
            } catch {
                let report = RungReport(rung: rung, succeeded: false, seconds: (clock.now - start).seconds, error: error.shortReason, bytes: 0)
                rungs.append(report)
                events.send(.rung(key: key, report: report))
                guard error.allowsLowerRung else { throw error }
                lastError = error
                return nil
            }
        }

        if let payload = try await attempt(.full, { () async throws(JiraError) in
            try await issue(key, fields: ["*all"], expand: ["changelog"], budget: configuration.effectiveFastFailTimeout,
                            attempts: configuration.fullRungAttempts, rung: .full)
        }) {
            return try await complete(payload, tier: .full, links: .inline, rungs: rungs)
        }
        if let payload = try await attempt(.hubBase, { () async throws(JiraError) in
            try await issue(key, fields: ["*all", "-issuelinks"], expand: ["changelog"], rung: .hubBase)
        }) {
            return try await complete(payload, tier: .hub, links: .fetch, rungs: rungs)
        }
        if let payload = try await attempt(.minimal, { () async throws(JiraError) in try await minimalIssue(key) }) {
            return try await complete(payload, tier: .minimal, links: .unavailable, rungs: rungs)
        }
        let summary = rungs.map { "\($0.rung.rawValue): \($0.error ?? "failed")" }.joined(separator: "; ")
        throw JiraError(lastError?.code ?? .serverError, "every tier failed for \(key) (\(summary))", status: lastError?.status)
    }

    /// Completes a fetched issue: links (per `links`), the whole changelog, all comments and all
    /// worklogs where the payload holds fewer than JIRA's totals; then splices them into place.
    /// A completion request that fails leaves that part as it was and names it in `missing`;
    /// only cancellation and authentication failures are thrown.
    public func complete(_ payload: IssuePayload, tier: Tier, links: LinksPlan, rungs: [RungReport] = []) async throws(JiraError) -> AssembledIssue {
        let key = payload.summary.key
        var rungs = rungs
        var missing: [String] = []
        var assembler = IssueAssembler(base: payload.bytes)
        assembler.layout = payload.layout
        assembler.dropping = ["names", "schema"]
        func tolerate(_ error: JiraError, _ part: String) throws(JiraError) {
            if error.code == .cancelled || error.code == .authentication { throw error }
            missing.append(part)
            events.send(.warning("\(key): could not fetch \(part) (\(error.shortReason)); the record is marked incomplete"))
        }
        switch links {
        case .inline:
            if payload.summary.links == nil { missing.append("issuelinks") }
        case .fetch:
            let start = ContinuousClock.now
            do {
                let fetched = try await issueLinks(key)
                assembler.issueLinks = fetched.array
                let report = RungReport(rung: .hubLinks, succeeded: true, seconds: (ContinuousClock.now - start).seconds, error: nil, bytes: fetched.array.count)
                rungs.append(report)
                events.send(.rung(key: key, report: report))
            } catch {
                let report = RungReport(rung: .hubLinks, succeeded: false, seconds: (ContinuousClock.now - start).seconds, error: error.shortReason, bytes: 0)
                rungs.append(report)
                events.send(.rung(key: key, report: report))
                try tolerate(error, "issuelinks")
            }
        case .unavailable:
            missing += ["issuelinks", "description", "customfields"]
        }
        let s = payload.summary
        if s.histories.map({ !$0.isComplete }) ?? true {
            do { assembler.histories = try await changelog(key) } catch { try tolerate(error, "changelog") }
        }
        if s.comments.map({ !$0.isComplete }) ?? true {
            do { assembler.comments = try await comments(key) } catch { try tolerate(error, "comments") }
        }
        if s.worklogs.map({ !$0.isComplete }) ?? true {
            do { assembler.worklogs = try await worklogs(key) } catch { try tolerate(error, "worklogs") }
        }
        let bytes: [UInt8]
        let summary: IssueSummary
        do {
            bytes = try assembler.assemble()
            summary = try IssueJSON.parse(bytes).summary
        } catch {
            throw JiraError(.notJira, "\(key): the issue JSON could not be assembled: \(error.reason)")
        }
        let result = AssembledIssue(tier: tier, bytes: bytes, summary: summary, missing: missing, rungs: rungs)
        events.send(.tierDecided(TierDecision(key: key, tier: tier, rungs: rungs, links: summary.links, title: summary.title)))
        return result
    }
}

extension JiraError {
    /// A short reason for rung reports and screens.
    public var shortReason: String {
        switch code {
        case .timeout: "timed out"
        case .serverError, .rateLimited: "HTTP \(status ?? 0)"
        case .connection: "connection failed"
        case .notFound: "not found"
        default: status.map { "HTTP \($0)" } ?? code.description
        }
    }
}
