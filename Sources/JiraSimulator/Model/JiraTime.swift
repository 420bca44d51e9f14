import Foundation

/// Date arithmetic the simulator needs, without Foundation's formatters on the hot render path.
public enum JiraTime {
    /// Generated data ends at this instant: 2026-05-19T12:00:00Z, in milliseconds.
    public static let dataEpochEnd: Int64 = msFromCivil(2026, 5, 19, 12, 0, 0)
    public static let msPerMinute: Int64 = 60_000
    public static let msPerDay: Int64 = 86_400_000

    public static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146_097 + doe - 719_468)
    }

    public static func civilFromDays(_ z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    public static func msFromCivil(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Int64 {
        ((daysFromCivil(y, mo, d) * 24 + Int64(h)) * 60 + Int64(mi)) * 60_000 + Int64(s) * 1000
    }

    /// JIRA's wire format, `2026-05-19T07:00:00.000-0600`, at a fixed UTC offset (minutes).
    public static func format(_ ms: Int64, offsetMinutes: Int) -> String {
        let local = ms + Int64(offsetMinutes) * 60_000
        let days = local >= 0 ? local / msPerDay : (local - msPerDay + 1) / msPerDay
        let rem = local - days * msPerDay
        let (y, mo, d) = civilFromDays(days)
        let h = Int(rem / 3_600_000), mi = Int(rem / 60_000 % 60), s = Int(rem / 1000 % 60), frac = Int(rem % 1000)
        let sign = offsetMinutes < 0 ? "-" : "+"
        let off = abs(offsetMinutes)
        return "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(frac, 3))"
            + "\(sign)\(pad(off / 60, 2))\(pad(off % 60, 2))"
    }

    /// `yyyy-MM-dd` at a fixed offset, as JIRA renders `duedate`.
    public static func formatDay(_ ms: Int64, offsetMinutes: Int) -> String {
        String(format(ms, offsetMinutes: offsetMinutes).prefix(10))
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// The instant (ms) a wall-clock time names in `zone`, daylight saving included.
    public static func instant(year: Int, month: Int, day: Int, hour: Int, minute: Int, in zone: TimeZone) -> Int64? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: 0)
        guard let date = calendar.date(from: parts) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
