import Foundation
import JiraExtract
import JiraResilient

/// A key the terminal reported.
public enum Key: Sendable, Equatable {
    case character(Character)
    case up, down, pageUp, pageDown, home, end, enter, escape, tab, backspace, resize, wheelUp, wheelDown
}

/// What the operator asked for that the controller must do.
public enum ConsoleAction: Sendable, Equatable {
    /// Leave the console: on the scan's own terminal this stops the scan; attached, it detaches.
    case quit
    /// Attached: stop the scan itself (confirmed first).
    case stopScan
    case setPaused(Bool)
    /// A single-issue resilient fetch, written to the output directory.
    case fetch(IssueKey)
    /// Re-fetch these keys with the budgets multiplied by `budgetFactor`.
    case refetch([IssueKey], budgetFactor: Int)
    case cycleTheme
}

/// What Enter in the fetch prompt would fetch, or why it would not.
public enum FetchKey {
    /// `input` trimmed and upper-cased when that is an issue key (`prj-42` → `PRJ-42`);
    /// otherwise the reason, naming the first thing wrong.
    public static func check(_ input: String) -> Result<IssueKey, Refusal> {
        let text = input.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return .failure(.init("type an issue key, e.g. PROJ-123")) }
        if let bad = text.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_")) }) {
            return .failure(.init("'\(bad)' cannot be part of an issue key (letters, digits, _ and -)"))
        }
        let upper = text.uppercased()
        if let key = IssueKey(upper) { return .success(key) }
        guard let dash = upper.lastIndex(of: "-") else {
            return .failure(.init("an issue key is PROJECT-NUMBER, e.g. PROJ-123"))
        }
        let project = upper[..<dash], number = upper[upper.index(after: dash)...]
        if project.isEmpty || !(project.first!.isLetter) {
            return .failure(.init("the project key must start with a letter"))
        }
        if project.contains("-") { return .failure(.init("only one '-', before the number")) }
        if number.isEmpty { return .failure(.init("after '-' comes the issue number, 1 or more")) }
        return .failure(.init("'\(number)' is not an issue number (1 or more, no leading 0)"))
    }

    public struct Refusal: Error, Equatable, Sendable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

/// The console's key bindings, as a pure function of the model.
public enum ConsoleInput {
    /// Rows a page key moves.
    public static let page = 10

    public static func handle(_ key: Key, model: inout ConsoleModel, now: Date = Date()) -> [ConsoleAction] {
        if let modal = model.modal { return handleModal(modal, key, &model, now: now) }
        switch key {
        case .character("q"), .character("Q"):
            // Attached, leaving stops nothing: the scan goes on without this console.
            if model.attached != nil { return [.quit] }
            if model.isWorking {
                model.modal = .quitConfirm
                return []
            }
            return [.quit]
        case .character(let c) where "pfm".contains(c) && model.scanGone != nil:
            model.setNotice("the scan is gone: there is nothing to act on (q leaves)", now)
        case .character("p"):
            guard !model.scanDone else { model.setNotice("the scan has finished", now); return [] }
            let paused = !model.isPaused
            model.append(.operatorAction, paused ? "operator: pause" : "operator: resume", now)
            return [.setPaused(paused)]
        case .character("t"): return [.cycleTheme]
        case .character("X") where model.attached != nil:
            guard model.scanGone == nil else { model.setNotice("the scan has ended", now); return [] }
            model.modal = .stopConfirm
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
            } else if model.focus == .events, let line = model.selectedEvent {
                // The line marked ▶ at the bottom of the pane: what is shown is what opens.
                model.modal = .eventDetail(line)
            }
        case .character("f"): model.modal = .fetchPrompt(input: "")
        case .character("m"): model.modal = .incomplete(selected: 0, budgetFactor: 2)
        case .character("/"): model.modal = .search(input: "")
        case .character("?"), .character("h"): model.modal = .help
        case .escape: model.searchQuery = ""; model.notice = nil; model.eventScroll = 0
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

    static func handleModal(
        _ modal: ConsoleModel.Modal, _ key: Key, _ model: inout ConsoleModel, now: Date
    ) -> [ConsoleAction] {
        switch modal {
        case .help:
            model.modal = nil
        case .quitConfirm:
            switch key {
            case .character("y"), .character("Y"), .enter: model.modal = nil; return [.quit]
            default: model.modal = nil
            }
        case .stopConfirm:
            model.modal = nil
            switch key {
            case .character("y"), .character("Y"), .enter:
                model.append(.operatorAction, "operator: stop the scan", now)
                return [.stopScan]
            default: break
            }
        case .fetchPrompt(let input):
            switch key {
            case .escape: model.modal = nil
            case .backspace: model.modal = .fetchPrompt(input: String(input.dropLast()))
            case .enter:
                // The prompt shows what Enter does (`FetchKey.check`); a refused key stays in
                // the prompt with its reason on screen.
                guard case .success(let key) = FetchKey.check(input) else { return [] }
                model.modal = .fetchReport(key: key)
                model.fetchRungs[key.description] = []
                model.fetchResults[key] = nil
                model.operatorWork.insert(key)
                model.append(.operatorAction, "operator: fetch \(key) through the tier ladder", now)
                return [.fetch(key)]
            case .character(let c) where !c.isNewline && input.count < 60:
                // Taken as typed; the prompt names what is wrong with it.
                model.modal = .fetchPrompt(input: input + String(c))
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
            case .pageDown, .character(" "):
                model.modal = .incomplete(selected: min(max(0, list.count - 1), selected + page), budgetFactor: factor)
            case .pageUp: model.modal = .incomplete(selected: max(0, selected - page), budgetFactor: factor)
            case .home, .character("g"): model.modal = .incomplete(selected: 0, budgetFactor: factor)
            case .end, .character("G"):
                model.modal = .incomplete(selected: max(0, list.count - 1), budgetFactor: factor)
            case .enter:
                guard selected < list.count else { return [] }
                model.setNotice("re-fetching \(list[selected].key) with budgets ×\(factor)", now)
                model.append(
                    .operatorAction, "operator: re-fetch \(list[selected].key) with budgets ×\(factor)", now)
                model.operatorWork.insert(list[selected].key)
                return [.refetch([list[selected].key], budgetFactor: factor)]
            case .character("a"):
                guard !list.isEmpty else { return [] }
                model.setNotice("re-fetching \(list.count) issues with budgets ×\(factor)", now)
                model.append(
                    .operatorAction,
                    "operator: re-fetch \(list.count) incomplete issue\(list.count == 1 ? "" : "s") with budgets ×\(factor)",
                    now)
                model.operatorWork.formUnion(list.map(\.key))
                return [.refetch(list.map(\.key), budgetFactor: factor)]
            default: break
            }
        case .detail, .eventDetail:
            model.modal = nil
        case .search(let input):
            switch key {
            case .escape:
                // Esc leaves search and clears the filter: the pane shows every event again.
                model.modal = nil
                model.searchQuery = ""
                model.eventScroll = 0
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
