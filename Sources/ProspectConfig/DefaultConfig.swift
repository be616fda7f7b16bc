extension ConfigLoader {
    /// The configuration `prospectd run --dev` uses: the rule and kinds of the contract, no channels,
    /// no ladder (so nothing is sent), and files under `stateDirectory`.
    public static func embeddedDefault(stateDirectory: String) -> Config {
        // The folder is not written into the TOML text: a quote or a backslash in it would change
        // what the text says. The paths are set on the parsed value instead.
        let text = """
            [rule]
            minimum_actions = 1
            counting_kinds  = ["call", "email", "referral", "inbound", "qualify", "lost-deal"]
            workdays        = ["mon", "tue", "wed", "thu", "fri"]
            end_of_day      = "17:30"
            late_grace      = "10:00"
            timezone        = "UTC"

            \(defaultKinds)
            """
        // The text is fixed and covered by a test; a failure here is a programming error.
        var config = try! parse(text, source: "<embedded default>")
        config.daemon.database = stateDirectory + "/prospectd.sqlite"
        config.daemon.socket = stateDirectory + "/prospectd.sock"
        return config
    }

    static let defaultKinds = """
        [kinds.call]
        label    = "Cold call"
        category = "prospecting"
        [kinds.email]
        label    = "Email to a prospect or a lost deal"
        category = "prospecting"
        [kinds.referral]
        label    = "Referral ask"
        category = "prospecting"
        [kinds.inbound]
        label    = "Call to an inbound lead"
        category = "prospecting"
        [kinds.qualify]
        label    = "Qualified an opportunity"
        category = "advancing"
        [kinds.lost-deal]
        label    = "Reopened a lost deal"
        category = "prospecting"
        [kinds.meeting]
        label    = "Meeting with an open deal"
        category = "advancing"
        [kinds.won]
        label    = "Closed-won deal"
        category = "closing"
        """
}
