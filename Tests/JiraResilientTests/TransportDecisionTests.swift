import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
@testable import JiraResilient

/// The transport's decisions as values: no sockets, no clock.
@Suite struct TransportDecisionTests {
    let token = AccessToken("secret-token-123")
    var classifier: AttemptClassifier {
        AttemptClassifier(
            subject: "GET /rest/api/2/myself", baseURL: "https://jira.example.com/jira", budget: 10, token: token,
            attempt: 0)
    }

    func response(_ status: Int, _ headers: [(String, String)] = [], _ body: String = "") -> AttemptClassifier.Outcome {
        .response(status: status, headers: HTTPHeaders(headers), body: Array(body.utf8))
    }

    @Test func statusesAreClassifiedByStructure() {
        #expect(classifier.classify(response(200)) == .deliver)
        guard case .retry(.status(429, "7"), let e, _) = classifier.classify(response(429, [("Retry-After", "7")]))
        else { Issue.record("429"); return }
        #expect(e.code == .rateLimited)
        // JIRA's own 503 (JSON) is JIRA answering: a retry; a load balancer's page is JIRA gone.
        guard
            case .retry(.status(503, nil), _, _) = classifier.classify(
                response(503, [("Content-Type", "application/json")], "{}"))
        else {
            Issue.record("JIRA 503"); return
        }
        guard
            case .lost(.status(503, nil), false, _) = classifier.classify(
                response(503, [("Content-Type", "text/html")], "<html>"))
        else {
            Issue.record("LB 503"); return
        }
        guard case .fail(let notFound) = classifier.classify(response(404)) else { Issue.record("404"); return }
        #expect(notFound.code == .notFound)
        guard case .fail(let redirect) = classifier.classify(response(302, [("Location", "https://sso/")])) else {
            Issue.record("302"); return
        }
        #expect(redirect.code == .redirect)
    }

