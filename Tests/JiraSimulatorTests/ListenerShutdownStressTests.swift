import Foundation
import JiraSimulator
import Testing
import TestSupport

/// Connections arriving at every moment of a listener's shutdown. NIO's async server bootstrap
/// traps ("Deinited NIOAsyncWriter without calling finish()") when a connection it wrapped for
/// async use is dropped before anyone runs it: this suite crashes, not fails, if that comes back.
@Suite(.timeLimit(.minutes(3))) struct ListenerShutdownStressTests {
    /// 1,000 start/stop cycles of the listener that serves the simulator, `demo`, `sim` and
    /// `--metrics`, with two threads connecting (and half of the time sending a request) to it
    /// in a tight loop the whole time.
    @Test func theHTTPListenerSurvivesConnectionsDuringAThousandStops() async throws {
        let hammer = ConnectionHammer()
        hammer.start(threads: 1)
        defer { hammer.stop() }
        for _ in 0..<1_000 {
            let server = try await SimulatorServer.start(host: "127.0.0.1", port: 0, tls: false) { _ in
                SimResponse(status: 200, body: Array("{}".utf8))
            }
            hammer.target(.tcp(port: server.port))
            // Let the hammer reach this port before it closes (the order, not a duration).
            await hammer.waitForConnections(to: .tcp(port: server.port), count: 2)
            await server.stop()
        }
        #expect(hammer.connected > 0)
    }
}
