import Foundation
import JiraExtract
import JiraResilient
import Synchronization

/// Forwards to a sink set later (the client needs a sink before the extractor exists).
final class SinkRelay: Sendable {
    private let target = Mutex<ScanEventSink>(.none)
    func set(_ sink: ScanEventSink) { target.withLock { $0 = sink } }
    var sink: ScanEventSink { ScanEventSink { [self] event in target.withLock { $0 }.send(event) } }
}

/// One scan wired end to end: the client, the extractor, `events.jsonl`, extra sinks (progress
/// printer, console), and SIGINT/SIGTERM turned into a clean interrupt.
struct ScanSession {
    let client: JiraClient
    let extractor: Extractor
    let eventLog: EventLog
    let relay: SinkRelay

    static func open(_ scan: ScanArguments, _ connection: ConnectionOptions, extra: ScanEventSink) throws(JiraError) -> ScanSession {
        let options = try scan.scanOptions()
        let relay = SinkRelay()
        let clientEvents = EventSink { event in relay.sink.send(.client(event)) }
        let configuration = try connection.configuration(concurrency: options.concurrency, events: clientEvents)
        let client = try JiraClient(configuration)
        let extractor: Extractor
        do {
            extractor = try Extractor(client: client, options: options, directory: scan.out, events: relay.sink)
        } catch {
            Task { await client.shutdown() }
            throw error
        }
        let eventLog = try EventLog(path: scan.out + "/events.jsonl")
        let observer = ScanEventSink { event in if case .client(let e) = event { extractor.observe(e) } }
        relay.set(observer + eventLog.sink + extra)
        return ScanSession(client: client, extractor: extractor, eventLog: eventLog, relay: relay)
    }

    /// Runs the scan without signal handling or shutdown (the console does both).
    func runScanOnly() async -> Result<ScanSummary, JiraError> {
        do throws(JiraError) { return .success(try await extractor.run()) } catch { return .failure(error) }
    }

    func close() async {
        await eventLog.close()
        await client.shutdown()
    }

    /// Runs the scan; SIGINT/SIGTERM cancel it (the checkpoint is saved). Always shuts down.
    func run() async -> Result<ScanSummary, JiraError> {
        let extractor = self.extractor
        let work = Task { () -> Result<ScanSummary, JiraError> in
            do throws(JiraError) { return .success(try await extractor.run()) } catch { return .failure(error) }
        }
        let signals = Task {
            for await _ in SignalWaiter.terminationSignals() {
                work.cancel()
                return
            }
        }
        let result = await work.value
        signals.cancel()
        await eventLog.close()
        await client.shutdown()
        return result
    }
}
