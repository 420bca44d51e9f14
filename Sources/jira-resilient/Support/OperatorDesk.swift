import JiraExtract
import JiraResilient

/// Performs operator actions on a running scan, for the console on its terminal and for every
/// console attached through its control socket alike: fetches go through the scan's own
/// client (its slots, back-off gate and outage state).
struct OperatorDesk: Sendable {
    let extractor: Extractor
    let scan: ScanService

    /// Performs `action` from the console in process `console` (this one's pid for the scan's
    /// own console), saying so in the scan's events (its log, its progress lines, every
    /// console); for a fetch or re-fetch, returns each issue's outcome once all ended.
    func perform(_ action: ControlAction, from console: Int32) async -> [OperatorOutcome] {
        extractor.events.send(.operatorAction(what: Self.describe(action), console: console))
        switch action {
        case .setPaused(let paused):
            extractor.control.setPaused(paused)
            extractor.events.send(.paused(paused))
            return []
        case .stop:
            await scan.stop()
            return []
        case .fetch(let key):
            return await fetch([key], factor: 1)
        case .refetch(let keys, let factor):
            return await fetch(keys, factor: factor.isFinite ? min(max(factor, 1), 64) : 1)
        }
    }

    static func describe(_ action: ControlAction) -> String {
        switch action {
        case .fetch(let key): "fetch \(key)"
        case .refetch(let keys, let factor):
            "re-fetch \(keys.count == 1 ? keys[0].description : "\(keys.count) issues") with budgets ×\(factor.formatted())"
        case .setPaused(let paused): paused ? "pause" : "resume"
        case .stop: "stop the scan"
        }
    }

    private func fetch(_ keys: [IssueKey], factor: Double) async -> [OperatorOutcome] {
        do {
            return try await extractor.operatorFetch(keys, budgetFactor: factor).map { outcome in
                switch outcome {
                case .written(let record): .written(record)
                case .failed(let key, let error): .failed(key: key, message: error.description)
                }
            }
        } catch {
            return [.stopped(keys: keys, message: error.description)]
        }
    }
}
