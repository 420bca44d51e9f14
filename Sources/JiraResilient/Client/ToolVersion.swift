/// This build's version: sent as the `User-Agent`, printed by `--version`, and compared by
/// `console --attach` with the running scan's (a console and a scan of different builds may
/// not agree on the control socket's messages).
public enum ToolVersion {
    public static let current = "1.1.0"
}
