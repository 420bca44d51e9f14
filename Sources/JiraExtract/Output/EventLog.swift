import Foundation
import JiraResilient
import Synchronization

/// Appends every event to `events.jsonl` from a background task, so the engine never waits on
/// the disk. `close()` drains what is buffered and says whether any line could not be written.
public final class EventLog: Sendable {
    private let continuation: AsyncStream<(Date, ScanEvent)>.Continuation
    private let task: Task<Void, Never>
    /// The first line that could not be written, shared with the writing task.
    private final class FirstFailure: Sendable {
        let text = Mutex<String?>(nil)
    }
    private let failure = FirstFailure()
    public let path: String

    /// Size-based rotation, as logrotate's `size` with `rotate N`: once the file would pass
    /// `maxBytes`, it becomes `events.jsonl.1` (the older ones `.2` … `.keep`, the oldest
    /// deleted) and a new one starts; with `keep` 0 the full file is deleted.
    public struct Rotation: Sendable, Equatable {
        public var maxBytes: Int
        public var keep: Int
        public init(maxBytes: Int, keep: Int) {
            self.maxBytes = maxBytes
            self.keep = keep
        }
        /// 256 MiB, four kept: at most about 1.25 GiB of events, whatever the run's length.
        public static let standard = Rotation(maxBytes: 256 << 20, keep: 4)
    }

    public init(path: String, rotation: Rotation? = .standard) throws(JiraError) {
        self.path = path
        let first: LineAppender
        do { first = try LineAppender(path: path) } catch {
            throw JiraError(.localIO, "cannot open \(path): \(error)")
        }
        let (stream, continuation) = AsyncStream<(Date, ScanEvent)>.makeStream()
        self.continuation = continuation
        let failure = self.failure
        task = Task.detached {
            var appender = first
            var size = appender.size
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            for await (date, event) in stream {
                let line = EventJSON.line(event, at: formatter.string(from: date))
                do {
                    if let rotation, size > 0, size + line.count + 1 > rotation.maxBytes {
                        appender.sync()
                        appender = try Self.rotate(path, keep: rotation.keep)
                        size = 0
                    }
                    try appender.append(line)
                    size += line.count + 1
                } catch {
                    // The first failure is kept for close(); the scan goes on (its files are what matter).
                    failure.text.withLock { if $0 == nil { $0 = "\(error)" } }
                }
            }
            appender.sync()
        }
    }

    /// Shifts `path.1` … `path.(keep-1)` up by one (dropping `path.keep`), moves `path` to
    /// `path.1` (or deletes it when `keep` is 0) and opens a new `path`.
    static func rotate(_ path: String, keep: Int) throws -> LineAppender {
        unlink("\(path).\(keep)")
        if keep > 0 {
            for n in stride(from: keep - 1, through: 1, by: -1) { rename("\(path).\(n)", "\(path).\(n + 1)") }
            guard rename(path, "\(path).1") == 0 else { throw POSIXFailure("cannot rotate \(path)", errno) }
        } else {
            unlink(path)
        }
        return try LineAppender(path: path)
    }

    public var sink: ScanEventSink { ScanEventSink { [continuation] in continuation.yield((Date(), $0)) } }

    /// Drains the buffer; returns an error when some lines could not be written.
    @discardableResult
    public func close() async -> JiraError? {
        continuation.finish()
        await task.value
        return failure.text.withLock { $0 }.map {
            JiraError(.localIO, "some events could not be written to \(path): \($0)")
        }
    }
}

/// Events as JSON lines with `ts` and `type`. Strings from the server are written as they came
/// (JSON escapes them); they are sanitised only when drawn on a terminal.
public enum EventJSON {
    /// One event as one line (no newline), members in a fixed order.
    public static func line(_ event: ScanEvent, at timestamp: String) -> [UInt8] {
        var o = JSONObjectWriter(inert: true)
        o.member("ts", timestamp)
        write(event, into: &o)
        return o.finished
    }

