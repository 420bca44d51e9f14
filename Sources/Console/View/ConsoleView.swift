import Foundation
import JiraExtract
import JiraResilient

/// Renders the model into a grid: a pure function of the model, the size and the time.
public enum ConsoleView {
    public static let minimumWidth = 60
    public static let minimumHeight = 16

    public static func render(_ model: ConsoleModel, width: Int, height: Int, now: Date) -> Grid {
        var g = Grid(width: width, height: height)
        guard width >= minimumWidth, height >= minimumHeight else {
            let lines = [
                "terminal too small", "need at least \(minimumWidth)×\(minimumHeight), have \(width)×\(height)",
                "enlarge it, or press q",
            ]
            for (i, line) in lines.enumerated() where i < height {
                g.put(
                    String(line.prefix(max(0, width))), x: max(0, (width - DisplayWidth.of(line)) / 2),
                    y: max(0, height / 2 - 1) + i, role: i == 0 ? .warning : .muted)
            }
            return g
        }
        var y = 0
        header(&g, model, now, y: &y)
        progressRows(&g, model, now, y: &y)
        let footerY = height - 1
        // In flight: up to a sixth of the screen.
        let requests = model.inFlight.values.sorted { $0.started < $1.started }
        let maxRows = max(3, height / 6)
        section(&g, "In flight (\(requests.count))", y: y, role: .title)
        y += 1
        for r in requests.prefix(maxRows) {
            inFlightRow(&g, r, now, y: y)
            y += 1
        }
        if requests.count > maxRows { g.put("  … \(requests.count - maxRows) more", x: 0, y: y, role: .muted); y += 1 }
        if requests.isEmpty { g.put("  nothing in flight", x: 0, y: y, role: .muted); y += 1 }
        let bodyHeight = footerY - y
        if width >= 120 {
            let leftWidth = width * 55 / 100
            decisionsPane(&g, model, x: 0, y: y, width: leftWidth, height: bodyHeight, now: now)
            for row in y..<footerY { g.put("│", x: leftWidth, y: row, role: .border) }
            eventsPane(&g, model, x: leftWidth + 1, y: y, width: width - leftWidth - 1, height: bodyHeight, now: now)
        } else {
            let top = bodyHeight / 2
            decisionsPane(&g, model, x: 0, y: y, width: width, height: top, now: now)
            eventsPane(&g, model, x: 0, y: y + top, width: width, height: bodyHeight - top, now: now)
        }
        footer(&g, model, y: footerY, now: now)
        if let modal = model.modal { ModalView.render(modal, model, into: &g, now: now) }
        return g
    }

    // MARK: - Header and progress

    static func stateText(_ model: ConsoleModel, _ now: Date) -> (String, Role) {
        let state = model.displayState(now: now)
        switch state {
        case .finished, .failed, .interrupted:
            // After the scan, operator re-fetches are the work the header reports.
            if !model.operatorWork.isEmpty { return ("REFETCHING \(model.operatorWork.count)", .waiting) }
        default: break
        }
        return switch state {
        case .connecting: ("CONNECTING", .muted)
        case .running: ("RUNNING", .ok)
        case .paused: ("PAUSED", .warning)
        case .rateLimited(let until): ("RATE-LIMITED \(Int(until.timeIntervalSince(now).rounded(.up)))s", .waiting)
        case .retrying(let until): ("RETRYING \(Int(until.timeIntervalSince(now).rounded(.up)))s", .retry)
        case .finished:
            model.nextPassAt.map {
                ("FINISHED, pass \(model.pass + 1) in \(clock(max(0, $0.timeIntervalSince(now)).rounded(.up)))", .ok)
            } ?? ("FINISHED", .ok)
        case .failed: ("FAILED", .error)
        case .interrupted: ("INTERRUPTED", .warning)
        case .outage(let since, let next):
            (
                "OUTAGE \(clock(now.timeIntervalSince(since)))"
                    + (next.map { ", probe in \(max(0, Int($0.timeIntervalSince(now).rounded(.up))))s" } ?? ""), .error
            )
        }
    }

