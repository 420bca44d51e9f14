import Foundation

/// Builds the JQL this client sends. Everything a user typed is validated before any request:
/// the project key must look like one, and a filter can only narrow the project (it is always
/// parenthesised, and anything that could escape the parentheses is rejected).
public enum JQL {
    /// `[A-Z][A-Z0-9_]{1,19}`, as JIRA's default project key pattern.
    public static func validateProjectKey(_ key: String) throws(JiraError) {
        let bytes = Array(key.utf8)
        let ok =
            (2...20).contains(bytes.count) && (65...90).contains(bytes[0])
            && bytes.dropFirst().allSatisfy { (65...90).contains($0) || (48...57).contains($0) || $0 == 95 }
        guard ok else {
            throw JiraError(
                .invalidInput,
                "'\(key.prefix(40))' is not a JIRA project key: it must be 2–20 characters, an uppercase letter then uppercase letters, digits or '_' (e.g. PROJ)"
            )
        }
    }

    private static let forbiddenWords: Set<String> = ["UNION", "DROP", "DELETE", "INSERT", "UPDATE", "EXEC", "EXECUTE"]

    /// Rejects a filter that could widen the query or is not a plain condition: unbalanced
    /// parentheses or quotes, comment markers, `;`, `ORDER BY`, or DDL words outside quotes.
    public static func validateFilter(_ filter: String) throws(JiraError) {
        func reject(_ why: String) -> JiraError {
            JiraError(.invalidInput, "unsafe filter '\(filter.prefix(80))': \(why)", hint: .fixFilter)
        }
        var outside = ""  // the filter with quoted text blanked
        var quote: Character?
        var escaped = false
        for c in filter {
            if let q = quote {
                if escaped {
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == q {
                    quote = nil; outside.append("\"")
                }
                continue
            }
            if c == "\"" || c == "'" { quote = c; outside.append("\""); continue }
            outside.append(c)
        }
        guard quote == nil else { throw reject("a quoted string is not closed") }
        var depth = 0
        for c in outside {
            if c == "(" { depth += 1 }
            if c == ")" {
                depth -= 1
                guard depth >= 0 else {
                    throw reject("a ')' closes more than was opened, which would escape the project clause")
                }
            }
        }
        guard depth == 0 else { throw reject("parentheses are not balanced") }
        for marker in ["--", "/*", "*/", ";"] where outside.contains(marker) {
            throw reject("'\(marker)' is not allowed outside quotes")
        }
        let words = outside.uppercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" })
        for (i, word) in words.enumerated() {
            if forbiddenWords.contains(String(word)) { throw reject("'\(word)' is not allowed outside quotes") }
            if word == "ORDER", i + 1 < words.count, words[i + 1] == "BY" {
                throw reject("ORDER BY belongs to the scan, not the filter")
            }
        }
        guard !outside.trimmingCharacters(in: .whitespaces).isEmpty else { throw reject("it is empty") }
    }

    /// A JQL string literal: double quotes, with `"` and `\` escaped.
    public static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `project = "P"`, or `project = "P" AND (filter)`.
    public static func projectClause(_ project: String, filter: String? = nil) throws(JiraError) -> String {
        try validateProjectKey(project)
        guard let filter, !filter.trimmingCharacters(in: .whitespaces).isEmpty else {
            return "project = \(quote(project))"
        }
        try validateFilter(filter)
        return "project = \(quote(project)) AND (\(filter))"
    }

    /// `yyyy-MM-dd HH:mm` of `date` in `zone` (the minute containing it; JIRA reads it as MM:00).
    public static func dateLiteral(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    /// One page of a key-ordered seek: the cursor's filter and its sort agree (key numbers
    /// inside the project), so no issue is skipped whatever the ids are.
    /// `since` is a rendered date literal (issues updated at or after it).
    public static func keySeek(projectClause: String, since: String? = nil, after cursor: IssueKey? = nil) -> String {
        var jql = projectClause
        if let since { jql += " AND updated >= \(quote(since))" }
        if let cursor { jql += " AND key > \(quote(cursor.description))" }
        return jql + " ORDER BY key ASC"
    }
}
