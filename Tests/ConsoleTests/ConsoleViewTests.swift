import Foundation
import Testing
import JiraExtract
import JiraResilient
@testable import Console
import TestSupport

/// Rendered frames compared with stored snapshots (text and a style layer). Set
/// RECORD_SNAPSHOTS=1 to rewrite them after an intended change, then review the diff.
@Suite struct ConsoleViewTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Snapshots")

    func assertSnapshot(_ grid: Grid, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = grid.text + "\n----- styles -----\n" + grid.styleLayer + "\n"
        let url = Self.directory.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil
            || !FileManager.default.fileExists(atPath: url.path)
        {
            try text.write(to: url, atomically: true, encoding: .utf8)
            if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == nil {
                Issue.record(
                    "snapshot \(name) was missing and has been recorded; review it", sourceLocation: sourceLocation)
            }
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "frame \(name) differs from its snapshot", sourceLocation: sourceLocation)
    }

    @Test(arguments: [(200, 60), (120, 40), (80, 24)])
    func runningScanAtSeveralSizes(_ size: (Int, Int)) throws {
        let grid = ConsoleView.render(Fixture.model(), width: size.0, height: size.1, now: Fixture.at(20))
        try assertSnapshot(grid, "running-\(size.0)x\(size.1)")
        #expect(grid.line(0).contains("RATE-LIMITED 11s"))
        #expect(grid.text.contains("PRJ-42"))
    }

    @Test func theLoadRowShowsTheLimitTheLatencyAndTheServerTime() throws {
        var m = Fixture.model()
        #expect(!ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(20)).text.contains("Load "))
        m.apply(
            .client(
                .load(
                    LoadSnapshot(
                        limit: 3, inFlight: 4, adaptive: true, floorSeconds: 0.25, recentSeconds: 0.5, inflation: 2,
                        serverSeconds: 754))),
            at: Fixture.at(20))
        let text = ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(20)).text
        // In flight: the same count as the In flight pane's title, whatever the limiter last said.
        let live = m.inFlight.count
        #expect(live != 4, "the fixture's requests in flight differ from the limiter's stale 4")
        #expect(text.contains("Load     limit 3 auto  in flight \(live)  ") && text.contains("In flight (\(live))"))
        #expect(text.contains("latency 250 ms floor, 500 ms now (2.0×)"))
        #expect(text.contains("server ≈ 00:12:34") && !text.contains("as of"))
        // The estimate says how old it is once the limiter has not reported for a while.
        let later = ConsoleView.render(m, width: 160, height: 40, now: Fixture.at(32)).text
        #expect(later.contains("server ≈ 00:12:34 (as of 12 s ago)"), "\(later)")
    }

    /// Lines from several sources (the scan, the demo's narration) can arrive a little out of
    /// order; the Events pane shows them in time order, later ones below.
    @Test func eventsAreShownInTimeOrderWhateverOrderTheyArrive() {
        var m = ConsoleModel()
        m.append(.info, "connected", Fixture.at(6))
        m.append(.info, "demo pass 2", Fixture.at(7))
        m.append(.info, "late narration", Fixture.at(5))
        m.append(.info, "same second", Fixture.at(7))
        #expect(m.log.elements.map(\.text) == ["late narration", "connected", "demo pass 2", "same second"])
    }

    @Test func tooSmallSaysSo() throws {
        let grid = ConsoleView.render(Fixture.model(), width: 59, height: 15, now: Fixture.at(20))
        try assertSnapshot(grid, "too-small")
        #expect(grid.text.contains("need at least 60×16, have 59×15"))
    }

    @Test func hostileTextIsInertAndColumnsStayAligned() {
        let grid = ConsoleView.render(Fixture.model(), width: 200, height: 60, now: Fixture.at(20))
        let all = grid.cells.map(\.text).joined()
        #expect(
            !all.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E })
        #expect(all.contains("␛]0;PWNED␇"))
        #expect(all.contains("⟨U+202E⟩"))
        // Every row is exactly as wide as the screen: a wide character takes its cell and the
        // continuation after it, and a continuation only ever follows a wide character.
        for y in 0..<grid.height {
            var columns = 0
            for x in 0..<grid.width {
                let cell = grid[x, y]
                if cell.continuation {
                    #expect(x > 0 && DisplayWidth.of(grid[x - 1, y].text) == 2, "a stray continuation at \(x),\(y)")
                    continue
                }
                let w = max(1, DisplayWidth.of(cell.text))
                if w == 2 {
                    #expect(
                        x + 1 < grid.width && grid[x + 1, y].continuation,
                        "a wide character without its continuation at \(x),\(y)")
                }
                columns += w
            }
            #expect(columns == 200)
        }
        let eventRow = (0..<grid.height).first { grid.line($0).contains("PWNED") }!
        #expect(grid.line(eventRow).contains("漢字 🚀"))
    }

    @Test func modalsRender() throws {
        var m = Fixture.model(hostile: false)
        m.modal = .help
        try assertSnapshot(ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(20)), "modal-help")
        m.modal = .incomplete(selected: 0, budgetFactor: 2)
        let incomplete = ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(20))
        try assertSnapshot(incomplete, "modal-incomplete")
        #expect(
            incomplete.text.contains("PRJ-43")
                && incomplete.text.contains("missing issuelinks, description, customfields"))
        m.modal = .detail(key: "PRJ-42")
        let detail = ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(20))
        try assertSnapshot(detail, "modal-detail")
        #expect(
            detail.text.contains("hub-links") && detail.text.contains("181.4s")
                && detail.text.contains("/data/out/issues/PRJ-42.json"))
        m.modal = .fetchReport(key: "PRJ-42")
        m.fetchRungs["PRJ-42"] = [RungReport(rung: .full, succeeded: false, seconds: 60, error: "timed out", bytes: 0)]
        let report = ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(20))
        #expect(report.text.contains("full       ✗    60.0s  timed out"))
        #expect(report.text.contains("hub-links  …"))  // the in-flight links request, ticking
    }

    @Test func finishedAndMonochromeDistinguishTiersByGlyph() {
        var m = Fixture.model(hostile: false)
        m.apply(.phase(.done), at: Fixture.at(30))
        let grid = ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(31))
        #expect(grid.line(0).contains("FINISHED"))
        #expect(grid.text.contains("◆ hub") && grid.text.contains("▲ minimal") && grid.text.contains("● full"))
    }

    @Test func theInFlightClockTicks() {
        let m = Fixture.model()
        let a = ConsoleView.render(m, width: 200, height: 60, now: Fixture.at(20)).text
        let b = ConsoleView.render(m, width: 200, height: 60, now: Fixture.at(21.5)).text
        #expect(a.contains("8.0s / 600s") && b.contains("9.5s / 600s"))
    }
}

