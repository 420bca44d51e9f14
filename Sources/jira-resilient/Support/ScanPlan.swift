import JiraExtract
import JiraResilient

/// What one scan session runs: built from the `scan` and `console` flags
/// (`ScanArguments.plan(project:out:)`), or by `demo` directly.
struct ScanPlan: Sendable {
    var options: ScanOptions
    /// The output directory (`--out`).
    var directory: String
    /// `--metrics HOST:PORT`: where to serve Prometheus metrics, nil for nowhere.
    var metrics: String?
    /// `--follow`: seconds from the end of one pass to the start of the next; nil for one pass.
    var follow: Double?
    /// How `events.jsonl` rotates (`--events-max-bytes`, `--events-keep`).
    var eventRotation: EventLog.Rotation? = .standard
    /// `--allow-incomplete`: exit 0, not 7, when the directory still holds incomplete issues.
    var allowIncomplete = false
    /// Called before each later pass of a follow (2, 3, …); the demo changes its simulator here.
    var beforePass: @Sendable (Int) async -> Void = { _ in }
}

extension ScanArguments {
    /// The plan these flags ask for; throws `.invalidInput` for values out of range.
    /// A project key typed in lower case (`scan demo`) is JIRA's upper-case key.
    func plan(project: String, out: String) throws(JiraError) -> ScanPlan {
        ScanPlan(
            options: try scanOptions(project: project.uppercased()), directory: out, metrics: metrics,
            follow: try followInterval(),
            eventRotation: try eventRotation(), allowIncomplete: allowIncomplete)
    }
}