    static func write(_ event: ScanEvent, into o: inout JSONObjectWriter) {
        switch event {
        case .client(let e): write(e, into: &o)
        case .connected(let c):
            o.member("type", "connected")
            o.member("url", c.url)
            o.member("user", c.user)
            o.member("serverVersion", c.serverVersion)
            o.member("timeZone", c.timeZone)
            o.member("timeZoneSource", c.timeZoneSource)
            o.member("project", c.project)
            if c.insecure { o.member("insecure", true) }
        case .planned(let total, let mode, let window):
            o.member("type", "planned")
            o.member("total", total)
            o.member("mode", mode.rawValue)
            o.member("window", window)
        case .phase(let p):
            o.member("type", "phase")
            o.member("phase", p.rawValue)
        case .cursor(let worker, let first, let last, let enumerated):
            o.member("type", "cursor")
            o.member("worker", worker)
            o.member("first", first)
            o.member("last", last)
            o.member("listed", enumerated)
        case .written(let r):
            o.member("type", "written")
            o.member("key", r.key)
            o.member("tier", r.tier.rawValue)
            o.member("complete", r.complete)
            o.member("bytes", r.bytes)
            if !r.missing.isEmpty { o.member("missing", r.missing) }
        case .incompleteInDirectory(let records):
            o.member("type", "incompleteInDirectory")
            o.member("count", records.count)
            o.member("keys", records.map(\.key))
        case .vanished(let keys):
            o.member("type", "vanished")
            o.member("keys", keys)
        case .outOfScope(let keys):
            o.member("type", "outOfScope")
            o.member("keys", keys)
        case .continuing(let since, let lastFull):
            o.member("type", "continuing")
            o.member("since", since)
            o.member("lastFullScan", lastFull)
        case .reindexDetected(let count, let example):
            o.member("type", "reindex")
            o.member("count", count)
            o.member("example", example)
            o.member(
                "action",
                "listed by the index as updated in the window although fields.updated is older; fetched anyway (key-ordered cursor, no loop)"
            )
        case .checkpoint(let written, let pending):
            o.member("type", "checkpoint")
            o.member("written", written)
            o.member("pending", pending)
        case .batchFailed(let keys, let error):
            o.member("type", "batchFailed")
            o.member("keys", keys)
            o.member("error", error)
        case .paused(let p):
            o.member("type", p ? "paused" : "resumed")
        case .pageSize(let from, let to, let reason, let perIssue):
            o.member("type", "pageSize")
            o.member("from", from)
            o.member("to", to)
            o.member("reason", reason.rawValue)
            if let perIssue { o.member("perIssueSeconds", perIssue) }
        case .resumedPass(let written, let pending):
            o.member("type", "resumedPass")
            o.member("written", written)
            o.member("pending", pending)
        case .operatorAction(let what, let console):
            o.member("type", "operator")
            o.member("action", what)
            o.member("consolePid", Int(console))
        case .swept(let deleted, let moved):
            o.member("type", "swept")
            o.member("deleted", deleted)
            var map = JSONObjectWriter(inert: true)
            for (from, to) in moved.sorted(by: { $0.key.keyOrderLess($1.key) }) { map.member(from, to) }
            o.member("movedTo", object: map)
        case .compacted(let before, let after):
            o.member("type", "compacted")
            o.member("bytesBefore", before)
            o.member("bytesAfter", after)
        case .nextPass(let number, let seconds):
            o.member("type", "nextPass")
            o.member("number", number)
            o.member("inSeconds", seconds)
        case .error(let message):
            o.member("type", "error")
            o.member("message", message)
        case .finished(let s), .recounted(let s):
            if case .recounted = event { o.member("type", "recounted") } else { o.member("type", "finished") }
            o.member("total", s.total)
            o.member("written", s.written)
            o.member("complete", s.complete)
            var tiers = JSONObjectWriter(inert: true)
            for (tier, n) in s.tiers.sorted(by: { $0.key < $1.key }) { tiers.member(tier, n) }
            o.member("tiers", object: tiers)
            o.member("vanished", s.vanished)
            o.member("outOfScope", s.outOfScope)
            o.member("failed", s.failed)
            o.member("requests", s.requests)
            o.member("retries", s.retries)
            o.member("seconds", s.seconds)
        }
    }

