/// What the simulated node spent, for `/_sim/stats`: server work in simulated seconds of one core
/// (time scale 1, so figures compare across time scales), and each request's stretch: its time in
/// the server (queue and service) over its work alone, 1 on an idle node.
public struct ServerStats: Sendable {
    /// What a request was, for the per-operation split.
    public enum Operation: String, Sendable, CaseIterable {
        case search, listing, issue, subResource, other
    }

    public var requests = 0
    /// Simulated seconds of one core, summed over every request.
    public var work = 0.0
    /// Work of answers nobody received (the client had gone).
    public var abandonedWork = 0.0
    public var workByOperation: [Operation: Double] = [:]
    public var requestsByOperation: [Operation: Int] = [:]
    /// Stretch (time in server / work) of requests with work, in arrival order of completion;
    /// bounded to the last `stretchLimit`.
    var stretches: [Float] = []
    /// Time in the server of every request, simulated seconds (same bound).
    var latencies: [Float] = []
    static let stretchLimit = 1_000_000

    mutating func record(work: Double, seconds: Double, operation: Operation) {
        requests += 1
        self.work += work
        workByOperation[operation, default: 0] += work
        requestsByOperation[operation, default: 0] += 1
        guard work > 0 else { return }
        if stretches.count >= Self.stretchLimit {
            stretches.removeFirst(stretches.count / 2)
            latencies.removeFirst(latencies.count / 2)
        }
        stretches.append(Float(max(1, seconds / work)))
        latencies.append(Float(seconds))
    }

    /// The median stretch (1 = as fast as on an idle node), nil before any request with work.
    public var stretchP50: Double? { Self.median(stretches) }
    /// The median time in the server, simulated seconds.
    public var latencyP50: Double? { Self.median(latencies) }

    static func median(_ values: [Float]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return Double(sorted[sorted.count / 2])
    }
}