    static func header(_ g: inout Grid, _ model: ConsoleModel, _ now: Date, y: inout Int) {
        g.fill(.header, x: 0, y: y, width: g.width)
        let p = model.progress
        let c = p.connection
        // The clock runs while the scan or operator work does.
        let end = model.operatorWork.isEmpty ? (model.finishedAt ?? now) : now
        let elapsed = model.startedAt.map { end.timeIntervalSince($0) } ?? 0
        let (state, stateRole) = stateText(model, now)
        // Most important first: a narrow terminal drops whole fields, never half of one.
        var parts: [(String, Role)] = [(" jira-resilient ", .header)]
        parts.append(
            (
                "\(p.project.isEmpty ? "…" : p.project) \(p.mode.rawValue)\(model.pass > 1 ? " pass \(model.pass)" : "")",
                .header
            ))
        parts.append((" \(state) ", stateRole))
        if let hello = model.attached {
            parts.append((model.scanGone == nil ? "attached to pid \(hello.pid)" : " DETACHED ", .header))
        }
        if model.insecure { parts.append((" INSECURE ", .error)) }
        parts.append((clock(elapsed), .header))
        if let c {
            parts += [
                (c.user, .header), ("zone \(c.timeZone)", .header), ("JIRA \(c.serverVersion)", .header),
                (c.url, .header),
            ]
        }
        parts.append(("theme \(model.themeName)", .header))
        var x = 0
        for (i, (text, role)) in parts.enumerated() {
            let clean = UntrustedText.sanitized(text)
            let separator = i > 0 ? " │ " : ""
            guard i == 0 || x + DisplayWidth.of(separator + clean) <= g.width else { continue }
            x = g.put(separator, x: x, y: y, role: .header)
            x = g.put(clean, x: x, y: y, role: role)
        }
        y += 1
    }

    /// Puts `text` only if all of it fits on the row; returns the column after it (or `x`).
    @discardableResult
    static func putWhole(_ g: inout Grid, _ text: String, x: Int, y: Int, role: Role) -> Int {
        guard x + DisplayWidth.of(text) <= g.width else { return x }
        return g.put(text, x: x, y: y, role: role)
    }

    static func progressRows(_ g: inout Grid, _ model: ConsoleModel, _ now: Date, y: inout Int) {
        let p = model.progress
        // Progress bar, counts, rate with sparkline, ETA, bytes.
        var x = g.put("Progress ", x: 0, y: y, role: .title)
        let barWidth = max(10, min(40, g.width / 4))
        let fraction = p.fraction ?? 0
        let filled = Int((Double(barWidth) * fraction).rounded(.down))
        g.fill(.progress, x: x, y: y, width: filled, text: "█")
        g.fill(.progressTrack, x: x + filled, y: y, width: barWidth - filled, text: "░")
        x += barWidth + 1
        let total = p.total.map(count) ?? "?"
        x = g.put("\(count(p.done))/\(total)", x: x, y: y, role: .text)
        if let f = p.fraction { x = g.put(String(format: " %.1f%%", f * 100), x: x, y: y, role: .muted) }
        x = g.put(String(format: "  %.1f/s ", p.rate(now: now)), x: x, y: y, role: .text)
        // The sparkline gives way to the ETA on narrow terminals.
        if g.width >= 100 {
            x = g.put(sparkline(p.history(now: now, buckets: 16, seconds: 10)), x: x, y: y, role: .progress)
        }
        if let eta = model.eta(now: now) { x = putWhole(&g, "  ETA \(clock(eta))", x: x, y: y, role: .text) }
        putWhole(&g, "  \(bytes(p.bytes))", x: x, y: y, role: .muted)
        y += 1
        // Tiers with shares.
        x = g.put("Tiers    ", x: 0, y: y, role: .title)
        let written = max(1, p.written)
        for (tier, role, glyph) in [
            (Tier.full, Role.tierFull, "●"), (.hub, .tierHub, "◆"), (.minimal, .tierMinimal, "▲"),
        ] {
            // Hubs are counted apart from the issues that only shared their pages.
            let split = tier == .hub ? p.splitPage : 0
            let n = p.tiers[tier] ?? 0
            x = g.put("\(glyph) \(tier.rawValue) \(count(n))", x: x, y: y, role: role)
            if split > 0 { x = g.put(" (+\(count(split)) on split pages)", x: x, y: y, role: role) }
            x = g.put(String(format: " %.1f%%   ", Double(n + split) * 100 / Double(written)), x: x, y: y, role: .muted)
        }
        if p.incomplete > 0 { x = g.put("incomplete \(p.incomplete)  ", x: x, y: y, role: .warning) }
        x = g.put("pages \(p.pages)  requests \(p.requests)  ", x: x, y: y, role: .muted)
        g.put("retries \(p.retries)", x: x, y: y, role: p.retries > 0 ? .retry : .muted)
        y += 1
        // Cursor: workers, listing, window, reindex.
        x = g.put("Cursor   ", x: 0, y: y, role: .title)
        for worker in p.workers.keys.sorted() {
            let w = p.workers[worker]!
            x = g.put("w\(worker) ", x: x, y: y, role: .muted)
            x = g.put(
                "\(w.first)…\(w.last.project == w.first.project ? String(w.last.number) : w.last.description)  ", x: x,
                y: y, role: .cursor)
        }
        if let listed = p.enumerated { x = g.put("listed→\(listed)  ", x: x, y: y, role: .muted) }
        if let window = p.window { x = g.put("window \(window)  ", x: x, y: y, role: .text) }
        if p.reindexed > 0 { g.put("reindex: \(count(p.reindexed)) stale, fetched anyway", x: x, y: y, role: .warning) }
        y += 1
        if let load = model.load {
            loadRow(
                &g, load, inFlight: model.inFlight.count, age: model.loadAt.map { now.timeIntervalSince($0) }, y: &y)
        }
    }

