import Foundation
import Testing
@testable import JiraSimulator

/// The console in a real terminal: the built binary in tmux, driven with send-keys and read with
/// capture-pane.
@Suite(.serialized) struct ConsoleEndToEndTests {
    struct Tmux {
        let session = "jr-e2e-\(UInt32.random(in: 0...UInt32.max))"

        @discardableResult
        func run(_ args: [String]) -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["tmux"] + args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try? p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }

        func screen() -> String { run(["capture-pane", "-p", "-t", session]) }
        func keys(_ keys: String...) { run(["send-keys", "-t", session] + keys) }
        func display(_ format: String) -> String { run(["display", "-p", "-t", session, format]).trimmingCharacters(in: .whitespacesAndNewlines) }

        /// Waits until the screen contains `text`; returns the screen.
        func wait(for text: String, seconds: Double = 60) async throws -> String {
            let deadline = Date().addingTimeInterval(seconds)
            var last = ""
            while Date() < deadline {
                last = screen()
                if last.contains(text) { return last }
                try await Task.sleep(for: .milliseconds(200))
            }
            Issue.record("timed out waiting for '\(text)'; screen:\n\(last)")
            throw CancellationError()
        }
    }

    static var tmuxAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    @Test(.enabled(if: tmuxAvailable)) func demoFetchesAHubAndQuitsCleanly() async throws {
        let tmux = Tmux()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("jr-e2e-\(UUID().uuidString)").path
        defer {
            tmux.run(["kill-session", "-t", tmux.session])
            try? FileManager.default.removeItem(atPath: out)
        }
        let hub = DataGenerator.universe(for: .demo).issues.values.max { $0.linkIDs.count < $1.linkIDs.count }!
        let command = "\(BinaryRunner.binary) demo --time-scale 0.05 --out \(out); echo EXITED-$?; sleep 60"
        tmux.run(["new-session", "-d", "-s", tmux.session, "-x", "180", "-y", "50", command])
        tmux.run(["select-pane", "-t", tmux.session, "-T", "original-title"])
        #expect(tmux.display("#{pane_title}") == "original-title")

        let running = try await tmux.wait(for: "DEMO delta")
        #expect(running.contains("Progress") && running.contains("Tier decisions"))
        _ = try await tmux.wait(for: "FINISHED", seconds: 120)
        #expect(tmux.display("#{alternate_on}") == "1")

        // f: fetch the largest hub through the ladder and watch it land in the hub tier.
        tmux.keys("f")
        _ = try await tmux.wait(for: "Fetch one issue")
        tmux.keys(hub.key)
        tmux.keys("Enter")
        let fetched = try await tmux.wait(for: "\(hub.key): hub, \(hub.linkIDs.count) links, complete", seconds: 90)
        #expect(fetched.contains("hub-base"))
        #expect(FileManager.default.fileExists(atPath: "\(out)/issues/\(hub.key).json"))
        tmux.keys("Escape")

        // Hostile summaries were on screen, inert: the pane title never changed.
        tmux.keys("G")
        #expect(tmux.display("#{pane_title}") == "original-title")

        tmux.keys("q")
        let quitting = tmux.screen()
        if quitting.contains("Quit?") { tmux.keys("y") }
        let after = try await tmux.wait(for: "EXITED-0", seconds: 30)
        #expect(tmux.display("#{alternate_on}") == "0")
        #expect(after.contains("output: \(out)"))
        #expect(tmux.display("#{pane_title}") == "original-title")
    }

    @Test(.enabled(if: tmuxAvailable)) func hostileSummariesAreShownInertly() async throws {
        let tmux = Tmux()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("jr-e2e-\(UUID().uuidString)").path
        defer {
            tmux.run(["kill-session", "-t", tmux.session])
            try? FileManager.default.removeItem(atPath: out)
        }
        // A scenario whose every issue has a hostile summary, on a wide screen so summaries show.
        let command = "\(BinaryRunner.binary) demo --scenario small --time-scale 0.02 --out \(out); echo EXITED-$?; sleep 60"
        tmux.run(["new-session", "-d", "-s", tmux.session, "-x", "220", "-y", "50", command])
        tmux.run(["select-pane", "-t", tmux.session, "-T", "original-title"])
        let screen = try await tmux.wait(for: "FINISHED", seconds: 90)
        tmux.keys("g")
        var seen = screen
        for _ in 0..<8 {
            if seen.contains("␛]0;PWNED-TITLE␇") { break }
            tmux.keys("PageDown")
            try await Task.sleep(for: .milliseconds(300))
            seen = tmux.screen()
        }
        #expect(seen.contains("␛]0;PWNED-TITLE␇") || seen.contains("␛["), "no hostile summary reached the screen")
        #expect(tmux.display("#{pane_title}") == "original-title")
        tmux.keys("q")
        _ = try await tmux.wait(for: "EXITED-0", seconds: 30)
        #expect(tmux.display("#{alternate_on}") == "0")
    }

    @Test(.enabled(if: tmuxAvailable)) func aHungUpTerminalStopsTheConsoleWithTheCheckpointSaved() async throws {
        let sim = JiraSimulator(.init(scenario: .small, token: "hangup-token", timeScale: 0.3))
        let url = try await sim.start()
        let tmux = Tmux()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("jr-hup-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let command = "JIRA_URL=\(url) JIRA_PAT=hangup-token \(BinaryRunner.binary) console PRJ --out \(out) --page-size 5 --concurrency 1; sleep 30"
        tmux.run(["new-session", "-d", "-s", tmux.session, "-x", "160", "-y", "40", command])
        _ = try await tmux.wait(for: "RUNNING", seconds: 60)
        while (FileManager.default.contents(atPath: out + "/manifest.jsonl") ?? Data()).count < 100 { try await Task.sleep(for: .milliseconds(50)) }
        tmux.run(["kill-session", "-t", tmux.session])
        // The console notices the hangup, saves the checkpoint and exits (no spinning orphan).
        let deadline = Date().addingTimeInterval(20)
        var state = ""
        while Date() < deadline {
            state = String(decoding: FileManager.default.contents(atPath: out + "/state.json") ?? Data(), as: UTF8.self)
            if state.contains("\"phase\":\"interrupted\"") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(state.contains("\"phase\":\"interrupted\""))
        try await Task.sleep(for: .milliseconds(500))
        let alive = Process()
        alive.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        alive.arguments = ["-f", "console PRJ --out \(out)"]
        alive.standardOutput = FileHandle.nullDevice
        try alive.run()
        alive.waitUntilExit()
        #expect(alive.terminationStatus == 1, "the console is still running after its terminal went away")
        await sim.stop()
    }
}
