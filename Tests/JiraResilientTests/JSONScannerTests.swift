import Foundation
import Testing
@testable import JiraResilient
import JiraSimulator

/// The scanner checked against Foundation's parser on generated, mutated and truncated input.
@Suite struct JSONScannerTests {
    /// Generates random JSON text with random whitespace, escapes and multi-byte characters.
    struct Generator {
        var rng: SplitMix64
        let pieces = [
            "a", "Z", "0", " ", "é", "漢", "🚀", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\u001b",
            "\\ud83d\\ude80", "\\b",
        ]

        mutating func ws() -> String { ["", " ", "\n", "\t ", "\r\n"][rng.int(0...4)] }

        mutating func string() -> String {
            var s = "\""
            for _ in 0..<rng.int(0...8) { s += pieces[rng.int(0...(pieces.count - 1))] }
            return s + "\""
        }

        mutating func number() -> String {
            var s = rng.chance(0.3) ? "-" : ""
            s += rng.chance(0.2) ? "0" : String(rng.int(1...999_999))
            if rng.chance(0.3) { s += "." + String(rng.int(0...9999)) }
            if rng.chance(0.2) {
                s += ["e", "E"][rng.int(0...1)] + ["", "+", "-"][rng.int(0...2)] + String(rng.int(0...30))
            }
            return s
        }

        mutating func value(depth: Int) -> String {
            let choice = depth > 5 ? rng.int(2...6) : rng.int(0...6)
            switch choice {
            case 0:
                let members = (0..<rng.int(0...5)).map { _ in
                    ws() + string() + ws() + ":" + ws() + value(depth: depth + 1) + ws()
                }
                return "{" + members.joined(separator: ",") + (members.isEmpty ? ws() : "") + "}"
            case 1:
                let elements = (0..<rng.int(0...5)).map { _ in ws() + value(depth: depth + 1) + ws() }
                return "[" + elements.joined(separator: ",") + (elements.isEmpty ? ws() : "") + "]"
            case 2: return string()
            case 3: return number()
            case 4: return "true"
            case 5: return "false"
            default: return "null"
            }
        }
    }