@Suite struct ConsoleInputTests {
    @Test func quitAsksWhileWorkRunsAndNotAfter() {
        var m = Fixture.model()
        #expect(ConsoleInput.handle(.character("q"), model: &m).isEmpty)
        #expect(m.modal == .quitConfirm)
        let asked = ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(20)).text
        #expect(asked.contains("the same command resumes where it stopped"))
        // The demo, which writes to a new directory each time, says so instead.
        var demo = m
        demo.resumeHint = "checkpoint in /tmp/d; a new demo starts afresh in a new directory."
        let demoAsked = ConsoleView.render(demo, width: 120, height: 40, now: Fixture.at(20)).text
        #expect(demoAsked.contains("a new demo starts afresh") && !demoAsked.contains("the same command resumes"))
        #expect(ConsoleInput.handle(.character("n"), model: &m).isEmpty && m.modal == nil)
        _ = ConsoleInput.handle(.character("q"), model: &m)
        #expect(ConsoleInput.handle(.character("y"), model: &m) == [.quit])
        var done = ConsoleModel()
        done.apply(.phase(.done), at: Fixture.t0)
        #expect(ConsoleInput.handle(.character("q"), model: &done) == [.quit])
    }

    @Test func fetchPromptTakesAKeyAndValidatesIt() {
        var m = Fixture.model()
        _ = ConsoleInput.handle(.character("f"), model: &m)
        // Nothing typed yet: a hint, not an error.
        let opened = ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(20)).text
        #expect(opened.contains("type an issue key, e.g. PROJ-123") && !opened.contains("✗ type an issue key"))
        for c in "prj-42" { _ = ConsoleInput.handle(.character(c), model: &m) }
        // Shown as typed, with exactly what Enter will fetch.
        #expect(m.modal == .fetchPrompt(input: "prj-42"))
        #expect(
            ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(20)).text.contains("Enter fetches PRJ-42"))
        #expect(ConsoleInput.handle(.enter, model: &m) == [.fetch("PRJ-42")])
        #expect(m.modal == .fetchReport(key: "PRJ-42"))
        #expect(m.log.last?.kind == .operatorAction && m.log.last?.text.contains("fetch PRJ-42") == true)
        _ = ConsoleInput.handle(.escape, model: &m)
        _ = ConsoleInput.handle(.character("f"), model: &m)
        for c in "../../etc" { _ = ConsoleInput.handle(.character(c), model: &m) }
        // Refused with its reason on screen; nothing is silently dropped or changed.
        #expect(ConsoleInput.handle(.enter, model: &m).isEmpty)
        #expect(m.modal == .fetchPrompt(input: "../../etc"))
        let refused = ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(20)).text
        #expect(refused.contains("'.' cannot be part of an issue key") && refused.contains("Key: ../../etc"))
        for input in ["nonsense", "1PRJ-2", "PRJ-0", "PRJ-", ""] {
            guard case .failure = FetchKey.check(input) else {
                Issue.record("\(input) was accepted")
                continue
            }
        }
        _ = ConsoleInput.handle(.backspace, model: &m)
        #expect(m.modal == .fetchPrompt(input: "../../et"))
    }

    @Test func theIncompleteListScrollsWithItsCursor() throws {
        var m = Fixture.model()
        for i in 900..<950 {
            m.apply(
                .written(
                    Fixture.record(IssueKey(project: "DEMO", number: i), .minimal, links: nil, missing: ["issuelinks"])),
                at: Fixture.at(21)
            )
        }
        _ = ConsoleInput.handle(.character("m"), model: &m)
        let list = m.incompleteList
        #expect(list.count == 51)
        // At the top the first entries show, the cursor among them.
        var screen = ConsoleView.render(m, width: 80, height: 24, now: Fixture.at(22)).text
        #expect(screen.contains("▶ \(list[0].key)") && screen.contains("1/51"))
        for _ in 0..<30 { _ = ConsoleInput.handle(.character("j"), model: &m) }
        screen = ConsoleView.render(m, width: 80, height: 24, now: Fixture.at(22)).text
        #expect(screen.contains("▶ \(list[30].key)") && !screen.contains(" \(list[0].key) "))
        #expect(screen.contains("Enter re-fetch one"), "the key line stays under the list")
        #expect(
            ConsoleInput.handle(.enter, model: &m, now: Fixture.at(22)) == [.refetch([list[30].key], budgetFactor: 2)])
        for _ in 0..<40 { _ = ConsoleInput.handle(.character("k"), model: &m) }
        screen = ConsoleView.render(m, width: 80, height: 24, now: Fixture.at(22)).text
        #expect(screen.contains("▶ \(list[0].key)"))
        _ = ConsoleInput.handle(.end, model: &m)
        screen = ConsoleView.render(m, width: 80, height: 24, now: Fixture.at(22)).text
        #expect(screen.contains("▶ \(list[50].key)") && screen.contains("51/51"))
        _ = ConsoleInput.handle(.pageUp, model: &m)
        try ConsoleViewTests().assertSnapshot(
            ConsoleView.render(m, width: 80, height: 24, now: Fixture.at(22)), "modal-incomplete-scrolled")
    }

    @Test func noticesExpireAndHelpAndQuitAlwaysStay() {
        var m = Fixture.model()
        m.setNotice("'ETC' is not an issue key", Fixture.at(20))
        for width in [80, 120, 200] {
            let footer = ConsoleView.render(m, width: width, height: 24, now: Fixture.at(21)).line(23)
            #expect(footer.contains("not an issue key") && footer.contains("? help") && footer.contains("q quit"))
        }
        let later = ConsoleView.render(m, width: 80, height: 24, now: Fixture.at(20 + ConsoleModel.noticeSeconds + 1))
        #expect(!later.line(23).contains("not an issue key") && later.line(23).contains("f fetch"))
        #expect(later.line(23).contains("? help") && later.line(23).contains("q quit"))
    }

    @Test func hubsAreCountedApartFromTheirPageMates() {
        var m = Fixture.model()
        for i in 0..<3 {
            var mate = Fixture.record(IssueKey(project: "PRJ", number: 700 + i), .hub, links: 2)
            mate.splitPage = true
            m.apply(
                .client(
                    .tierDecided(
                        TierDecision(key: mate.key, tier: .hub, rungs: [], links: 2, title: nil))), at: Fixture.at(21))
            m.apply(.written(mate), at: Fixture.at(21))
        }
        let g = ConsoleView.render(m, width: 200, height: 60, now: Fixture.at(22))
        #expect(g.text.contains("◆ hub 1 (+3 on split pages)"))
        #expect(g.text.contains("PRJ-702    ◇ split"))
    }

    @Test func theETACountsTheBudgetOfRequestsInFlight() {
        var m = ConsoleModel()
        m.apply(.planned(total: 2, mode: .full, window: nil), at: Fixture.at(0))
        m.apply(.written(Fixture.record("PRJ-1", .full, links: 1)), at: Fixture.at(1))
        m.apply(
            .client(.requestStarted(Fixture.info(7, "links", .issue("PRJ-2"), .hubLinks, budget: 150))),
            at: Fixture.at(0))
        // One issue left at about one a second, but its links request has 120 s of budget left.
        #expect(m.eta(now: Fixture.at(30)) == 120)
        #expect(ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(30)).line(1).contains("ETA 00:02:00"))
        m.apply(
            .client(
                .requestFinished(
                    Fixture.info(7, "links", .issue("PRJ-2"), .hubLinks, budget: 150), status: 200, bytes: 10,
                    seconds: 31, error: nil)), at: Fixture.at(31))
        m.apply(.written(Fixture.record("PRJ-2", .hub, links: 900)), at: Fixture.at(31))
        #expect(m.eta(now: Fixture.at(32)) == 0)
    }

    /// Mid-scan, a request that just started with its whole budget does not make the ETA jump
    /// to that budget: the issues left are far more than it holds.
    @Test func midScanTheETAIsTheRatesAlone() {
        var m = ConsoleModel()
        m.apply(.planned(total: 1000, mode: .full, window: nil), at: Fixture.at(0))
        for n in 1...100 {
            m.apply(
                .written(Fixture.record(IssueKey(project: "PRJ", number: n), .full, links: 1)),
                at: Fixture.at(Double(n) / 10))
        }
        m.apply(
            .client(
                .requestStarted(
                    Fixture.info(9, "search", .batch(count: 50, first: "PRJ-101", last: "PRJ-150"), .full, budget: 120))
            ),
            at: Fixture.at(10))
        let eta = m.eta(now: Fixture.at(10))
        #expect(eta != nil && eta! < 120, "the ETA jumped to a new request's budget: \(eta ?? -1)")
    }

    @Test func afterTheScanReFetchesShowAndTheClockRuns() {
        var m = Fixture.model()
        m.apply(.phase(.done), at: Fixture.at(30))
        #expect(ConsoleView.render(m, width: 200, height: 60, now: Fixture.at(40)).line(0).contains("FINISHED"))
        _ = ConsoleInput.handle(.character("m"), model: &m)
        #expect(ConsoleInput.handle(.character("a"), model: &m) == [.refetch(["PRJ-43"], budgetFactor: 2)])
        let a = ConsoleView.render(m, width: 200, height: 60, now: Fixture.at(40)).line(0)
        let b = ConsoleView.render(m, width: 200, height: 60, now: Fixture.at(45)).line(0)
        #expect(a.contains("REFETCHING 1") && a.contains("00:00:40") && b.contains("00:00:45"))
        m.apply(.written(Fixture.record("PRJ-43", .full, links: 3)), at: Fixture.at(46))
        let c = ConsoleView.render(m, width: 200, height: 60, now: Fixture.at(50)).line(0)
        #expect(c.contains("FINISHED") && c.contains("00:00:30"))
    }

    @Test func anotherPassStartsTheHeaderAndProgressOverAndKeepsTheHistory() throws {
        var m = Fixture.model()
        let connection = try #require(m.progress.connection)
        m.apply(.phase(.done), at: Fixture.at(30))
        let decisions = m.decisions.count, lines = m.log.count
        m.apply(.connected(connection), at: Fixture.at(40))
        m.apply(.planned(total: 12, mode: .delta, window: nil), at: Fixture.at(40))
        #expect(m.pass == 2 && m.progress.written == 0 && m.progress.total == 12 && !m.scanDone)
        let header = ConsoleView.render(m, width: 200, height: 60, now: Fixture.at(43)).line(0)
        #expect(header.contains("PRJ delta pass 2") && header.contains("RUNNING") && header.contains("00:00:03"))
        #expect(m.decisions.count == decisions && m.log.count > lines)
    }

    @Test func aNarrowHeaderDropsWholeFields() {
        for width in [80, 100, 120] {
            let g = ConsoleView.render(Fixture.model(), width: width, height: 24, now: Fixture.at(20))
            let header = g.line(0)
            // Each field is whole or absent: no "zone Austr", no "ETA 00:0".
            #expect(!header.contains("zone") || header.contains("zone Australia/Sydney"), "\(header)")
            #expect(!header.contains("JIRA") || header.contains("JIRA 9.12.4"), "\(header)")
            #expect(g.line(1).contains("ETA 00:10:41"), "\(g.line(1))")
        }
    }

    @Test func enterOnAnEventOpensItWhole() throws {
        var m = Fixture.model()
        let long = "backoff: " + String(repeating: "a long explanation of what happened ", count: 8) + "THE-END"
        m.append(.warning, long, Fixture.at(21))
        _ = ConsoleInput.handle(.tab, model: &m)
        let pane = ConsoleView.render(m, width: 80, height: 24, now: Fixture.at(22)).text
        #expect(!pane.contains("THE-END"), "the pane cuts the line")
        _ = ConsoleInput.handle(.enter, model: &m)
        #expect(m.modal == .eventDetail(m.log.last!))
        let detailGrid = ConsoleView.render(m, width: 80, height: 24, now: Fixture.at(22))
        #expect(detailGrid.text.contains("THE-END"))
        try ConsoleViewTests().assertSnapshot(detailGrid, "modal-event-detail")
        // k moves the selection up, and Enter then opens that line.
        _ = ConsoleInput.handle(.escape, model: &m)
        _ = ConsoleInput.handle(.character("k"), model: &m)
        _ = ConsoleInput.handle(.enter, model: &m)
        #expect(m.modal == .eventDetail(m.log.elements[m.log.count - 2]))
    }

    @Test func operatorActionsAppearInTheEvents() {
        var m = Fixture.model()
        _ = ConsoleInput.handle(.character("p"), model: &m)
        _ = ConsoleInput.handle(.character("m"), model: &m)
        _ = ConsoleInput.handle(.character("a"), model: &m)
        let texts = m.log.elements.filter { $0.kind == .operatorAction }.map(\.text)
        #expect(texts.count == 2 && texts[0] == "operator: pause" && texts[1].contains("re-fetch"))
        #expect(ConsoleView.render(m, width: 120, height: 40, now: Fixture.at(22)).text.contains("operator: pause"))
    }

    @Test func incompleteListRefetchesOneOrAllWithChosenBudgets() {
        var m = Fixture.model()
        _ = ConsoleInput.handle(.character("m"), model: &m)
        _ = ConsoleInput.handle(.character("+"), model: &m)
        #expect(m.modal == .incomplete(selected: 0, budgetFactor: 4))
        #expect(ConsoleInput.handle(.enter, model: &m) == [.refetch(["PRJ-43"], budgetFactor: 4)])
        _ = ConsoleInput.handle(.character("-"), model: &m)
        #expect(ConsoleInput.handle(.character("a"), model: &m) == [.refetch(["PRJ-43"], budgetFactor: 2)])
        // When the re-fetch completes the issue leaves the list.
        m.apply(.written(Fixture.record("PRJ-43", .full, links: 3)), at: Fixture.at(40))
        #expect(m.incompleteList.isEmpty)
        #expect(m.progress.written == 32 && m.progress.tiers[.minimal] == 0 && m.progress.tiers[.full] == 31)
    }

    @Test func pauseFocusScrollSearchThemeHelp() {
        var m = Fixture.model()
        #expect(ConsoleInput.handle(.character("p"), model: &m) == [.setPaused(true)])
        m.apply(.paused(true), at: Fixture.at(21))
        #expect(ConsoleInput.handle(.character("p"), model: &m) == [.setPaused(false)])
        #expect(ConsoleInput.handle(.character("t"), model: &m) == [.cycleTheme])
        _ = ConsoleInput.handle(.home, model: &m)
        #expect(m.decisionSelected == 0)
        _ = ConsoleInput.handle(.character("j"), model: &m)
        _ = ConsoleInput.handle(.wheelDown, model: &m)
        #expect(m.decisionSelected == 2)
        _ = ConsoleInput.handle(.enter, model: &m)
        #expect(m.modal == .detail(key: m.decisions[2].key))
        _ = ConsoleInput.handle(.escape, model: &m)
        _ = ConsoleInput.handle(.tab, model: &m)
        #expect(m.focus == .events)
        _ = ConsoleInput.handle(.character("/"), model: &m)
        for c in "rate" { _ = ConsoleInput.handle(.character(c), model: &m) }
        _ = ConsoleInput.handle(.enter, model: &m)
        #expect(m.searchQuery == "rate" && m.filteredLog.count == 1)
        // `/` starts empty; Esc there clears the filter.
        _ = ConsoleInput.handle(.character("/"), model: &m)
        #expect(m.modal == .search(input: ""))
        _ = ConsoleInput.handle(.escape, model: &m)
        #expect(m.searchQuery.isEmpty && m.modal == nil)
        _ = ConsoleInput.handle(.character("?"), model: &m)
        #expect(m.modal == .help)
        _ = ConsoleInput.handle(.character("x"), model: &m)
        #expect(m.modal == nil)
    }

    @Test func checkpointLinesAreThinnedOnScreen() {
        var m = ConsoleModel()
        for i in 0..<30 { m.apply(.checkpoint(written: i * 10, pending: 300 - i * 10), at: Fixture.at(Double(i))) }
        #expect(m.log.elements.filter { $0.kind == .checkpoint }.count == 3)
    }

    @Test func filesOfIssuesNoLongerInScopeAreAWarning() {
        var m = ConsoleModel()
        m.apply(.outOfScope(keys: ["PRJ-4", "PRJ-8", "PRJ-15", "PRJ-16", "PRJ-23"]), at: Fixture.at(1))
        let line = m.log.elements.last
        #expect(line?.kind == .warning)
        #expect(
            line?.text
                == "5 earlier files are of issues no longer in scope (deleted, moved or filtered out); kept, listed in state.json outOfScope: PRJ-4, PRJ-8, PRJ-15, PRJ-16, PRJ-23"
        )
    }

    @Test func anOutageShowsInTheHeaderWithItsNextProbeAndEndsInTheEvents() {
        var m = ConsoleModel()
        m.apply(.phase(.fetching), at: Fixture.at(0))
        m.apply(.client(.outage(.began(cause: "connection refused"))), at: Fixture.at(10))
        m.apply(.client(.outage(.probeScheduled(number: 4, inSeconds: 8, elapsed: 75))), at: Fixture.at(85))
        let frame = ConsoleView.render(m, width: 160, height: 30, now: Fixture.at(87)).text
        #expect(frame.contains("OUTAGE 00:01:17, probe in 6s"))
        #expect(
            m.log.elements.contains {
                $0.kind == .error && $0.text.hasPrefix("OUTAGE: JIRA is unreachable (connection refused)")
            })
        m.apply(.client(.outage(.ended(seconds: 90))), at: Fixture.at(100))
        #expect(m.displayState(now: Fixture.at(100)) == .running)
        #expect(m.log.elements.last?.text == "JIRA is back after 90s of outage: work resumes")
    }

    @Test func everyCellIsSanitisedEvenWhereACallerForgot() {
        var g = Grid(width: 40, height: 1)
        _ = g.put("P-1\u{202E}\u{2067}X\u{1B}[2J", x: 0, y: 0)
        #expect(g.text.hasPrefix("P-1⟨U+202E⟩⟨U+2067⟩X␛[2J"))
        #expect(!g.text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E })
    }

    @Test func aPauseStaysVisibleThroughWaitsAndTheKeyResumes() {
        var m = ConsoleModel()
        m.apply(.phase(.fetching), at: Fixture.at(0))
        m.apply(
            .connected(
                .init(url: "u", user: "u", serverVersion: "9", timeZone: "UTC", timeZoneSource: "user", project: "PRJ")),
            at: Fixture.at(0))
        m.apply(.paused(true), at: Fixture.at(1))
        let info = JiraEvent.RequestInfo(
            id: 1, operation: "search", subject: .listing(after: nil), rung: nil, budget: 60, attempt: 1, maxAttempts: 5
        )
        m.apply(
            .client(
                .backoff(
                    .init(
                        request: info, reason: "rate limited", status: 429, wait: 3, source: .retryAfter, global: true))
            ), at: Fixture.at(2))
        #expect(m.displayState(now: Fixture.at(3)) == .paused)
        m.apply(.client(.requestFinished(info, status: 200, bytes: 1, seconds: 1, error: nil)), at: Fixture.at(6))
        #expect(m.displayState(now: Fixture.at(6)) == .paused)
        #expect(ConsoleInput.handle(.character("p"), model: &m) == [.setPaused(false)])
        m.apply(.paused(false), at: Fixture.at(7))
        #expect(m.displayState(now: Fixture.at(7)) == .running)
    }

    @Test func insecureIsSaidInTheHeader() {
        var m = ConsoleModel()
        m.apply(
            .connected(
                .init(
                    url: "https://jira", user: "u", serverVersion: "9", timeZone: "UTC", timeZoneSource: "user",
                    project: "PRJ", insecure: true)), at: Fixture.at(0))
        #expect(ConsoleView.render(m, width: 160, height: 30, now: Fixture.at(1)).text.contains(" INSECURE "))
    }

    @Test func memoryStaysBoundedUnderABurst() {
        var m = ConsoleModel()
        for i in 0..<50_000 {
            m.apply(
                .client(
                    .tierDecided(
                        TierDecision(key: IssueKey(project: "PRJ", number: i), tier: .full, rungs: [], links: 1))),
                at: Fixture.at(Double(i) / 1000))
            m.apply(.client(.warning("w \(i)")), at: Fixture.at(Double(i) / 1000))
        }
        #expect(m.decisions.count == 2000 && m.log.count == 5000)
        #expect(m.decisions.last?.key == "PRJ-49999")
    }
}

