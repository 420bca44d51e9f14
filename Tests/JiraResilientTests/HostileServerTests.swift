import Foundation
import Synchronization
import Testing
import JiraResilient
@testable import JiraSimulator

/// A deliberately hostile server (the simulator's HTTP listener with a hand-written handler):
/// endless and lying pagers, and a token echoed back. Every case ends in a clear error,
/// bounded work, and no token in any text.
@Suite struct HostileServerTests {
    static let token = "hostile-test-token-5t6y"

    static func json(_ object: Any, status: Int = 200, headers: [(String, String)] = []) -> SimResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return SimResponse(
            status: status, headers: [("Content-Type", "application/json;charset=UTF-8")] + headers, body: Array(data))
    }

    static func comments(from start: Int, count: Int) -> [[String: Any]] {
        (start..<(start + count)).map { ["id": String($0), "body": String(repeating: "x", count: 1000)] }
    }

    /// Serves the hostile cases; counts requests.
    static func handle(_ r: SimRequest, _ requests: Counter) async -> SimResponse {
        requests.increment()
        let startAt = Int(r.first("startAt") ?? "0") ?? 0
        switch r.path {
        case "/rest/api/2/serverInfo":
            return json(["version": "9.12.4", "serverTime": "2026-12-01T10:00:00.000+0000"])
        case "/rest/api/2/issue/HOST-1/comment":
            // Claims Int.max comments and always has new ones.
            return json([
                "startAt": startAt, "maxResults": 100, "total": Int.max,
                "comments": comments(from: startAt, count: 100),
            ])
        case "/rest/api/2/issue/HOST-2/comment":
            // Ignores startAt: page one, forever.
            return json(["startAt": 0, "maxResults": 100, "total": 1000, "comments": comments(from: 0, count: 100)])
        case "/rest/api/2/issue/HOST-3/comment":
            // Echoes startAt but repeats the same page (and leaves `total` out).
            return json(["startAt": startAt, "maxResults": 100, "comments": comments(from: 0, count: 100)])
        case "/rest/api/2/issue/HOST-4":
            // An SSO layer that echoes the Authorization header everywhere it can.
            let echo = r.authorization ?? ""
            return json(
                ["errorMessages": ["denied for \(echo)"], "errors": ["auth": echo]], status: 401,
                headers: [("X-Seraph-LoginReason", echo), ("WWW-Authenticate", echo)])
        case "/rest/api/2/issue/HOST-5":
            return SimResponse(
                status: 302, headers: [("Location", "https://sso.example.com/login?token=\(r.authorization ?? "")")],
                body: [])
        default:
            return json(["errorMessages": ["no"]], status: 404)
        }
    }

    final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    static func with(_ body: (JiraClient, Counter) async throws -> Void) async throws {
        let requests = Counter()
        let server = try await SimulatorServer.start(host: "127.0.0.1", port: 0, tls: false) {
            await handle($0, requests)
        }
        var c = JiraClientConfiguration(baseURL: "http://127.0.0.1:\(server.port)", token: AccessToken(token))
        c.firstContactTimeout = 60  // a loaded machine may need more than the default 10 s
        c.maxBody = 1 << 20
        c.backoffScale = 0.001
        let client = try JiraClient(c)
        do {
            try await body(client, requests)
        } catch {
            await client.shutdown()
            await server.stop()
            throw error
        }
        await client.shutdown()
        await server.stop()
    }

    @Test func anEndlessPagerStopsAtTheByteLimit() async throws {
        try await Self.with { client, requests in
            _ = try await client.serverInfo()
            await #expect { try await client.comments("HOST-1") } throws: { error in
                let e = error as! JiraError
                return e.code == .notJira && e.description.contains("passed 1 MiB") && e.hint == .raiseMaxBody
            }
            // 1 MiB at ~100 KB a page: a dozen requests, not thousands.
            #expect(requests.count < 25)
        }
    }

    @Test func aPagerThatIgnoresStartAtOrRepeatsItselfStops() async throws {
        try await Self.with { client, requests in
            await #expect { try await client.comments("HOST-2") } throws: { error in
                (error as! JiraError).code == .notJira && "\(error)".contains("does not honour startAt")
            }
            await #expect { try await client.comments("HOST-3") } throws: { error in
                (error as! JiraError).code == .notJira && "\(error)".contains("repeated the previous page")
            }
            // Two pages each (the page, then the one that gives it away), each of them at most
            // 5 attempts on a loaded machine: bounded by 2 × 2 × 5, where without the checks
            // these pagers never end (4,000 requests a minute). 8 was exceeded by retries once.
            #expect(requests.count <= 2 * 2 * 5)
        }
    }

    @Test func anEchoedTokenIsRedactedFromEveryError() async throws {
        try await Self.with { client, _ in
            for key in ["HOST-4", "HOST-5"] {
                do {
                    _ = try await client.issue(key)
                    Issue.record("\(key) should fail")
                } catch {
                    let text = "\(error) \((error as? JiraError)?.messages.map(\.description).joined() ?? "")"
                    #expect(!text.contains(Self.token), "\(text)")
                    #expect(text.contains("[token]"))
                }
            }
        }
    }
}
