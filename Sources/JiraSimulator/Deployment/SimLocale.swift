import Foundation

/// The token user's profile language. JIRA translates every message it sends (`errorMessages`,
/// `warningMessages`, `errors`) into it, so a client that decides anything by a message's
/// wording breaks for most of the world. Only the wording changes; shapes and statuses do not.
///
/// The German texts follow JIRA's own `de_DE` language pack for the messages a data extraction
/// meets (JQL validation, missing issues, authentication, the search window).
public enum SimLocale: String, Sendable, CaseIterable {
    case en, de

    /// `message` in this language; English text with no translation is sent as is.
    func translate(_ message: String) -> String {
        guard self == .de else { return message }
        for (pattern, template) in Self.german {
            if let values = Self.match(message, pattern) {
                var out = template
                for (i, v) in values.enumerated() { out = out.replacingOccurrences(of: "$\(i)", with: v) }
                return out
            }
        }
        return message
    }

    /// English patterns (`{}` captures up to the next literal) and their German templates.
    private static let german: [(String, String)] = [
        (
            "An issue with key '{}' does not exist for field '{}'.",
            "Ein Vorgang mit dem Schlüssel '$0' existiert für das Feld '$1' nicht."
        ),
        ("The issue key '{}' for field '{}' is invalid.", "Der Vorgangsschlüssel '$0' für das Feld '$1' ist ungültig."),
        (
            "Operator '{}' cannot be applied to moved issue key '{}'.",
            "Der Operator '$0' kann nicht auf den verschobenen Vorgangsschlüssel '$1' angewendet werden."
        ),
        ("The value '{}' does not exist for the field '{}'.", "Der Wert '$0' existiert nicht für das Feld '$1'."),
        (
            "Field '{}' does not exist or you do not have permission to view it.",
            "Das Feld '$0' existiert nicht oder Sie sind nicht berechtigt, es anzuzeigen."
        ),
        (
            "The operator '{}' is not supported by the '{}' field.",
            "Der Operator '$0' wird vom Feld '$1' nicht unterstützt."
        ),
        ("Not able to sort using field '{}'.", "Mit dem Feld '$0' kann nicht sortiert werden."),
        ("Issue Does Not Exist", "Vorgang existiert nicht"),
        ("The user named '{}' does not exist", "Der Benutzer mit dem Namen '$0' existiert nicht"),
        (
            "You are not authenticated. Authentication required to perform this operation.",
            "Sie sind nicht angemeldet. Für diesen Vorgang ist eine Authentifizierung erforderlich."
        ),
        (
            "You do not have the permission to see the specified issue.",
            "Sie sind nicht berechtigt, den angegebenen Vorgang anzuzeigen."
        ),
        ("No project could be found with key '{}'.", "Es wurde kein Projekt mit dem Schlüssel '$0' gefunden."),
        ("Search limit exceeded. {}", "Suchlimit überschritten. $0"),
        ("Internal server error", "Interner Serverfehler"),
    ]

    /// The captured values if `text` matches `pattern` whole, else nil.
    private static func match(_ text: String, _ pattern: String) -> [String]? {
        let pieces = pattern.components(separatedBy: "{}")
        var rest = Substring(text)
        var values: [String] = []
        guard rest.hasPrefix(pieces[0]) else { return nil }
        rest = rest.dropFirst(pieces[0].count)
        for piece in pieces.dropFirst() {
            if piece.isEmpty {
                values.append(String(rest))
                rest = ""
                continue
            }
            guard let range = rest.range(of: piece) else { return nil }
            values.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        return rest.isEmpty ? values : nil
    }

    /// An error or warning envelope with every message translated; other bodies unchanged.
    func translateEnvelope(_ body: [UInt8]) -> [UInt8] {
        guard self != .en, var object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return body
        }
        var changed = false
        for name in ["errorMessages", "warningMessages"] {
            if let list = object[name] as? [String] {
                object[name] = list.map(translate)
                changed = true
            }
        }
        if let errors = object["errors"] as? [String: String], !errors.isEmpty {
            object["errors"] = errors.mapValues(translate)
            changed = true
        }
        guard changed, let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return body
        }
        return Array(data)
    }
}
