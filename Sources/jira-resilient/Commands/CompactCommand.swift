import ArgumentParser
import JiraExtract
import JiraResilient

/// `compact --out DIR`: `manifest.jsonl` rewritten to the last record of each issue, atomically.
/// A scan does this itself at the end of a pass once the file has doubled; this is for doing it
/// now (before an archive, say). Refuses while the checkpoint says a pass is under way.
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract:
            "Compact --out's manifest.jsonl to the last record of each issue (atomically; not while a scan runs there)."
    )

    @Option(help: "Output directory of a scan.")
    var out: String

    func run() async throws {
        guard let checkpoint = try OutputStore.checkpoint(in: out) else {
            throw JiraError(.invalidInput, "\(out) holds no state.json: run a scan into it first")
        }
        guard [.done, .failed, .interrupted].contains(checkpoint.phase) else {
            throw JiraError(
                .invalidInput,
                "\(out)/state.json says a pass is under way (\(checkpoint.phase.rawValue)): let the scan finish, or stop it, first"
            )
        }
        let (store, _) = try OutputStore.open(directory: out, project: checkpoint.project)
        let (before, after) = try await store.compactManifest()
        try await store.saveCheckpoint(force: true)
        StandardStreams.out(
            "\(out)/manifest.jsonl compacted to the last record of each issue: \(ByteCount.format(before)) → \(ByteCount.format(after))"
        )
    }
}
