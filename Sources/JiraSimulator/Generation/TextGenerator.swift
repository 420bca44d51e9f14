/// Deterministic filler text, including the hostile strings a real JIRA holds: terminal escape
/// sequences (CSI, OSC set-title, DCS), C1 controls, bidi overrides and wide characters.
public enum TextGenerator {
    static let words = [
        "sync", "pipeline", "latency", "customer", "report", "export", "index", "cache", "timeout", "login",
        "billing", "widget", "schema", "migration", "dashboard", "query", "worker", "retry", "payload", "link",
        "deploy", "release", "regression", "audit", "permission", "gateway", "upload", "search", "session", "alert",
        "metric", "backfill", "warehouse", "parser", "endpoint", "queue", "shard", "replica", "token", "rollout",
    ]
    /// Strings a client must never send raw to a terminal.
    public static let hostile = [
        "\u{1B}]0;PWNED-TITLE\u{07}", "\u{1B}[2J\u{1B}[31mred alert", "\u{202E}txt.exe\u{202C}",
        "\u{1B}P1;2|evil\u{1B}\\", "\u{9B}31m C1 CSI", "漢字テスト ワイド", "emoji 🚀🔥", "tab\there\rreturn",
        "\u{7F}del \u{0}nul", "\u{200F}rtl mark \u{2066}isolate\u{2069}",
    ]

    public static func sentence(_ rng: inout SplitMix64, words count: Int) -> String {
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(words[rng.int(0...(words.count - 1))]) }
        if var first = out.first { first = first.prefix(1).uppercased() + first.dropFirst(); out[0] = first }
        return out.joined(separator: " ")
    }

    public static func summary(for issue: SimIssue) -> String {
        var rng = SplitMix64(seed: issue.contentSeed, 1, issue.revision)
        var text = sentence(&rng, words: rng.int(3...9))
        if issue.hostile { text = hostile[Int(issue.contentSeed % UInt64(hostile.count))] + " " + text }
        if issue.revision > 0 { text += " (rev \(issue.revision))" }
        return text
    }

    public static func paragraph(_ rng: inout SplitMix64, length: Int) -> String {
        var out = ""
        out.reserveCapacity(length + 16)
        while out.utf8.count < length {
            out += sentence(&rng, words: rng.int(6...14)) + ". "
        }
        return out
    }
}
