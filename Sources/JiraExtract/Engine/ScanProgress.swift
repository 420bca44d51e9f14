import Foundation
import JiraResilient

/// Counts, rate and ETA reduced from scan events; what the progress printer and the console show.
public struct ScanProgress: Sendable {
    public var project = ""
    public var mode: ScanMode = .full
    public var phase: ScanPhase = .connecting
    public var window: String?
    public var connection: ScanEvent.Connection?
    public var total: Int?
    /// Issues written by this run (re-fetches counted once).
    public var written = 0
    /// Issues of this pass written by earlier runs, when this one resumed it (`resumedPass`).
    public var earlier = 0
    /// Issues of the pass written so far, by this run and the ones it resumed.
    public var done: Int { earlier + written }
    public var complete = 0
    /// Issues of the directory whose latest record is incomplete, any pass (seeded by
    /// `incompleteInDirectory` at a pass's start, then kept by `written` and `swept`).
    public private(set) var incompleteKeys: Set<IssueKey> = []
    /// Written issues by tier; `hub` counts hubs only, issues that merely shared a page with
    /// one are `splitPage`.
    public var tiers: [Tier: Int] = [:]
    /// Issues written at the hub tier because they shared a page with a hub (`splitPage`).
    public var splitPage = 0
    public var bytes = 0
    public var pages = 0
    public var requests = 0
    public var retries = 0
    public var vanished = 0
    public var failedBatches = 0
    public var reindexed = 0
    public var paused = false
    /// Each worker's latest batch: first and last key.
    public var workers: [Int: (first: IssueKey, last: IssueKey)] = [:]
    public var enumerated: IssueKey?
    /// A global wait in progress (a 429): when it ends.
    public var waitUntil: Date?
    public var waitReason: String?
    public var startedAt: Date?
    /// Each written key's latest tier and completeness, by key number (compact for 100,000s of
    /// issues): a re-fetch replaces, never adds.
    private var latest: [Int: UInt8] = [:]
    /// Records written, re-fetches included (the rate counts work done).
    public private(set) var writes = 0
    /// This run's first write of the pass: when, and `writes` then (for `steadyRate`).
    public private(set) var firstWrite: (at: Date, writes: Int)?
    /// (time, written) samples for the rate, one per second at most, last 10 minutes.
    public private(set) var samples: [(Date, Int)] = []

    public init() {}

    private static let tiers: [Tier] = [.full, .hub, .minimal]

    /// The tally slot of a record: its tier's index, or 3 for a split-page issue.
    private static func slot(_ record: ManifestRecord) -> Int {
        record.splitPage == true ? 3 : tiers.firstIndex(of: record.tier)!
    }

    private mutating func tally(slot: Int, by delta: Int) {
        if slot == 3 { splitPage += delta } else { tiers[Self.tiers[slot], default: 0] += delta }
    }

    public mutating func apply(_ event: ScanEvent, at now: Date = Date()) {
        if startedAt == nil { startedAt = now }
        switch event {
        case .connected(let c): connection = c; project = c.project
        case .planned(let t, let m, let w): total = t; mode = m; window = w
        // A delta pass with nothing to list plans nothing: continuing says it is a delta.
        case .continuing: mode = .delta
        case .resumedPass(let w, _): earlier = w
        case .phase(let p): phase = p
        case .cursor(let worker, let first, let last, let enumerated):
            workers[worker] = (first, last)
            self.enumerated = enumerated
            pages += 1
        case .written(let record):
            let number = record.key.number
            if let previous = latest[number] {
                tally(slot: Int(previous >> 1), by: -1)
                if previous & 1 == 1 { complete -= 1 }
            } else {
                written += 1
            }
            latest[number] = UInt8(Self.slot(record) << 1) | (record.complete ? 1 : 0)
            if record.complete { complete += 1 }
            if record.complete || !record.isPresent {
                incompleteKeys.remove(record.key)
            } else {
                incompleteKeys.insert(record.key)
            }
            tally(slot: Self.slot(record), by: 1)
            bytes += record.bytes
            writes += 1
            if firstWrite == nil { firstWrite = (now, writes) }
            sample(now)
        case .incompleteInDirectory(let records): incompleteKeys.formUnion(records.map(\.key))
        case .swept(let deleted, let movedTo):
            incompleteKeys.subtract(deleted)
            incompleteKeys.subtract(movedTo.keys.compactMap(IssueKey.init))
        case .vanished(let keys): vanished += keys.count
        case .reindexDetected(let count, _): reindexed += count
        case .batchFailed: failedBatches += 1
        case .paused(let p): paused = p
        case .client(let e):
            switch e {
            case .requestFinished: requests += 1
            case .backoff(let b):
                retries += 1
                if b.global {
                    waitUntil = now.addingTimeInterval(b.wait)
                    waitReason = "\(b.reason) (\(b.source.rawValue))"
                }
            default: break
            }
        case .finished(let summary):
            // The summary counts the whole pass, earlier runs included.
            total = summary.total
            written = max(done, summary.written)
            earlier = 0
        default: break
        }
    }

