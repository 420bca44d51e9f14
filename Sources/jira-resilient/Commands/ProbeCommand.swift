import ArgumentParser
import Foundation
import JiraExtract
import JiraResilient
import Synchronization

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Run the tier ladder on one issue and print what each rung cost. Writes nothing."
    )

    @Argument(help: "Issue key, e.g. PROJ-123.")
    var key: String
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        _ = try IssueFetcher.parse([key])
        let tty = isatty(2) == 1
        let live = Mutex<(rung: Rung?, started: Date?)>((nil, nil))
        let events = EventSink { event in
            switch event {
            case .requestStarted(let info) where info.rung != nil:
                live.withLock { $0 = (info.rung, Date()) }
            case .rung(_, let report):
                live.withLock { $0 = (nil, nil) }
                if tty { StandardStreams.write(2, "\r\u{1B}[K") }
                let name = report.rung.rawValue
                let line =
                    report.succeeded
                    ? "  \(name.padding(toLength: 9, withPad: " ", startingAt: 0)) ✓ \(String(format: "%7.1f s", report.seconds))  \(ProbeCommand.bytes(report.bytes))"
                    : "  \(name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(Narration.glyph(report)) \(String(format: "%7.1f s", report.seconds))  \(report.error ?? "failed")"
                StandardStreams.out(line)
            case .backoff(let b):
                if tty { StandardStreams.write(2, "\r\u{1B}[K") }
                StandardStreams.err(
                    "    retry: \(b.status.map { "HTTP \($0)" } ?? b.reason), waiting \(String(format: "%.1f", b.wait)) s (\(b.source.rawValue))"
                )
            default: break
            }
        }
        var configuration = try connection.configuration(token: try connection.token(), concurrency: 2)
        connection.warnIfInsecure()
        // Not a terminal (no live ticker): a line every 10 s for a step still running.
        let heartbeat = RungHeartbeat()
        configuration.events = tty ? events : events + heartbeat.sink
        let client = try JiraClient(configuration)
        let ticker = Task {
            guard tty else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                let (rung, started) = live.withLock { $0 }
                if let rung, let started {
                    let text =
                        "\r\u{1B}[K  \(rung.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) … \(String(format: "%7.1f s", Date().timeIntervalSince(started)))"
                    StandardStreams.write(2, text)
                }
            }
        }
        StandardStreams.out("probing \(key) on \(client.configuration.normalizedDisplayURL)")
        let start = Date()
        let result: Result<AssembledIssue, JiraError>
        do {
            // First contact: a wrong URL or a dead server is named within seconds.
            _ = try await client.serverInfo()
            // On a terminal the heartbeat hears nothing (the ticker shows the step instead).
            result = await heartbeat.during {
                do throws(JiraError) { return .success(try await client.fetchResilient(key)) } catch {
                    return .failure(error)
                }
            }
        } catch {
            result = .failure(error)
        }
        ticker.cancel()
        if tty { StandardStreams.write(2, "\r\u{1B}[K") }
        await client.shutdown()
        let wall = Date().timeIntervalSince(start)
        switch result {
        case .failure(let error): throw error
        case .success(let issue):
            let fields = (try? IssueJSON.parse(issue.bytes).layout.fieldMembers.count) ?? 0
            let links = issue.summary.links.map { "\($0) links" } ?? "links unknown"
            StandardStreams.out(
                UntrustedText.sanitized(
                    "\(issue.key): tier \(issue.tier.rawValue) — \(links), \(fields) fields, \(issue.summary.histories?.inline ?? 0) histories, \(String(format: "%.1f", wall)) s in all."
                ))
            StandardStreams.out(Self.meaning(issue))
        }
    }

    static func meaning(_ issue: AssembledIssue) -> String {
        switch issue.tier {
        case .full:
            return "The whole issue arrived within the fast-fail budget: nothing is lost."
        case .hub where issue.isComplete:
            return
                "The full payload did not arrive within the fast-fail budget, so the issue was assembled from a lighter fetch plus its links fetched alone: nothing is lost."
        case .hub:
            return
                "The links could not be fetched within --links-timeout; the record lacks \(issue.missing.joined(separator: ", ")). Try refetch with a longer --links-timeout."
        case .minimal:
            return
                "Only the core fields could be fetched; the record lacks \(issue.missing.joined(separator: ", ")). A refetch with longer budgets may recover them."
        }
    }

    static func bytes(_ n: Int) -> String {
        n >= 1_000_000
            ? String(format: "%.1f MB", Double(n) / 1e6)
            : (n >= 1000 ? String(format: "%.1f kB", Double(n) / 1e3) : "\(n) B")
    }
}

extension JiraClientConfiguration {
    var normalizedDisplayURL: String { baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL }
}
