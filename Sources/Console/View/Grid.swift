import JiraResilient
/// What a cell means; a theme decides how each role looks.
public enum Role: String, Sendable, CaseIterable, Hashable {
    case text, muted, header, title, border, focus, selection, progress, progressTrack
    case tierFull = "tier.full", tierHub = "tier.hub", tierMinimal = "tier.minimal"
    case retry, error, warning, cursor, ok, waiting, highlight, key
}

/// One terminal cell: a grapheme (possibly two columns wide) and its role.
public struct Cell: Sendable, Equatable {
    public var text: String
    public var role: Role
    /// The right half of a wide character (drawn by its left neighbour).
    public var continuation: Bool

    public static let blank = Cell(text: " ", role: .text, continuation: false)
}

/// A frame: rows of cells. The view writes it; the terminal backend copies it to the screen.
public struct Grid: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes sanitised text from column `x` of row `y`, clipped at `limit` columns (default: the
    /// row's end); wide characters that would not fit are replaced by a space. Returns the column
    /// after the text.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: Role = .text, limit: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let end = min(width, limit.map { x + $0 } ?? width)
        var col = x
        // The one gate to the screen: whatever a caller passes (a key, a header, a message),
        // controls and bidi overrides arrive as visible placeholders, never as terminal input.
        for character in UntrustedText.sanitized(text, limit: max(16, (end - x) * 2)) {
            guard col < end else { break }
            let w = DisplayWidth.of(String(character))
            if w == 0 {
                if col > x, col - 1 < width { self[col - 1, y].text += String(character) }
                continue
            }
            if col < 0 { col += w; continue }
            if w == 2 && col + 1 >= end {
                self[col, y] = Cell(text: " ", role: role, continuation: false)
                col += 1
                break
            }
            self[col, y] = Cell(text: String(character), role: role, continuation: false)
            if w == 2 { self[col + 1, y] = Cell(text: "", role: role, continuation: true) }
            col += w
        }
        return col
    }

    public mutating func fill(_ role: Role, x: Int, y: Int, width w: Int, text: String = " ") {
        guard y >= 0, y < height else { return }
        for col in max(0, x)..<min(width, x + w) { self[col, y] = Cell(text: text, role: role, continuation: false) }
    }

    public mutating func recolor(_ role: Role, x: Int, y: Int, width w: Int) {
        guard y >= 0, y < height else { return }
        for col in max(0, x)..<min(width, x + w) { self[col, y].role = role }
    }

    /// The text of a row (for tests and tmux comparisons), wide characters once.
    public func line(_ y: Int) -> String {
        (0..<width).map { self[$0, y].continuation ? "" : self[$0, y].text }.joined()
    }

    /// The frame as text, one line per row, trailing spaces trimmed.
    public var text: String {
        (0..<height).map { line($0).replacingTrailingSpaces() }.joined(separator: "\n")
    }

    /// One character per cell naming its role (for style snapshots).
    public var styleLayer: String {
        (0..<height).map { y in
            (0..<width).map { x -> String in
                let c = self[x, y]
                return c.continuation ? "" : Self.code(c.role)
            }.joined().replacingTrailingSpaces()
        }.joined(separator: "\n")
    }

    static func code(_ role: Role) -> String {
        switch role {
        case .text: " "
        case .muted: "."
        case .header: "H"
        case .title: "T"
        case .border: "-"
        case .focus: "F"
        case .selection: "S"
        case .progress: "#"
        case .progressTrack: "_"
        case .tierFull: "f"
        case .tierHub: "h"
        case .tierMinimal: "m"
        case .retry: "r"
        case .error: "E"
        case .warning: "w"
        case .cursor: "c"
        case .ok: "o"
        case .waiting: "W"
        case .highlight: "!"
        case .key: "k"
        }
    }
}

extension String {
    func replacingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