    /// JIRA's load as the request limiter sees it: the limit, how much slower than their floor
    /// answers come now, and the server time the scan has cost (an estimate, as of the limiter's
    /// last report, `age` seconds ago). `inFlight` is the In flight pane's count, live: the
    /// limiter's own figure is as old as its report, and the two must not disagree on screen.
    static func loadRow(_ g: inout Grid, _ load: LoadSnapshot, inFlight: Int, age: Double?, y: inout Int) {
        var x = g.put("Load     ", x: 0, y: y, role: .title)
        x = g.put(
            "limit \(load.limit)\(load.adaptive ? " auto" : " fixed")  in flight \(inFlight)  ", x: x, y: y,
            role: .text)
        let role: Role = load.inflation >= 1.5 ? .warning : load.inflation >= 1.3 ? .retry : .muted
        if let floor = load.floorSeconds, let recent = load.recentSeconds {
            x = putWhole(
                &g,
                "latency \(seconds(floor)) floor, \(seconds(recent)) now (\(String(format: "%.1f", load.inflation))×)  ",
                x: x, y: y, role: role)
        }
        let asOf = age.map { $0 >= 5 ? " (as of \(Int($0)) s ago)" : "" } ?? ""
        putWhole(&g, "server ≈ \(clock(load.serverSeconds))\(asOf)", x: x, y: y, role: .muted)
        y += 1
    }

    /// A duration for the load row: milliseconds under a second, else seconds.
    static func seconds(_ s: Double) -> String {
        s < 1 ? String(format: "%.0f ms", s * 1000) : String(format: "%.1f s", s)
    }

    static func section(_ g: inout Grid, _ title: String, y: Int, role: Role, x: Int = 0, width: Int? = nil) {
        let w = width ?? g.width
        g.fill(.border, x: x, y: y, width: w, text: "─")
        g.put(" \(title) ", x: x + 1, y: y, role: role, limit: max(0, w - 2))
    }

    static func inFlightRow(_ g: inout Grid, _ r: ConsoleModel.InFlight, _ now: Date, y: Int) {
        let elapsed = now.timeIntervalSince(r.started)
        let info = r.info
        var x = g.put(
            "  " + info.operation.padding(toLength: 10, withPad: " ", startingAt: 0), x: 0, y: y,
            role: info.rung == .hubLinks ? .tierHub : .text)
        let rung = info.rung.map { $0.rawValue } ?? "-"
        x = g.put(rung.padding(toLength: 10, withPad: " ", startingAt: 0), x: x, y: y, role: .muted)
        x = g.put(
            String(format: "%6.1fs / %.0fs ", elapsed, info.budget), x: x, y: y,
            role: elapsed > info.budget * 0.8 ? .warning : .text)
        let barWidth = 12
        let filled = min(barWidth, Int(Double(barWidth) * elapsed / max(info.budget, 0.001)))
        g.fill(.progress, x: x, y: y, width: filled, text: "▮")
        g.fill(.progressTrack, x: x + filled, y: y, width: barWidth - filled, text: "▯")
        x += barWidth + 1
        if info.attempt > 1 { x = g.put("try \(info.attempt)/\(info.maxAttempts) ", x: x, y: y, role: .retry) }
        g.put(UntrustedText.sanitized(Narration.describe(info.subject)), x: x, y: y, role: .text)
    }

