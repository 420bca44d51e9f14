import Foundation
import Testing
import TestSupport
@testable import JiraExtract
import JiraResilient

/// Files that stay bounded through a follow run of weeks: `events.jsonl` rotates by size, and
/// `manifest.jsonl` compacts to the last record of each key without losing what a reader needs.
@Suite(.timeLimit(.minutes(5))) struct BoundedFilesTests {
    func directory() throws -> String {
        let dir = Reaper.scratchPath("jr-files")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func record(_ key: String, complete: Bool, tier: Tier = .full) -> [UInt8] {
        Array(
            """
            {"bytes":10,"changelog":0,"comments":0,"complete":\(complete),"fetchedAt":"2026-12-02T00:00:00.000Z","id":"1\(key.dropFirst(2))","key":"\(key)","links":0,"missing":[],"rungs":[],"tier":"\(tier.rawValue)","worklogs":0}

            """.utf8)
    }

    @Test func theManifestKeepsTheLastRecordOfEachKeyInOrderAndThePassStartMoves() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/manifest.jsonl"
        // An earlier pass: P-1 (incomplete), P-2, P-3; then this pass from `start`: P-2 again,
        // P-1 complete now, P-4; and a torn tail left by kill -9.
        var bytes = record("P-1", complete: false) + record("P-2", complete: true) + record("P-3", complete: true)
        let start = bytes.count
        bytes +=
            record("P-2", complete: true, tier: .hub) + record("P-1", complete: true) + record("P-4", complete: true)
        bytes += Array("{\"bytes\":1".utf8)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let result = try ManifestCompactor.compact(path: path, passStart: start)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.map { ManifestCompactor.key(of: Array($0.utf8)[...]) } == ["P-3", "P-2", "P-1", "P-4"])
        #expect(lines[1].contains("\"tier\":\"hub\"") && lines[2].contains("\"complete\":true"))
        #expect(result.records == 4 && result.bytesBefore == bytes.count && result.bytesAfter < bytes.count)
        // The pass's records now begin right after the one earlier record kept (P-3).
        #expect(result.passStart == record("P-3", complete: true).count)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["manifest.jsonl"])
    }

    /// A line torn by `kill -9` is ended when the file is opened again: the next record starts
    /// on its own line instead of merging into the torn one.
    @Test func aTornLineIsEndedBeforeTheNextAppend() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/manifest.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data("{\"a\":1}\n{\"bytes\":1".utf8))
        let appender = try LineAppender(path: path)
        try appender.append(Array("{\"b\":2}".utf8))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"a\":1}\n{\"bytes\":1\n{\"b\":2}\n")
        let again = try LineAppender(path: path)
        try again.append(Array("{\"c\":3}".utf8))
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasSuffix("{\"b\":2}\n{\"c\":3}\n"))
    }

    @Test func eventsRotateBySizeKeepingTheNewestFiles() async throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try EventLog(path: dir + "/events.jsonl", rotation: .init(maxBytes: 2000, keep: 2))
        for n in 0..<200 { log.sink.send(.checkpoint(written: n, pending: 200 - n)) }
        #expect(await log.close() == nil)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["events.jsonl", "events.jsonl.1", "events.jsonl.2"])
        var lines: [[String: Any]] = []
        for name in ["events.jsonl.2", "events.jsonl.1", "events.jsonl"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)"))
            #expect(data.count <= 2000)
            lines += data.split(separator: 0x0A).map {
                try! JSONSerialization.jsonObject(with: Data($0)) as! [String: Any]
            }
        }
        // The newest events, in order, with nothing torn; the oldest files were dropped.
        let written = lines.compactMap { $0["written"] as? Int }
        #expect(written.last == 199 && written == Array(written.first!...199))
        #expect(written.first! > 0)
    }

    /// At the end of a pass past the floor, the scan compacts; the latest record of every key,
    /// and the counts recounted from the pass's records, are what they were.
    @Test func aScanCompactsItsManifestAndLosesNoCurrentRecord() async throws {
        try await ScanHarness.with { (h: ScanHarness) async throws in
            // A first full scan (no compaction: below the floor), then a second full one into
            // the same directory: the manifest holds every issue twice, and compacts.
            try await h.scan(ScanOptions(project: "PRJ"))
            h.sim.apply(.update(key: "PRJ-4"))
            let before = try h.manifest()
            var options = ScanOptions(project: "PRJ")
            options.manifestCompactionFloor = 1
            let extractor = try Extractor(
                configuration: h.configuration(), options: options, directory: h.directory, events: h.events.sink)
            let second = try await extractor.run()
            let beforeRecount = await extractor.store.current
            try await extractor.store.recount()
            let afterRecount = await extractor.store.current
            await extractor.shutdown()
            let compactions = h.events.all.compactMap { if case .compacted(let b, let a) = $0 { (b, a) } else { nil } }
            // Smaller, by about half: records carry their rungs, whose length varies with timing.
            #expect(compactions.count == 1 && compactions[0].1 < compactions[0].0)
            let after = try h.manifest()
            #expect(after.count == h.projectKeys("PRJ").count)
            #expect(Set(after.map(\.key)) == Set(before.map(\.key)))
            #expect(after.first { $0.key == "PRJ-4" }?.fetchedAt != before.first { $0.key == "PRJ-4" }?.fetchedAt)
            let lines = (FileManager.default.contents(atPath: h.directory + "/manifest.jsonl") ?? Data())
                .split(separator: 0x0A)
            #expect(lines.count == after.count, "one line per key")
            #expect(afterRecount.written == second.written && beforeRecount.written == second.written)
            #expect(afterRecount.manifestCompactedBytes != nil)
        }
    }

    /// What a later pass takes for a hub, from the manifest's latest record of each key: the hub
    /// tier for its own links, the minimal tier, or many links at any tier; not an issue that
    /// only shared a hub's page, nor one whose latest record is ordinary.
    @Test func hubKeysComeFromTheLatestRecordOfEachKey() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func line(_ key: String, _ tier: String, links: Int?, split: Bool = false) -> String {
            #"{"bytes":10,"changelog":0,"comments":0,"complete":true,"fetchedAt":"2026-12-02T00:00:00.000Z","id":"1","key":"\#(key)","#
                + (links.map { #""links":\#($0),"# } ?? "")
                + #""missing":[],"rungs":[],"# + (split ? #""splitPage":true,"# : "")
                + #""tier":"\#(tier)","worklogs":0}"#
        }
        let lines = [
            line("P-1", "hub", links: 4000),  // a hub
            line("P-2", "hub", links: 3, split: true),  // shared a hub's page
            line("P-3", "minimal", links: nil),  // even hub-base was too slow
            line("P-4", "full", links: 900),  // answered in time once, with many links
            line("P-5", "full", links: 12),
            line("P-6", "hub", links: 2500),
            line("P-6", "full", links: 40),  // links removed since: no longer a hub
        ]
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: dir + "/manifest.jsonl", atomically: true, encoding: .utf8)
        #expect(try OutputStore.hubKeys(in: dir) == ["P-1", "P-3", "P-4"])
        try FileManager.default.removeItem(atPath: dir + "/manifest.jsonl")
        #expect(try OutputStore.hubKeys(in: dir).isEmpty)
    }
}
