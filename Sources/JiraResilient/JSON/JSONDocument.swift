/// Bytes that passed validation as one JSON value, with their root span. Sendable and cheap to
/// pass around; navigate it with `withScanner`.
public struct JSONDocument: Sendable {
    public let bytes: [UInt8]
    public let root: JSONSpan

    /// Validates `bytes`; throws `.truncated` when they end early, `.invalid` otherwise.
    public init(validating bytes: [UInt8]) throws(JSONScanError) {
        self.bytes = bytes
        root = try JSONScanner.withScanner(bytes) { (s) throws(JSONScanError) in try s.validateDocument() }
    }

    public func withScanner<R>(_ body: (JSONScanner) -> R) -> R {
        JSONScanner.withScanner(bytes, body)
    }

}
