import ArgumentParser
import Foundation
import JiraExtract
import JiraResilient

/// PROJECT and `--out`: required by `scan`; `console` declares its own, optional with `--attach`.
struct ScanTarget: ParsableArguments {
    @Argument(help: "Project key, e.g. PROJ.")
    var project: String
    @Option(help: "Output directory (created if needed).")
    var out: String
}

/// The scan options shared by `scan` and `console`.
struct ScanArguments: ParsableArguments {
    @Option(
        help:
            "Delta scan of issues updated since this ISO-8601 instant (e.g. 2026-05-18T07:30:00Z); without it, a full scan."
    )
    var since: String?
    @Option(help: "A JQL condition that narrows the project (it never widens it).")
    var filter: String?
    @Option(
        name: .customLong("page-size"),
        help:
            "Issues per search request: 'auto' starts at 50 and grows while larger pages cost JIRA less per issue, or a fixed 1–1000."
    )
    var pageSize: String = "auto"
    @Option(
        help:
            "Requests in flight at once: 'auto' grows while JIRA answers as fast as it did unloaded and backs off when answers slow, 429s or 503s come; or a fixed 1–256."
    )
    var concurrency: String = "auto"
    @Option(name: .customLong("max-concurrency"), help: "The most requests in flight with --concurrency auto (1–256).")
    var maxConcurrency: Int = 8
    @Flag(help: "Ignore a checkpoint saved in the output directory.")
    var restart = false
    @Flag(
        help:
            "A full scan even where the last pass finished (otherwise scan continues as a delta from that pass's start)."
    )
    var full = false
    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics while running (e.g. 127.0.0.1:9464).")
    var metrics: String?
    @Option(
        defaultAsFlag: "5m",
        help: ArgumentHelp(
            "After the first pass, a delta pass every INTERVAL until stopped (default 5m; e.g. 90s, 1h, 300).",
            valueName: "interval"))
    var follow: String? = nil

    @Flag(
        inversion: .prefixedNo,
        help:
            "Each pass also lists every key and records issues written earlier that are gone: deleted, or moved to another project (default: on with --follow)."
    )
    var sweep: Bool?

    @Flag(
        name: .customLong("allow-incomplete"),
        help:
            "Exit 0 even when the directory still holds incomplete issues (they are still counted and reported); without it such a finished scan exits 7."
    )
    var allowIncomplete = false

    @Option(
        name: .customLong("events-max-bytes"),
        help: "Rotate events.jsonl once it would pass this size (k, M, G suffixes; 0 never rotates).")
    var eventsMaxBytes: String = "256M"
    @Option(name: .customLong("events-keep"), help: "Rotated events files kept (events.jsonl.1 to .N).")
    var eventsKeep: Int = 4

    /// `--events-max-bytes` and `--events-keep`; nil when rotation is off.
    func eventRotation() throws(JiraError) -> EventLog.Rotation? {
        guard let bytes = eventsMaxBytes == "0" ? 0 : ByteCount.parse(eventsMaxBytes), bytes == 0 || bytes >= 1024
        else {
            throw JiraError(
                .invalidInput,
                "--events-max-bytes must be 0 or a size from 1k, like 256M or 1G, got '\(eventsMaxBytes.prefix(40))'")
        }
        guard (0...1000).contains(eventsKeep) else { throw JiraError(.invalidInput, "--events-keep must be 0–1000") }
        return bytes == 0 ? nil : EventLog.Rotation(maxBytes: bytes, keep: eventsKeep)
    }

    /// `--follow`'s interval in seconds, nil without it.
    func followInterval() throws(JiraError) -> Double? {
        guard let follow else { return nil }
        guard let seconds = Self.parseInterval(follow), seconds >= 1, seconds <= 7 * 86_400 else {
            throw JiraError(
                .invalidInput,
                "--follow '\(follow.prefix(20))' is not an interval from 1s to 7d; write e.g. 90s, 5m or 1h")
        }
        return seconds
    }

