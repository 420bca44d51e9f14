import CNcursesw
import Foundation

/// The only code that talks to ncurses; it lives on the console's one UI thread. It copies
/// cells to the screen (only the ones that changed) and reads keys. `close()` restores the
/// terminal; so do the crash handlers installed on start.
final class NcursesScreen {
    private var previous: Grid?
    private var pairs: [Role: (attrs: UInt32, pair: Int32)] = [:]
    let colors: Bool
    private(set) var width: Int = 0
    private(set) var height: Int = 0

    init(theme: Theme, noColor: Bool) {
        _ = cn_setup_locale()
        _ = initscr()
        Self.installCrashHandlers()
        _ = cbreak()
        _ = noecho()
        _ = nonl()
        _ = cn_keypad(1)
        _ = curs_set(0)
        _ = set_escdelay(25)
        _ = mousemask(mmask_t(cn_button4() | cn_button5()), nil)
        _ = mouseinterval(0)
        colors = !noColor && has_colors()
        if colors {
            _ = start_color()
            _ = use_default_colors()
        }
        apply(theme)
        updateSize()
    }

    func updateSize() {
        width = Int(cn_cols())
        height = Int(cn_lines())
    }

    /// Assigns a colour pair to every role (or monochrome attributes).
    func apply(_ theme: Theme) {
        pairs = [:]
        let count = Int(cn_colors())
        for (index, role) in Role.allCases.enumerated() {
            let style = theme.style(role)
            if colors {
                let pair = Int32(index + 1)
                _ = init_pair(
                    Int16(pair), Int16(style.foreground.resolved(colors: count)),
                    Int16(style.background.resolved(colors: count)))
                pairs[role] = (Self.attributes(style.attributes), pair)
            } else {
                pairs[role] = (Self.attributes(style.monochrome), 0)
            }
        }
        previous = nil
    }

    static func attributes(_ a: Theme.Attributes) -> UInt32 {
        var v = cn_attr_normal()
        if a.contains(.bold) { v |= cn_attr_bold() }
        if a.contains(.underline) { v |= cn_attr_underline() }
        if a.contains(.reverse) { v |= cn_attr_reverse() }
        if a.contains(.dim) { v |= cn_attr_dim() }
        if a.contains(.italic) { v |= cn_attr_italic() }
        return v
    }

    /// Copies the cells that differ from the last frame, in runs of one role.
    func draw(_ grid: Grid) {
        let full = previous == nil || previous!.width != grid.width || previous!.height != grid.height
        if full { _ = erase() }
        var text: [wchar_t] = []
        text.reserveCapacity(grid.width * 2)
        for y in 0..<grid.height {
            var x = 0
            while x < grid.width {
                let cell = grid[x, y]
                if !full, let previous, previous[x, y] == cell { x += 1; continue }
                // A run of changed cells with the same role.
                let role = cell.role
                let start = x
                text.removeAll(keepingCapacity: true)
                while x < grid.width {
                    let c = grid[x, y]
                    if c.role != role { break }
                    if !full, let previous, previous[x, y] == c, x > start { break }
                    if !c.continuation {
                        for scalar in c.text.unicodeScalars { text.append(wchar_t(bitPattern: scalar.value)) }
                    }
                    x += 1
                }
                // Never write the bottom-right cell: some terminals scroll when it is filled.
                var count = text.count
                if y == grid.height - 1 && x >= grid.width && count > 0 { count -= 1 }
                let style = pairs[role] ?? (cn_attr_normal(), 0)
                _ = text.withUnsafeBufferPointer {
                    cn_put(Int32(y), Int32(start), $0.baseAddress, Int32(count), style.attrs, style.pair)
                }
            }
        }
        previous = grid
        _ = refresh()
    }

    /// Forgets what is on screen (after a resize), so the next draw repaints everything.
    func invalidate() {
        previous = nil
        _ = cn_clearok()
    }

    /// Whether the terminal is still there (a hangup leaves reads failing at once, forever).
    var terminalAlive: Bool { isatty(0) == 1 && tcgetpgrp(0) != -1 }

    /// Waits up to `milliseconds` for a key.
    func readKey(milliseconds: Int32) -> Key? {
        timeout(milliseconds)
        var ch: Int32 = 0
        let r = cn_get_wch(&ch)
        if r == ERR { return nil }
        if r == KEY_CODE_YES {
            switch ch {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_NPAGE: return .pageDown
            case KEY_PPAGE: return .pageUp
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case cn_key_resize(): return .resize
            case cn_key_mouse():
                var my: Int32 = 0, mx: Int32 = 0
                let state = cn_mouse_state(&my, &mx)
                if state & cn_button4() != 0 { return .wheelUp }
                if cn_button5() != 0 && state & cn_button5() != 0 { return .wheelDown }
                return nil
            default: return nil
            }
        }
        switch ch {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        default:
            guard let scalar = Unicode.Scalar(UInt32(bitPattern: ch)) else { return nil }
            return .character(Character(scalar))
        }
    }

    func close() {
        _ = curs_set(1)
        _ = cn_end()
    }

    /// On a crash the terminal is restored before the default action runs.
    private static func installCrashHandlers() {
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] {
            signal(sig) { number in
                _ = cn_end()
                signal(number, SIG_DFL)
                raise(number)
            }
        }
        atexit { _ = cn_end() }
    }
}
