import Foundation
import JiraExtract

/// A key the terminal reported.
public enum Key: Sendable, Equatable {
    case character(Character)
    case up, down, pageUp, pageDown, home, end, enter, escape, tab, backspace, resize, wheelUp, wheelDown
}

/// What the operator asked for that the controller must do.
public enum ConsoleAction: Sendable, Equatable {
    case quit
    case setPaused(Bool)
    /// A single-issue resilient fetch, written to the output directory.
    case fetch(String)
    /// Re-fetch these keys with the budgets multiplied by `budgetFactor`.
    case refetch([String], budgetFactor: Int)
    case cycleTheme
}

/// The console's key bindings, as a pure function of the model.
public enum ConsoleInput {
    /// Rows a page key moves.
    public static let page = 10

    public static func handle(_ key: Key, model: inout ConsoleModel, now: Date = Date()) -> [ConsoleAction] {
        if let modal = model.modal { return handleModal(modal, key, &model) }
        switch key {
        case .character("q"), .character("Q"):
            if model.isWorking {
                model.modal = .quitConfirm
                return []
            }
            return [.quit]
        case .character("p"):
            guard !model.scanDone else { model.notice = "the scan has finished"; return [] }
            let paused = !model.isPaused
            return [.setPaused(paused)]
        case .character("t"): return [.cycleTheme]
        case .tab: model.focus = model.focus == .decisions ? .events : .decisions
        case .character("j"), .down, .wheelDown: scroll(&model, by: 1)
        case .character("k"), .up, .wheelUp: scroll(&model, by: -1)
        case .pageDown, .character(" "): scroll(&model, by: page)
        case .pageUp: scroll(&model, by: -page)
        case .home, .character("g"): scroll(&model, by: -1_000_000)
        case .end, .character("G"): scroll(&model, by: 1_000_000)
        case .enter:
            if model.focus == .decisions, model.decisionSelected < model.decisions.count {
                model.modal = .detail(key: model.decisions[model.decisionSelected].key)
            }
        case .character("f"): model.modal = .fetchPrompt(input: "")
        case .character("m"): model.modal = .incomplete(selected: 0, budgetFactor: 2)
        case .character("/"): model.modal = .search(input: model.searchQuery)
        case .character("?"), .character("h"): model.modal = .help
        case .escape: model.searchQuery = ""; model.notice = nil
        default: break
        }
        return []
    }

    static func scroll(_ model: inout ConsoleModel, by delta: Int) {
        switch model.focus {
        case .decisions:
            let count = model.decisions.count
            model.decisionSelected = max(0, min(count - 1, model.decisionSelected + delta))
        case .events:
            // 0 follows the newest line; larger values look further back.
            let count = model.filteredLog.count
            model.eventScroll = max(0, min(max(0, count - 1), model.eventScroll - delta))
        }
    }

    static func handleModal(_ modal: ConsoleModel.Modal, _ key: Key, _ model: inout ConsoleModel) -> [ConsoleAction] {
        switch modal {
        case .help:
            model.modal = nil
        case .quitConfirm:
            switch key {
            case .character("y"), .character("Y"), .enter: model.modal = nil; return [.quit]
            default: model.modal = nil
            }
        case .fetchPrompt(let input):
            switch key {
            case .escape: model.modal = nil
            case .backspace: model.modal = .fetchPrompt(input: String(input.dropLast()))
            case .enter:
                let keyText = input.trimmingCharacters(in: .whitespaces).uppercased()
                guard (try? IssueFetcher.project(of: [keyText])) != nil else {
                    model.notice = "'\(keyText)' is not an issue key like PROJ-123"
                    return []
                }
                model.modal = .fetchReport(key: keyText)
                model.fetchRungs[keyText] = []
                model.fetchResults[keyText] = nil
                return [.fetch(keyText)]
            case .character(let c)
            where (c.isLetter || c.isNumber || c == "-" || c == "_") && c.isASCII && input.count < 40:
                model.modal = .fetchPrompt(input: input + String(c).uppercased())
            default: break
            }
        case .fetchReport:
            switch key {
            case .escape, .enter, .character("q"): model.modal = nil
            default: break
            }
        case .incomplete(let selected, let factor):
            let list = model.incompleteList
            switch key {
            case .escape, .character("q"): model.modal = nil
            case .character("j"), .down, .wheelDown:
                model.modal = .incomplete(selected: min(max(0, list.count - 1), selected + 1), budgetFactor: factor)
            case .character("k"), .up, .wheelUp:
                model.modal = .incomplete(selected: max(0, selected - 1), budgetFactor: factor)
            case .character("+"), .character("="):
                model.modal = .incomplete(selected: selected, budgetFactor: min(16, factor * 2))
            case .character("-"): model.modal = .incomplete(selected: selected, budgetFactor: max(1, factor / 2))
            case .enter:
                guard selected < list.count else { return [] }
                model.notice = "re-fetching \(list[selected].key) with budgets ×\(factor)"
                return [.refetch([list[selected].key], budgetFactor: factor)]
            case .character("a"):
                guard !list.isEmpty else { return [] }
                model.notice = "re-fetching \(list.count) issues with budgets ×\(factor)"
                return [.refetch(list.map(\.key), budgetFactor: factor)]
            default: break
            }
        case .detail:
            model.modal = nil
        case .search(let input):
            switch key {
            case .escape: model.modal = nil
            case .backspace: model.modal = .search(input: String(input.dropLast()))
            case .enter:
                model.searchQuery = input
                model.focus = .events
                model.eventScroll = 0
                model.modal = nil
            case .character(let c) where !c.isNewline && input.count < 60:
                model.modal = .search(input: input + String(c))
            default: break
            }
        }
        return []
    }
}

extension ConsoleModel {
    /// Whether quitting would interrupt work (the scan or an operator fetch).
    public var isWorking: Bool {
        switch state {
        case .finished, .failed, .interrupted: return !inFlight.isEmpty
        default: return true
        }
    }
}