    static func scannerAccepts(_ bytes: [UInt8]) -> Bool { (try? JSONDocument(validating: bytes)) != nil }
    static func foundationAccepts(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    @Test func generatedDocumentsAreAcceptedByBoth() {
        var g = Generator(rng: SplitMix64(seed: 1))
        for _ in 0..<3000 {
            let text = g.ws() + g.value(depth: 0) + g.ws()
            let bytes = Array(text.utf8)
            #expect(Self.foundationAccepts(bytes), "Foundation rejected generated \(text)")
            #expect(Self.scannerAccepts(bytes), "scanner rejected \(text)")
        }
    }

    @Test func mutatedDocumentsAgreeWithFoundation() {
        var g = Generator(rng: SplitMix64(seed: 2))
        var rng = SplitMix64(seed: 3)
        let junk: [UInt8] = Array("{}[]\",:0-1.eE+tfn \\x\u{01}".utf8) + [0xC3, 0xFF, 0x80, 0xED, 0xA0]
        var disagreements: [String] = []
        var rejected = 0
        for _ in 0..<6000 {
            var bytes = Array(g.value(depth: 0).utf8)
            guard !bytes.isEmpty else { continue }
            switch rng.int(0...2) {
            case 0: bytes[rng.int(0...(bytes.count - 1))] = junk[rng.int(0...(junk.count - 1))]
            case 1: bytes.insert(junk[rng.int(0...(junk.count - 1))], at: rng.int(0...bytes.count))
            default: bytes.remove(at: rng.int(0...(bytes.count - 1)))
            }
            let ours = Self.scannerAccepts(bytes), theirs = Self.foundationAccepts(bytes)
            if !ours { rejected += 1 }
            if ours != theirs {
                disagreements.append("\(ours ? "accepted" : "rejected"): \(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, e.g. \(disagreements.prefix(5))")
        #expect(rejected > 1000)  // the mutations do break documents
    }

    @Test func everyPrefixOfADocumentIsTruncated() {
        var g = Generator(rng: SplitMix64(seed: 4))
        for _ in 0..<200 {
            let bytes = Array(("{\"a\":" + g.value(depth: 1) + "}").utf8)
            for cut in 0..<bytes.count {
                do {
                    _ = try JSONDocument(validating: Array(bytes[..<cut]))
                    Issue.record("accepted a prefix")
                } catch {
                    #expect(
                        error.kind == .truncated, "prefix \(cut) of \(String(decoding: bytes, as: UTF8.self)): \(error)"
                    )
                }
            }
        }
    }

    @Test func specificRejections() {
        for bad in [
            "{\"a\":1,}", "[1,]", "01", "1.", "-", "\"\u{01}\"", "{\"a\" 1}", "[1 2]", "\"\\x\"", "tru", "nul", "{}x",
            "\"\\u12G4\"", "+1", ".5", "[", "{\"a\":[}]",
        ] {
            #expect(!Self.scannerAccepts(Array(bad.utf8)), "accepted \(bad)")
        }
        #expect(!Self.scannerAccepts([0x22, 0xC0, 0x80, 0x22]))  // overlong
        #expect(!Self.scannerAccepts([0x22, 0xED, 0xA0, 0x80, 0x22]))  // encoded surrogate
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(!Self.scannerAccepts(Array(deep.utf8)))
        for good in ["0", "-0.5e-3", "[]", "{}", " \"\\u00e9\\ud83d\\ude80\" ", "[1,[2,[3]],{\"b\":null}]"] {
            #expect(Self.scannerAccepts(Array(good.utf8)), "rejected \(good)")
        }
    }

    @Test func stringsAndNumbersDecodeLikeFoundation() throws {
        let text = #"{"s":"a\"b\\c\/d\n\u00e9\ud83d\ude80 漢","n":-12345,"f":1.5,"k":"PRJ-12"}"#
        let document = try JSONDocument(validating: Array(text.utf8))
        let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        document.withScanner { s in
            #expect(s.string(s.member("s", in: document.root)!) == foundation["s"] as? String)
            #expect(s.int(s.member("n", in: document.root)!) == -12345)
            #expect(s.int(s.member("f", in: document.root)!) == nil)
            #expect(s.string(s.member("k", in: document.root)!) == "PRJ-12")
            #expect(s.member("missing", in: document.root) == nil)
        }
    }

    /// A real issue rendered by the simulator, without links, plus a links array: the assembled
    /// issue must equal Foundation's reading of the original with the links put in.
    @Test func assemblySplicesWithoutChangingAnythingElse() throws {
        let universe = DataGenerator.universe(for: .small)
        let renderer = IssueRenderer(universe: universe, baseURL: "http://127.0.0.1:1", offsetMinutes: -360)
        let hub = universe.issues.values.max { $0.linkIDs.count < $1.linkIDs.count }!
        func render(_ fields: [String], expand: Set<String>) -> [UInt8] {
            var json = JSONBuilder()
            renderer.writeIssue(
                hub, into: &json, selection: .init(fields, defaultAll: true), expand: expand, caps: .search,
                withNamesAndSchema: true)
            return json.bytes
        }
        let full = render(["*all"], expand: ["changelog", "names"])
        let base = render(["*all", "-issuelinks"], expand: ["changelog", "names"])
        let linksOnly = render(["issuelinks"], expand: [])
        let links = try IssueJSON.issueLinks(linksOnly)
        #expect(links.count == hub.linkIDs.count)

        var histories: [ArraySlice<UInt8>] = []
        for i in 0..<hub.totalHistories {
            var h = JSONBuilder()
            renderer.writeHistory(i, of: hub, into: &h)
            histories.append(ArraySlice(h.bytes))
        }
        var assembler = IssueAssembler(base: base)
        assembler.issueLinks = links.array
        assembler.histories = histories
        assembler.dropping = ["names"]
        let assembled = try assembler.assemble()

        var expected = try JSONSerialization.jsonObject(with: Data(full)) as! [String: Any]
        expected["names"] = nil
        var changelog = expected["changelog"] as! [String: Any]
        let all = try histories.map { try JSONSerialization.jsonObject(with: Data($0)) }
        changelog["histories"] = all
        changelog["total"] = all.count
        changelog["maxResults"] = all.count
        expected["changelog"] = changelog
        let actual = try JSONSerialization.jsonObject(with: Data(assembled)) as! [String: Any]
        #expect(NSDictionary(dictionary: actual).isEqual(to: expected))
        let summary = try IssueJSON.parse(assembled).summary
        #expect(summary.links == hub.linkIDs.count)
        #expect(summary.histories == .init(inline: hub.totalHistories, total: hub.totalHistories))
    }

    @Test func assemblyInsertsIntoEmptyFieldsAndAddsAChangelog() throws {
        var assembler = IssueAssembler(base: Array(#"{"id":"1","key":"P-1","fields":{}}"#.utf8))
        assembler.issueLinks = ArraySlice("[]".utf8)
        assembler.comments = [ArraySlice(#"{"id":"9"}"#.utf8)]
        assembler.histories = []
        let o = try JSONSerialization.jsonObject(with: Data(try assembler.assemble())) as! [String: Any]
        let fields = o["fields"] as! [String: Any]
        #expect((fields["issuelinks"] as! [Any]).isEmpty)
        #expect((fields["comment"] as! [String: Any])["total"] as? Int == 1)
        #expect((o["changelog"] as! [String: Any])["total"] as? Int == 0)
        #expect(throws: JiraShapeError.self) { _ = try IssueAssembler(base: Array(#"{"id":"1"}"#.utf8)).assemble() }
    }
}

/// Found by the fuzzer (bench/fuzz): an issue that repeats a member made the splicer edit one
/// copy and leave a dangling comma in the other.
@Suite struct RepeatedMemberTests {
    @Test func anIssueThatRepeatsAMemberIsMalformedNotSpliced() throws {
        let page = Array(#"{"issues":[{"id":"1","key":"P-1","fields":{"summary":"a"},"fields":{}}]}"#.utf8)
        #expect(throws: JiraShapeError.self) { try IssueJSON.parseSearchPage(page) }
        do {
            _ = try IssueJSON.parseSearchPage(page)
        } catch {
            #expect(error.reason == "issue 1 repeats the member 'fields' (issues[0], at byte 11)")
        }
        let field = Array(#"{"id":"1","key":"P-1","fields":{"summary":"a","summary":"b"}}"#.utf8)
        #expect(throws: JiraShapeError.self) { try IssueJSON.parse(field) }
    }
}