@Suite struct ThemeTests {
    static let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Themes").path

    @Test func fiveShippedThemesParseAndDarkMatchesTheBuiltIn() throws {
        let library = ThemeLibrary(searchPaths: [Self.themes])
        #expect(library.problems.isEmpty, "\(library.problems)")
        for name in ["dark", "light", "high-contrast", "colorblind", "mono"] {
            #expect(library.theme(name) != nil, "\(name)")
        }
        let file = try String(contentsOfFile: Self.themes + "/dark.theme", encoding: .utf8)
        #expect(try ThemeParser.parse(file, name: "dark", file: "dark.theme") == ThemeLibrary.fallback)
        // Every role is styled by every shipped theme, and the tiers differ in monochrome too.
        for name in library.names {
            let t = library.theme(name)!
            for role in Role.allCases { #expect(t.styles[role] != nil, "\(name) lacks \(role)") }
            let mono = [Role.tierFull, .tierHub, .tierMinimal].map { t.style($0).monochrome }
            #expect(Set(mono.map(\.rawValue)).count == 3, "\(name): tiers look alike without colour")
        }
    }

    @Test func aBrokenThemeNamesFileAndLineAndFallsBack() throws {
        let dir = Reaper.scratchPath("themes")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "text = default\n# fine\ntier.hub = chartreuse\n".write(
            toFile: dir + "/bad.theme", atomically: true, encoding: .utf8)
        try "text = default\n@x = #102030\ntier.hub = @x on 17 bold mono: underline # note\n".write(
            toFile: dir + "/good.theme", atomically: true, encoding: .utf8)
        let library = ThemeLibrary(searchPaths: [dir])
        #expect(library.problems.count == 1)
        #expect(
            library.problems.first?.description
                == "\(dir)/bad.theme:3: 'chartreuse' is not a colour (a name, 0–255, #rrggbb or @palette)")
        #expect(library.theme("bad") == nil && library.theme("dark") != nil)
        let good = try #require(library.theme("good"))
        #expect(
            good.style(.tierHub)
                == Theme.Style(
                    foreground: .rgb(16, 32, 48), background: .indexed(17), attributes: .bold, monochrome: .underline))
        // A user theme of the same name overrides a shipped one (later search paths win).
        try "text = red\n".write(toFile: dir + "/dark.theme", atomically: true, encoding: .utf8)
        #expect(ThemeLibrary(searchPaths: [Self.themes, dir]).theme("dark")?.style(.text).foreground == .indexed(1))
    }

    @Test func coloursFallBackToWhatTheTerminalHas() {
        #expect(Theme.Color.rgb(255, 0, 0).resolved(colors: 256) == 196)
        #expect(Theme.Color.rgb(255, 0, 0).resolved(colors: 8) == 1)
        #expect(Theme.Color.indexed(208).resolved(colors: 8) == 3 || Theme.Color.indexed(208).resolved(colors: 8) == 1)
        #expect(Theme.Color.indexed(5).resolved(colors: 8) == 5)
        #expect(Theme.Color.terminalDefault.resolved(colors: 256) == -1)
    }

    @Test func sanitiserAndWidths() {
        let s = UntrustedText.sanitized("a\u{1B}[2Jb\u{07}\u{9B}c\u{202E}d\te\nf")
        #expect(s == "a␛[2Jb␇⟨C1:9B⟩c⟨U+202E⟩d e␊f")
        #expect(
            DisplayWidth.of("漢字") == 4 && DisplayWidth.of("🚀") == 2 && DisplayWidth.of("é") == 1
                && DisplayWidth.of("e\u{301}") == 1)
    }
}

