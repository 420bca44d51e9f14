/// JIRA unreachable for a while, as a restart looks from a client: a maintenance window, or a
/// rolling restart of a Data Center node (Atlassian's "Data Center rolling upgrade" guide: each
/// node is drained and restarted in turn, minutes each; JIRA itself takes minutes to start).
///
/// From the `afterRequests`-th request, for `seconds` of simulated time (multiplied by the time
/// scale), the server either refuses connections (the port is closed, open connections are
/// dropped) or, behind a load balancer, answers every request at once with the balancer's own
/// 503 HTML page. Then it serves again with the same data.
public struct OutageSchedule: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        /// The port is closed: connects are refused, open connections drop.
        case refuse
        /// A load balancer answers 503 with its HTML page (not JIRA's JSON).
        case loadBalancer503
    }

    public var afterRequests: Int
    public var seconds: Double
    public var mode: Mode

    public init(afterRequests: Int, seconds: Double, mode: Mode = .refuse) {
        self.afterRequests = afterRequests
        self.seconds = seconds
        self.mode = mode
    }

    /// Parses `AT:SECONDS` or `AT:SECONDS:503`; nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let at = Int(parts[0]), at >= 1,
            let seconds = Double(parts[1]), seconds > 0, seconds.isFinite, seconds <= 7 * 86_400
        else { return nil }
        if parts.count == 3 { guard parts[2] == "503" else { return nil } }
        self.init(afterRequests: at, seconds: seconds, mode: parts.count == 3 ? .loadBalancer503 : .refuse)
    }
}
