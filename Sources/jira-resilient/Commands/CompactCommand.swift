import ArgumentParser
import JiraExtract
import JiraResilient

/// `compact --out DIR`: `manifest.jsonl` rewritten to the last record of each issue, atomically.
/// A scan does this itself at the end of a pass once the file has doubled; this is for doing it
/// now (before an archive, say). Refuses while a scan runs on the directory (its lock) or the
/// checkpoint says a pass is under way (a scan that was killed: resume it first).
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract:
            "Compact --out's manifest.jsonl to the last record of each issue (atomically; not while a scan runs there)."
    )

    @Option(help: "Output directory of a scan.")
    var out: String

    func run() async throws {
        let (before, after) = try await OutputStore.compact(directory: out)
        StandardStreams.out(
            "\(out)/manifest.jsonl compacted to the last record of each issue: \(ByteCount.format(before)) → \(ByteCount.format(after))"
        )
    }
}