    /// `90s`, `5m`, `1h`, `2d` or plain seconds (decimals allowed).
    static func parseInterval(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last, let factor = units[unit] {
            return Double(text.dropLast()).map { $0 * factor }.flatMap { $0.isFinite ? $0 : nil }
        }
        return Double(text).flatMap { $0.isFinite ? $0 : nil }
    }

    func scanOptions(project: String) throws(JiraError) -> ScanOptions {
        var o = ScanOptions(project: project)
        o.filter = filter
        switch pageSize {
        case "auto": o.adaptivePageSize = true
        default:
            guard let n = Int(pageSize), (1...1000).contains(n) else {
                throw JiraError(.invalidInput, "--page-size must be 'auto' or 1–1000, got '\(pageSize.prefix(20))'")
            }
            o.pageSize = n
        }
        (o.adaptiveConcurrency, o.concurrency) = try Self.concurrency(concurrency, max: maxConcurrency)
        o.restart = restart
        o.continues = !full
        o.sweep = sweep ?? (follow != nil)
        if full && since != nil { throw JiraError(.invalidInput, "--full and --since exclude each other") }
        _ = try followInterval()
        _ = try eventRotation()
        if let since {
            guard let date = Self.parseInstant(since) else {
                throw JiraError(
                    .invalidInput,
                    "--since '\(since.prefix(40))' is not an ISO-8601 instant; write e.g. 2026-05-18T07:30:00Z or 2026-05-18T09:30:00+02:00"
                )
            }
            o.since = date
        }
        _ = try JQL.projectClause(project, filter: filter)
        return o
    }

    /// `--concurrency auto|N` with `--max-concurrency`: whether it adapts, and its ceiling.
    static func concurrency(_ text: String, max: Int) throws(JiraError) -> (adaptive: Bool, ceiling: Int) {
        guard (1...256).contains(max) else { throw JiraError(.invalidInput, "--max-concurrency must be 1–256") }
        if text == "auto" { return (true, max) }
        guard let n = Int(text), (1...256).contains(n) else {
            throw JiraError(.invalidInput, "--concurrency must be 'auto' or 1–256, got '\(text.prefix(20))'")
        }
        return (false, n)
    }

    /// The most requests in flight these options allow (the fixed number, or auto's ceiling).
    var concurrencyCeiling: Int { (try? Self.concurrency(concurrency, max: maxConcurrency).ceiling) ?? 4 }

    /// ISO-8601 with a zone (Z or ±hh:mm), with or without seconds and fractions; a bare date is UTC midnight.
    static func parseInstant(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate],
        ] {
            f.formatOptions = options
            if let d = f.date(from: text) { return d }
        }
        if text.count == 16 || text.count == 22 || text.count == 17 {  // 2026-05-18T07:30Z / +02:00
            f.formatOptions = [
                .withFullDate, .withTime, .withColonSeparatorInTime, .withTimeZone, .withDashSeparatorInDate,
            ]
            if let d = f.date(from: text) { return d }
        }
        return nil
    }
}

extension ScanArguments {
    /// The options given other than by default (`console --attach` refuses them).
    var optionsGiven: [String] {
        var given: [String] = []
        if since != nil { given.append("--since") }
        if filter != nil { given.append("--filter") }
        if pageSize != "auto" { given.append("--page-size") }
        if concurrency != "auto" { given.append("--concurrency") }
        if maxConcurrency != 8 { given.append("--max-concurrency") }
        if restart { given.append("--restart") }
        if full { given.append("--full") }
        if metrics != nil { given.append("--metrics") }
        if follow != nil { given.append("--follow") }
        if sweep != nil { given.append(sweep! ? "--sweep" : "--no-sweep") }
        if eventsMaxBytes != "256M" { given.append("--events-max-bytes") }
        if eventsKeep != 4 { given.append("--events-keep") }
        if allowIncomplete { given.append("--allow-incomplete") }
        return given
    }
}