/// `console --attach`: a console that starts from a running scan's snapshot shows that scan as
/// it is (its pass, mode, counts, requests in flight and incomplete issues), and its keys act on
/// the scan, not on this process.
@Suite struct AttachedConsoleTests {
    static let connection = ScanEvent.Connection(
        url: "https://jira.example.com", user: "Data Engineer", serverVersion: "9.12.4", timeZone: "UTC",
        timeZoneSource: "user", project: "PRJ")

    /// Between passes 2 and 3 of a follow: pass 2 was a delta that found 2 issues, 1 incomplete.
    static func snapshot() -> ControlSnapshot {
        var progress = ScanProgress()
        let events: [(Double, ScanEvent)] = [
            (10, .phase(.connecting)), (10, .connected(connection)),
            (10, .continuing(since: "2026-12-02T10:00:00Z", lastFullScan: "2026-12-02T09:00:00Z")),
            (11, .planned(total: 2, mode: .delta, window: nil)),
            (12, .written(Fixture.record("PRJ-5", .full, links: 3))),
            (13, .written(Fixture.record("PRJ-9", .minimal, links: nil, missing: ["issuelinks"]))),
            (14, .phase(.done)), (14, .nextPass(number: 3, inSeconds: 300)),
        ]
        for (t, e) in events { progress.apply(e, at: Fixture.at(t)) }
        let inFlight = DatedEvent(
            at: Fixture.at(14),
            event: .client(.requestStarted(Fixture.info(77, "links", .issue("PRJ-9"), .hubLinks, budget: 600))))
        return ControlSnapshot(
            progress: progress,
            events: events.filter { if case .written = $0.1 { false } else { true } }.map {
                DatedEvent(at: Fixture.at($0.0), event: $0.1)
            },
            inFlight: [inFlight], incomplete: [Fixture.record("PRJ-9", .minimal, links: nil, missing: ["issuelinks"])])
    }

