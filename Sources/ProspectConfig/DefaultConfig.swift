import ProspectCore

extension ConfigLoader {
    /// The configuration `prospectd run --dev` uses: the rule and kinds of the contract, files
    /// under `stateDirectory`, and with `firstReminder` a ladder on the `log` channel (the
    /// daemon's own log, so nothing leaves the machine): a reminder to the rep at that time, and
    /// the manager told at the end of a day missed. Without it, no ladder and no channel.
    public static func embeddedDefault(stateDirectory: String, firstReminder: LocalTime? = nil) -> Config {
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
            \(firstReminder.map(devLadder) ?? "")
            """
        // The text is fixed and covered by a test; a failure here is a programming error.
        var config = try! parse(text, source: "<embedded default>")
        config.daemon.database = stateDirectory + "/prospectd.sqlite"
        config.daemon.socket = stateDirectory + "/prospectd.sock"
        return config
    }

    /// A `LocalTime` prints as `HH:MM`: nothing from outside goes into the text.
    static func devLadder(_ reminder: LocalTime) -> String {
        """
        [[ladder]]
        name      = "nudge"
        at        = "\(reminder)"
        audience  = "rep"
        channels  = ["log"]

        [[ladder]]
        name      = "manager"
        at        = "end_of_day"
        audience  = "manager"
        channels  = ["log"]

        [channels.log]
        type = "log"
        """
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
