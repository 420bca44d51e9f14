import Foundation

/// A theme file that could not be read, with where and why.
public struct ThemeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// Reads the theme format (documented in Themes/README.md):
///
///     # comment
///     @accent = #5fafd7                         a palette entry
///     tier.hub = yellow on default bold mono: underline
///
/// A role line is `ROLE = FOREGROUND [on BACKGROUND] [bold|underline|reverse|dim|italic]…
/// [mono: ATTRIBUTES…]`. Colours: `default`, the eight names, `bright-NAME`, 0–255, `#rrggbb`,
/// or `@palette-name`. Roles not named take `text`'s style.
public enum ThemeParser {
    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    public static func parse(_ source: String, name: String, file: String) throws(ThemeError) -> Theme {
        var palette: [String: Theme.Color] = [:]
        var styles: [Role: Theme.Style] = [:]
        for (index, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let text = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ThemeError(
                    file: file, line: lineNumber,
                    message: "expected 'ROLE = STYLE' or '@NAME = COLOR', got '\(text.prefix(40))'")
            }
            if parts[0].hasPrefix("@") {
                palette[parts[0]] = try color(parts[1], palette: palette, file: file, line: lineNumber)
                continue
            }
            guard let role = Role(rawValue: parts[0]) else {
                throw ThemeError(
                    file: file, line: lineNumber,
                    message:
                        "unknown role '\(parts[0])'; roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            styles[role] = try style(parts[1], palette: palette, file: file, line: lineNumber)
        }
        guard styles[.text] != nil else {
            throw ThemeError(file: file, line: 1, message: "the theme does not style the 'text' role")
        }
        return Theme(name: name, styles: styles)
    }

    /// A `#` at the start of a line, or one standing alone after a space (`… # note`), begins a
    /// comment; `#rrggbb` colours are not comments.
    static func stripComment(_ line: String) -> String {
        let chars = Array(line)
        for i in chars.indices where chars[i] == "#" {
            let before = i == 0 || chars[i - 1].isWhitespace
            let after = i + 1 == chars.count || chars[i + 1].isWhitespace
            if before && (after || chars[..<i].allSatisfy(\.isWhitespace)) { return String(chars[..<i]) }
        }
        return line
    }

    static func style(
        _ text: String, palette: [String: Theme.Color], file: String, line: Int
    ) throws(ThemeError) -> Theme.Style {
        var style = Theme.Style()
        var words = text.split(separator: " ").map(String.init)[...]
        var colorsSeen = 0
        var mono = false
        while let word = words.popFirst() {
            if word == "mono:" { mono = true; continue }
            if let attribute = attribute(word) {
                if mono { style.monochrome.insert(attribute) } else { style.attributes.insert(attribute) }
                continue
            }
            if mono {
                throw ThemeError(
                    file: file, line: line,
                    message: "'\(word)' is not an attribute (bold, underline, reverse, dim, italic)")
            }
            if word == "on" {
                guard let next = words.popFirst() else {
                    throw ThemeError(file: file, line: line, message: "'on' must be followed by a background colour")
                }
                style.background = try color(next, palette: palette, file: file, line: line)
                continue
            }
            guard colorsSeen == 0 else {
                throw ThemeError(
                    file: file, line: line, message: "unexpected '\(word)'; write 'FOREGROUND on BACKGROUND'")
            }
            style.foreground = try color(word, palette: palette, file: file, line: line)
            colorsSeen += 1
        }
        return style
    }

    static func attribute(_ word: String) -> Theme.Attributes? {
        switch word {
        case "bold": .bold
        case "underline": .underline
        case "reverse": .reverse
        case "dim": .dim
        case "italic": .italic
        default: nil
        }
    }

    static func color(
        _ word: String, palette: [String: Theme.Color], file: String, line: Int
    ) throws(ThemeError) -> Theme.Color {
        if word == "default" { return .terminalDefault }
        if word.hasPrefix("@") {
            guard let c = palette[word] else {
                throw ThemeError(file: file, line: line, message: "palette entry '\(word)' is not defined above")
            }
            return c
        }
        if let i = names.firstIndex(of: word) { return .indexed(i) }
        if word.hasPrefix("bright-"), let i = names.firstIndex(of: String(word.dropFirst(7))) { return .indexed(i + 8) }
        if let n = Int(word) {
            guard (0...255).contains(n) else {
                throw ThemeError(file: file, line: line, message: "colour \(n) is outside 0–255")
            }
            return .indexed(n)
        }
        if word.hasPrefix("#"), word.count == 7, let v = Int(word.dropFirst(), radix: 16) {
            return .rgb(v >> 16 & 0xFF, v >> 8 & 0xFF, v & 0xFF)
        }
        throw ThemeError(
            file: file, line: line, message: "'\(word)' is not a colour (a name, 0–255, #rrggbb or @palette)")
    }
}

/// Finds themes: the shipped ones (the `Themes` folder next to the binary or in the source
/// tree) and the user's (`$XDG_CONFIG_HOME/jira-resilient/themes`), the user's winning by name.
public struct ThemeLibrary: Sendable {
    public private(set) var themes: [String: Theme] = [:]
    /// Files that could not be read: shown to the operator, never fatal.
    public private(set) var problems: [ThemeError] = []

    public static let fallback: Theme =
        (try? ThemeParser.parse(BuiltInTheme.dark, name: "dark", file: "(built in)"))
        ?? Theme(name: "dark", styles: [.text: Theme.Style()])

    public init(searchPaths: [String] = ThemeLibrary.defaultSearchPaths()) {
        themes["dark"] = Self.fallback
        for dir in searchPaths {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for entry in entries.sorted() where entry.hasSuffix(".theme") {
                let path = dir + "/" + entry
                let name = String(entry.dropLast(6))
                guard let data = FileManager.default.contents(atPath: path),
                    let text = String(data: data, encoding: .utf8)
                else {
                    problems.append(ThemeError(file: path, line: 0, message: "cannot read the file"))
                    continue
                }
                do { themes[name] = try ThemeParser.parse(text, name: name, file: path) } catch {
                    problems.append(error)
                }
            }
        }
    }

    /// Themes in display order: dark first, then by name.
    public var names: [String] { themes.keys.sorted { a, b in a == "dark" ? true : (b == "dark" ? false : a < b) } }

    public func theme(_ name: String) -> Theme? { themes[name] }

    public static func defaultSearchPaths() -> [String] {
        var paths: [String] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        var dir = executable
        for _ in 0..<5 {  // next to the binary, or the package root above .build/…
            paths.append(dir.appendingPathComponent("Themes").path)
            dir = dir.deletingLastPathComponent()
        }
        paths.append(executable.deletingLastPathComponent().appendingPathComponent("share/jira-resilient/Themes").path)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        paths.append(source.appendingPathComponent("Themes").path)
        let environment = ProcessInfo.processInfo.environment
        let config = environment["XDG_CONFIG_HOME"].map { $0 } ?? (environment["HOME"].map { $0 + "/.config" } ?? "")
        if !config.isEmpty { paths.append(config + "/jira-resilient/themes") }
        var seen = Set<String>()
        return paths.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }
    }
}