    @Test func aRestoredConsoleShowsTheScanAsItIs() {
        var m = ConsoleModel()
        m.displayZone = TimeZone(identifier: "UTC")!
        m.attached = ControlHello(version: "1", revision: 1, pid: 4242, project: "PRJ", directory: "/data/out")
        m.restore(Self.snapshot())
        let screen = ConsoleView.render(m, width: 200, height: 40, now: Fixture.at(20)).text
        #expect(screen.contains("PRJ delta pass 2"), "\(screen)")
        #expect(screen.contains("pass 3 in"))
        #expect(screen.contains("attached to pid 4242"))
        #expect(screen.contains("2/2"))
        #expect(screen.contains("In flight (1)") && screen.contains("PRJ-9"))
        #expect(screen.contains("m incomplete 1"))
        #expect(screen.contains("q detach") && screen.contains("X stop scan"))
    }

    @Test func qDetachesAtOnceAndXStopsTheScanOnlyWhenConfirmed() {
        var m = ConsoleModel()
        m.attached = ControlHello(version: "1", revision: 1, pid: 4242, project: "PRJ", directory: "/data/out")
        m.restore(Self.snapshot())
        #expect(ConsoleInput.handle(.character("X"), model: &m) == [])
        #expect(m.modal == .stopConfirm)
        #expect(ConsoleInput.handle(.character("n"), model: &m) == [])
        #expect(m.modal == nil)
        _ = ConsoleInput.handle(.character("X"), model: &m)
        #expect(ConsoleInput.handle(.character("y"), model: &m) == [.stopScan])
        // Work runs (a request in flight), yet leaving asks nothing: the scan goes on.
        #expect(ConsoleInput.handle(.character("q"), model: &m) == [.quit])
        // On the scan's own terminal, X is not a key, and q asks while work runs.
        var own = ConsoleModel()
        own.restore(Self.snapshot())
        #expect(ConsoleInput.handle(.character("X"), model: &own) == [] && own.modal == nil)
        #expect(ConsoleInput.handle(.character("q"), model: &own) == [] && own.modal == .quitConfirm)
    }
}

