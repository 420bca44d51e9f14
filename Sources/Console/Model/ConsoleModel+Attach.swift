import Foundation
import JiraExtract
import JiraResilient

extension ConsoleModel {
    /// Starts the model over from a running scan's snapshot (`console --attach`): its
    /// state-setting and recent events replayed in order, then its own counts, requests in
    /// flight and incomplete issues, which recent events alone cannot give.
    public mutating func restore(_ snapshot: ControlSnapshot) {
        for dated in snapshot.events { apply(dated.event, at: dated.at) }
        progress = snapshot.progress
        inFlight = [:]
        for dated in snapshot.inFlight {
            if case .client(.requestStarted(let info)) = dated.event {
                inFlight[info.id] = InFlight(info: info, started: dated.at)
            }
        }
        incomplete = Dictionary(snapshot.incomplete.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        isPaused = snapshot.progress.paused
    }

    /// The scan's socket closed (`reason`: it ended, was stopped, was killed, or this console fell
    /// behind): the console shows the scan as last seen, frozen, and acts on nothing more.
    public mutating func lose(_ reason: String, at now: Date) {
        scanGone = reason
        inFlight = [:]
        nextPassAt = nil
        operatorWork = []
        switch state {
        case .finished, .failed, .interrupted: break
        default: state = .interrupted
        }
        if finishedAt == nil { finishedAt = now }
        setNotice(reason + " (q leaves)", now)
        append(.warning, reason, now)
    }

    /// What an operator's fetch came to, in the fetch modal (`report`), the notice and the
    /// Events pane.
    public mutating func note(_ outcome: OperatorOutcome, report: Bool, at now: Date) {
        switch outcome {
        case .written(let r):
            let text =
                "\(r.key): \(r.tier.rawValue), \(r.links.map { "\($0) links" } ?? "links unknown"), "
                + (r.complete ? "complete" : "missing " + r.missing.joined(separator: ", "))
                + "; written to issues/\(r.key).json"
            fetchResults[r.key] = text
            operatorWork.remove(r.key)
            if !report { setNotice(text, now) }
            append(.operatorAction, "operator: \(text)", now)
        case .failed(let key, let message):
            fetchResults[key] = "\(key) failed: \(message)"
            operatorWork.remove(key)
            setNotice("\(key) failed: \(message)", now)
            append(.operatorAction, "operator: \(key) failed: \(message)", now)
        case .stopped(let keys, let message):
            setNotice("fetch stopped: \(message)", now)
            operatorWork.subtract(keys)
            append(.operatorAction, "operator: fetch stopped: \(message)", now)
        }
    }
}
