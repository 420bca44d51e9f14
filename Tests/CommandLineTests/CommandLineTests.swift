import AsyncHTTPClient
import Foundation
import Testing
@testable import JiraSimulator
import TestSupport

/// The executable end to end: exit codes and messages, kill -9 and resume, SIGINT, secrecy.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CommandLineTests {
    static let token = "cli-secret-token-z9x8c7"

    func withSim<T>(
        _ scenario: Scenario = .small, timeScale: Double = 0.01,
        _ body: (JiraSimulator, [String: String]) async throws -> T
    ) async throws -> T {
        let sim = JiraSimulator(.init(scenario: scenario, token: Self.token, timeScale: timeScale))
        let url = try await sim.start()
        do {
            let r = try await body(sim, ["JIRA_URL": url, "JIRA_PAT": Self.token])
            await sim.stop()
            return r
        } catch {
            await sim.stop()
            throw error
        }
    }

    /// Matches every request that names the project's last issue (its batch, its own GET).
    func lastIssue(of project: String, in sim: JiraSimulator) throws -> RequestMatcher {
        let issues = sim.universe.issues.values.filter { $0.projectKey == project }
        let last = try #require(issues.max { $0.number < $1.number })
        var matcher = RequestMatcher()
        matcher.issueID = last.id
        matcher.issueKey = "\(project)-\(last.number)"
        return matcher
    }

    func temporaryDirectory() -> String {
        Reaper.scratchPath("jr-cli")
    }

    func manifestLines(_ dir: String) -> Int {
        (FileManager.default.contents(atPath: dir + "/manifest.jsonl") ?? Data()).split(separator: 0x0A).count
    }

    func issueFiles(_ dir: String) -> [String: Data] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/issues")) ?? []
        var out: [String: Data] = [:]
        for name in names where name.hasSuffix(".json") {
            out[name] = FileManager.default.contents(atPath: "\(dir)/issues/\(name)")
        }
        return out
    }

    func tokenIsAbsent(_ dir: String, _ texts: [String]) -> Bool {
        for text in texts where text.contains(Self.token) { return false }
        let files = FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? []
        for file in files {
            if let data = FileManager.default.contents(atPath: dir + "/" + file),
                data.range(of: Data(Self.token.utf8)) != nil
            {
                return false
            }
        }
        return true
    }

    @Test func scanPrintsProgressOnStderrAndOneSummaryOnStdout() async throws {
        try await withSim { sim, env in
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try await BinaryRunner.run(
                ["scan", "PRJ", "--out", dir, "--progress-interval", "0.2"], environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.split(separator: "\n").count == 1)
            #expect(r.stdout.contains("PRJ full scan finished: 123 issues written"))
            #expect(r.stderr.contains("123 issues in scope"))
            #expect(issueFiles(dir).count == 123)
            #expect(tokenIsAbsent(dir, [r.stdout, r.stderr]))
            // The next full scan, after an issue was deleted, names its file as out of scope.
            let gone = sim.universe.issues.values.filter { $0.projectKey == "PRJ" }.map(\.key).min()!
            sim.apply(.delete(key: gone))
            let again = try await BinaryRunner.run(
                ["scan", "PRJ", "--out", dir, "--full", "--progress-interval", "0.2"], environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(
                again.stdout.contains("122 issues written")
                    && again.stdout.contains("1 earlier file is of issues no longer in scope (state.json outOfScope)"))
            #expect(
                again.stderr.contains(
                    "no longer in scope (deleted, moved or filtered out); kept, listed in state.json outOfScope: \(gone)"
                ))
        }
    }

    @Test func killNineAtAnyMomentResumesToTheSameResult() async throws {
        try await withSim(timeScale: 0.2) { sim, env in
            let dir = temporaryDirectory(), reference = temporaryDirectory()
            defer {
                try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: reference)
            }
            let args = [
                "--page-size", "5", "--concurrency", "2", "--fast-fail-timeout", "2", "--backoff-scale", "0.01",
            ]
            // The project's last issue is held, so the scan is still running when it is killed.
            let held = sim.hold(try lastIssue(of: "PRJ", in: sim))
            let (process, out, err) = try BinaryRunner.start(["scan", "PRJ", "--out", dir] + args, environment: env)
            while manifestLines(dir) < 30 && process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            kill(process.processIdentifier, SIGKILL)
            let killed = await BinaryRunner.finish(process, out, err)
            held.open()
            #expect(killed.status != 0)
            #expect(issueFiles(dir).count < 123)
            let saved =
                (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/state.json"))))
                as? [String: Any]
            let resumed = try await BinaryRunner.run(["scan", "PRJ", "--out", dir] + args, environment: env)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            // The resumed run says what earlier runs did, and counts from there.
            if let earlier = saved?["written"] as? Int, earlier > 0 {
                #expect(
                    resumed.stderr.contains("resuming the interrupted pass: \(earlier) issues already written"),
                    "\(resumed.stderr)")
            }
            #expect(!resumed.stdout.contains("no longer in scope"), "\(resumed.stdout)")
            let whole = try await BinaryRunner.run(["scan", "PRJ", "--out", reference] + args, environment: env)
            #expect(whole.status == 0)
            let a = issueFiles(dir), b = issueFiles(reference)
            #expect(a.count == 123 && Set(a.keys) == Set(b.keys))
            // Equal as JSON: a page near the hedge threshold may land in either lossless tier,
            // which places issuelinks differently among the fields.
            for (name, data) in a {
                let x = try JSONSerialization.jsonObject(with: data) as! NSDictionary
                let y = try JSONSerialization.jsonObject(with: b[name]!) as! NSDictionary
                #expect(x.isEqual(y), "\(name) differs")
            }
            // Temporary files never survive as issues.
            #expect(a.keys.allSatisfy { !$0.contains(".tmp") })
        }
    }

    @Test func sigintSavesTheCheckpointAndExits130() async throws {
        try await withSim(timeScale: 0.3) { sim, env in
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let args = ["scan", "PRJ", "--out", dir, "--page-size", "5", "--concurrency", "1"]
            // The project's last issue is held, so the scan is still running when it is stopped.
            let held = sim.hold(try lastIssue(of: "PRJ", in: sim))
            let (process, out, err) = try BinaryRunner.start(args, environment: env)
            while manifestLines(dir) < 10 && process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            kill(process.processIdentifier, SIGINT)
            let r = await BinaryRunner.finish(process, out, err)
            held.open()
            #expect(r.status == 130)
            #expect(r.stderr.contains("the same command resumes"))
            let state = String(
                decoding: FileManager.default.contents(atPath: dir + "/state.json") ?? Data(), as: UTF8.self)
            #expect(state.contains("\"phase\":\"interrupted\""))
            let again = try await BinaryRunner.run(args, environment: env)
            #expect(again.status == 0)
            #expect(issueFiles(dir).count == 123)
        }
    }

    @Test func exitCodesAndOneClearLine() async throws {
        try await withSim { sim, env in
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            func run(_ args: [String], _ environment: [String: String]) async throws -> BinaryRunner.Result {
                try await BinaryRunner.run(args, environment: environment)
            }
            var noToken = env
            noToken["JIRA_PAT"] = nil
            let cases: [([String], [String: String], Int32, String)] = [
                (["scan", "PRJ", "--out", dir], noToken, 2, "no personal access token"),
                (["scan", "prj!", "--out", dir], env, 2, "is not a JIRA project key"),
                (
                    ["scan", "PRJ", "--out", dir, "--filter", "labels = x) OR (project = OTHER"], env, 2,
                    "unsafe filter"
                ),
                (
                    ["scan", "PRJ", "--out", dir, "--ca-bundle", "/nonexistent/ca.pem"], env, 2,
                    "cannot read the CA bundle"
                ),
                (["scan", "PRJ", "--out", dir, "--since", "yesterday"], env, 2, "not an ISO-8601 instant"),
                (["scan", "PRJ", "--out", dir, "--nonsense"], env, 2, "Unknown option"),
                (["scan", "NOPE", "--out", dir], env, 4, "JIRA has no project NOPE"),
                (
                    ["scan", "PRJ", "--out", dir], ["JIRA_URL": env["JIRA_URL"]!, "JIRA_PAT": "wrong"], 3,
                    "JIRA refused the token"
                ),
                (
                    ["scan", "PRJ", "--out", dir, "--max-attempts", "1"],
                    ["JIRA_URL": "http://127.0.0.1:9", "JIRA_PAT": Self.token], 5, "connection refused"
                ),
                (["fetch", "PRJ-99999", "--out", dir], env, 5, "could not be fetched"),
                (["scan", "PRJ", "--out", ""], env, 2, "the output directory is an empty path"),
                // Local files: one clear line and exit 2 (here a directory the kernel refuses).
                (["scan", "PRJ", "--out", "/proc/jr-cannot-create"], env, 2, "cannot create the directory /proc/"),
                (["scan", "PRJ", "--out", "/dev/null/sub"], env, 2, "/dev/null is a file, not a directory"),
                (["scan", "PRJ", "--out", dir, "--timeout", "1e300"], env, 2, "--timeout must be a number of seconds"),
                (["scan", "PRJ", "--out", dir, "--max-body", "0"], env, 2, "--max-body must be a size"),
                (
                    ["scan", "PRJ", "--out", dir, "--concurrency", "many"], env, 2,
                    "--concurrency must be 'auto' or 1–256"
                ),
                (["scan", "PRJ", "--out", dir, "--page-size", "0"], env, 2, "--page-size must be 'auto' or 1–1000"),
                (["scan", "PRJ", "--out", dir, "--max-concurrency", "0"], env, 2, "--max-concurrency must be 1–256"),
                (["sim", "--background-load", "2"], env, 2, "--background-load must be a share from 0 to 0.95"),
                (["sim", "--server-cores", "2000"], env, 2, "--server-cores must be 0–1024"),
                (
                    ["scan", "PRJ", "--out", dir, "--proxy", "socks5://x:1"], env, 2,
                    "--proxy 'socks5://x:1' is not an http proxy URL"
                ),
            ]
            for (args, environment, code, message) in cases {
                let r = try await run(args, environment)
                #expect(r.status == code, "\(args): \(r.stderr)")
                #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
                #expect(!r.all.contains(Self.token))
            }
            sim.inject(.init(.redirect(location: "https://sso.example.invalid/login"), count: 1))
            let redirected = try await run(["scan", "PRJ", "--out", dir], env)
            #expect(redirected.status == 6 && redirected.stderr.contains("sso.example.invalid"))
            sim.inject(.init(.htmlLogin, count: 1))
            let html = try await run(["scan", "PRJ", "--out", dir], env)
            #expect(html.status == 6 && html.stderr.contains("not as JIRA does"))
            // A directory that holds another project's scan.
            #expect(try await run(["scan", "OTHER", "--out", dir], env).status == 0)
            let other = try await run(["scan", "PRJ", "--out", dir], env)
            #expect(other.status == 2 && other.stderr.contains("holds a scan of project OTHER"))
            #expect(tokenIsAbsent(dir, []))
        }
    }

    /// A second `scan` on a finished directory continues as a delta from the last pass's start
    /// and writes only what changed; `--full` rescans everything.
    @Test func aSecondScanContinuesAsADeltaAndFullRescans() async throws {
        try await withSim { sim, env in
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let first = try await BinaryRunner.run(["scan", "PRJ", "--out", dir], environment: env)
            #expect(first.status == 0, "\(first.stderr)")
            let all = manifestLines(dir)
            #expect(all > 10)
            for key in ["PRJ-5", "PRJ-17"] { sim.apply(.update(key: key)) }
            let second = try await BinaryRunner.run(["scan", "PRJ", "--out", dir], environment: env)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("continuing: delta since"), "\(second.stderr)")
            #expect(second.stdout.contains("PRJ delta scan finished: 2 issues written"), "\(second.stdout)")
            #expect(manifestLines(dir) == all + 2)
            let state = String(
                decoding: FileManager.default.contents(atPath: dir + "/state.json") ?? Data(), as: UTF8.self)
            #expect(state.contains("\"lastFullScan\"") && state.contains("\"mode\":\"delta\""))
            // Nothing changed since: the next pass only re-reads the two inside the 5-minute overlap
            // (kept for clock skew between this machine and JIRA's index).
            let third = try await BinaryRunner.run(["scan", "PRJ", "--out", dir], environment: env)
            #expect(third.stdout.contains("delta scan finished: 2 issues written"), "\(third.stdout)")
            let full = try await BinaryRunner.run(["scan", "PRJ", "--out", dir, "--full"], environment: env)
            #expect(full.status == 0 && full.stdout.contains("PRJ full scan finished: \(all) issues written"))
            // Four passes appended their records; compact keeps the last of each issue.
            #expect(manifestLines(dir) > all)
            let compact = try await BinaryRunner.run(["compact", "--out", dir], environment: [:])
            #expect(compact.status == 0 && compact.stdout.contains("compacted to the last record"), "\(compact.all)")
            #expect(manifestLines(dir) == all)
            #expect(!full.stderr.contains("continuing"))
            let both = try await BinaryRunner.run(
                ["scan", "PRJ", "--out", dir, "--full", "--since", "2026-01-01T00:00:00Z"], environment: env)
            #expect(both.status == 2 && both.stderr.contains("--full and --since exclude each other"))
        }
    }

    /// `--follow`: pass after pass through one client, each a delta from the last one's start,
    /// with one summary line each; stopped between passes, the scan exits 0 with its last pass
    /// done. The simulator changes between passes; the 5 s interval is the slack for reading a
    /// summary line and making the change before the next pass lists.
    @Test func followRunsDeltaPassesWithLiveChangesUntilStopped() async throws {
        try await withSim { sim, env in
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let (process, out, err) = try BinaryRunner.start(
                ["scan", "PRJ", "--out", dir, "--follow", "5s", "--connect-timeout", "60"], environment: env)
            let pid = process.processIdentifier
            let watchdog = Task {
                try await Task.sleep(for: .seconds(150))
                kill(pid, SIGKILL)
            }
            defer { watchdog.cancel() }
            async let stderr = BinaryRunner.readAll(err)
            var lines: [String] = []
            func nextSummary() async {
                let data = await BinaryRunner.read(out) { $0.last == 0x0A }
                lines += String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            }
            await nextSummary()
            sim.apply(.update(key: "PRJ-5"))
            sim.apply(.update(key: "PRJ-17"))
            // --follow sweeps: the next pass names a deleted and a moved issue in the manifest.
            sim.apply(.delete(key: "PRJ-20"))
            sim.apply(.move(key: "PRJ-21", toProject: "OTHER"))
            await nextSummary()
            sim.apply(.update(key: "PRJ-9"))
            await nextSummary()
            // Between passes the scan still holds its directory: a second writer is refused, by
            // name and pid, before it writes anything.
            let running = "a scan (pid \(pid)) is running on \(dir)"
            let compact = try await BinaryRunner.run(["compact", "--out", dir], environment: [:])
            #expect(compact.status == 2 && compact.stderr.contains(running), "\(compact.all)")
            let refetch = try await BinaryRunner.run(["refetch", "--out", dir], environment: env)
            // One line and nothing else (not "nothing to re-fetch" read from a manifest being written).
            #expect(refetch.status == 2 && refetch.stderr.contains(running), "\(refetch.all)")
            #expect(refetch.stdout.isEmpty && refetch.stderr.split(separator: "\n").count == 1, "\(refetch.all)")
            let fetch = try await BinaryRunner.run(["fetch", "PRJ-3", "--out", dir], environment: env)
            #expect(
                fetch.status == 2 && fetch.stderr.contains(running + ": fetch would be a second writer"), "\(fetch.all)"
            )
            kill(pid, SIGTERM)
            let rest = await BinaryRunner.readAll(out)
            let errors = await stderr
            while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
            lines += String(decoding: rest, as: UTF8.self).split(separator: "\n").map(String.init)
            let log = String(decoding: errors, as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(log)")
            #expect(lines.count == 3, "\(lines)")
            guard lines.count == 3 else { return }
            #expect(lines[0].hasPrefix("PRJ full scan finished:") && lines[0].contains("all complete"), "\(lines)")
            // Pass 2: the two edited issues (and those whose links the deletion changed). Pass 3:
            // the one edited since, and the others again (inside the 5-minute overlap kept for
            // clock skew): counted from the manifest below.
            #expect(lines[1].hasPrefix("PRJ delta scan finished:") && lines[1].contains("all complete"), "\(lines[1])")
            #expect(lines[1].contains("sweep: 1 deleted, 1 moved to another project"), "\(lines[1])")
            #expect(!lines[2].contains("sweep:"), "\(lines[2])")
            #expect(lines[2].hasPrefix("PRJ delta scan finished:") && lines[2].contains("all complete"), "\(lines[2])")
            #expect(log.contains("following: pass 2 in 5.0s") && log.contains("following: pass 4 in 5.0s"), "\(log)")
            #expect(log.contains("following stopped after 3 passes (the last one finished)"), "\(log)")
            let state = String(
                decoding: FileManager.default.contents(atPath: dir + "/state.json") ?? Data(), as: UTF8.self)
            #expect(state.contains("\"phase\":\"done\"") && state.contains("\"mode\":\"delta\""), "\(state)")
            let written = (FileManager.default.contents(atPath: dir + "/manifest.jsonl") ?? Data()).split(
                separator: 0x0A
            ).compactMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
                .compactMap { $0["key"] as? String }
            #expect(written.filter { $0 == "PRJ-9" }.count == 2 && written.filter { $0 == "PRJ-5" }.count == 3)
            let manifest = String(
                decoding: FileManager.default.contents(atPath: dir + "/manifest.jsonl") ?? Data(), as: UTF8.self)
            let moved = sim.universe.resolve("PRJ-21")!.key
            #expect(manifest.contains("\"deleted\":true") && manifest.contains("\"movedTo\":\"\(moved)\""))
            #expect(FileManager.default.fileExists(atPath: dir + "/issues/PRJ-20.json"))
        }
    }

    /// `--metrics HOST:PORT` serves the scan's counters in Prometheus' format while it runs.
    @Test func metricsAreServedWhileTheScanRuns() async throws {
        try await withSim(timeScale: 0.5) { sim, env in
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            // The largest hub's links are held, so the scan is still running when asked.
            let gate = sim.hold(RequestMatcher(fieldsExactly: "issuelinks", hubRank: 0))
            let (process, out, err) = try BinaryRunner.start(
                ["scan", "PRJ", "--out", dir, "--metrics", "127.0.0.1:0", "--fast-fail-timeout", "1"],
                environment: env)
            // The first stderr line names the endpoint (port 0: the system picked one).
            let seen = String(
                decoding: await BinaryRunner.read(err) { String(decoding: $0, as: UTF8.self).contains("/metrics\n") },
                as: UTF8.self)
            let url = try #require(
                seen.split(separator: "\n").first { $0.hasPrefix("metrics: http://127.0.0.1:") }.map {
                    String($0.dropFirst("metrics: ".count))
                })
            let started = Date()
            while manifestLines(dir) < 50 && Date().timeIntervalSince(started) < 120 {
                try await Task.sleep(for: .milliseconds(100))
            }
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            gate.open()
            let finished = await BinaryRunner.finish(process, out, err)
            #expect(finished.status == 0)
            #expect(response.status == .ok)
            // Every record counted by its tier: at least the 50 in the manifest when asked.
            let written = text.split(separator: "\n").filter {
                $0.hasPrefix("jira_resilient_issues_written_total{tier=")
            }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
            #expect(written >= 50, "\(text)")
            #expect(text.contains("jira_resilient_issues_written_total{tier=\"splitPage\"}"))
            #expect(text.contains("jira_resilient_requests_total{status=\"200\"}"))
            // The limit in force (auto starts at 2 and stays within its ceiling of 8).
            let limit = text.split(separator: "\n").first { $0.hasPrefix("jira_resilient_concurrency ") }
                .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
            #expect(limit.map { (1...8).contains($0) } == true, "\(text)")
            #expect(text.contains("jira_resilient_requests_in_flight"))
            #expect(text.contains("jira_resilient_last_write_timestamp_seconds"))
            #expect(!text.contains(Self.token))
        }
    }

    /// Completeness is the directory's: an issue left incomplete by one command stays counted by
    /// every later pass (summary, state.json, exit 7) until a complete record replaces it.
    @Test func incompleteIssuesCountAcrossPassesUntilRefetchedAndAScanEndsWithExit7() async throws {
        try await withSim(timeScale: 0.05) { sim, env in
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            func state() -> [String: Any] {
                let data = FileManager.default.contents(atPath: dir + "/state.json") ?? Data()
                return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            }
            let first = try await BinaryRunner.run(["scan", "PRJ", "--out", dir], environment: env)
            #expect(first.status == 0 && first.stdout.contains("all complete"), "\(first.all)")
            // The hub's full and hub-base rungs answer after 10 s, past their 1 s and 3 s budgets:
            // it lands minimal.
            let hub = try #require(
                sim.universe.issues.values.filter { $0.projectKey == "PRJ" }.max { $0.linkIDs.count < $1.linkIDs.count }
            )
            sim.inject(
                .init(
                    .delay(200),
                    matching: RequestMatcher(pathContains: "/issue/\(hub.key)", fieldsContains: "*all"),
                    count: nil))
            let fetch = try await BinaryRunner.run(
                ["fetch", hub.key, "--out", dir, "--fast-fail-timeout", "1", "--timeout", "3"], environment: env)
            #expect(fetch.stdout.hasPrefix("\(hub.key) minimal"), "\(fetch.all)")
            sim.clearFaults()
            // The next pass writes nothing new about the hub, and still counts it: exit 7.
            let next = try await BinaryRunner.run(["scan", "PRJ", "--out", dir], environment: env)
            #expect(next.status == 7, "\(next.all)")
            #expect(next.stdout.contains("delta scan finished"), "\(next.stdout)")
            #expect(next.stdout.contains("1 incomplete in the directory (from earlier passes)"), "\(next.stdout)")
            #expect(!next.stdout.contains("all complete"))
            #expect(next.stderr.contains("finished; 1 issue is incomplete in \(dir): run jira-resilient refetch"))
            #expect(state()["incomplete"] as? Int == 1)
            // --allow-incomplete: the same count, exit 0.
            let allowed = try await BinaryRunner.run(
                ["scan", "PRJ", "--out", dir, "--allow-incomplete"], environment: env)
            #expect(allowed.status == 0, "\(allowed.all)")
            #expect(allowed.stdout.contains("1 incomplete in the directory"), "\(allowed.stdout)")
            // A complete record clears it.
            let refetch = try await BinaryRunner.run(["refetch", "--out", dir], environment: env)
            #expect(refetch.status == 0 && refetch.stdout.contains("\(hub.key) hub"), "\(refetch.all)")
            let last = try await BinaryRunner.run(["scan", "PRJ", "--out", dir], environment: env)
            #expect(last.status == 0 && last.stdout.contains("all complete"), "\(last.all)")
            #expect(state()["incomplete"] as? Int == 0)
        }
    }

    /// `fetch` says each issue as it is written, and what it still waits on every 10 s: an
    /// ordinary issue is not held back by a hub beside it.
    @Test func fetchPrintsEachIssueAsItIsWrittenAndWhatItStillWaitsOn() async throws {
        try await withSim { sim, env in
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let hub = try #require(
                sim.universe.issues.values.filter { $0.projectKey == "PRJ" }.max { $0.linkIDs.count < $1.linkIDs.count }
            )
            let held = sim.hold(RequestMatcher(pathContains: "/issue/\(hub.key)"))
            let (process, out, err) = try BinaryRunner.start(
                ["fetch", hub.key, "PRJ-1", "--out", dir, "--concurrency", "2"], environment: env)
            async let errors = BinaryRunner.read(err) { String(decoding: $0, as: UTF8.self).contains("still running") }
            // PRJ-1's line comes while the hub is still held.
            let first = await BinaryRunner.read(out) { $0.contains(0x0A) }
            #expect(String(decoding: first, as: UTF8.self).hasPrefix("PRJ-1 full"))
            let heartbeat = String(decoding: await errors, as: UTF8.self)
            #expect(heartbeat.contains("  \(hub.key) full: still running, "), "\(heartbeat)")
            #expect(heartbeat.contains(" s of its 60 s budget"), "\(heartbeat)")
            held.open()
            let rest = await BinaryRunner.finish(process, out, err)
            #expect(rest.status == 0, "\(rest.stderr)")
            #expect(rest.stdout.hasPrefix("\(hub.key) "), "\(rest.stdout)")
        }
    }

    /// Small things a newcomer met, each once.
    @Test func theGlitchesANewcomerMetAreGone() async throws {
        try await withSim { sim, env in
            let dir = temporaryDirectory()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(FileManager.default.createFile(atPath: dir + "/afile", contents: Data()))
            // A relative path is named as typed.
            let file = try await BinaryRunner.run(
                ["scan", "PRJ", "--out", "./afile"], environment: env, directory: dir)
            #expect(file.status == 2 && file.stderr.contains("jira-resilient: ./afile is a file"), "\(file.stderr)")
            // A wrong context path: the URL tried is named; the directory the scan would have
            // made is not left behind.
            var wrongPath = env
            wrongPath["JIRA_URL"] = env["JIRA_URL"]! + "/jira"
            let missed = try await BinaryRunner.run(["scan", "PRJ", "--out", dir + "/o1"], environment: wrongPath)
            #expect(missed.status == 6)
            #expect(
                missed.stderr.contains("GET \(wrongPath["JIRA_URL"]!)/rest/api/2/myself answered 404"),
                "\(missed.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/o1"))
            // A refused token: JIRA's sentence ends before the remedy, once.
            var wrongToken = env
            wrongToken["JIRA_PAT"] = "not-the-token"
            let refused = try await BinaryRunner.run(["scan", "PRJ", "--out", dir + "/o2"], environment: wrongToken)
            #expect(refused.status == 3 && !refused.stderr.contains(".;"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/o2"))
            // A project key typed in lower case is JIRA's key.
            let lower = try await BinaryRunner.run(["scan", "prj", "--out", dir + "/o3"], environment: env)
            #expect(lower.status == 0 && lower.stdout.hasPrefix("PRJ full scan finished"), "\(lower.all)")
            // Each default said once.
            let help = try await BinaryRunner.run(["sim", "--help"]).stdout
            #expect(!help.contains("(default 0). (default"), "\(help)")
        }
    }

    @Test func fetchProbeAndRefetch() async throws {
        try await withSim(timeScale: 0.5) { sim, env in
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let hub = sim.universe.issues.values.filter { $0.projectKey == "PRJ" }.max {
                $0.linkIDs.count < $1.linkIDs.count
            }!
            let probe = try await BinaryRunner.run(["probe", hub.key, "--fast-fail-timeout", "1"], environment: env)
            #expect(probe.status == 0, "\(probe.stderr)")
            // The full rung did not deliver: timed out (✗), or cut when hub-base answered first (◌).
            #expect(
                (probe.stdout.contains("full      ✗") || probe.stdout.contains("full      ◌"))
                    && probe.stdout.contains("hub-links ✓"), "\(probe.stdout)")
            #expect(probe.stdout.contains("tier hub — \(hub.linkIDs.count) links"))
            #expect(!FileManager.default.fileExists(atPath: dir))

            // Hub-base slower than its budget (10 simulated s = 5 s > 3 s): the hub falls to minimal.
            sim.inject(
                .init(
                    .delay(10),
                    matching: RequestMatcher(pathContains: "/issue/\(hub.key)", fieldsContains: "-issuelinks"),
                    count: nil))
            let fetch = try await BinaryRunner.run(
                ["fetch", hub.key, "PRJ-1", "--out", dir, "--fast-fail-timeout", "1", "--timeout", "3"],
                environment: env)
            #expect(fetch.status == 0, "\(fetch.stderr)")
            let lines = fetch.stdout.split(separator: "\n")
            #expect(lines.count == 2)
            let hubLine = lines.first { $0.hasPrefix("\(hub.key) ") }
            #expect(hubLine?.hasPrefix("\(hub.key) minimal") == true && hubLine?.contains("missing issuelinks") == true)
            sim.clearFaults()
            let refetch = try await BinaryRunner.run(
                ["refetch", "--out", dir, "--fast-fail-timeout", "1"], environment: env)
            #expect(refetch.status == 0, "\(refetch.stderr)")
            #expect(
                refetch.stdout.contains("\(hub.key) hub \(hub.linkIDs.count) links")
                    && refetch.stdout.contains("complete"))
            let again = try await BinaryRunner.run(["refetch", "--out", dir], environment: env)
            #expect(again.stdout.contains("nothing to re-fetch"))
        }
    }

    @Test func hostileServerTextNeverReachesTheTerminalRaw() async throws {
        try await withSim { sim, env in
            sim.inject(.init(.status(404, nil), matching: RequestMatcher(pathContains: "/myself"), count: 1))
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let hostile = sim.universe.issues.values.first { $0.hostile && $0.projectKey == "PRJ" }!
            let r = try await BinaryRunner.run(["fetch", hostile.key, "--out", dir], environment: env)
            #expect(!r.all.contains("\u{1B}"))
            #expect(!r.all.unicodeScalars.contains { (0x80...0x9F).contains($0.value) || $0.value == 0x202E })
        }
    }

    @Test func simPrintsTheURLAndToken() async throws {
        let (process, out, err) = try BinaryRunner.start(
            ["sim", "--scenario", "small", "--token", "abc123", "--time-scale", "0.01"], environment: [:])
        // Read until both lines are out (the pipe ends early if the simulator dies).
        let printed = String(
            decoding: await BinaryRunner.read(out) {
                let text = String(decoding: $0, as: UTF8.self)
                return text.contains("JIRA_PAT=abc123\n") && text.contains("JIRA_URL=") && text.contains("projects ")
            }, as: UTF8.self)
        kill(process.processIdentifier, SIGTERM)
        let r = await BinaryRunner.finish(process, out, err)
        #expect(printed.contains("JIRA_URL=http://127.0.0.1:"))
        #expect(printed.contains("JIRA_PAT=abc123"))
        // Which project keys it serves, and how to scan one.
        #expect(printed.contains("projects PRJ, OTHER: e.g. export the two lines above, then jira-resilient scan PRJ"))
        #expect(r.status == 0)
    }

    @Test func demoOffATerminalRunsAsScanOverTLS() async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await BinaryRunner.run(
            [
                "demo", "--scenario", "small", "--time-scale", "0.01", "--tls", "--token", "demo-tls-token", "--out",
                dir,
            ], environment: [:])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("not a terminal, so running as 'scan'"))
        #expect(r.stderr.contains("https://127.0.0.1:"))
        #expect(r.stdout.contains("PRJ full scan finished: 123 issues written"))
        #expect(!r.all.contains("demo-tls-token"))
    }
}
