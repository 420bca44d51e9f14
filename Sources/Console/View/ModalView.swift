import Foundation
import JiraExtract
import JiraResilient

/// The boxes drawn over the panes: help, quit confirmation, fetch, incomplete issues, details, search.
enum ModalView {
    static func render(_ modal: ConsoleModel.Modal, _ model: ConsoleModel, into g: inout Grid, now: Date) {
        var lines: [(String, Role)] = []
        var title = ""
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
                ("q        quit (asks while work runs; the checkpoint is saved)", .text),
                ("", .text),
                ("Tiers: ● full (nothing lost)  ◆ hub (links fetched apart)  ▲ minimal (core fields)", .muted),
                ("any key closes this", .muted),
            ]
        case .quitConfirm:
            title = "Quit?"
            lines = [
                ("Work is running. Quitting cancels in-flight requests and saves the", .text),
                ("checkpoint: the same command resumes where it stopped.", .text), ("", .text),
                ("y quit        n stay", .key),
            ]
        case .fetchPrompt(let input):
            title = "Fetch one issue"
            lines = [
                ("Key: \(input)▏", .focus), ("", .text), ("It goes through full → hub-base + links → minimal,", .muted),
                ("each rung shown live; the file is written to the output.", .muted),
                ("Enter fetch        Esc cancel", .key),
            ]
        case .fetchReport(let key):
            title = "Fetch \(key)"
            for r in model.fetchRungs[key] ?? [] {
                lines.append(
                    (
                        "\(r.rung.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(r.succeeded ? "✓" : "✗") \(String(format: "%7.1fs", r.seconds))  \(r.error ?? ProbeFormat.bytes(r.bytes))",
                        r.succeeded ? .ok : .error
                    ))
            }
            for request in model.inFlight.values where request.info.target == key {
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
            title = "Not complete (\(model.incomplete.count)) — budgets ×\(factor)"
            let list = model.incompleteList
            if list.isEmpty { lines.append(("every written issue is complete", .ok)) }
            for (i, record) in list.enumerated() {
                let reason = record.missing.joined(separator: ", ")
                lines.append(
                    (
                        "\(i == selected ? "▶" : " ") \(record.key.padding(toLength: 12, withPad: " ", startingAt: 0)) \(ConsoleView.tierGlyph(record.tier)) \(record.tier.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) missing \(reason)",
                        i == selected ? .selection : ConsoleView.tierRole(record.tier)
                    ))
            }
            lines.append(("", .text))
            lines.append(("Enter re-fetch one   a all   + - budgets   Esc close", .key))
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
                            "  \(r.rung.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(r.succeeded ? "✓" : "✗") \(String(format: "%7.1fs", r.seconds))  \(r.error ?? ProbeFormat.bytes(r.bytes))",
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
        case .search(let input):
            title = "Search events"
            lines = [("/\(input)▏", .focus), ("Enter filter        Esc cancel (empty: show all)", .muted)]
        }
        box(&g, title: title, lines: lines.map { (UntrustedText.sanitized($0.0), $0.1) })
    }

    static func box(_ g: inout Grid, title: String, lines: [(String, Role)]) {
        let contentWidth = min(
            g.width - 6, max(DisplayWidth.of(title) + 4, lines.map { DisplayWidth.of($0.0) }.max() ?? 0))
        let width = contentWidth + 4
        let visible = min(lines.count, g.height - 4)
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
        // Keep the end of long lists in view (the selection is near it more often than not).
        for (i, line) in lines.suffix(visible).enumerated() {
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