extension AttachedConsoleTests {
    @Test func aConsoleWhoseScanIsGoneFreezesAndActsOnNothing() {
        var m = ConsoleModel()
        m.attached = ControlHello(version: "1", revision: 1, pid: 4242, project: "PRJ", directory: "/data/out")
        m.restore(Self.snapshot())
        _ = ConsoleInput.handle(.character("p"), model: &m)  // pause, while the scan lives
        m.apply(.phase(.connecting), at: Fixture.at(15))
        m.apply(.connected(Self.connection), at: Fixture.at(15))
        m.lose("detached: the scan's socket closed", at: Fixture.at(16))
        #expect(m.inFlight.isEmpty && m.nextPassAt == nil)
        #expect(m.displayState(now: Fixture.at(30)) == .interrupted)
        let logged = m.log.count
        for key in ["p", "f", "m", "X"] {
            #expect(ConsoleInput.handle(.character(Character(key)), model: &m) == [])
            #expect(m.modal == nil, "\(key) opened \(String(describing: m.modal))")
        }
        #expect(m.log.count == logged, "a refused key was logged as an operator action")
        let screen = ConsoleView.render(m, width: 200, height: 40, now: Fixture.at(60)).text
        #expect(screen.contains("DETACHED") && !screen.contains("X stop scan") && !screen.contains("f fetch"))
        // Its clock stopped when the scan went.
        let later = ConsoleView.render(m, width: 200, height: 40, now: Fixture.at(600)).text
        #expect(screen.split(separator: "\n").first == later.split(separator: "\n").first)
    }

    @Test func anotherConsolesActionsAreShownAndThisOnesOnlyOnce() {
        var m = ConsoleModel()
        m.ownProcess = 100
        m.apply(.operatorAction(what: "fetch PRJ-1", console: 200), at: Fixture.at(1))
        m.apply(.operatorAction(what: "pause", console: 100), at: Fixture.at(2))
        let texts = m.log.elements.map(\.text)
        #expect(texts.contains("operator (console pid 200): fetch PRJ-1"))
        #expect(!texts.contains { $0.contains("pause") })
    }
}

extension ConsoleViewTests {
    @Test func longKeysKeepTheirSpaceBeforeTheTier() {
        var m = ConsoleModel()
        for key: IssueKey in ["BENCH-14809", "LONGPROJECT-123456"] {
            m.apply(
                .client(.tierDecided(TierDecision(key: key, tier: .full, rungs: [], links: 2))), at: Fixture.at(1))
        }
        let screen = ConsoleView.render(m, width: 160, height: 30, now: Fixture.at(2)).text
        #expect(screen.contains("BENCH-14809 ") && !screen.contains("BENCH-14809●"))
        #expect(screen.contains("LONGPROJECT-123456 ●"), "\(screen)")
    }
}
