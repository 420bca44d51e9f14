/// Text that came from a server or something in front of it: summaries, `errorMessages`,
/// `warningMessages`, header values (`Location`, `X-Seraph-LoginReason`, `Content-Type`).
///
/// This is the one gate between such text and a terminal, a log or an error line: its raw
/// form is not a `String` anyone can print. Every way Swift turns a value into text —
/// interpolation, `print`, `String(describing:)`, `String(reflecting:)`, `dump` and mirrors —
/// gives the sanitised form (`UntrustedText.sanitized`: controls, escape introducers and bidi
/// controls made visible, cut at 4,000 scalars). Built by the client, it never holds the
/// token (`init(_:redacting:)` replaces it with `[token]` first).
///
/// Issue keys are not `ServerText`: the client accepts only rows whose key parses as an
/// `IssueKey` (letters, digits, `_`, a dash and a number), which are inert by construction.
public struct ServerText: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The text as the server sent it (after token redaction). Private: nothing prints it.
    private let raw: String

    /// Wraps `raw`, replacing `token` (when given) with `[token]`; at most `limit` scalars are
    /// kept, so a hostile megabyte-long message does not travel through events and screens.
    public init(_ raw: some StringProtocol, redacting token: AccessToken? = nil, limit: Int = 4000) {
        var text = String(raw)
        if text.unicodeScalars.count > limit + 1 {
            text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit + 1)))
        }
        self.raw = token?.redact(text) ?? text
    }

    /// The sanitised single-line form: what every print, log and screen shows.
    public var description: String { UntrustedText.sanitized(raw) }

    public var debugDescription: String { "ServerText(\(description))" }

    /// Mirrors (`dump`, debuggers' summaries) see only the sanitised form.
    public var customMirror: Mirror { Mirror(self, children: ["sanitized": description]) }

    /// The sanitised form with the given length limit, newlines kept when asked (for a
    /// multi-line detail pane).
    public func sanitized(keepNewlines: Bool = false, limit: Int = UntrustedText.defaultLimit) -> String {
        UntrustedText.sanitized(raw, keepNewlines: keepNewlines, limit: limit)
    }

    /// The raw text as UTF-8, for data files where JSON string escaping keeps it inert (a
    /// record's title in `manifest.jsonl`). Bytes, so that printing it shows numbers, not text.
    public var rawUTF8: [UInt8] { Array(raw.utf8) }

    public var isEmpty: Bool { raw.isEmpty }
}

/// Encoded as its sanitised form (a JSON string): whatever reads it back, a terminal included,
/// gets inert text.
extension ServerText: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
