import Foundation
import JiraExtract
import JiraResilient

/// The boxes drawn over the panes: help, quit confirmation, fetch, incomplete issues, details, search.
enum ModalView {
    static func render(_ modal: ConsoleModel.Modal, _ model: ConsoleModel, into g: inout Grid, now: Date) {
        var lines: [(String, Role)] = []
        var title = ""
        // Lines that always stay in view under a scrolled list, and the list row to keep shown.
        var footer: [(String, Role)] = []
        var selectedLine: Int?
        switch modal {
        case .help:
            title = "Keys"
            lines = [
                ("f        fetch one issue through the resilient ladder (written to the output)", .text),
                ("m        issues not complete; Enter re-fetch one, a all, +/- budgets", .text),
                ("Enter    details of the selected tier decision", .text),
                ("p        pause / resume the scan (in-flight requests finish)", .text),
                ("t        next theme        Tab  switch pane        / search events", .text),
                ("j k ↑ ↓  scroll        PgUp PgDn  page        g G  first / last", .text),
                model.attached == nil
                    ? ("q        quit (asks while work runs; the checkpoint is saved)", .text)
                    : ("q        detach: the scan goes on        X  stop the scan (asks first)", .text),
                ("", .text),
                ("Tiers: ● full (nothing lost)  ◆ hub (links fetched apart)  ▲ minimal (core fields)", .muted),
                ("       ◇ split page: written at the hub tier beside a hub (not a hub itself)", .muted),
                ("Rungs: ✓ answered  ✗ failed (timed out, error)  ◌ cancelled: the other answered first", .muted),
                ("any key closes this", .muted),
            ]
        case .quitConfirm:
            title = "Quit?"
            lines = [
                ("Work is running. Quitting cancels in-flight requests and saves the", .text),
                (model.resumeHint, .text), ("", .text),
                ("y quit        n stay", .key),
            ]
        case .stopConfirm:
            title = "Stop the scan?"
            lines = [
                ("The scan stops for every console: in-flight requests are cancelled and", .text),
                ("the checkpoint saved; the same command resumes where it stopped.", .text), ("", .text),
                ("y stop the scan        n keep it running", .key),
            ]
        case .fetchPrompt(let input):
            title = "Fetch one issue"
            let verdict: (String, Role) =
                switch FetchKey.check(input) {
                case .success(let key): ("Enter fetches \(key)", .ok)
                // Nothing typed yet is no mistake: a hint, not a ✗.
                case .failure(let refusal) where input.isEmpty: (refusal.reason, .muted)
                case .failure(let refusal): ("✗ \(refusal.reason)", .error)
                }
            lines = [
                ("Key: \(input)▏", .focus), verdict, ("", .text),
                ("It goes through full → hub-base + links → minimal,", .muted),
                ("each rung shown live; the file is written to the output.", .muted),
                ("Enter fetch        Esc cancel", .key),
            ]
        case .fetchReport(let key):
            title = "Fetch \(key)"
            for r in model.fetchRungs[key.description] ?? [] {
                lines.append(
                    (
                        "\(r.rung.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(Narration.glyph(r)) \(String(format: "%7.1fs", r.seconds))  \(r.error ?? ProbeFormat.bytes(r.bytes))",
                        r.succeeded ? .ok : .error
                    ))
            }
            for request in model.inFlight.values where request.info.subject == .issue(key.description) {
                lines.append(
                    (
                        "\((request.info.rung?.rawValue ?? request.info.operation).padding(toLength: 10, withPad: " ", startingAt: 0)) … \(String(format: "%7.1fs", now.timeIntervalSince(request.started))) of \(String(format: "%.0fs", request.info.budget))",
                        .waiting
                    ))
            }
            if let result = model.fetchResults[key] {
                lines.append(("", .text))
                lines.append((result, result.contains("failed") ? .error : .ok))
            } else if lines.isEmpty {
                lines.append(("starting…", .muted))
            }
            lines.append(("", .text))
            lines.append(("Esc close (the fetch goes on)", .muted))
        case .incomplete(let selected, let factor):
            let list = model.incompleteList
            title =
                "Not complete (\(model.incomplete.count))\(list.isEmpty ? "" : " — \(min(selected + 1, list.count))/\(list.count)") — budgets ×\(factor)"
            selectedLine = selected
            if list.isEmpty { lines.append(("every written issue is complete", .ok)) }
            for (i, record) in list.enumerated() {
                let reason = record.missing.joined(separator: ", ")
                lines.append(
                    (
                        "\(i == selected ? "▶" : " ") \(record.key.description.padding(toLength: 12, withPad: " ", startingAt: 0)) \(ConsoleView.tierGlyph(record.tier)) \(record.tier.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) missing \(reason)",
                        i == selected ? .selection : ConsoleView.tierRole(record.tier)
                    ))
            }
            footer = [("", .text), ("Enter re-fetch one   a all   + - budgets   Esc close", .key)]
        case .detail(let key):
            title = "\(key)"
            if let d = model.decisions.elements.last(where: { $0.key == key }) {
                if let title = d.title { lines.append((title, .title)) }
                lines.append(
                    (
                        "tier \(ConsoleView.tierGlyph(d.tier)) \(d.tier.rawValue), \(d.links.map { "\($0) links" } ?? "links unknown"), \(String(format: "%.1f", d.seconds)) s",
                        ConsoleView.tierRole(d.tier)
                    ))
                for r in d.rungs {
                    lines.append(
                        (
                            "  \(r.rung.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(Narration.glyph(r)) \(String(format: "%7.1fs", r.seconds))  \(r.error ?? ProbeFormat.bytes(r.bytes))",
                            r.succeeded ? .ok : .error
                        ))
                }
                if let record = d.record ?? model.records[key] {
                    lines.append(
                        (
                            "changelog \(record.changelog), comments \(record.comments), worklogs \(record.worklogs), \(ProbeFormat.bytes(record.bytes))",
                            .text
                        ))
                    lines.append(
                        (
                            record.complete ? "complete" : "missing \(record.missing.joined(separator: ", "))",
                            record.complete ? .ok : .warning
                        ))
                    if let updated = record.updated { lines.append(("updated \(updated)", .muted)) }
                }
                lines.append(("file \(model.directory)/issues/\(key).json", .muted))
            } else {
                lines.append(("no decision recorded", .muted))
            }
            lines.append(("any key closes this", .muted))
        case .eventDetail(let line):
            title = "Event at \(ConsoleView.timeOfDay(line.at, model.displayZone))"
            let width = max(20, min(100, g.width - 10))
            lines = wrap(line.text, width: width).map { ($0, .text) }
            footer = [("", .text), ("any key closes this", .muted)]
        case .search(let input):
            title = "Search events"
            lines = [("/\(input)▏", .focus), ("Enter filter        Esc clear the filter", .muted)]
        }
        let clean = { (l: [(String, Role)]) in l.map { (UntrustedText.sanitized($0.0), $0.1) } }
        box(&g, title: title, lines: clean(lines), footer: clean(footer), selected: selectedLine)
    }