    // MARK: - Panes

    static func decisionsPane(
        _ g: inout Grid, _ model: ConsoleModel, x: Int, y: Int, width: Int, height: Int, now: Date
    ) {
        guard height > 1 else { return }
        let focused = model.focus == .decisions
        section(
            &g, "Tier decisions (\(model.decisions.count))", y: y, role: focused ? .focus : .title, x: x, width: width)
        let rows = height - 1
        let count = model.decisions.count
        let selected = min(model.decisionSelected, max(0, count - 1))
        let first = max(0, min(selected - rows + 1 + max(0, rows / 3), count - rows))
        let top = max(0, min(first, selected))
        // Wide enough for the longest key shown and a space (PROJ-12345 needs 11; never cut).
        let keyWidth = (top..<min(count, top + rows)).reduce(11) {
            max($0, model.decisions[$1].key.description.count + 1)
        }
        for row in 0..<rows {
            let index = top + row
            guard index < count else { break }
            let d = model.decisions[index]
            let ry = y + 1 + row
            let isSelected = focused && index == selected
            var cx = g.put(isSelected ? "▶" : " ", x: x, y: ry, role: .focus, limit: width)
            cx = g.put(
                d.key.description.padding(toLength: keyWidth, withPad: " ", startingAt: 0), x: cx, y: ry,
                role: isSelected ? .selection : .text, limit: width - (cx - x))
            // An issue that only shared a hub's page is not shown as a hub.
            let split = d.record?.splitPage == true
            cx = g.put(
                (split ? "◇ " : tierGlyph(d.tier) + " ")
                    + (split ? "split" : d.tier.rawValue).padding(toLength: 8, withPad: " ", startingAt: 0), x: cx,
                y: ry, role: split ? .muted : tierRole(d.tier), limit: width - (cx - x))
            let links = d.links.map { "\(ConsoleView.count($0)) links" } ?? "links ?"
            cx = g.put(
                links.padding(toLength: 12, withPad: " ", startingAt: 0), x: cx, y: ry, role: .muted,
                limit: width - (cx - x))
            cx = g.put(String(format: "%6.1fs  ", d.seconds), x: cx, y: ry, role: .text, limit: width - (cx - x))
            if width >= 100, let title = d.title {
                let column = min(32, width - (cx - x) - 40)
                if column > 8 {
                    g.put(title, x: cx, y: ry, role: .muted, limit: column)
                    cx += column + 2
                }
            }
            if d.tier != .full || width > 70 {
                g.put(
                    ConsoleModel.rungText(d.rungs), x: cx, y: ry, role: d.tier == .full ? .muted : tierRole(d.tier),
                    limit: max(0, width - (cx - x)))
            }
        }
        if count == 0 { g.put("  no issue written yet", x: x, y: y + 1, role: .muted, limit: width) }
    }

    static func eventsPane(_ g: inout Grid, _ model: ConsoleModel, x: Int, y: Int, width: Int, height: Int, now: Date) {
        guard height > 1 else { return }
        let focused = model.focus == .events
        let lines = model.filteredLog
        let title =
            model.searchQuery.isEmpty
            ? "Events (\(lines.count))"
            : "Events matching “\(UntrustedText.sanitized(model.searchQuery))” (\(lines.count))"
        section(
            &g, title + (model.eventScroll > 0 ? " ↑\(model.eventScroll)" : ""), y: y, role: focused ? .focus : .title,
            x: x, width: width)
        let rows = height - 1
        let end = max(0, lines.count - model.eventScroll)
        let start = max(0, end - rows)
        for (row, line) in lines[start..<end].enumerated() {
            let ry = y + 1 + row
            // With the pane focused, its bottom line is the selection Enter opens.
            let marked = focused && start + row == end - 1
            var cx = g.put(marked ? "▶" : " ", x: x, y: ry, role: .focus, limit: width)
            cx = g.put(timeOfDay(line.at, model.displayZone) + " ", x: cx, y: ry, role: .muted, limit: width - 1)
            let role: Role
            switch line.kind {
            case .retry: role = .retry
            case .warning: role = .warning
            case .error: role = .error
            case .reindex: role = .warning
            case .checkpoint: role = .muted
            case .tier: role = .tierHub
            case .info: role = .text
            case .operatorAction: role = .key
            }
            if let until = line.until, until > now {
                cx = g.put(
                    "⏳\(Int(until.timeIntervalSince(now).rounded(.up)))s ", x: cx, y: ry, role: .waiting,
                    limit: width - (cx - x))
            }
            let start = cx
            g.put(line.text, x: cx, y: ry, role: role, limit: max(0, width - (cx - x)))
            if !model.searchQuery.isEmpty, let r = line.text.range(of: model.searchQuery, options: .caseInsensitive) {
                let offset = DisplayWidth.of(String(line.text[..<r.lowerBound]))
                g.recolor(
                    .highlight, x: start + offset, y: ry,
                    width: min(DisplayWidth.of(String(line.text[r])), max(0, x + width - start - offset)))
            }
        }
    }