    static func request(_ r: JiraEvent.RequestInfo, type: String, into o: inout JSONObjectWriter) {
        o.member("type", type)
        o.member("request", r.id)
        o.member("operation", r.operation)
        o.member("target", r.target)
        o.member("budget", r.budget)
        o.member("attempt", r.attempt)
        o.member("maxAttempts", r.maxAttempts)
        o.member("rung", r.rung?.rawValue)
    }

    static func write(_ e: JiraEvent, into o: inout JSONObjectWriter) {
        switch e {
        case .requestStarted(let r): request(r, type: "requestStarted", into: &o)
        case .requestFinished(let r, let status, let bytes, let seconds, let error):
            request(r, type: "requestFinished", into: &o)
            o.member("bytes", bytes)
            o.member("seconds", seconds)
            o.member("status", status)
            o.member("error", error)
        case .backoff(let b):
            request(b.request, type: "backoff", into: &o)
            o.member("reason", b.reason)
            o.member("wait", b.wait)
            o.member("source", b.source.rawValue)
            o.member("global", b.global)
            o.member("status", b.status)
        case .rung(let key, let r):
            o.member("type", "rung")
            o.member("key", key)
            o.member("rung", r.rung.rawValue)
            o.member("ok", r.succeeded)
            if r.wasCancelledByHedge { o.member("cancelled", true) }
            o.member("seconds", r.seconds)
            o.member("bytes", r.bytes)
            o.member("error", r.error)
        case .tierDecided(let d):
            o.member("type", "tier")
            o.member("key", d.key)
            o.member("tier", d.tier.rawValue)
            o.member(
                "rungs",
                objects: d.rungs.map { r in
                    var w = JSONObjectWriter(inert: true)
                    w.member("rung", r.rung.rawValue)
                    w.member("ok", r.succeeded)
                    if r.wasCancelledByHedge { w.member("cancelled", true) }
                    w.member("seconds", r.seconds)
                    return w
                })
            o.member("links", d.links)
        case .changelogRoute(let paginated, let reason):
            o.member("type", "changelogRoute")
            o.member("paginated", paginated)
            o.member("reason", reason)
        case .timeZone(let id, let source):
            o.member("type", "timeZone")
            o.member("zone", id)
            o.member("source", source)
        case .cursorRecovered(let from, let to, let reason):
            o.member("type", "cursorRecovered")
            o.member("from", from)
            o.member("reason", reason)
            o.member("to", to)
        case .warning(let w):
            o.member("type", "warning")
            o.member("message", w)
        case .load(let l):
            o.member("type", "load")
            o.member("limit", l.limit)
            o.member("inFlight", l.inFlight)
            o.member("adaptive", l.adaptive)
            if let floor = l.floorSeconds { o.member("floorSeconds", floor) }
            if let recent = l.recentSeconds { o.member("recentSeconds", recent) }
            o.member("inflation", l.inflation)
            o.member("serverSeconds", l.serverSeconds)
        case .outage(let event):
            o.member("type", "outage")
            switch event {
            case .began(let cause):
                o.member("phase", "began")
                o.member("cause", cause)
            case .probeScheduled(let number, let wait, let elapsed):
                o.member("phase", "probeScheduled")
                o.member("probe", number)
                o.member("wait", wait)
                o.member("elapsed", elapsed)
            case .probed(let number, let reachable, let cause):
                o.member("phase", "probed")
                o.member("probe", number)
                o.member("reachable", reachable)
                o.member("cause", cause)
            case .ended(let seconds):
                o.member("phase", "ended")
                o.member("seconds", seconds)
            case .gaveUp(let seconds):
                o.member("phase", "gaveUp")
                o.member("seconds", seconds)
            }
        }
    }
}
