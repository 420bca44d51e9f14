import ArgumentParser

@main
struct JiraResilientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jira-resilient",
        abstract: "Extract every issue of a JIRA Server / Data Center project, hubs included.",
        subcommands: [SimCommand.self]
    )
}