    /// Applies `event`, first starting the counts over when it begins a later pass (`--follow`:
    /// a pass connects again after the last one ended). For readers that see every pass through
    /// one progress: the progress lines and the control socket.
    public mutating func applyStartingPasses(_ event: ScanEvent, at now: Date = Date()) {
        if case .phase(.connecting) = event, [.done, .failed, .interrupted].contains(phase) { self = ScanProgress() }
        apply(event, at: now)
    }

    private mutating func sample(_ now: Date) {
        if let last = samples.last, now.timeIntervalSince(last.0) < 1 {
            samples[samples.count - 1].1 = writes
        } else {
            samples.append((now, writes))
        }
        if samples.count > 600 { samples.removeFirst(samples.count - 600) }
    }

    /// Issues written per second over the last `window` seconds.
    public func rate(now: Date = Date(), over window: TimeInterval = 30) -> Double {
        guard let latest = samples.last else { return 0 }
        let from = samples.last { now.timeIntervalSince($0.0) >= window } ?? samples.first!
        let dt = max(now.timeIntervalSince(from.0), 1)
        return Double(latest.1 - from.1) / dt
    }

    /// Issues written in each of the last `buckets` intervals of `seconds`, oldest first (for a sparkline).
    public func history(now: Date = Date(), buckets: Int, seconds: TimeInterval) -> [Double] {
        (0..<buckets).map { i in
            let end = now.addingTimeInterval(-Double(buckets - 1 - i) * seconds)
            let start = end.addingTimeInterval(-seconds)
            let a = samples.last { $0.0 <= start }?.1 ?? 0
            let b = samples.last { $0.0 <= end }?.1 ?? a
            return Double(max(0, b - a)) / seconds
        }
    }

    /// Issues written per second since this run's first write in the pass: steadier than
    /// `rate`, which a hub holding the count for a minute drops to 0 and a burst of pages
    /// lifts tenfold. Nil before two seconds of writes.
    public func steadyRate(now: Date = Date()) -> Double? {
        guard let first = firstWrite, now.timeIntervalSince(first.at) >= 2 else { return nil }
        return Double(writes - first.writes + 1) / now.timeIntervalSince(first.at)
    }

    /// Seconds until done at the steady rate: it moves by little between consecutive progress
    /// lines; nil when unknown.
    public func steadyETA(now: Date = Date()) -> TimeInterval? {
        guard let total, total > done else { return total == nil ? nil : 0 }
        return steadyRate(now: now).flatMap { $0 > 0 ? Double(total - done) / $0 : nil }
    }

    /// Seconds until done at the current rate; nil when unknown.
    public func eta(now: Date = Date()) -> TimeInterval? {
        guard let total, total > done else { return total == nil ? nil : 0 }
        let r = rate(now: now)
        return r > 0 ? Double(total - done) / r : nil
    }

    public var fraction: Double? {
        guard let total, total > 0 else { return nil }
        return min(1, Double(done) / Double(total))
    }

    /// Incomplete issues in the directory, any pass: what `refetch` would re-fetch.
    public var incomplete: Int { incompleteKeys.count }
    /// Of the issues this pass wrote, those incomplete.
    public var incompleteThisPass: Int { written - complete }
}

