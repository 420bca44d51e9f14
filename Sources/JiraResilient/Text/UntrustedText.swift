/// Makes text from a server safe to put on a terminal: every control character (C0, DEL, C1) is
/// shown as a visible placeholder, so escape sequences (CSI, OSC, DCS) arrive inert, and bidi
/// controls that could reorder a line are shown by name. Newlines and tabs become visible too
/// unless `keepNewlines`. Text longer than `limit` scalars is cut, with `…`.
public enum UntrustedText {
    /// The default most scalars one sanitised text keeps.
    public static let defaultLimit = 4000

    public static func sanitized(_ text: String, keepNewlines: Bool = false, limit: Int = defaultLimit) -> String {
        var out = String.UnicodeScalarView()
        var taken = 0
        for scalar in text.unicodeScalars {
            taken += 1
            if taken > limit {
                out.append("…")
                break
            }
            let v = scalar.value
            switch v {
            case 0x0A where keepNewlines: out.append(scalar)
            case 0x09: out.append(" ")
            case 0x00...0x1F: out.append(Unicode.Scalar(0x2400 + v)!)  // ␀ … ␟ (ESC is ␛)
            case 0x7F: out.append("\u{2421}")  // ␡
            case 0x80...0x9F: out.append(contentsOf: "⟨C1:\(String(v, radix: 16, uppercase: true))⟩".unicodeScalars)
            case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C:
                out.append(contentsOf: "⟨U+\(String(v, radix: 16, uppercase: true))⟩".unicodeScalars)
            case 0xFEFF, 0xFFF9...0xFFFB: out.append("\u{FFFD}")
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
