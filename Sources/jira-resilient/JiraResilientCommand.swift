import ArgumentParser
import Foundation
import JiraResilient

struct JiraResilientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jira-resilient",
        abstract: "Extract every issue of a JIRA Server / Data Center project, hubs included.",
        discussion: """
            The token comes from $JIRA_PAT or --pat-file, never from an argument. Exit codes: 0 done, \
            2 usage or validation, 3 authentication, 4 JQL rejected, 5 fetch failed, 6 not JIRA's answer, \
            130 interrupted (the same command resumes).
            """,
        version: ToolVersion.current,
        subcommands: [
            ConsoleCommand.self, ScanCommand.self, FetchCommand.self, ProbeCommand.self, RefetchCommand.self,
            CompactCommand.self, DemoCommand.self, SimCommand.self,
        ]
    )
}

/// Runs the command and turns every failure into one clear line on stderr and the contract's
/// exit code (usage errors are 2, not ArgumentParser's 64).
@main
enum Main {
    static func main() async {
        MemoryTuning.apply()
        do {
            var command = try JiraResilientCommand.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as JiraError {
            StandardStreams.err(error.line)
            exit(error.exitCode)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let code = JiraResilientCommand.exitCode(for: error)
            let message = JiraResilientCommand.fullMessage(for: error)
            if code == .success {
                StandardStreams.out(message)
                exit(0)
            }
            StandardStreams.err(
                UntrustedText.sanitized(message.isEmpty ? "jira-resilient: \(error)" : message, keepNewlines: true))
            exit(2)
        }
    }
}
