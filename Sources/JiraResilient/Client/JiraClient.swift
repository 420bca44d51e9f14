import Foundation
import NIOHTTP1
import Synchronization

/// A resilient JIRA Server / Data Center client: every endpoint a data extraction needs, the
/// three-tier ladders, sound seek paging, and an event for every request, wait and decision.
///
/// Thread-safe; share one per server. Call `shutdown()` before releasing it.
public final class JiraClient: Sendable {
    public let configuration: JiraClientConfiguration
    let transport: JiraTransport
    /// nil = not known yet; false once the server answered 404 for `/issue/{key}/changelog`
    /// on an issue that exists.
    let changelogPaginated = Mutex<Bool?>(nil)
    let cachedTimeZone = Mutex<JQLTimeZone?>(nil)

    /// Validates the configuration (URL, token, timeouts, CA bundle) and sets up TLS.
    public init(_ configuration: JiraClientConfiguration) throws(JiraError) {
        self.configuration = configuration
        transport = try JiraTransport(configuration)
    }

    public func shutdown() async { await transport.shutdown() }

    var events: EventSink { configuration.events }

    /// The issue fields the `minimal` tier asks for: core fields a warehouse needs, small on any issue.
    public static let minimalFields = [
        "summary", "status", "issuetype", "priority", "assignee", "reporter", "creator", "labels", "fixVersions",
        "components", "created", "updated", "resolutiondate", "duedate", "resolution", "project",
    ]

    func request(
        _ path: String, query: [(String, String)] = [], operation: String, subject: RequestSubject,
        rung: Rung? = nil, budget: Double? = nil, attempts: Int? = nil
    ) -> JiraTransport.Request {
        JiraTransport.Request(
            path: path, query: query, operation: operation, subject: subject, rung: rung,
            budget: budget ?? configuration.timeout, maxAttempts: attempts ?? configuration.maxAttempts)
    }

    /// GETs a JSON object and hands it to `decode` as a Foundation dictionary (small responses only).
    func getObject<T: Sendable>(
        _ request: JiraTransport.Request, _ decode: @escaping @Sendable ([String: Any]) -> T?
    ) async throws(JiraError) -> T {
        try await transport.perform(request) { (response) throws(JiraShapeError) -> T in
            let object = try Self.jsonObject(response.body)
            guard let value = decode(object) else {
                throw JiraShapeError(reason: "the JSON object lacks the expected members", truncated: false)
            }
            return value
        }
    }

    static func jsonObject(_ body: [UInt8]) throws(JiraShapeError) -> [String: Any] {
        do { _ = try JSONDocument(validating: body) } catch {
            throw JiraShapeError(reason: "the body is not JSON (\(error))", truncated: error.kind == .truncated)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw JiraShapeError(reason: "expected a JSON object", truncated: false)
        }
        return object
    }

    /// Validated bytes of any JSON value (`GET /field`, remote links…).
    func getJSON(_ request: JiraTransport.Request, expecting kind: JSONSpan.Kind) async throws(JiraError) -> [UInt8] {
        try await transport.perform(request) { (response) throws(JiraShapeError) -> [UInt8] in
            let document: JSONDocument
            do throws(JSONScanError) { document = try JSONDocument(validating: response.body) } catch {
                throw JiraShapeError(reason: "the body is not JSON (\(error))", truncated: error.kind == .truncated)
            }
            guard document.root.kind == kind else {
                throw JiraShapeError(
                    reason: "expected a JSON \(kind), got a JSON \(document.root.kind)", truncated: false)
            }
            return response.body
        }
    }

    static func path(_ key: String, _ suffix: String = "") -> String {
        "/rest/api/2/issue/\(JiraTransport.encode(key))\(suffix)"
    }
}
