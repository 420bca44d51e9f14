import Foundation

/// JIRA's error envelope: `{"errorMessages": [...], "errors": {"field": "message"}}`. The texts
/// are in the token user's language: shown to people, never used for a decision.
enum JiraErrorEnvelope {
    /// Every message, `errors` as `field: message` sorted by field; empty when the body is not one.
    /// The token, where a server echoes it, is replaced by `[token]`.
    static func messages(_ body: [UInt8], redacting token: AccessToken) -> [ServerText] {
        guard body.count <= 1 << 20, let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        else { return [] }
        var messages = (object["errorMessages"] as? [Any] ?? []).compactMap { $0 as? String }
        if let errors = object["errors"] as? [String: Any] {
            for (field, message) in errors.sorted(by: { $0.key < $1.key }) { messages.append("\(field): \(message)") }
        }
        return messages.prefix(20).map { ServerText($0, redacting: token, limit: 1000) }
    }
}
