import Foundation
import JiraSimulator
import Testing
import TestSupport

/// Connections arriving at every moment of a listener's shutdown. NIO's async server bootstrap
/// traps ("Deinited NIOAsyncWriter without calling finish()") when a connection it wrapped for
/// async use is dropped before anyone runs it: this suite crashes, not fails, if that comes back.
/// About 10 s on two cores, 12 s beside two busy loops; the limit is only a hang guard (a second
/// suite running beside those loops once took it past three minutes).
@Suite(.timeLimit(.minutes(10))) struct ListenerShutdownStressTests {
    /// 1,000 start/stop cycles of the listener that serves the simulator, `demo`, `sim` and
    /// `--metrics`: each cycle lets four connections go (two threads, half of them sending a
    /// request), waits for the first to connect, and stops the listener while the rest arrive.
    @Test func theHTTPListenerSurvivesConnectionsDuringAThousandStops() async throws {
        let hammer = ConnectionHammer()
        hammer.start(threads: 2)
        defer { hammer.stop() }
        var reached = 0
        for _ in 0..<1_000 {
            let server = try await SimulatorServer.start(host: "127.0.0.1", port: 0, tls: false) { _ in
                SimResponse(status: 200, body: Array("{}".utf8))
            }
            let address = ConnectionHammer.Address.tcp(port: server.port)
            hammer.target(address)
            let before = hammer.connections(to: address)
            hammer.burst(4)
            // The listener accepts (the order, not a duration): then it stops as the rest arrive.
            await hammer.waitForConnections(to: address, count: before + 1)
            await server.stop()
            reached += 1
        }
        #expect(reached == 1_000 && hammer.connected >= 1_000)
    }
}
