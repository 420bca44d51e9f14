import Foundation
import JiraExtract
import JiraResilient
import JiraSimulator
import CoreMetrics
import Prometheus
import Synchronization

/// `--metrics HOST:PORT`: the scan's counters in Prometheus' text format at `/metrics`,
/// recorded through swift-metrics into a swift-prometheus registry and served by a small
/// HTTP/1.1 listener (the simulator's). One per process: swift-metrics is bootstrapped once.
///
/// Metric names (all `jira_resilient_…`): `issues_written_total{tier}` (tier `full`, `hub`,
/// `minimal`, `splitPage`), `issues_incomplete_written_total`, `issues_incomplete` (the directory's, any pass), `requests_total{status}`
/// (`200`, `503`, …, or `none` when no answer came), `retries_total`, `backoff_seconds_total`,
/// `outage` (1 while JIRA is unreachable), `requests_in_flight`, `concurrency`,
/// `issues_pending`, `bytes_total`, and the timestamps (Unix seconds)
/// `pass_started_timestamp_seconds`, `pass_finished_timestamp_seconds`,
/// `watermark_timestamp_seconds` (where the next delta starts) and
/// `last_write_timestamp_seconds` (for a stalled-backfill alert).
final class MetricsEndpoint: Sendable {
    let server: SimulatorServer
    /// `http://HOST:PORT/metrics`.
    let url: String
    let sink: ScanEventSink

    private init(server: SimulatorServer, url: String, sink: ScanEventSink) {
        self.server = server
        self.url = url
        self.sink = sink
    }

    /// Parses `HOST:PORT` (port 0 picks a free one), binds, and starts serving.
    static func start(_ address: String, concurrency: Int) async throws(JiraError) -> MetricsEndpoint {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port), colon > address.startIndex
        else {
            throw JiraError(.invalidInput, "--metrics '\(address.prefix(60))' is not HOST:PORT, e.g. 127.0.0.1:9464")
        }
        let host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let server: SimulatorServer
        do {
            server = try await SimulatorServer.start(host: host, port: port, tls: false) { request in
                guard request.method == "GET", request.path == "/metrics" else {
                    return SimResponse(
                        status: 404, headers: [("Content-Type", "text/plain")], body: Array("see /metrics\n".utf8))
                }
                return SimResponse(
                    status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                    body: registry.emitToBuffer())
            }
        } catch {
            throw JiraError(.invalidInput, "--metrics \(address.prefix(60)): cannot listen there (\(error))")
        }
        let recorder = Recorder(concurrency: concurrency)
        let shown = host.contains(":") ? "[\(host)]" : host
        return MetricsEndpoint(
            server: server, url: "http://\(shown):\(server.port)/metrics", sink: ScanEventSink { recorder.record($0) })
    }

    func stop() async { await server.stop() }

    /// Turns scan events into metrics.
    final class Recorder: Sendable {
        /// Counters with a dimension, made on first use: by `tier` or by `status`.
        private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
        private let inFlightCount = Mutex(0)
        private let passStart = Mutex<Date?>(nil)
        let incomplete = CoreMetrics.Counter(label: "jira_resilient_issues_incomplete_written_total")
        /// Issues of the directory whose latest record is incomplete, any pass (kept by
        /// `ScanProgress`, which the events seed at a pass's start).
        let incompleteNow = CoreMetrics.Gauge(label: "jira_resilient_issues_incomplete")
        private let progress = Mutex(ScanProgress())
        let retries = CoreMetrics.Counter(label: "jira_resilient_retries_total")
        let backoff = CoreMetrics.FloatingPointCounter(label: "jira_resilient_backoff_seconds_total")
        let bytes = CoreMetrics.Counter(label: "jira_resilient_bytes_total")
        let outage = CoreMetrics.Gauge(label: "jira_resilient_outage")
        let inFlight = CoreMetrics.Gauge(label: "jira_resilient_requests_in_flight")
        let concurrency = CoreMetrics.Gauge(label: "jira_resilient_concurrency")
        let pending = CoreMetrics.Gauge(label: "jira_resilient_issues_pending")
        let passStarted = CoreMetrics.Gauge(label: "jira_resilient_pass_started_timestamp_seconds")
        let passFinished = CoreMetrics.Gauge(label: "jira_resilient_pass_finished_timestamp_seconds")
        let watermark = CoreMetrics.Gauge(label: "jira_resilient_watermark_timestamp_seconds")
        let lastWrite = CoreMetrics.Gauge(label: "jira_resilient_last_write_timestamp_seconds")
        /// The client's estimate of the server time the scan has cost (see `LoadSnapshot`).
        let serverSeconds = CoreMetrics.Gauge(label: "jira_resilient_server_seconds_estimate")

        init(concurrency: Int) {
            self.concurrency.record(concurrency)
            outage.record(0)
            inFlight.record(0)
            incompleteNow.record(0)
            // Present from the start, so a query for a tier is never empty.
            for name in ["full", "hub", "minimal", ManifestRecord.splitPageTally] { _ = tier(name) }
        }

        private func tier(_ value: String) -> CoreMetrics.Counter {
            counter("jira_resilient_issues_written_total", "tier", value)
        }

        private func status(_ value: String) -> CoreMetrics.Counter {
            counter("jira_resilient_requests_total", "status", value)
        }

        private func counter(_ label: String, _ dimension: String, _ value: String) -> CoreMetrics.Counter {
            counters.withLock { t in
                let key = "\(dimension):\(value)"
                if let c = t[key] { return c }
                let c = CoreMetrics.Counter(label: label, dimensions: [(dimension, value)])
                t[key] = c
                return c
            }
        }

        func record(_ event: ScanEvent) {
            let now = Date().timeIntervalSince1970
            switch event {
            case .written, .incompleteInDirectory, .swept, .phase:
                incompleteNow.record(
                    progress.withLock {
                        $0.applyStartingPasses(event)
                        return $0.incomplete
                    })
            default: break
            }
            switch event {
            case .connected:
                passStart.withLock { $0 = Date() }
                passStarted.record(now)
            case .written(let r):
                tier(r.splitPage == true ? ManifestRecord.splitPageTally : r.tier.rawValue).increment()
                if !r.complete { incomplete.increment() }
                lastWrite.record(now)
            case .checkpoint(_, let p): pending.record(p)
            case .phase(.done):
                passFinished.record(now)
                if let start = passStart.withLock({ $0 }) { watermark.record(start.timeIntervalSince1970) }
            case .client(let e):
                switch e {
                case .requestStarted:
                    inFlight.record(
                        inFlightCount.withLock {
                            $0 += 1; return $0
                        })
                case .requestFinished(_, let status, let n, _, _):
                    inFlight.record(
                        inFlightCount.withLock {
                            $0 = max(0, $0 - 1); return $0
                        })
                    self.status(status.map(String.init) ?? "none").increment()
                    bytes.increment(by: n)
                case .backoff(let b):
                    retries.increment()
                    backoff.increment(by: b.wait)
                case .load(let l):
                    concurrency.record(l.limit)
                    serverSeconds.record(l.serverSeconds)
                case .outage(let o):
                    switch o {
                    case .began: outage.record(1)
                    case .ended, .gaveUp: outage.record(0)
                    default: break
                    }
                default: break
                }
            default: break
            }
        }
    }
}
