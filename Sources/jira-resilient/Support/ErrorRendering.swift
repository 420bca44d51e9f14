import JiraResilient

/// The command line's view of the library's errors: the contract's exit codes, and hints
/// phrased with this executable's flags and variables.
extension JiraError {
    /// The process exit code of the command-line contract.
    var exitCode: Int32 {
        switch code {
        // Local files (the output directory under a file, no permission, a full disk): the
        // operator fixes them here, as with a bad flag.
        case .invalidInput, .tls, .localIO: 2
        case .authentication: 3
        case .jqlRejected: 4
        case .redirect, .notJira: 6
        case .cancelled: 130
        default: 5  // timeouts, connections, 5xx, 429, outages
        }
    }

    /// The remedy, in this command line's words.
    var hintText: String? {
        switch hint {
        case .checkToken?: "the token may have expired or been revoked: check JIRA_PAT or --pat-file"
        case .provideToken?: "set JIRA_PAT or pass --pat-file PATH (never the token itself as an argument)"
        case .trustServerCA?: "pass --ca-bundle PATH with the CA that signed the server's certificate"
        case .notJiraURL?:
            "is --url the JIRA base URL (with its context path, e.g. https://host/jira), and is no proxy or SSO page in the way?"
        case .checkProxy?: "check --proxy, or $HTTPS_PROXY / $HTTP_PROXY and $NO_PROXY"
        case .raiseMaxBody?: "raise --max-body if the server's answers are really this large"
        case .resumeOrRestart?:
            "the checkpoint is saved: run the same command again once JIRA is back (or raise --outage-timeout)"
        case .checkURL?: "check --url or $JIRA_URL (scheme, host, port and context path)"
        case .chooseAnotherDirectory?: "choose another --out"
        case .finishOrRestart?: "run that command again to finish it, or pass --restart"
        case .restart?: "pass --restart to start over"
        case .retryLater?: "try again once JIRA is up (or check --url, if it should be)"
        case .fixFilter?: "give --filter one JQL condition, e.g. 'status = Done OR labels = nightly'"
        case .attachToRunningScan(let directory)?:
            "watch it with: jira-resilient console --attach \(directory)"
        case nil: code == .cancelled ? "the checkpoint is saved and the same command resumes" : nil
        }
    }

    /// The one line printed on stderr before exiting: sanitised, with the remedy.
    var line: String {
        // A server message ending in a full stop takes no '; ' after it ("…operation.; the token").
        var text = description
        if hintText != nil, text.hasSuffix(".") { text.removeLast() }
        return UntrustedText.sanitized("jira-resilient: \(text)" + (hintText.map { "; \($0)" } ?? ""))
    }
}
