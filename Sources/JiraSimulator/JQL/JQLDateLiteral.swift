import Foundation

/// Reads JQL date literals the way JIRA does: absolute ones in the searching user's time zone
/// (a bare minute means `MM:00`, a bare day means `00:00`), relative ones (`-5d`, `-2h 30m`)
/// against now, and a plain number as epoch milliseconds.
enum JQLDateLiteral {
    static func instant(_ text: String, field: String, zone: TimeZone, nowMs: Int64) throws(JQLError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let absolute = absolute(trimmed, zone: zone) { return absolute }
        if let relative = relative(trimmed, nowMs: nowMs) { return relative }
        if trimmed.allSatisfy(\.isNumber), let ms = Int64(trimmed), trimmed.count > 8 { return ms }
        throw JQLError(
            "Date value '\(text)' for field '\(field)' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
        )
    }

    private static func absolute(_ text: String, zone: TimeZone) -> Int64? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let day = parts[0].split(whereSeparator: { $0 == "-" || $0 == "/" })
        guard day.count == 3, parts[0].count == 10, let y = Int(day[0]), let m = Int(day[1]), let d = Int(day[2]),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        var hour = 0, minute = 0
        if parts.count == 2 {
            let time = parts[1].split(separator: ":")
            guard time.count == 2, let h = Int(time[0]), let mi = Int(time[1]), (0...23).contains(h),
                (0...59).contains(mi)
            else { return nil }
            hour = h
            minute = mi
        }
        return JiraTime.instant(year: y, month: m, day: d, hour: hour, minute: minute, in: zone)
    }

    private static func relative(_ text: String, nowMs: Int64) -> Int64? {
        var rest = Substring(text)
        var sign: Int64 = 1
        if rest.hasPrefix("-") {
            sign = -1; rest = rest.dropFirst()
        } else if rest.hasPrefix("+") {
            rest = rest.dropFirst()
        }
        let units: [Character: Int64] = ["w": 7 * 86_400_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000]
        var total: Int64 = 0
        var any = false
        for piece in rest.split(separator: " ") {
            guard let unit = piece.last, let scale = units[unit], let n = Int64(piece.dropLast()) else { return nil }
            total += n * scale
            any = true
        }
        return any ? nowMs + sign * total : nil
    }
}
