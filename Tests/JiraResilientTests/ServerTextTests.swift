import Foundation
import Testing
import JiraResilient

/// The gate between server text and a terminal: every way Swift turns a `ServerText` into text
/// gives the sanitised form, and the token never survives into it.
@Suite struct ServerTextTests {
    static let hostile =
        "Release \u{1B}]0;PWNED\u{07}\u{1B}]52;c;UFdORUQ=\u{07}\u{1B}[31mred\u{9B}2J \u{202E}cod.exe\u{2066} done"

    static func isInert(_ text: String) -> Bool {
        !text.unicodeScalars.contains {
            ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value)
                || [0x202E, 0x2066, 0x200F].contains($0.value)
        }
    }

    @Test func everyWayToPrintItIsSanitised() throws {
        let text = ServerText(Self.hostile)
        var dumped = ""
        dump(text, to: &dumped)
        let renderings = [
            "\(text)", String(describing: text), String(reflecting: text), dumped,
            String(describing: Mirror(reflecting: text).children.map(\.value)),
            String(decoding: try JSONEncoder().encode([text]), as: UTF8.self),
            "\([text])", "\(Optional(text) as Any)",
        ]
        for rendering in renderings {
            #expect(Self.isInert(rendering), "\(rendering.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(rendering.contains("␛]0;PWNED␇"))
        }
        // The raw form is only bytes, for data files.
        #expect(String(decoding: text.rawUTF8, as: UTF8.self) == Self.hostile)
        #expect(Self.isInert("\(text.rawUTF8)"))
    }

    @Test func theTokenIsReplacedAndLongTextCut() {
        let token = AccessToken("server-text-token-77")
        let echoed = ServerText("denied for Bearer server-text-token-77", redacting: token)
        #expect("\(echoed)" == "denied for Bearer [token]")
        #expect(!String(decoding: echoed.rawUTF8, as: UTF8.self).contains("server-text-token-77"))
        let long = ServerText(String(repeating: "x", count: 10_000), limit: 100)
        #expect(long.rawUTF8.count <= 101)
        #expect("\(long)".unicodeScalars.count <= 102)
    }

    @Test func errorsCarryServerMessagesInertly() {
        let error = JiraError(.clientError, "rejected", status: 400, messages: [ServerText(Self.hostile)])
        #expect(Self.isInert(error.description) && Self.isInert("\(error)") && Self.isInert(String(reflecting: error)))
    }
}