    @Test func connectionFailuresAreLossesAndOnlySomeMeanUnreachable() {
        guard case .lost(.connection, true, let refused) = classifier.classify(.failed(.refused)) else {
            Issue.record("refused"); return
        }
        #expect(refused.transport == .refused)
        guard case .lost(.connection, false, _) = classifier.classify(.failed(.connectionLost)) else {
            Issue.record("lost"); return
        }
        guard case .fail(let tls) = classifier.classify(.failed(.tls(.certificateRejected))) else {
            Issue.record("tls"); return
        }
        #expect(tls.hint == .trustServerCA && tls.transport == .tls(.certificateRejected))
        #expect(
            tls.detail
                == "TLS failed: the server's certificate was not accepted (not signed by a trusted CA, or expired) with https://jira.example.com/jira"
        )
        guard case .retry(.timeout, let timeout, _) = classifier.classify(.timeout) else {
            Issue.record("timeout"); return
        }
        #expect(timeout.descendsLadder)
    }

    @Test func theTokenEchoedBackNeverReachesAnError() {
        let echo = "Bearer secret-token-123"
        let steps = [
            classifier.classify(
                response(
                    401, [("X-Seraph-LoginReason", echo), ("Content-Type", "application/json")],
                    "{\"errorMessages\":[\"\(echo)\"]}")),
            classifier.classify(
                response(
                    403, [("Content-Type", "application/json")],
                    "{\"errorMessages\":[\"token \(echo)\"],\"errors\":{\"a\":\"\(echo)\"}}")),
            classifier.classify(response(302, [("Location", "https://sso.example.com/?t=secret-token-123")])),
            classifier.classify(
                response(400, [("Content-Type", "application/json")], "{\"errorMessages\":[\"\(echo)\"]}")),
            classifier.classifyDecodeFailure(
                JiraShapeError(reason: "not JSON", truncated: false), status: 200,
                headers: HTTPHeaders([("Content-Type", "text/html; \(echo)")]), bodyCount: 10),
        ]
        for step in steps {
            guard case .fail(let error) = step else { Issue.record("expected a failure: \(step)"); continue }
            #expect(!token.occurs(in: error.description), "\(error.description)")
            #expect(error.description.contains("[token]"))
        }
    }

    @Test func theTokenIsRedactedFromIssueBytes() {
        let body = Array("{\"summary\":\"echo secret-token-123 and secret-token-123!\",\"s\":\"secret-token-12\"}".utf8)
        let redacted = token.redact(json: body)
        #expect(
            String(decoding: redacted, as: UTF8.self)
                == "{\"summary\":\"echo [token] and [token]!\",\"s\":\"secret-token-12\"}")
        let clean = Array("{\"summary\":\"nothing here\"}".utf8)
        #expect(token.redact(json: clean) == clean)
    }

    /// Only strings are redacted, and the token is matched as JSON writes it: a token that
    /// matches JSON's own text (a one-letter token in `true`, digits in a number) leaves the
    /// document valid, and a token with a quote is found in its escaped form.
    @Test func redactingTheTokenKeepsTheJSONValid() throws {
        let body = Array(#"{"a":true,"n":12.5,"s":"trust \"t\" t","list":[false,null]}"#.utf8)
        let short = AccessToken("t")
        let redacted = short.redact(json: body)
        #expect(
            String(decoding: redacted, as: UTF8.self)
                == #"{"a":true,"n":12.5,"s":"[token]rus[token] \"[token]\" [token]","list":[false,null]}"#)
        #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: Data(redacted)) }
        #expect(AccessToken("2").redact(json: body) == body)
        let quoted = AccessToken(#"se"cret"#)
        let echoed = Array(#"{"s":"x se\"cret y"}"#.utf8)
        #expect(String(decoding: quoted.redact(json: echoed), as: UTF8.self) == #"{"s":"x [token] y"}"#)
    }

    @Test func serverTextIsSanitisedAndCut() {
        let hostile = "A\u{1B}]52;c;cHduZWQ=\u{07}B\u{9B}31mC\u{202E}D\u{2066}E"
        #expect(UntrustedText.sanitized(hostile) == "A␛]52;c;cHduZWQ=␇B⟨C1:9B⟩31mC⟨U+202E⟩D⟨U+2066⟩E")
        #expect(UntrustedText.sanitized(String(repeating: "x", count: 10_000)).count == UntrustedText.defaultLimit + 1)
    }

    @Test func transportErrorsAreClassifiedByType() {
        #expect(TransportFailure.classify(IOError(errnoCode: ECONNREFUSED, reason: "connect")) == .refused)
        #expect(TransportFailure.classify(IOError(errnoCode: ECONNRESET, reason: "read")) == .connectionLost)
        #expect(TransportFailure.classify(IOError(errnoCode: EHOSTUNREACH, reason: "connect")) == .unreachable)
        #expect(TransportFailure.classify(ChannelError.connectTimeout(.seconds(10))) == .connectTimeout)
        #expect(TransportFailure.classify(HTTPParserError.invalidEOFState) == .connectionLost)
        #expect(TransportFailure.unknownHost.phrase == "the host name does not resolve")
        #expect(TransportFailure.refused.isUnreachable && !TransportFailure.connectionLost.isUnreachable)
    }

    @Test func theOutageMonitorHoldsOnlyOnceJiraHasAnswered() {
        let monitor = OutageMonitor(limit: 60)
        // First contact: an unreachable server fails at once; a lost exchange is retried.
        #expect(monitor.recordLost(unreachable: true) == (.fail, false))
        #expect(monitor.recordLost(unreachable: false) == (.retry, false))
        monitor.recordAnswer()
        // Lost exchanges are retried until three in a row; a refused connect is an outage at once.
        #expect(monitor.recordLost(unreachable: false) == (.retry, false))
        #expect(monitor.recordLost(unreachable: false) == (.retry, false))
        #expect(monitor.recordLost(unreachable: false) == (.hold, true))
        #expect(monitor.recordLost(unreachable: false) == (.hold, false))
        monitor.end()
        #expect(!monitor.isInOutage)
        #expect(monitor.recordLost(unreachable: true) == (.hold, true))
        monitor.end()
        // An answer in between resets the run.
        _ = monitor.recordLost(unreachable: false)
        _ = monitor.recordLost(unreachable: false)
        monitor.recordAnswer()
        #expect(monitor.recordLost(unreachable: false) == (.retry, false))
    }

    @Test func aRequestOnItsLastAttemptStartsTheOutageAndAGivenUpOutageIsOver() async throws {
        let monitor = OutageMonitor(limit: 60)
        monitor.recordAnswer()
        // With --max-attempts 1 or 2 a load balancer's pages would fail the request before
        // three in a row: its last attempt starts the outage instead.
        #expect(monitor.recordLost(unreachable: false, lastAttempt: true) == (.hold, true))
        #expect(monitor.epoch == 1)
        monitor.giveUp()
        // Given up, the outage is over for later requests (an operator's fetch): they go, and a
        // new failure starts a new outage.
        #expect(!monitor.isInOutage)
        try await monitor.waitWhileOutage()
        #expect(monitor.recordLost(unreachable: true) == (.hold, true))
        #expect(monitor.epoch == 2)
        monitor.end()
    }

    /// The hedge's delay counts only time when JIRA was reachable.
    @Test func aSleepWhileReachableWaitsOutAnOutage() async throws {
        let monitor = OutageMonitor(limit: 60)
        monitor.recordAnswer()
        _ = monitor.recordLost(unreachable: true)
        let done = Mutex(false)
        let sleeper = Task {
            try await monitor.sleepWhileReachable(0.01)
            done.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(200))  // far past 0.01 s: only the outage holds it
        #expect(!done.withLock { $0 })
        monitor.end()
        try await sleeper.value
        #expect(done.withLock { $0 })
    }

    @Test func anUnknownHostIsUnreachableAndSaysSo() {
        guard case .lost(.connection, true, let unknown) = classifier.classify(.failed(.unknownHost)) else {
            Issue.record("unknown host"); return
        }
        #expect(unknown.description.contains("the host name does not resolve"))
    }

    @Test func probesBackOffToSixtySeconds() {
        let intervals = (1...10).map { OutageMonitor.interval(afterProbe: $0, scale: 1) }
        #expect(intervals == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60])
        #expect(OutageMonitor.interval(afterProbe: 3, scale: 0.01) == 0.04)
        #expect(OutageMonitor.interval(afterProbe: 1, scale: 0) == 0.01)
    }

    @Test func proxiesComeFromTheEnvironmentAsCurlReadsThem() throws {
        let env = [
            "HTTPS_PROXY": "http://proxy.corp:3128", "http_proxy": "http://plain.corp:8080",
            "NO_PROXY": "localhost,.internal.corp",
        ]
        #expect(
            try ProxySettings.fromEnvironment(env, for: "https://jira.corp/jira").get()
                == ProxySettings(host: "proxy.corp", port: 3128))
        #expect(
            try ProxySettings.fromEnvironment(env, for: "http://jira.corp").get()
                == ProxySettings(host: "plain.corp", port: 8080))
        #expect(try ProxySettings.fromEnvironment(env, for: "https://jira.internal.corp").get() == nil)
        #expect(try ProxySettings.fromEnvironment(env, for: "https://internal.corp").get() == nil)
        #expect(try ProxySettings.fromEnvironment(env, for: "https://localhost:8443").get() == nil)
        #expect(
            try ProxySettings.fromEnvironment(["https_proxy": "proxy:3128"], for: "https://x").get()
                == ProxySettings(host: "proxy", port: 3128))
        #expect(
            try ProxySettings.fromEnvironment(["https_proxy": "http://p:1", "NO_PROXY": "*"], for: "https://x").get()
                == nil)
        // Lower case wins, as in curl.
        #expect(
            try ProxySettings.fromEnvironment(
                ["https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:2"], for: "https://x"
            ).get()?.host == "low")
        guard
            case .failure(let error) = ProxySettings.fromEnvironment(["HTTPS_PROXY": "socks5://p:1"], for: "https://x")
        else {
            Issue.record("a socks URL is not an http proxy"); return
        }
        #expect(error.variable == "HTTPS_PROXY")
    }

    @Test func issueKeysAreParsedOnceAndOrderedAsJiraOrdersThem() {
        let parse = { (text: String) in IssueKey(text) }
        #expect(parse("PRJ-10").map { ($0.project, $0.number) }! == ("PRJ", 10))
        #expect(parse("PRJ-9")! < parse("PRJ-10")!)
        #expect(parse("ABC-1")! < parse("B-1")!)
        let literal: IssueKey = "PRJ-7"
        #expect(literal == IssueKey(project: "PRJ", number: 7))
        for bad in [
            "PRJ", "PRJ-", "PRJ-0", "PRJ-01", "prj-1", "P RJ-1", "PRJ-1\u{1B}", "-1", "PRJ-99999999999", "../PRJ-1",
        ] {
            #expect(IssueKey(bad) == nil, "\(bad)")
        }
    }

    @Test func byteCountsParseAndPrint() {
        #expect(ByteCount.parse("256M") == 256 << 20)
        #expect(ByteCount.parse("1.5G") == 3 << 29)
        #expect(ByteCount.parse("64k") == 64 << 10)
        #expect(
            ByteCount.parse("0") == nil && ByteCount.parse("-1M") == nil && ByteCount.parse("1e300") == nil
                && ByteCount.parse("x") == nil)
        #expect(ByteCount.format(256 << 20) == "256 MiB")
    }
}
