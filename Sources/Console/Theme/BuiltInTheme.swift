/// The default theme, also shipped as Themes/dark.theme (a test keeps the two equal), so the
/// console looks right even where no theme file was installed.
enum BuiltInTheme {
    static let dark = """
        # jira-resilient theme: dark (the default)
        @accent = #5fafd7
        @amber = #ffaf00
        text = default
        muted = 245 mono: dim
        header = bright-white on 236 bold mono: reverse
        title = @accent bold mono: bold
        border = 240 mono: dim
        focus = @accent bold mono: bold underline
        selection = black on @accent mono: reverse
        progress = @accent mono: reverse
        progressTrack = 238 mono: dim
        tier.full = green bold mono: bold
        tier.hub = @amber bold mono: underline
        tier.minimal = bright-red bold mono: reverse
        retry = magenta mono: underline
        error = bright-red bold mono: bold reverse
        warning = yellow mono: bold
        cursor = cyan mono: bold
        ok = green
        waiting = black on @amber bold mono: reverse
        highlight = black on yellow mono: reverse
        key = @accent bold mono: bold
        """
}
