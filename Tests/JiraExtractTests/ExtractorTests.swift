import Foundation
import Synchronization
import Testing
import TestSupport
@testable import JiraExtract
import JiraResilient
@testable import JiraSimulator

@Suite(.timeLimit(.minutes(5))) struct ExtractorTests {
    @Test func fullScanWritesEveryIssueCompleteAndNothingElse() async throws {
        try await ScanHarness.with { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 25
            let summary = try await h.scan(options)
            let truth = h.projectKeys("PRJ")
            #expect(summary.written == truth.count && summary.complete == truth.count && summary.total == truth.count)
            #expect(h.writtenKeys() == truth)
            #expect(try h.mismatches().isEmpty)
            let manifest = try h.manifest()
            #expect(
                Set(manifest.map(\.key.description)) == truth
                    && manifest.allSatisfy { $0.complete && $0.missing.isEmpty })
            #expect(manifest.allSatisfy { $0.key.project == "PRJ" })
            #expect(FileManager.default.fileExists(atPath: h.directory + "/fields.json"))
            let state =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: h.directory + "/state.json"))) as! [String: Any]
            #expect(state["phase"] as? String == "done" && (state["pending"] as? [Any])?.isEmpty == true)
            // Exactly one write per issue in an uninterrupted run.
            #expect(h.events.written.count == truth.count)
            // The exact size was known before any issue was written.
            let firstPlanned = h.events.all.firstIndex { if case .planned = $0 { true } else { false } }
            let firstWritten = h.events.all.firstIndex { if case .written = $0 { true } else { false } }
            #expect(firstPlanned! < firstWritten!)
        }
    }

    /// Project LEAD: `count` issues with nothing to complete apart (no overflowing changelog,
    /// comments or worklogs), so one search answers each.
    static func plainIssues(_ count: Int) -> Scenario {
        var project = Scenario.Project(key: "LEAD", name: "Lead", issueCount: count)
        project.overflowShare = 0
        (project.maxComments, project.maxWorklogs, project.maxHistories) = (1, 1, 1)
        return Scenario(name: "lead", summary: "\(count) plain issues", projects: [project])
    }

    /// One worker, pages of 50, and the listing's lead at its least (one batch).
    static var oneWorkerNoLead: ScanOptions {
        var options = ScanOptions(project: "LEAD")
        options.concurrency = 1
        options.pageSize = 50
        options.listingLead = 0
        return options
    }

    /// The listing waits for the workers: when a worker takes a batch, the listing is at most one
    /// page (1,000) and its lead (here one batch of 50) past it, not at the project's end. Fails
    /// when the listing runs ahead unbounded (its three pages take three requests, the workers
    /// sixty).
    @Test func theListingStaysAPageAheadOfTheWorkers() async throws {
        try await ScanHarness.with(Self.plainIssues(3_000)) { (h: ScanHarness) async throws in
            let options = Self.oneWorkerNoLead
            let summary = try await h.scan(options)
            #expect(summary.written == 3_000 && summary.complete == 3_000)
            let batches = h.events.all.compactMap { e -> (last: IssueKey, listed: IssueKey?)? in
                if case .cursor(_, _, let last, let enumerated) = e { (last, enumerated) } else { nil }
            }
            #expect(batches.count == 60)
            // The listing lasts the pass, but the phases still read in order.
            let phases = h.events.all.compactMap { e -> ScanPhase? in if case .phase(let p) = e { p } else { nil } }
            #expect(phases == [.connecting, .enumerating, .fetching, .finishing, .done])
            for batch in batches {
                let ahead = (batch.listed?.number ?? 0) - batch.last.number
                #expect(
                    ahead <= 1_050,
                    "listed up to \(batch.listed.map(String.init(describing:)) ?? "nothing") when a worker took up to \(batch.last)"
                )
            }
        }
    }

    /// Issues created while the listing is still under way are listed, written and counted in
    /// the total: a later listing page's total counts only the issues after it, and the pass
    /// adds what it listed before. Fails when `total` stays at the first page's figure while
    /// more are written (progress past 100 %).
    @Test func issuesCreatedDuringTheListingCountInTheTotal() async throws {
        try await ScanHarness.with(Self.plainIssues(2_500)) { (h: ScanHarness) async throws in
            let options = Self.oneWorkerNoLead
            let created = Mutex(false)
            let sim = h.sim
            // On the first issue written (the listing has one page of 1,000 out), ten more
            // issues appear; they come after the listing's third page.
            let sink = ScanEventSink { event in
                h.events.sink.send(event)
                guard case .written = event,
                    created.withLock({ c in
                        defer { c = true }
                        return !c
                    })
                else { return }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                sim.mutate { u in
                    for _ in 0..<10 { u.createIssue(projectKey: "LEAD", created: now, updated: now) }
                }
            }
            let extractor = try Extractor(
                configuration: h.configuration(), options: options, directory: h.directory, events: sink)
            let summary = try await extractor.run()
            await extractor.shutdown()
            #expect(summary.written == 2_510 && summary.total == 2_510)
        }
    }

    @Test func aFilterOnlyNarrows() async throws {
        try await ScanHarness.with { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.filter = "labels = backend OR project = OTHER"
            try await h.scan(options)
            let expected = Set(
                h.sim.universe.issues.values.filter { $0.projectKey == "PRJ" && $0.labels.contains("backend") }.map(
                    \.key))
            #expect(!expected.isEmpty && h.writtenKeys() == expected)
        }
    }

    @Test func movedInIssuesAreAllWritten() async throws {
        try await ScanHarness.with(.moved) { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "MOVE")
            options.pageSize = 20
            try await h.scan(options)
            #expect(h.writtenKeys() == h.projectKeys("MOVE"))
            #expect(try h.mismatches().isEmpty)
        }
    }

    /// A page that reaches JIRA only without links holds one hub and issues that merely shared
    /// its page: those are written with `splitPage` and counted apart from hubs.
    @Test func aHubsPageMatesAreCountedApartFromHubs() async throws {
        try await ScanHarness.with(timeScale: 0.05) { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 10
            options.concurrency = 2
            let hub = try h.largestHub("PRJ")
            // The full rung of the hub's page is slow (100 simulated s = 5 s, past its 1 s
            // budget); its hub-base answers.
            h.slowFullRungOfLargestHub(by: 100)
            let summary = try await h.scan(options) {
                $0.fastFailTimeout = 1; $0.hedgeFraction = 1
            }
            let manifest = try h.manifest()
            let hubRecord = try #require(manifest.first { $0.key.description == hub.key })
            #expect(hubRecord.tier == .hub && hubRecord.splitPage == nil)
            let mates = manifest.filter { $0.splitPage == true }
            // Page mates: fewer links than a hub has; each issue written once.
            #expect(!mates.isEmpty)
            #expect(mates.allSatisfy { $0.tier == .hub && $0.complete && ($0.links ?? 0) < Extractor.hubLinks })
            #expect(h.events.written.count == Set(h.events.written.map(\.key)).count)
            #expect(summary.tiers["splitPage"] == mates.count)
            #expect(summary.tiers.values.reduce(0, +) == summary.written)
            var progress = ScanProgress()
            for event in h.events.all { progress.apply(event) }
            #expect(progress.splitPage == mates.count && progress.tiers[.hub] == summary.tiers["hub"])
            #expect(try h.mismatches().isEmpty)
        }
    }

    /// A pass into a directory whose manifest knows the hubs fetches each one alone from the
    /// hub-base rung: no full attempt at a hub's page is made (and abandoned while JIRA keeps
    /// rendering it), and the hub is still written whole, links included.
    @Test func knownHubsSkipTheFullRungOnTheNextPass() async throws {
        try await ScanHarness.with(timeScale: 0.5) { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 10
            options.concurrency = 2
            let hub = try h.largestHub("PRJ")
            // The hub's page is slow on its full rung (100 simulated s = 50 s, past the 5 s budget).
            h.slowFullRungOfLargestHub(by: 100)
            let tune: (inout JiraClientConfiguration) -> Void = {
                $0.fastFailTimeout = 5; $0.hedgeFraction = 1
            }
            try await h.scan(options, client: tune)
            let first = try #require(try h.manifest().last { $0.key.description == hub.key })
            #expect(first.tier == .hub && first.complete)
            func asksForHub(_ r: SimRequestRecord, fields: String) -> Bool {
                // A search's `fields` record is its POST body, the JSON the client sent.
                r.path.contains("/search") && r.fields.contains(fields)
                    && (r.jql ?? "").range(of: #"\b\#(hub.id)\b"#, options: .regularExpression) != nil
            }
            #expect(h.sim.requests.contains { asksForHub($0, fields: #"["*all"]"#) }, "the first pass tried it whole")
            let mark = h.sim.requests.map(\.sequence).max() ?? 0

            let summary = try await h.scan(options, client: tune)
            #expect(summary.written == h.projectKeys("PRJ").count)
            let second = h.sim.requests.filter { $0.sequence > mark }
            #expect(!second.contains { asksForHub($0, fields: #"["*all"]"#) }, "no full attempt at a known hub")
            #expect(second.contains { asksForHub($0, fields: #""-issuelinks""#) })
            let again = try #require(try h.manifest().last { $0.key.description == hub.key })
            #expect(again.tier == .hub && again.complete && again.links == hub.linkIDs.count)
            #expect(again.rungs.map(\.rung) == [.hubBase, .hubLinks])
            #expect(try h.mismatches().isEmpty)
        }
    }

    @Test func hubsFallToTheHubTierWhileOtherIssuesKeepBeingWritten() async throws {
        try await ScanHarness.with(timeScale: 0.5) { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 10
            options.concurrency = 3
            let hubs = h.sim.universe.issues.values.filter { $0.projectKey == "PRJ" }.sorted {
                $0.linkIDs.count > $1.linkIDs.count
            }
            let hub = hubs[0]
            // The largest hub's links are held until every other issue is written: if the hub
            // stalled the scan, that moment never comes and the deadline fails the test.
            let gate = h.sim.hold(RequestMatcher(fieldsExactly: "issuelinks", hubRank: 0))
            let others = h.projectKeys("PRJ").subtracting([hubs[0].key, hubs[1].key])
            // The hub's page is slow on its full rung (100 simulated s = 50 s, past the 5 s
            // budget), so it reaches the hub tier; ordinary pages fit 5 s even on a starved machine
            // (with 1 s they too fell to the hub tier, and their links queued behind the held one).
            h.slowFullRungOfLargestHub(by: 100)
            // No hedge: a hedge would race (and win) on ordinary pages too.
            let scan = Task {
                try await h.scan(options) {
                    $0.fastFailTimeout = 5; $0.linksTimeout = 600; $0.hedgeFraction = 1
                }
            }
            let deadline = ContinuousClock.now + .seconds(240)
            while !others.isSubset(of: Set(h.events.written.map(\.key.description))) {
                if ContinuousClock.now > deadline {
                    Issue.record("other issues were not all written while the hub's links were held")
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            gate.open()
            _ = try await scan.value
            let manifest = try h.manifest()
            #expect(manifest.first { $0.key.description == hub.key }?.tier == .hub)
            #expect(manifest.allSatisfy { $0.complete })
            #expect(try h.mismatches().isEmpty)
            // While the hub's links request was in flight, other issues were written.
            let all = h.events.all
            let start = all.firstIndex {
                if case .client(.requestStarted(let r)) = $0 {
                    r.rung == .hubLinks && r.target == hub.key
                } else {
                    false
                }
            }!
            let end = all.firstIndex {
                if case .client(.requestFinished(let r, _, _, _, _)) = $0 {
                    r.rung == .hubLinks && r.target == hub.key
                } else {
                    false
                }
            }!
            // Causality, not a count in a window: the hub stalled nothing, so every issue but the
            // two hubs was written before its links arrived.
            let writtenBefore = Set(
                all[..<end].compactMap { if case .written(let r) = $0 { r.key.description } else { nil } })
            #expect(h.projectKeys("PRJ").subtracting([hubs[0].key, hubs[1].key]).subtracting(writtenBefore).isEmpty)
            #expect(start < end)
        }
    }

    @Test func requestsInFlightNeverExceedTheConcurrency() async throws {
        try await ScanHarness.with(timeScale: 0.05) { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 10
            options.concurrency = 2
            try await h.scan(options)
            var inFlight = 0, peak = 0, rescue = 0, rescuePeak = 0
            for event in h.events.clientEvents {
                switch event {
                case .requestStarted(let r): if r.rung == .hubLinks { rescue += 1 } else { inFlight += 1 }
                case .requestFinished(let r, _, _, _, _): if r.rung == .hubLinks { rescue -= 1 } else { inFlight -= 1 }
                default: break
                }
                peak = max(peak, inFlight)
                rescuePeak = max(rescuePeak, rescue)
            }
            #expect(peak == 2)
            // The rescue lane has its own limit (the client's default of 2).
            #expect(rescuePeak <= 2)
        }
    }

    /// An operator's fetch during the scan goes through the scan's client: its requests are the
    /// scan's events, and they share its slots (never more than the concurrency in flight).
    @Test func anOperatorFetchSharesTheScansSlots() async throws {
        try await ScanHarness.with(timeScale: 0.05) { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 10
            options.concurrency = 1
            let extractor = try Extractor(
                configuration: h.configuration(), options: options, directory: h.directory, events: h.events.sink)
            // The scan's first batch is held, so its one slot is taken while the operator asks.
            let gate = h.sim.hold(RequestMatcher(pathContains: "/search", fieldsContains: "*all"))
            let scan = Task { try await extractor.run() }
            try await waitUntil("the scan's first batch to be sent") {
                h.events.clientEvents.contains {
                    if case .requestStarted(let r) = $0 { r.rung == .full } else { false }
                }
            }
            let fetch = Task { try await extractor.operatorFetch(["PRJ-3"], budgetFactor: 2) }
            try await Task.sleep(for: .milliseconds(300))  // a client of its own would have sent by now
            gate.open()
            let outcomes = try await fetch.value
            _ = try await scan.value
            await extractor.shutdown()
            guard case .written(let record)? = outcomes.first else {
                Issue.record("the operator's fetch failed: \(outcomes)")
                return
            }
            #expect(record.key == "PRJ-3")
            var inFlight = 0, peak = 0, operatorRequests = 0
            for event in h.events.clientEvents {
                switch event {
                case .requestStarted(let r) where r.rung != .hubLinks:
                    inFlight += 1
                    if r.subject == .issue("PRJ-3") { operatorRequests += 1 }
                case .requestFinished(let r, _, _, _, _) where r.rung != .hubLinks: inFlight -= 1
                default: break
                }
                peak = max(peak, inFlight)
            }
            #expect(operatorRequests >= 1)
            #expect(peak == 1)
        }
    }

    /// `--sweep`: the next pass lists every key and records what left since: a deleted issue
    /// (404) and one moved to another project (JIRA answers its old key with the new one), each
    /// once, in the manifest and state.json; their files stay.
    @Test func aSweepRecordsDeletedAndMovedIssuesOnce() async throws {
        try await ScanHarness.with { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.continues = true
            options.sweep = true
            let extractor = try Extractor(
                configuration: h.configuration(), options: options, directory: h.directory, events: h.events.sink)
            let first = try await extractor.run()
            #expect(first.deleted == 0 && first.moved == 0)
            h.sim.apply(.delete(key: "PRJ-5"))
            h.sim.apply(.move(key: "PRJ-9", toProject: "OTHER"))
            let second = try await extractor.run()
            let newKey = try #require(h.sim.universe.resolve("PRJ-9")?.key)
            #expect(newKey.hasPrefix("OTHER-"))
            #expect(second.deleted == 1 && second.moved == 1, "\(second)")
            let third = try await extractor.run()
            await extractor.shutdown()
            #expect(third.deleted == 0 && third.moved == 0, "each gone issue is resolved once")
            let latest = Dictionary(uniqueKeysWithValues: try h.manifest().map { ($0.key, $0) })
            #expect(latest["PRJ-5"]?.deleted == true && latest["PRJ-5"]?.movedTo == nil)
            #expect(latest["PRJ-9"]?.movedTo?.description == newKey && latest["PRJ-9"]?.deleted == nil)
            #expect(latest.values.filter { !$0.isPresent }.count == 2)
            #expect(h.writtenKeys().isSuperset(of: ["PRJ-5", "PRJ-9"]), "files are kept")
            let swept = h.events.all.compactMap { if case .swept(let d, let m) = $0 { (d, m) } else { nil } }
            #expect(swept.count == 3 && swept[1].0 == ["PRJ-5"] && swept[1].1 == ["PRJ-9": newKey])
            let state = try JSONDecoder().decode(
                Checkpoint.self, from: Data(contentsOf: URL(fileURLWithPath: h.directory + "/state.json")))
            #expect(state.swept == Checkpoint.Sweep(deleted: [], movedTo: [:]))
        }
    }

    /// `run()` again on the same extractor: the next pass continues as a delta from the last
    /// one's start, through the same client (what `--follow` does between its waits).
    @Test func aSecondPassOnOneExtractorIsADeltaOfWhatChanged() async throws {
        try await ScanHarness.with { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.continues = true
            let extractor = try Extractor(
                configuration: h.configuration(), options: options, directory: h.directory, events: h.events.sink)
            let first = try await extractor.run()
            #expect(first.mode == .full && first.written == h.projectKeys("PRJ").count)
            h.sim.apply(.update(key: "PRJ-4"))
            h.sim.apply(.update(key: "PRJ-8"))
            let second = try await extractor.run()
            await extractor.shutdown()
            #expect(second.mode == .delta)
            #expect(second.written == 2, "\(second)")
            #expect(second.requests < first.requests)
            #expect(try h.mismatches().isEmpty)
        }
    }

    /// A full scan whose listing cursor is deleted, then moved away, between two listing pages
    /// finishes complete, for a German-speaking user under a lowered `maxResults` cap (25, so
    /// the listing takes many pages): the recovery reads JIRA's structure, not its words.
    @Test(arguments: [SimLocale.en, .de])
    func aFullScanSurvivesItsCursorDeletedAndMovedInAnyLanguage(_ locale: SimLocale) async throws {
        var scenario = Scenario.moved
        scenario.maxResults = 25
        try await ScanHarness.with(scenario, sim: { $0.locale = locale }) { (h: ScanHarness) async throws in
            let sim = h.sim
            let cursors = Mutex<[String]>([])
            // Just before a listing request leaves, its cursor issue is deleted (2nd page) or
            // moved to another project (4th): the request then meets JIRA's 400.
            let saboteur = ScanEventSink { event in
                guard case .client(.requestStarted(let info)) = event, case .listing(let afterKey?) = info.subject
                else { return }
                let after = afterKey.description
                let n = cursors.withLock { c -> Int in
                    guard !c.contains(after) else { return 0 }
                    c.append(after)
                    return c.count
                }
                if n == 2 { sim.apply(.delete(key: after)) }
                if n == 4 { sim.apply(.move(key: after, toProject: "LEGACY")) }
            }
            let extractor = try Extractor(
                configuration: h.configuration(), options: ScanOptions(project: "MOVE"), directory: h.directory,
                events: h.events.sink + saboteur)
            let summary = try await extractor.run()
            await extractor.shutdown()
            #expect(summary.failed == 0)
            #expect(h.projectKeys("MOVE").isSubset(of: h.writtenKeys()))
            #expect(try h.mismatches().isEmpty)
            let recovered = h.events.clientEvents.compactMap {
                if case .cursorRecovered(_, _, let reason) = $0 { reason } else { nil }
            }
            #expect(recovered.count == 2, "\(recovered)")
            #expect(sim.requests.contains { $0.status == 400 })
        }
    }

    /// Stop works in every wait: a scan holding through an outage, or backing off a 503 with a
    /// long Retry-After, ends on cancellation with its checkpoint saved, long before any of
    /// those waits would have ended.
    @Test(arguments: ["outage", "backoff"])
    func aScanStopsWhileHoldingOrBackingOff(_ wait: String) async throws {
        try await ScanHarness.with(
            timeScale: 0.01,
            sim: { c in if wait == "outage" { c.outage = OutageSchedule(afterRequests: 6, seconds: 10_000_000) } }
        ) { (h: ScanHarness) async throws in
            if wait == "backoff" {
                h.sim.inject(
                    .init(
                        .status(503, .seconds(3600)),
                        matching: RequestMatcher(pathContains: "/search", fieldsContains: "*all"),
                        count: nil))
            }
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 10
            let extractor = try Extractor(
                configuration: h.configuration {
                    $0.backoffScale = 1; $0.maxWait = 7200; $0.outageTimeout = 7200
                },
                options: options, directory: h.directory, events: h.events.sink)
            let scan = Task { try await extractor.run() }
            try await waitUntil("the scan to hold or back off") {
                h.events.clientEvents.contains {
                    switch $0 {
                    case .outage(.began): wait == "outage"
                    case .backoff: wait == "backoff"
                    default: false
                    }
                }
            }
            let asked = ContinuousClock.now
            scan.cancel()
            let outcome = await scan.result
            await extractor.shutdown()
            #expect((ContinuousClock.now - asked) < .seconds(60), "the waits last an hour or more")
            guard case .failure(let error as JiraError) = outcome else {
                Issue.record("the scan was not interrupted: \(outcome)")
                return
            }
            #expect(error.code == .cancelled)
            let state = String(
                decoding: FileManager.default.contents(atPath: h.directory + "/state.json") ?? Data(), as: UTF8.self)
            #expect(state.contains("\"phase\":\"interrupted\""), "\(state)")
        }
    }

    @Test func deltaAfterAReindexNeitherLoopsNorLoses() async throws {
        try await ScanHarness.with(.reindexDelta) { (h: ScanHarness) async throws in
            let sinceMs = JiraTime.dataEpochEnd - 20 * JiraTime.msPerDay
            var options = ScanOptions(project: "RIDX")
            options.since = Date(timeIntervalSince1970: Double(sinceMs) / 1000)
            let summary = try await h.scan(options)
            #expect(summary.mode == .delta)
            let wanted = Set(h.sim.universe.issues.values.filter { $0.updated >= sinceMs }.map(\.key))
            #expect(wanted.isSubset(of: h.writtenKeys()))
            let keys = h.events.written.map(\.key)
            #expect(keys.count == Set(keys).count)
            #expect(h.events.all.contains { if case .reindexDetected(let n, _) = $0 { n > 0 } else { false } })
            // The delta's literal is in the user's zone, with the overlap.
            let search = h.sim.requests.first { $0.jql?.contains("updated >=") == true }!
            #expect(search.jql!.contains("updated >= \""))
        }
    }

    @Test func issuesDeletedOrMovedDuringTheScan() async throws {
        try await ScanHarness.with(.deletedLive) { (h: ScanHarness) async throws in
            let before = h.projectKeys("DEL")
            var options = ScanOptions(project: "DEL")
            options.pageSize = 10
            options.concurrency = 1
            h.sim.schedule(.move(key: "DEL-150", toProject: "DEL"), afterRequests: 0)
            let summary = try await h.scan(options)
            let after = h.projectKeys("DEL")
            #expect(after.isSubset(of: h.writtenKeys()))
            #expect(summary.vanished + summary.written >= after.count)
            for gone in before.subtracting(after) {
                #expect(!h.writtenKeys().contains(gone) || h.events.written.contains { $0.key.description == gone })
            }
            #expect(try h.mismatches().filter { !$0.contains("not in the universe") }.isEmpty)
        }
    }

    @Test func aFullScanReportsFilesOfIssuesNoLongerInScope() async throws {
        try await ScanHarness.with { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 20
            #expect(try await h.scan(options).outOfScope == 0)
            let keys = h.projectKeys("PRJ").sorted { Int($0.dropFirst(4))! < Int($1.dropFirst(4))! }
            h.sim.apply(.move(key: keys[7], toProject: "OTHER"))
            h.sim.apply(.delete(key: keys[3]))
            func state() throws -> [String: Any] {
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: h.directory + "/state.json"))) as! [String: Any]
            }
            let second = try await h.scan(options)
            #expect(second.outOfScope == 2)
            #expect(try state()["outOfScope"] as? [String] == [keys[3], keys[7]])
            #expect(
                h.events.all.contains {
                    if case .outOfScope(let k) = $0 { k.map(\.description) == [keys[3], keys[7]] } else { false }
                })
            // Kept, not deleted: the warehouse decides.
            #expect(h.writtenKeys().isSuperset(of: [keys[3], keys[7]]))
            // A filter narrows the scope, so the files outside it are reported too.
            var narrowed = options
            narrowed.filter = "key != \(keys[0])"
            #expect(try await h.scan(narrowed).outOfScope == 3)
            #expect(try state()["outOfScope"] as? [String] == [keys[0], keys[3], keys[7]])
            // A delta cannot know what left the project, and says nothing.
            var delta = options
            delta.since = Date().addingTimeInterval(-60)
            #expect(try await h.scan(delta).outOfScope == 0)
            #expect(try state()["outOfScope"] == nil)
        }
    }

    @Test func anInterruptedScanResumesToTheSameResult() async throws {
        try await ScanHarness.with(timeScale: 0.05) { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 5
            options.concurrency = 2
            let task = Task { try await h.scan(options) }
            try await waitUntil("20 issues written") { h.events.written.count >= 20 }
            task.cancel()
            let first = await task.result
            guard case .failure(let error) = first, (error as? JiraError)?.code == .cancelled else {
                Issue.record("expected an interruption, got \(first)")
                return
            }
            let state =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: h.directory + "/state.json"))) as! [String: Any]
            #expect(state["phase"] as? String == "interrupted")
            #expect(((state["pending"] as? [Any])?.count ?? 0) > 0 || state["enumerationDone"] as? Bool == false)
            let writtenBefore = h.writtenKeys()
            let resumed = try await h.scan(options)
            #expect(h.writtenKeys() == h.projectKeys("PRJ"))
            // The records written before the interruption count as this scan's.
            #expect(resumed.outOfScope == 0)
            // An uninterrupted run into another directory writes the same bytes.
            let reference = h.directory + "-reference"
            defer { try? FileManager.default.removeItem(atPath: reference) }
            try await h.scan(options, directory: reference)
            for key in h.projectKeys("PRJ") {
                let a =
                    try JSONSerialization.jsonObject(
                        with: Data(contentsOf: URL(fileURLWithPath: "\(h.directory)/issues/\(key).json")))
                    as! NSDictionary
                let b =
                    try JSONSerialization.jsonObject(
                        with: Data(contentsOf: URL(fileURLWithPath: "\(reference)/issues/\(key).json")))
                    as! NSDictionary
                #expect(a.isEqual(b), "\(key) differs")
            }
            #expect(!writtenBefore.isEmpty)
            let latest = try h.manifest()
            #expect(Set(latest.map(\.key.description)) == h.projectKeys("PRJ"))
            #expect(latest.allSatisfy { $0.complete })
        }
    }

    @Test func pauseStopsNewWorkAndResumeFinishesIt() async throws {
        try await ScanHarness.with { (h: ScanHarness) async throws in
            let control = ScanControl()
            control.setPaused(true)
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 10
            let task = Task { try await h.scan(options, control: control) }
            // Listed (the queue is full) and then paused: nothing is fetched, so nothing written.
            try await waitUntil("the listing's first page") {
                h.events.all.contains { if case .planned = $0 { true } else { false } }
            }
            #expect(h.events.written.isEmpty)
            control.setPaused(false)
            _ = try await task.value
            #expect(h.writtenKeys() == h.projectKeys("PRJ"))
        }
    }

    @Test func refetchCompletesWhatTheScanCouldNot() async throws {
        try await ScanHarness.with(timeScale: 0.5) { (h: ScanHarness) async throws in
            // The largest hub is slower than hub-base's budget (40 simulated s = 20 s > 10 s): its
            // page of 8 is split 8 ways, and only it falls to minimal. The budgets leave room for
            // a loaded machine: the scan's first request gets the same 10 s.
            let hub = try h.largestHub("PRJ")
            h.sim.inject(
                .init(.delay(40), matching: RequestMatcher(fieldsContains: "-issuelinks", hubRank: 0), count: nil))
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 8
            let extractor = try Extractor(
                configuration: h.configuration {
                    $0.fastFailTimeout = 1; $0.timeout = 10; $0.hedgeFraction = 1
                }, options: options, directory: h.directory, events: h.events.sink)
            let summary = try await extractor.run()
            #expect(summary.written - summary.complete == 1 && summary.tiers["minimal"] == 1)
            let incomplete = try IssueFetcher.incompleteKeys(in: h.directory)
            #expect(incomplete.map(\.key.description) == [hub.key])
            #expect(incomplete.allSatisfy { $0.tier == .minimal && $0.missing.contains("issuelinks") })
            // Its page-mates were written complete in the same scan.
            #expect(try h.manifest().filter { $0.key.description != hub.key }.allSatisfy(\.complete))
            h.sim.clearFaults()
            // The console's `m`, after the pass: through the scan's client, budgets ×10.
            let outcomes = try await extractor.operatorFetch(incomplete.map(\.key), budgetFactor: 10)
            await extractor.shutdown()
            #expect(outcomes.count == incomplete.count)
            #expect(try IssueFetcher.incompleteKeys(in: h.directory).isEmpty)
            // state.json says what the files hold now: nothing incomplete, nothing minimal, each
            // issue counted once.
            let state = try JSONDecoder().decode(
                Checkpoint.self, from: Data(contentsOf: URL(fileURLWithPath: h.directory + "/state.json")))
            #expect(state.incomplete == 0 && state.written == summary.written && state.tiers["minimal"] == nil)
            let recounted = h.events.all.compactMap { if case .recounted(let s) = $0 { s } else { nil } }
            #expect(recounted.count == 1 && recounted[0].complete == summary.written)
            #expect(try h.mismatches().isEmpty)
        }
    }

    @Test func theOutputDirectoryIsChecked() async throws {
        try await ScanHarness.with { (h: ScanHarness) async throws in
            try await h.scan(ScanOptions(project: "OTHER"))
            await #expect { try await h.scan(ScanOptions(project: "PRJ")) } throws: { error in
                (error as! JiraError).code == .invalidInput && "\(error)".contains("holds a scan of project OTHER")
            }
            let foreign = h.directory + "-foreign"
            try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: foreign + "/notes.txt", contents: Data("x".utf8))
            defer { try? FileManager.default.removeItem(atPath: foreign) }
            await #expect { try await h.scan(ScanOptions(project: "PRJ"), directory: foreign) } throws: { error in
                (error as! JiraError).code == .invalidInput
            }
            // An unfinished scan with other options is not silently mixed.
            let dir = h.directory + "-unfinished"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 5
            // Every issue search fails (full, hub-base and minimal); the key listing does not.
            h.sim.inject(
                .init(
                    .status(503, nil), matching: RequestMatcher(pathContains: "/search", fieldsContains: "*all"),
                    count: nil))
            h.sim.inject(
                .init(
                    .status(503, nil), matching: RequestMatcher(pathContains: "/search", fieldsContains: "\"summary\""),
                    count: nil))
            await #expect { try await h.scan(options, directory: dir) { $0.maxAttempts = 1 } } throws: { error in
                (error as! JiraError).isTransient
            }
            h.sim.clearFaults()
            options.filter = "labels = ux"
            await #expect { try await h.scan(options, directory: dir) } throws: { error in
                (error as! JiraError).code == .invalidInput && (error as! JiraError).hint == .finishOrRestart
            }
            options.restart = true
            try await h.scan(options, directory: dir)
        }
    }

    @Test func theTokenAppearsNowhereInTheOutput() async throws {
        try await ScanHarness.with(timeScale: 0.5) { (h: ScanHarness) async throws in
            h.sim.inject(.init(.status(503, nil), count: 2))
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 20
            try await h.scan(options) { $0.fastFailTimeout = 1 }
            let files = FileManager.default.enumerator(atPath: h.directory)!.compactMap { $0 as? String }
            #expect(files.count > 100)
            for file in files {
                let path = h.directory + "/" + file
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
                    continue
                }
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                #expect(data.range(of: Data(ScanHarness.token.utf8)) == nil, "\(file) holds the token")
            }
            #expect(!h.events.text.contains(ScanHarness.token))
        }
    }
}