    /// `text` cut into lines of at most `width` columns, at spaces where it can.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = String(word)
            while DisplayWidth.of(word) > width {
                if !current.isEmpty { lines.append(current); current = "" }
                var head = ""
                for c in word {
                    if DisplayWidth.of(head + String(c)) > width { break }
                    head.append(c)
                }
                lines.append(head)
                word = String(word.dropFirst(head.count))
            }
            let candidate = current.isEmpty ? word : current + " " + word
            if DisplayWidth.of(candidate) > width {
                lines.append(current)
                current = word
            } else {
                current = candidate
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }

    /// A centred box. When `lines` do not fit, a window of them is shown: around `selected`
    /// when given (so a list's cursor is always on screen), else the last ones. `footer` lines
    /// are always shown, under the window.
    static func box(
        _ g: inout Grid, title: String, lines: [(String, Role)], footer: [(String, Role)] = [], selected: Int? = nil
    ) {
        let all = lines + footer
        let contentWidth = min(
            g.width - 6, max(DisplayWidth.of(title) + 4, all.map { DisplayWidth.of($0.0) }.max() ?? 0))
        let width = contentWidth + 4
        let room = max(1, g.height - 4 - footer.count)
        let shown = min(lines.count, room)
        let first: Int
        if let selected, lines.count > shown {
            first = max(0, min(lines.count - shown, selected - shown / 2))
        } else {
            first = lines.count - shown
        }
        let window = Array(lines[first..<(first + shown)]) + footer
        let visible = min(window.count, g.height - 2)
        let height = visible + 2
        let x0 = max(0, (g.width - width) / 2), y0 = max(0, (g.height - height) / 2)
        for row in 0..<height { g.fill(.text, x: x0, y: y0 + row, width: width) }
        g.put("┌" + String(repeating: "─", count: width - 2) + "┐", x: x0, y: y0, role: .border)
        g.put(" \(title) ", x: x0 + 2, y: y0, role: .title, limit: width - 4)
        for row in 1..<(height - 1) {
            g.put("│", x: x0, y: y0 + row, role: .border)
            g.put("│", x: x0 + width - 1, y: y0 + row, role: .border)
        }
        g.put("└" + String(repeating: "─", count: width - 2) + "┘", x: x0, y: y0 + height - 1, role: .border)
        for (i, line) in window.prefix(visible).enumerated() {
            g.put(line.0, x: x0 + 2, y: y0 + 1 + i, role: line.1, limit: contentWidth)
        }
    }
}

enum ProbeFormat {
    static func bytes(_ n: Int) -> String {
        n >= 1_000_000
            ? String(format: "%.1f MB", Double(n) / 1e6)
            : (n >= 1000 ? String(format: "%.1f kB", Double(n) / 1e3) : "\(n) B")
    }
}