    /// The key line, or a notice (until it expires) followed by the keys that fit. `? help` and
    /// `q quit` always stay, at the right; other keys are dropped from the end as width runs out.
    static func footer(_ g: inout Grid, _ model: ConsoleModel, y: Int, now: Date) {
        // Attached, the key that stops the scan always shows while there is a scan to stop.
        let always: [(String, String)] =
            (model.attached != nil && model.scanGone == nil ? [("X", "stop scan")] : []) + [
                ("?", "help"), ("q", model.attached == nil ? "quit" : "detach"),
            ]
        let acting: [(String, String)] =
            model.scanGone == nil
            ? [
                ("f", "fetch"), ("m", "incomplete \(model.incomplete.count)"),
                ("p", model.isPaused ? "resume" : "pause"),
            ] : []
        let optional: [(String, String)] =
            acting + [("Enter", "details"), ("Tab", "focus"), ("/", "search"), ("j/k", "scroll"), ("t", "theme")]
        func width(_ keys: [(String, String)]) -> Int { keys.reduce(0) { $0 + DisplayWidth.of($1.0 + $1.1) + 3 } }
        let alwaysWidth = width(always)
        let right = max(1, g.width - alwaysWidth)
        var x = 1
        if let notice = model.visibleNotice(at: now) {
            x = g.put(" " + UntrustedText.sanitized(notice), x: 0, y: y, role: .warning, limit: max(0, right - 2)) + 2
        } else {
            for key in optional {
                guard x + width([key]) <= right else { break }
                x = g.put(key.0, x: x, y: y, role: .key)
                x = g.put(" \(key.1)  ", x: x, y: y, role: .muted)
            }
        }
        x = max(x, right)
        for (key, label) in always {
            x = g.put(key, x: x, y: y, role: .key)
            x = g.put(" \(label)  ", x: x, y: y, role: .muted)
        }
    }

    // MARK: - Formatting

    public static func tierRole(_ tier: Tier) -> Role {
        switch tier {
        case .full: .tierFull;
        case .hub: .tierHub;
        case .minimal: .tierMinimal
        }
    }

    public static func tierGlyph(_ tier: Tier) -> String {
        switch tier {
        case .full: "●";
        case .hub: "◆";
        case .minimal: "▲"
        }
    }

    static func sparkline(_ values: [Double]) -> String {
        let bars = Array("▁▂▃▄▅▆▇█")
        let top = values.max() ?? 0
        guard top > 0 else { return String(repeating: "▁", count: values.count) }
        return String(values.map { bars[min(7, Int($0 / top * 7.99))] })
    }

    static func count(_ n: Int) -> String {
        var s = String(n)
        var i = s.count - 3
        while i > 0 { s.insert(",", at: s.index(s.startIndex, offsetBy: i)); i -= 3 }
        return s
    }

    static func bytes(_ n: Int) -> String {
        n >= 1_000_000_000
            ? String(format: "%.2f GB", Double(n) / 1e9)
            : n >= 1_000_000 ? String(format: "%.1f MB", Double(n) / 1e6) : String(format: "%.0f kB", Double(n) / 1e3)
    }

    static func timeOfDay(_ date: Date, _ zone: TimeZone) -> String {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: date)
        let t = ((local % 86_400) + 86_400) % 86_400
        return String(format: "%02d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
    }

    static func clock(_ seconds: Double) -> String {
        let t = max(0, Int(seconds.rounded()))
        return String(format: "%02d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
    }
}
