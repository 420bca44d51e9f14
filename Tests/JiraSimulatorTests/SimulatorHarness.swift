import AsyncHTTPClient
import Foundation
import JiraSimulator
import NIOCore
import NIOHTTP1
import NIOSSL

/// A started simulator and a plain HTTP client to poke it with.
struct SimulatorHarness {
    let sim: JiraSimulator
    let url: String
    let token = "test-token-123456"

    static let http = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    static func start(
        _ scenario: Scenario = .small, timeScale: Double = 0.001, tls: Bool = false,
        configure: (inout JiraSimulator.Configuration) -> Void = { _ in }
    ) async throws -> SimulatorHarness {
        var configuration = JiraSimulator.Configuration(
            scenario: scenario, token: "test-token-123456", timeScale: timeScale)
        configuration.tls = tls
        configuration.forbiddenToken = "forbidden-token"
        configure(&configuration)
        let sim = JiraSimulator(configuration)
        let url = try await sim.start()
        return SimulatorHarness(sim: sim, url: url)
    }

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func get(_ path: String, token: String? = nil, client: HTTPClient = Self.http) async throws -> Reply {
        try await send(HTTPClientRequest(url: url + path), token: token, client: client)
    }

    func post(_ path: String, _ body: [String: Any], token: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        return try await send(request, token: token)
    }

    func search(
        _ jql: String, fields: [String] = ["key"], max: Int = 1000, startAt: Int = 0, expand: [String] = [],
        validate: String? = nil
    ) async throws -> Reply {
        var body: [String: Any] = [
            "jql": jql, "fields": fields, "maxResults": max, "startAt": startAt, "expand": expand,
        ]
        if let validate { body["validateQuery"] = validate }
        return try await post("/rest/api/2/search", body)
    }

    /// Keys of a search, in order; fails the test on a non-200.
    func keys(_ jql: String) async throws -> [String] {
        let reply = try await search(jql)
        guard reply.status == 200 else { throw HarnessError.status(reply.status, reply.text) }
        return (reply.object["issues"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
    }

    private func send(
        _ request: HTTPClientRequest, token: String?, client: HTTPClient = Self.http
    ) async throws -> Reply {
        var request = request
        request.headers.add(name: "Authorization", value: "Bearer \(token ?? self.token)")
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    func stop() async { await sim.stop() }
}

enum HarnessError: Error { case status(Int, String) }

extension SimulatorHarness {
    /// Runs `body` with a started simulator and always stops it.
    static func with<T>(
        _ scenario: Scenario = .small, timeScale: Double = 0.001, tls: Bool = false,
        configure: (inout JiraSimulator.Configuration) -> Void = { _ in },
        _ body: (SimulatorHarness) async throws -> T
    ) async throws -> T {
        let harness = try await start(scenario, timeScale: timeScale, tls: tls, configure: configure)
        do {
            let result = try await body(harness)
            await harness.stop()
            return result
        } catch {
            await harness.stop()
            throw error
        }
    }
}
