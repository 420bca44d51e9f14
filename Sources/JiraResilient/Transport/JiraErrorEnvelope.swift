import Foundation

/// JIRA's error envelope: `{"errorMessages": [...], "errors": {"field": "message"}}`. The texts
/// are in the token user's language: shown to people, never used for a decision.
enum JiraErrorEnvelope {
    /// Every message, `errors` as `field: message` sorted by field; empty when the body is not one.
    static func messages(_ body: [UInt8]) -> [String] {
        guard body.count <= 1 << 20, let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        else { return [] }
        var messages = (object["errorMessages"] as? [Any] ?? []).compactMap { $0 as? String }
        if let errors = object["errors"] as? [String: Any] {
            for (field, message) in errors.sorted(by: { $0.key < $1.key }) { messages.append("\(field): \(message)") }
        }
        return messages.prefix(20).map { String($0.prefix(1000)) }
    }
}
