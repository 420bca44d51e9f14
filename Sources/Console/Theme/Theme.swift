import Foundation

/// How each role looks: a foreground and background colour, attributes, and the attributes to
/// use on a terminal without colours (or with `NO_COLOR`).
public struct Theme: Sendable, Equatable {
    public enum Color: Sendable, Equatable, Hashable {
        case terminalDefault
        /// 0–255 (0–7 the basic colours, 8–15 bright).
        case indexed(Int)
        case rgb(Int, Int, Int)

        /// The nearest colour a terminal with `colors` colours has.
        public func resolved(colors: Int) -> Int {
            switch self {
            case .terminalDefault: return -1
            case .indexed(let n):
                return colors >= 256 || n < colors ? n : Self.nearestBasic(Self.rgbOf(n), colors: colors)
            case .rgb(let r, let g, let b):
                return colors >= 256 ? Self.nearest256(r, g, b) : Self.nearestBasic((r, g, b), colors: colors)
            }
        }

        static func nearest256(_ r: Int, _ g: Int, _ b: Int) -> Int {
            let steps = [0, 95, 135, 175, 215, 255]
            func idx(_ v: Int) -> Int { steps.enumerated().min { abs($0.1 - v) < abs($1.1 - v) }!.0 }
            let cube = 16 + 36 * idx(r) + 6 * idx(g) + idx(b)
            let gray = max(0, min(23, (r + g + b) / 3 / 10 - 1))
            let grayValue = 8 + gray * 10
            let (cr, cg, cb) = (steps[idx(r)], steps[idx(g)], steps[idx(b)])
            let cubeError = (cr - r) * (cr - r) + (cg - g) * (cg - g) + (cb - b) * (cb - b)
            let grayError = 3 * (grayValue - (r + g + b) / 3) * (grayValue - (r + g + b) / 3)
            return grayError < cubeError ? 232 + gray : cube
        }

        static let basic: [(Int, Int, Int)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
            (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
            (255, 255, 255),
        ]

        static func rgbOf(_ n: Int) -> (Int, Int, Int) {
            if n < 16 { return basic[n] }
            if n >= 232 { let v = 8 + (n - 232) * 10; return (v, v, v) }
            let c = n - 16
            let steps = [0, 95, 135, 175, 215, 255]
            return (steps[c / 36], steps[c / 6 % 6], steps[c % 6])
        }

        static func nearestBasic(_ rgb: (Int, Int, Int), colors: Int) -> Int {
            let count = min(16, max(8, colors))
            return (0..<count).min { a, b in
                let (ar, ag, ab) = basic[a], (br, bg, bb) = basic[b]
                let da = (ar - rgb.0) * (ar - rgb.0) + (ag - rgb.1) * (ag - rgb.1) + (ab - rgb.2) * (ab - rgb.2)
                let db = (br - rgb.0) * (br - rgb.0) + (bg - rgb.1) * (bg - rgb.1) + (bb - rgb.2) * (bb - rgb.2)
                return da < db
            }!
        }
    }

    public struct Attributes: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let bold = Attributes(rawValue: 1)
        public static let underline = Attributes(rawValue: 2)
        public static let reverse = Attributes(rawValue: 4)
        public static let dim = Attributes(rawValue: 8)
        public static let italic = Attributes(rawValue: 16)
    }

    public struct Style: Sendable, Equatable, Hashable {
        public var foreground: Color = .terminalDefault
        public var background: Color = .terminalDefault
        public var attributes: Attributes = []
        /// Used instead when the terminal shows no colours.
        public var monochrome: Attributes = []

        public init(
            foreground: Color = .terminalDefault, background: Color = .terminalDefault, attributes: Attributes = [],
            monochrome: Attributes = []
        ) {
            self.foreground = foreground
            self.background = background
            self.attributes = attributes
            self.monochrome = monochrome
        }
    }

    public var name: String
    public var styles: [Role: Style]

    public func style(_ role: Role) -> Style { styles[role] ?? styles[.text] ?? Style() }
}
