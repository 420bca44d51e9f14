import Foundation
import JiraResilient

/// Appends every event to `events.jsonl` from a background task, so the engine never waits on
/// the disk. `close()` drains what is buffered.
public final class EventLog: Sendable {
    private let continuation: AsyncStream<(Date, ScanEvent)>.Continuation
    private let task: Task<Void, Never>

    public init(path: String) throws(JiraError) {
        let appender: LineAppender
        do { appender = try LineAppender(path: path) } catch { throw JiraError(.localIO, "cannot open \(path): \(error)") }
        let (stream, continuation) = AsyncStream<(Date, ScanEvent)>.makeStream()
        self.continuation = continuation
        task = Task.detached {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            for await (date, event) in stream {
                var object = EventJSON.object(event)
                object["ts"] = formatter.string(from: date)
                if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                    try? appender.append(Array(data))
                }
            }
            appender.sync()
        }
    }

    public var sink: ScanEventSink { ScanEventSink { [continuation] in continuation.yield((Date(), $0)) } }

    public func close() async {
        continuation.finish()
        await task.value
    }
}

/// Events as JSON objects with a `type`. Strings from the server are written as they came
/// (JSON escapes them); they are sanitised only when drawn on a terminal.
public enum EventJSON {
    public static func object(_ event: ScanEvent) -> [String: Any] {
        switch event {
        case .client(let e): return client(e)
        case .connected(let c):
            return ["type": "connected", "url": c.url, "user": c.user, "serverVersion": c.serverVersion, "timeZone": c.timeZone,
                    "timeZoneSource": c.timeZoneSource, "project": c.project]
        case .planned(let total, let mode, let window):
            var o: [String: Any] = ["type": "planned", "total": total, "mode": mode.rawValue]
            if let window { o["window"] = window }
            return o
        case .phase(let p): return ["type": "phase", "phase": p.rawValue]
        case .cursor(let worker, let first, let last, let enumerated):
            var o: [String: Any] = ["type": "cursor", "worker": worker, "first": first, "last": last]
            if let enumerated { o["listed"] = enumerated }
            return o
        case .written(let r):
            var o: [String: Any] = ["type": "written", "key": r.key, "tier": r.tier.rawValue, "complete": r.complete, "bytes": r.bytes]
            if !r.missing.isEmpty { o["missing"] = r.missing }
            return o
        case .vanished(let keys): return ["type": "vanished", "keys": keys]
        case .outOfScope(let keys): return ["type": "outOfScope", "keys": keys]
        case .reindexDetected(let count, let example):
            return ["type": "reindex", "count": count, "example": example,
                    "action": "listed by the index as updated in the window although fields.updated is older; fetched anyway (key-ordered cursor, no loop)"]
        case .checkpoint(let written, let pending): return ["type": "checkpoint", "written": written, "pending": pending]
        case .batchFailed(let keys, let error): return ["type": "batchFailed", "keys": keys, "error": error]
        case .paused(let p): return ["type": p ? "paused" : "resumed"]
        case .error(let message): return ["type": "error", "message": message]
        case .finished(let s):
            return ["type": "finished", "total": s.total, "written": s.written, "complete": s.complete, "tiers": s.tiers,
                    "vanished": s.vanished, "outOfScope": s.outOfScope, "failed": s.failed, "requests": s.requests, "retries": s.retries, "seconds": s.seconds]
        }
    }

    static func client(_ e: JiraEvent) -> [String: Any] {
        func info(_ r: JiraEvent.RequestInfo) -> [String: Any] {
            var o: [String: Any] = ["request": r.id, "operation": r.operation, "target": r.target, "budget": r.budget,
                                    "attempt": r.attempt, "maxAttempts": r.maxAttempts]
            if let rung = r.rung { o["rung"] = rung.rawValue }
            return o
        }
        switch e {
        case .requestStarted(let r): return info(r).merging(["type": "requestStarted"]) { $1 }
        case .requestFinished(let r, let status, let bytes, let seconds, let error):
            var o = info(r).merging(["type": "requestFinished", "bytes": bytes, "seconds": seconds]) { $1 }
            if let status { o["status"] = status }
            if let error { o["error"] = error }
            return o
        case .backoff(let b):
            var o = info(b.request).merging(["type": "backoff", "reason": b.reason, "wait": b.wait, "source": b.source.rawValue, "global": b.global]) { $1 }
            if let status = b.status { o["status"] = status }
            return o
        case .rung(let key, let r):
            var o: [String: Any] = ["type": "rung", "key": key, "rung": r.rung.rawValue, "ok": r.succeeded, "seconds": r.seconds, "bytes": r.bytes]
            if let error = r.error { o["error"] = error }
            return o
        case .tierDecided(let d):
            var o: [String: Any] = ["type": "tier", "key": d.key, "tier": d.tier.rawValue,
                                    "rungs": d.rungs.map { ["rung": $0.rung.rawValue, "ok": $0.succeeded, "seconds": $0.seconds] }]
            if let links = d.links { o["links"] = links }
            return o
        case .changelogRoute(let paginated, let reason): return ["type": "changelogRoute", "paginated": paginated, "reason": reason]
        case .timeZone(let id, let source): return ["type": "timeZone", "zone": id, "source": source]
        case .cursorRecovered(let from, let to, let reason):
            var o: [String: Any] = ["type": "cursorRecovered", "from": from, "reason": reason]
            if let to { o["to"] = to }
            return o
        case .warning(let w): return ["type": "warning", "message": w]
        case .outage(let o):
            switch o {
            case .began(let cause): return ["type": "outage", "phase": "began", "cause": cause]
            case .probeScheduled(let number, let wait, let elapsed):
                return ["type": "outage", "phase": "probeScheduled", "probe": number, "wait": wait, "elapsed": elapsed]
            case .probed(let number, let reachable, let cause):
                var o: [String: Any] = ["type": "outage", "phase": "probed", "probe": number, "reachable": reachable]
                if let cause { o["cause"] = cause }
                return o
            case .ended(let seconds): return ["type": "outage", "phase": "ended", "seconds": seconds]
            case .gaveUp(let seconds): return ["type": "outage", "phase": "gaveUp", "seconds": seconds]
            }
        }
    }
}
