import Foundation
import JiraResilient

/// Rewrites `manifest.jsonl` to the last record of each key, atomically (a private temporary
/// file, fsynced, then renamed over it), so a manifest appended to for weeks by `--follow`
/// stays proportional to the project instead of to its history.
///
/// Nothing a reader still needs is lost: the last record of a key is its current state, and the
/// records kept keep their order, so those of the last pass (from its `manifestStart`) still come
/// after all others and the new offset where they begin is returned. Two streaming reads
/// (1 MiB chunks); memory holds one line number per key (about 60 bytes an issue), never the
/// records. Lines without a key (a torn tail after `kill -9`) are dropped.
enum ManifestCompactor {
    struct Result: Sendable, Equatable {
        var bytesBefore: Int
        var bytesAfter: Int
        var records: Int
        /// Where the last pass's records begin in the compacted file.
        var passStart: Int?
    }

    static func compact(path: String, passStart: Int?) throws -> Result {
        var last: [String: Int] = [:]
        var lineNumber = 0
        let before = try lines(of: path) { line in
            if let key = key(of: line), line.last == UInt8(ascii: "}") { last[key] = lineNumber }
            lineNumber += 1
        }
        let temporary = path + ".compact-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw POSIXFailure("cannot create \(temporary)", errno) }
        fchmod(fd, 0o600)
        var written = 0, kept = 0, newPassStart: Int?
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        func flush() throws {
            try writeAll(fd, buffer, what: "cannot write \(temporary)")
            buffer.removeAll(keepingCapacity: true)
        }
        do {
            lineNumber = 0
            var offsetBefore = 0
            _ = try lines(of: path) { line in
                if let start = passStart, newPassStart == nil, offsetBefore >= start { newPassStart = written }
                offsetBefore += line.count + 1
                if let key = key(of: line), last[key] == lineNumber {
                    buffer.append(contentsOf: line)
                    buffer.append(0x0A)
                    written += line.count + 1
                    kept += 1
                    if buffer.count >= 1 << 20 { try flush() }
                }
                lineNumber += 1
            }
            try flush()
            guard fsync(fd) == 0 else { throw POSIXFailure("cannot sync \(temporary)", errno) }
            close(fd)
            guard rename(temporary, path) == 0 else { throw POSIXFailure("cannot rename \(temporary)", errno) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        if passStart != nil && newPassStart == nil { newPassStart = written }
        return Result(bytesBefore: before, bytesAfter: written, records: kept, passStart: newPassStart)
    }

    /// Calls `body` with each line (without its newline) of the file from byte `offset`, read in
    /// 1 MiB chunks; returns the bytes read. The one streaming reader of `.jsonl` files.
    static func lines(of path: String, from offset: Int = 0, _ body: (ArraySlice<UInt8>) throws -> Void) throws -> Int {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        if offset > 0 { try handle.seek(toOffset: UInt64(offset)) }
        var carry: [UInt8] = []
        var size = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            size += chunk.count
            carry.append(contentsOf: chunk)
            guard let lastNewline = carry.lastIndex(of: 0x0A) else { continue }
            var start = carry.startIndex
            while start <= lastNewline, let end = carry[start...lastNewline].firstIndex(of: 0x0A) {
                try body(carry[start..<end])
                start = end + 1
            }
            carry.removeSubrange(...lastNewline)
        }
        if !carry.isEmpty { try body(carry[...]) }
        return size
    }

    /// The top-level `key` of a manifest line (records are written with sorted keys, and no
    /// member before `key` holds one).
    static func key(of line: ArraySlice<UInt8>) -> String? {
        let marker: [UInt8] = Array("\"key\":\"".utf8)
        guard let r = line.firstRange(of: marker) else { return nil }
        let rest = line[r.upperBound...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: rest[..<end], as: UTF8.self)
    }
}
