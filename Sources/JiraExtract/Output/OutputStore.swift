import Foundation
import JiraResilient

/// The output directory: `issues/KEY.json`, `manifest.jsonl`, `state.json`, `fields.json`.
/// An actor, so the manifest and the checkpoint change in one order whatever the concurrency.
public actor OutputStore {
    public nonisolated let directory: String
    public nonisolated let project: String
    private var manifest: LineAppender
    private(set) var checkpoint: Checkpoint
    /// Pending issues by key, and their order (keys removed lazily).
    private var pending: [IssueKey: Checkpoint.PendingIssue] = [:]
    private var order: [IssueKey] = []
    /// The latest record of every issue in the directory that is incomplete (any pass), by key:
    /// few, so held whole; seeded from the manifest when the store opens.
    private var incompleteRecords: [IssueKey: ManifestRecord]
    private var lastSave = ContinuousClock.now
    private var dirty = false
    /// How often the checkpoint is rewritten while work completes.
    static let saveInterval: Duration = .seconds(1)
    /// Yields when the checkpoint changed (the newest notice only): a saver waits on it
    /// instead of polling.
    public nonisolated let changes: AsyncStream<Void>
    private nonisolated let changed: AsyncStream<Void>.Continuation

    /// A file name's key JIRA could have produced for `project`, written as JIRA writes it.
    nonisolated func isSafeKey(_ key: String) -> Bool {
        guard let parsed = IssueKey(key) else { return false }
        return parsed.project == project && parsed.description == key
    }

    private init(
        directory: String, project: String, checkpoint: Checkpoint, incomplete: [IssueKey: ManifestRecord]
    ) throws {
        self.directory = directory
        self.project = project
        self.checkpoint = checkpoint
        incompleteRecords = incomplete
        self.checkpoint.incomplete = incomplete.count
        (changes, changed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        manifest = try LineAppender(path: directory + "/manifest.jsonl")
        // A manifest shorter than where the pass began (compacted, then killed before the
        // checkpoint was saved): where the pass's records begin is not known any more.
        if let start = checkpoint.manifestStart, start > manifest.size { self.checkpoint.manifestStart = nil }
        for issue in checkpoint.pending where pending[issue.key] == nil {
            pending[issue.key] = issue
            order.append(issue.key)
        }
    }

    /// Opens (creating if needed) `directory` for a scan of `project`. Returns the store and, when
    /// the directory holds a checkpoint, that checkpoint. Refuses a directory that holds
    /// another project's output or files that are not ours.
    public static func open(directory: String, project: String) throws(JiraError) -> (OutputStore, Checkpoint?) {
        guard !directory.isEmpty else {
            throw JiraError(.invalidInput, "the output directory is an empty path", hint: .chooseAnotherDirectory)
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw JiraError(.invalidInput, "\(directory) is a file, not a directory", hint: .chooseAnotherDirectory)
            }
        }
        let previous = try readCheckpoint(directory)
        if let previous, previous.project != project {
            throw JiraError(
                .invalidInput, "\(directory) holds a scan of project \(previous.project), not \(project)",
                hint: .chooseAnotherDirectory)
        }
        if previous == nil, let entries = try? fm.contentsOfDirectory(atPath: directory) {
            let ours: Set<String> = [
                "issues", "manifest.jsonl", "events.jsonl", "fields.json", "state.json", ControlProtocol.socketName,
            ]
            let foreign = entries.filter {
                !ours.contains($0) && !$0.hasPrefix("state.json.tmp") && !$0.hasPrefix(".")
                    && !$0.hasPrefix("events.jsonl.") && !$0.hasPrefix("manifest.jsonl.compact-")
            }
            guard foreign.isEmpty else {
                throw JiraError(
                    .invalidInput,
                    "\(directory) is not empty and is not a jira-resilient output directory (it holds \(foreign.prefix(3).joined(separator: ", ")))",
                    hint: .chooseAnotherDirectory)
            }
            if let other = try foreignManifestProject(directory, project: project) {
                throw JiraError(
                    .invalidInput, "\(directory) holds issues of project \(other), not \(project)",
                    hint: .chooseAnotherDirectory)
            }
        }
        try PrivateDirectory.create(directory)
        try PrivateDirectory.create(directory + "/issues", mustBeReal: true)
        let placeholder = Checkpoint(
            project: project, filter: nil, mode: .full, since: nil, sinceLiteral: nil, startedAt: "",
            phase: .connecting, enumerationCursor: nil, enumerationDone: false, total: 0, pending: [],
            written: 0, vanished: 0, tiers: [:], incomplete: 0, failed: 0)
        let incomplete = try incompleteRecords(in: directory)
        do {
            return (
                try OutputStore(
                    directory: directory, project: project, checkpoint: previous ?? placeholder,
                    incomplete: incomplete),
                previous
            )
        } catch {
            throw JiraError(.localIO, "cannot open \(directory)/manifest.jsonl: \(error)")
        }
    }

    /// Compacts the manifest of `directory` (the `compact` command), holding the directory's
    /// lock exclusively: refused while any scan or console runs on it, even between passes.
    public static func compact(directory: String) async throws(JiraError) -> (before: Int, after: Int) {
        guard let checkpoint = try readCheckpoint(directory) else {
            throw JiraError(.invalidInput, "\(directory) holds no state.json: run a scan into it first")
        }
        // A scan compacts by itself at the end of a pass; a running one (a console, a scan, a
        // following scan between passes) holds the lock.
        let claim = try await ExclusiveDirectory.claim(directory, for: "compact")
        defer { withExtendedLifetime(claim) {} }
        guard [.done, .failed, .interrupted].contains(checkpoint.phase) else {
            throw JiraError(
                .invalidInput,
                "\(directory)/state.json says a pass is under way (\(checkpoint.phase.rawValue)): resume it to its end, or stop it, first"
            )
        }
        let (store, _) = try open(directory: directory, project: checkpoint.project)
        let sizes = try await store.compactManifest()
        _ = try await store.saveCheckpoint(force: true)
        return sizes
    }

    /// The checkpoint in `directory`, nil when it has none.
    public static func checkpoint(in directory: String) throws(JiraError) -> Checkpoint? {
        try readCheckpoint(directory)
    }

    static func readCheckpoint(_ directory: String) throws(JiraError) -> Checkpoint? {
        let path = directory + "/state.json"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JiraError(.localIO, "cannot read \(path)")
        }
        do { return try JSONDecoder().decode(Checkpoint.self, from: data) } catch {
            throw JiraError(
                .invalidInput, "\(path) is not a jira-resilient checkpoint (\(error.localizedDescription))",
                hint: .restart)
        }
    }

    /// The project of a manifest record that is not `project`'s, if any.
    static func foreignManifestProject(_ directory: String, project: String) throws(JiraError) -> String? {
        guard let data = FileManager.default.contents(atPath: directory + "/manifest.jsonl") else { return nil }
        for line in data.split(separator: 0x0A).prefix(50) {
            guard let record = try? JSONDecoder().decode(ManifestRecord.self, from: Data(line)) else { continue }
            if record.key.project != project { return record.key.project }
        }
        return nil
    }

    // MARK: - Checkpoint

    /// Starts a fresh checkpoint (a new scan), keeping nothing pending.
    public func begin(_ fresh: Checkpoint) {
        checkpoint = fresh
        checkpoint.incomplete = incompleteRecords.count
        checkpoint.incompleteThisPass = 0
        var info = stat()
        checkpoint.manifestStart = stat(manifest.path, &info) == 0 ? Int(info.st_size) : 0
        pending = [:]
        order = []
        markDirty()
    }

    private func markDirty() {
        dirty = true
        changed.yield()
    }

    /// Saves the checkpoint whenever it changes, at most once per `saveInterval`, until the
    /// calling task is cancelled; `saved` is told after each save.
    public nonisolated func saveOnChange(_ saved: @Sendable () async -> Void) async throws(JiraError) {
        for await _ in changes {
            if try await saveCheckpoint() { await saved() }
            do { try await Task.sleep(for: Self.saveInterval) } catch { return }
        }
    }

    public func update(_ change: (inout Checkpoint) -> Void) {
        change(&checkpoint)
        markDirty()
    }

    public var current: Checkpoint {
        var c = checkpoint
        c.pending = order.compactMap { pending[$0] }
        return c
    }

    /// The last key listed (cheap: no copy of the pending list).
    public var enumerationCursor: IssueKey? { checkpoint.enumerationCursor }
    public var writtenCount: Int { checkpoint.written }
    public var pendingCount: Int { pending.count }

    /// Adds listed issues to the pending set (already pending or known ones are kept once).
    public func addPending(_ issues: [Checkpoint.PendingIssue], cursor: IssueKey?, done: Bool, total: Int?) {
        for issue in issues where pending[issue.key] == nil {
            pending[issue.key] = issue
            order.append(issue.key)
        }
        if let cursor { checkpoint.enumerationCursor = cursor }
        checkpoint.enumerationDone = done
        if let total { checkpoint.total = max(checkpoint.total, total) }
        markDirty()
    }

    /// Saves `state.json` if something changed and (unless `force`) the interval has passed.
    @discardableResult
    public func saveCheckpoint(force: Bool = false) throws(JiraError) -> Bool {
        guard dirty, force || ContinuousClock.now - lastSave >= Self.saveInterval else { return false }
        // Until something is listed or written there is nothing to resume.
        guard force || checkpoint.enumerationCursor != nil || checkpoint.written > 0 || !pending.isEmpty else {
            return false
        }
        if order.count > pending.count * 2 + 64 { order = order.filter { pending[$0] != nil } }
        do {
            manifest.sync()
            try AtomicFile.write(try encodeCheckpoint(), to: directory + "/state.json", sync: true)
        } catch {
            throw JiraError(.localIO, "cannot write \(directory)/state.json: \(error)")
        }
        lastSave = .now
        dirty = false
        return true
    }

    /// The checkpoint as JSON. The pending list (100,000s of entries on a large project) is
    /// written directly, not through an encoder's object graph, to keep memory flat.
    private func encodeCheckpoint() throws -> [UInt8] {
        var head = checkpoint
        head.pending = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = Array(try encoder.encode(head))
        guard let marker = bytes.firstRange(of: Array("\"pending\":[]".utf8)) else { return bytes }
        var list: [UInt8] = Array("\"pending\":[".utf8)
        list.reserveCapacity(pending.count * 36 + 16)
        var first = true
        for key in order {
            guard let issue = pending[key] else { continue }
            if !first { list.append(UInt8(ascii: ",")) }
            first = false
            list.append(contentsOf: "{\"id\":".utf8)
            Self.appendJSONString(issue.id, to: &list)
            list.append(contentsOf: ",\"key\":".utf8)
            Self.appendJSONString(issue.key.description, to: &list)
            list.append(UInt8(ascii: "}"))
        }
        list.append(UInt8(ascii: "]"))
        bytes.replaceSubrange(marker, with: list)
        return bytes
    }

    static func appendJSONString(_ s: String, to out: inout [UInt8]) { JSONObjectWriter.appendString(s, to: &out) }

    // MARK: - Writing

    /// Writes the issue's file atomically and appends its manifest record; the issue is no
    /// longer pending. Refuses keys outside the project.
    /// `splitPage`: the issue reached the hub tier only because it shared a page with a hub.
    public func write(_ issue: AssembledIssue, splitPage: Bool = false) throws(JiraError) -> ManifestRecord {
        guard issue.key.project == project else {
            throw JiraError(.notJira, "JIRA returned issue \(issue.key) for project \(project); not writing it")
        }
        var record = ManifestRecord(issue)
        if splitPage { record.splitPage = true }
        do {
            try AtomicFile.write(issue.bytes, to: "\(directory)/issues/\(issue.key).json")
            try manifest.append(Array(try Self.recordEncoder.encode(record)))
        } catch {
            throw JiraError(.localIO, "cannot write \(directory)/issues/\(issue.key).json: \(error)")
        }
        pending.removeValue(forKey: issue.key)
        checkpoint.written += 1
        checkpoint.tiers[record.splitPage == true ? ManifestRecord.splitPageTally : issue.tier.rawValue, default: 0] +=
            1
        if issue.isComplete {
            incompleteRecords.removeValue(forKey: issue.key)
        } else {
            incompleteRecords[issue.key] = record
            checkpoint.incompleteThisPass = (checkpoint.incompleteThisPass ?? 0) + 1
        }
        checkpoint.incomplete = incompleteRecords.count
        markDirty()
        return record
    }

    /// The latest record of each issue in the directory that is incomplete, whichever pass
    /// wrote it, in key order.
    public var incompleteInDirectory: [ManifestRecord] { incompleteRecords.values.sorted { $0.key < $1.key } }

    /// Keys that have a file in `issues/` but no manifest record from this scan, in key-number
    /// order; nil when the checkpoint does not say where this scan's records begin. Meant for
    /// the end of a finished full scan, when every issue in scope has been written. Streams
    /// this scan's part of the manifest in 1 MiB chunks and keeps only each line's key.
    public func filesNotWrittenByThisScan() throws(JiraError) -> [IssueKey]? {
        guard let start = checkpoint.manifestStart else { return nil }
        var written = Set<String>()
        let names: [String]
        do {
            _ = try ManifestCompactor.lines(of: manifest.path, from: start) { line in
                if let key = ManifestCompactor.key(of: line) { written.insert(key) }
            }
            names = try FileManager.default.contentsOfDirectory(atPath: directory + "/issues")
        } catch {
            throw JiraError(
                .localIO,
                "cannot read \(directory) to find files of issues no longer in scope: \(error.localizedDescription)")
        }
        return names.compactMap { name -> IssueKey? in
            guard name.hasSuffix(".json") else { return nil }
            let key = String(name.dropLast(5))
            return isSafeKey(key) && !written.contains(key) ? IssueKey(key) : nil
        }.sorted()
    }

    /// Manifest records' encoder: sorted keys (`ManifestCompactor.key(of:)` relies on `key` being found flat).
    /// Built once; encoding does not change it.
    private static let recordEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Recomputes the pass's counts (`written`, `tiers`, `incomplete`) from its part of the
    /// manifest: every issue written since the pass began (its own, and any re-fetched since,
    /// from an earlier pass too), each once, as its latest record says; an issue a sweep found
    /// gone since is not counted. After re-fetches (the console's `m`, `refetch`) the
    /// checkpoint so says what the files hold now. Streams the records from `manifestStart`
    /// in 1 MiB chunks.
    public func recount() throws(JiraError) {
        guard let start = checkpoint.manifestStart else { return }
        var latest: [IssueKey: ManifestRecord] = [:]
        let decoder = JSONDecoder()
        do {
            _ = try ManifestCompactor.lines(of: manifest.path, from: start) { line in
                guard let record = try? decoder.decode(ManifestRecord.self, from: Data(line)) else { return }
                latest[record.key] = record
            }
        } catch {
            throw JiraError(.localIO, "cannot read \(manifest.path): \(error.localizedDescription)")
        }
        let present = latest.values.filter(\.isPresent)
        checkpoint.written = present.count
        checkpoint.incompleteThisPass = present.filter { !$0.complete }.count
        checkpoint.incomplete = incompleteRecords.count
        var tiers: [String: Int] = [:]
        for record in present {
            tiers[record.splitPage == true ? ManifestRecord.splitPageTally : record.tier.rawValue, default: 0] += 1
        }
        checkpoint.tiers = tiers
        markDirty()
    }

    /// Compacts `manifest.jsonl` to the last record of each key (see `ManifestCompactor`) and
    /// moves the pass's `manifestStart` to where its records now begin. Only between passes
    /// (the caller's to ensure): a pass under way appends to the file. Returns the sizes.
    public func compactManifest() throws(JiraError) -> (before: Int, after: Int) {
        let path = manifest.path
        do {
            let result = try ManifestCompactor.compact(path: path, passStart: checkpoint.manifestStart)
            manifest = try LineAppender(path: path)
            checkpoint.manifestStart = result.passStart ?? checkpoint.manifestStart
            checkpoint.manifestCompactedBytes = result.bytesAfter
            markDirty()
            return (result.bytesBefore, result.bytesAfter)
        } catch {
            throw JiraError(.localIO, "cannot compact \(path): \(error)")
        }
    }

    /// The size of `manifest.jsonl` in bytes (0 when absent).
    public func manifestBytes() -> Int {
        var info = stat()
        return stat(manifest.path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// `--sweep`: appends a record saying the issue of `last` is gone (deleted, or moved to
    /// `movedTo`), repeating `last`'s counts; its file in `issues/` is kept.
    public func recordGone(_ last: ManifestRecord, movedTo: IssueKey?) throws(JiraError) {
        var record = last
        record.fetchedAt = ManifestRecord.iso8601(Date())
        record.splitPage = nil
        if let movedTo { record.movedTo = movedTo } else { record.deleted = true }
        do { try manifest.append(Array(try Self.recordEncoder.encode(record))) } catch {
            throw JiraError(.localIO, "cannot append to \(directory)/manifest.jsonl: \(error)")
        }
        // Gone from JIRA: nothing left to complete.
        if incompleteRecords.removeValue(forKey: last.key) != nil {
            checkpoint.incomplete = incompleteRecords.count
            markDirty()
        }
    }

    /// Issues that left the project (deleted, moved) before they could be fetched.
    public func markVanished(_ keys: [IssueKey]) {
        for key in keys where pending.removeValue(forKey: key) != nil { checkpoint.vanished += 1 }
        markDirty()
    }

    public func writeFields(_ bytes: [UInt8]) throws(JiraError) {
        do { try AtomicFile.write(bytes, to: directory + "/fields.json") } catch {
            throw JiraError(.localIO, "cannot write \(directory)/fields.json: \(error)")
        }
    }

    /// The keys whose latest manifest record says the issue is here (not `deleted`, no
    /// `movedTo`), streaming the file without decoding records: about 60 bytes a key in memory,
    /// where whole records would take several hundred (a 1,000,000-issue sweep).
    public nonisolated static func presentKeys(in directory: String) throws(JiraError) -> Set<String> {
        let gone = [Array("\"deleted\":true".utf8), Array("\"movedTo\":\"".utf8)]
        var present = Set<String>()
        do {
            _ = try ManifestCompactor.lines(of: directory + "/manifest.jsonl") { line in
                guard line.last == UInt8(ascii: "}"), let key = ManifestCompactor.key(of: line) else { return }
                if gone.contains(where: { line.firstRange(of: $0) != nil }) {
                    present.remove(key)
                } else {
                    present.insert(key)
                }
            }
        } catch {
            throw JiraError(.localIO, "cannot read \(directory)/manifest.jsonl: \(error)")
        }
        return present
    }

    /// The latest record of each issue in `directory` whose latest record is incomplete and
    /// present (not deleted, not moved away), by key. Streams the file and decodes only those
    /// lines (the encoder writes sorted keys, no spaces); empty when there is no manifest yet.
    public nonisolated static func incompleteRecords(
        in directory: String
    ) throws(JiraError) -> [IssueKey: ManifestRecord] {
        let path = directory + "/manifest.jsonl"
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let incomplete = Array("\"complete\":false".utf8)
        let gone = [Array("\"deleted\":true".utf8), Array("\"movedTo\":\"".utf8)]
        var lines: [String: [UInt8]] = [:]
        do {
            _ = try ManifestCompactor.lines(of: path) { line in
                guard line.last == UInt8(ascii: "}"), let key = ManifestCompactor.key(of: line) else { return }
                if line.firstRange(of: incomplete) != nil && !gone.contains(where: { line.firstRange(of: $0) != nil }) {
                    lines[key] = Array(line)
                } else {
                    lines.removeValue(forKey: key)
                }
            }
        } catch {
            throw JiraError(.localIO, "cannot read \(path): \(error)")
        }
        let decoder = JSONDecoder()
        var records: [IssueKey: ManifestRecord] = [:]
        for line in lines.values {
            guard let record = try? decoder.decode(ManifestRecord.self, from: Data(line)) else { continue }
            records[record.key] = record
        }
        return records
    }

    /// Keys whose latest manifest record says the issue is a hub: written at the hub tier for
    /// its own links (not `splitPage`), at the minimal tier because even hub-base was too slow,
    /// or with at least `knownHubLinks` links (a hub whose page answered in time once may not
    /// the next time). Streams the file without decoding records (the encoder writes sorted
    /// keys, no spaces); empty when there is no manifest yet.
    public nonisolated static func hubKeys(in directory: String) throws(JiraError) -> Set<IssueKey> {
        let path = directory + "/manifest.jsonl"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let hub = Array("\"tier\":\"hub\"".utf8), minimal = Array("\"tier\":\"minimal\"".utf8)
        let split = Array("\"splitPage\":true".utf8)
        var hubs = Set<IssueKey>()
        do {
            _ = try ManifestCompactor.lines(of: path) { line in
                guard line.last == UInt8(ascii: "}"), let text = ManifestCompactor.key(of: line),
                    let key = IssueKey(text)
                else { return }
                let isHub =
                    (line.firstRange(of: hub) != nil && line.firstRange(of: split) == nil)
                    || line.firstRange(of: minimal) != nil || (Self.links(in: line) ?? 0) >= Self.knownHubLinks
                if isHub { hubs.insert(key) } else { hubs.remove(key) }
            }
        } catch {
            throw JiraError(.localIO, "cannot read \(path): \(error)")
        }
        return hubs
    }

    /// Links from which an issue written at any tier is a known hub: a few hundred links render
    /// in well under a second, while the hubs that outlast a page's fast-fail budget have
    /// thousands (the `demo` scenario's smallest has 900, `bench`'s 2,000).
    static let knownHubLinks = 500

    /// The `"links":N` member of a manifest line, if any.
    static func links(in line: ArraySlice<UInt8>) -> Int? {
        guard let member = line.firstRange(of: Array("\"links\":".utf8)) else { return nil }
        var value = 0
        var digits = 0
        for byte in line[member.upperBound...] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digits < 9 else { break }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// The latest manifest record of each of `keys`, streaming the file (only those decoded).
    public nonisolated static func latestRecords(
        of keys: Set<String>, in directory: String
    ) throws(JiraError)
        -> [ManifestRecord]
    {
        var latest: [String: ManifestRecord] = [:]
        let decoder = JSONDecoder()
        do {
            _ = try ManifestCompactor.lines(of: directory + "/manifest.jsonl") { line in
                guard let key = ManifestCompactor.key(of: line), keys.contains(key),
                    let record = try? decoder.decode(ManifestRecord.self, from: Data(line))
                else { return }
                latest[key] = record
            }
        } catch {
            throw JiraError(.localIO, "cannot read \(directory)/manifest.jsonl: \(error)")
        }
        return latest.values.sorted { $0.key < $1.key }
    }

    /// The last manifest record of each key, in file order (for `refetch`).
    public nonisolated static func latestRecords(in directory: String) throws(JiraError) -> [ManifestRecord] {
        guard let data = FileManager.default.contents(atPath: directory + "/manifest.jsonl") else {
            throw JiraError(.invalidInput, "\(directory) has no manifest.jsonl; run a scan into it first")
        }
        var latest: [IssueKey: ManifestRecord] = [:]
        var order: [IssueKey] = []
        let decoder = JSONDecoder()
        for line in data.split(separator: 0x0A) {
            guard let record = try? decoder.decode(ManifestRecord.self, from: Data(line)) else { continue }
            if latest[record.key] == nil { order.append(record.key) }
            latest[record.key] = record
        }
        return order.compactMap { latest[$0] }
    }
}