/// Crosses the control socket whole (`console --attach` starts from the scan's own counts):
/// workers and rate samples, kept as tuples here, travel as arrays.
extension ScanProgress: Codable {
    private enum CodingKeys: String, CodingKey {
        case project, mode, phase, window, connection, total, written, earlier, complete, tiers, splitPage, bytes,
            pages,
            requests, retries, vanished, failedBatches, reindexed, paused, workers, enumerated, waitUntil, waitReason,
            startedAt, latest, writes, samples, incompleteKeys, firstWrite
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        project = try c.decode(String.self, forKey: .project)
        mode = try c.decode(ScanMode.self, forKey: .mode)
        phase = try c.decode(ScanPhase.self, forKey: .phase)
        window = try c.decodeIfPresent(String.self, forKey: .window)
        connection = try c.decodeIfPresent(ScanEvent.Connection.self, forKey: .connection)
        total = try c.decodeIfPresent(Int.self, forKey: .total)
        written = try c.decode(Int.self, forKey: .written)
        earlier = try c.decodeIfPresent(Int.self, forKey: .earlier) ?? 0
        complete = try c.decode(Int.self, forKey: .complete)
        incompleteKeys = try c.decodeIfPresent(Set<IssueKey>.self, forKey: .incompleteKeys) ?? []
        firstWrite = try c.decodeIfPresent([Double].self, forKey: .firstWrite).flatMap { pair in
            pair.count == 2 ? (Date(timeIntervalSinceReferenceDate: pair[0]), Int(pair[1])) : nil
        }
        let tierCounts = try c.decode([String: Int].self, forKey: .tiers)
        tiers = Dictionary(uniqueKeysWithValues: tierCounts.compactMap { k, v in Tier(rawValue: k).map { ($0, v) } })
        splitPage = try c.decode(Int.self, forKey: .splitPage)
        bytes = try c.decode(Int.self, forKey: .bytes)
        pages = try c.decode(Int.self, forKey: .pages)
        requests = try c.decode(Int.self, forKey: .requests)
        retries = try c.decode(Int.self, forKey: .retries)
        vanished = try c.decode(Int.self, forKey: .vanished)
        failedBatches = try c.decode(Int.self, forKey: .failedBatches)
        reindexed = try c.decode(Int.self, forKey: .reindexed)
        paused = try c.decode(Bool.self, forKey: .paused)
        let pairs = try c.decode([String: [IssueKey]].self, forKey: .workers)
        workers = Dictionary(
            uniqueKeysWithValues: pairs.compactMap { k, v in
                guard let worker = Int(k), v.count == 2 else { return nil }
                return (worker, (first: v[0], last: v[1]))
            })
        enumerated = try c.decodeIfPresent(IssueKey.self, forKey: .enumerated)
        waitUntil = try c.decodeIfPresent(Date.self, forKey: .waitUntil)
        waitReason = try c.decodeIfPresent(String.self, forKey: .waitReason)
        startedAt = try c.decodeIfPresent(Date.self, forKey: .startedAt)
        latest = try c.decode([Int: UInt8].self, forKey: .latest)
        writes = try c.decode(Int.self, forKey: .writes)
        samples = try c.decode([[Double]].self, forKey: .samples).compactMap { pair in
            pair.count == 2 ? (Date(timeIntervalSinceReferenceDate: pair[0]), Int(pair[1])) : nil
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(project, forKey: .project)
        try c.encode(mode, forKey: .mode)
        try c.encode(phase, forKey: .phase)
        try c.encodeIfPresent(window, forKey: .window)
        try c.encodeIfPresent(connection, forKey: .connection)
        try c.encodeIfPresent(total, forKey: .total)
        try c.encode(written, forKey: .written)
        try c.encode(earlier, forKey: .earlier)
        try c.encode(complete, forKey: .complete)
        try c.encode(incompleteKeys, forKey: .incompleteKeys)
        try c.encodeIfPresent(
            firstWrite.map { [$0.at.timeIntervalSinceReferenceDate, Double($0.writes)] }, forKey: .firstWrite)
        try c.encode(Dictionary(uniqueKeysWithValues: tiers.map { ($0.rawValue, $1) }), forKey: .tiers)
        try c.encode(splitPage, forKey: .splitPage)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(pages, forKey: .pages)
        try c.encode(requests, forKey: .requests)
        try c.encode(retries, forKey: .retries)
        try c.encode(vanished, forKey: .vanished)
        try c.encode(failedBatches, forKey: .failedBatches)
        try c.encode(reindexed, forKey: .reindexed)
        try c.encode(paused, forKey: .paused)
        try c.encode(
            Dictionary(uniqueKeysWithValues: workers.map { (String($0), [$1.first, $1.last]) }), forKey: .workers)
        try c.encodeIfPresent(enumerated, forKey: .enumerated)
        try c.encodeIfPresent(waitUntil, forKey: .waitUntil)
        try c.encodeIfPresent(waitReason, forKey: .waitReason)
        try c.encodeIfPresent(startedAt, forKey: .startedAt)
        try c.encode(latest, forKey: .latest)
        try c.encode(writes, forKey: .writes)
        try c.encode(samples.map { [$0.0.timeIntervalSinceReferenceDate, Double($0.1)] }, forKey: .samples)
    }
}