@Suite struct EarlyFailureTests {
    @Test func aScanThatFailsBeforeListingLeavesTheDirectoryUsable() async throws {
        try await ScanHarness.with { (h: ScanHarness) async throws in
            await #expect { try await h.scan(ScanOptions(project: "NOPE")) } throws: {
                ($0 as! JiraError).code == .jqlRejected
            }
            #expect(!FileManager.default.fileExists(atPath: h.directory + "/state.json"))
            try await h.scan(ScanOptions(project: "PRJ"))
            #expect(h.writtenKeys() == h.projectKeys("PRJ"))
        }
    }
}

@Suite struct ManifestFormatTests {
    @Test func fetchedAtIsISO8601UTCWithMilliseconds() {
        let date = Date(timeIntervalSince1970: 1_779_195_600.123)
        #expect(ManifestRecord.iso8601(date) == "2026-05-19T13:00:00.123Z")
        #expect(ManifestRecord.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        let check = ISO8601DateFormatter()
        check.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        #expect(check.date(from: ManifestRecord.iso8601(date))!.timeIntervalSince1970 == 1_779_195_600.123)
    }
}

@Suite(.timeLimit(.minutes(5))) struct CheckpointFormatTests {
    @Test func theCheckpointDecodesWithItsPendingList() async throws {
        try await ScanHarness.with(timeScale: 0.05) { (h: ScanHarness) async throws in
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 5
            options.concurrency = 1
            let task = Task { try await h.scan(options) }
            try await waitUntil("10 issues written") { h.events.written.count >= 10 }
            task.cancel()
            _ = await task.result
            let data = try Data(contentsOf: URL(fileURLWithPath: h.directory + "/state.json"))
            let checkpoint = try JSONDecoder().decode(Checkpoint.self, from: data)
            #expect(checkpoint.project == "PRJ" && checkpoint.phase == .interrupted)
            #expect(!checkpoint.pending.isEmpty)
            #expect(checkpoint.pending.allSatisfy { $0.key.project == "PRJ" && Int($0.id) != nil })
            #expect(Set(checkpoint.pending.map(\.key)).isDisjoint(with: Set(h.events.written.map(\.key))))
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct LiveChangeTests {
    /// Issues created, updated, deleted or moved while a scan runs end up correct after the scan
    /// plus one delta from the time the scan started (recorded in state.json, server time).
    @Test func aScanPlusOneDeltaEndsCorrect() async throws {
        try await ScanHarness.with(timeScale: 0.05) { (h: ScanHarness) async throws in
            let keys = h.projectKeys("PRJ").sorted { Int($0.dropFirst(4))! < Int($1.dropFirst(4))! }
            var options = ScanOptions(project: "PRJ")
            options.pageSize = 10
            options.concurrency = 1
            // Change issues the scan has already passed, mid-scan.
            let task = Task { try await h.scan(options) }
            try await waitUntil("60 issues written") { h.events.written.count >= 60 }
            let written = Set(h.events.written.map(\.key.description))
            let early = keys.filter { written.contains($0) }
            h.sim.apply(.update(key: early[0]))
            h.sim.apply(.move(key: early[1], toProject: "OTHER"))
            h.sim.apply(.create(project: "PRJ"))
            _ = try await task.value
            let state =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: h.directory + "/state.json"))) as! [String: Any]
            let startedAt = try #require(state["startedAt"] as? String)
            var delta = ScanOptions(project: "PRJ")
            delta.since = ISO8601DateFormatter().date(from: startedAt)
            try await h.scan(delta)
            // The updated issue's file is the new revision; the created one exists.
            let updated = try h.file(early[0])
            let summary = (updated["fields"] as! [String: Any])["summary"] as! String
            #expect(summary.hasSuffix("(rev 1)"))
            let created = "PRJ-\(h.sim.universe.projects["PRJ"]!.nextNumber - 1)"
            #expect(h.writtenKeys().contains(created))
            // Every issue now in the project has a file that matches the server.
            #expect(h.projectKeys("PRJ").isSubset(of: h.writtenKeys()))
            #expect(try h.mismatches().filter { !$0.contains("not in the universe") }.isEmpty)
        }
    }
}
