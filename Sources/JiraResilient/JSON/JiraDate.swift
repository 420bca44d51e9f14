import Foundation

/// JIRA's timestamp format, `2026-05-19T07:00:00.000-0600`.
public enum JiraDate {
    /// The instant a JIRA timestamp names, or nil when it is not one.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 19 else { return nil }
        func num(_ from: Int, _ length: Int) -> Int? {
            guard from + length <= b.count else { return nil }
            var v = 0
            for i in from..<(from + length) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let s = num(17, 2)
        else { return nil }
        var i = 19
        var millis = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48 && b[i] <= 57 {
                if digits < 3 { millis = millis * 10 + Int(b[i] - 48) }
                digits += 1
                i += 1
            }
            while digits < 3 { millis *= 10; digits += 1 }
        }
        var offset = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") {
                offset = 0
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                let rest = b.count - i - 1
                guard let hh = num(i + 1, 2) else { return nil }
                let mm = rest >= 5 ? (num(i + 4, 2) ?? 0) : (num(i + 3, 2) ?? 0)
                offset = sign * (hh * 3600 + mm * 60)
            }
        }
        var c = DateComponents()
        c.year = y; c.month = mo; c.day = d; c.hour = h; c.minute = mi; c.second = s
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let base = calendar.date(from: c) else { return nil }
        return base.addingTimeInterval(Double(millis) / 1000 - Double(offset))
    }
}
