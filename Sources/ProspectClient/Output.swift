import Foundation
import ProspectAPI
import ProspectCore

#if canImport(Glibc)
import Glibc
#endif

/// Terminal output: colour only on a terminal and never with `NO_COLOR`.
struct Style {
    let color: Bool

    static let current = Style(
        color: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    )

    func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func green(_ t: String) -> String { paint(t, "32") }
    func red(_ t: String) -> String { paint(t, "31") }
    func yellow(_ t: String) -> String { paint(t, "33") }
    func dim(_ t: String) -> String { paint(t, "2") }
    func bold(_ t: String) -> String { paint(t, "1") }
}

enum Format {
    /// `2h 05m`, `45m`, `under a minute`.
    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "under a minute" }
        let h = seconds / 3600
        let m = (seconds % 3600) / 60
        if h == 0 { return "\(m)m" }
        return "\(h)h \(m < 10 ? "0" : "")\(m)m"
    }

    static func localTime(_ date: Date, zone: String) -> String {
        let z = Zone(identifier: zone) ?? .utc
        return z.localTime(of: date).description
    }

    static func weekdayName(_ date: LocalDate) -> String { date.weekday.name }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// The lines of `status` (and the tail of `log` and `undo`).
    static func status(_ s: StatusResponse, style: Style) -> [String] {
        var lines: [String] = []
        let deadline = localTime(s.deadline, zone: s.timezone)
        if !s.workday {
            lines.append("Today (\(weekdayName(s.date)) \(s.date)) is not a workday for you: nothing is due. Logged: \(s.count).")
        } else {
            let verdict: String
            switch s.state {
            case .met: verdict = style.green("met")
            case .metLate: verdict = style.green("met (late)")
            case .missed: verdict = style.red("missed")
            case .pending: verdict = style.yellow("not met yet")
            case .off: verdict = "off"
            }
            lines.append("Today (\(weekdayName(s.date)) \(s.date)): \(s.count) of \(s.minimum): \(verdict).")
            if s.secondsLeft > 0 {
                let left = "\(format: s.secondsLeft) left until \(deadline) \(s.timezone)."
                lines.append(s.met ? left : style.bold(left + " Log one with: prospect log call --note \"…\""))
            } else {
                lines.append("The deadline (\(deadline) \(s.timezone)) has passed.")
            }
        }
        lines.append("Streak: \(plural(s.streak, "workday")) met in a row.")
        return lines
    }

    /// The lines of `schedule`.
    static func schedule(_ s: ScheduleResponse) -> [String] {
        var lines = ["\(s.rep): \(weekdayName(s.date)) \(s.date) (\(s.timezone)): \(s.count) of \(s.minimum) logged."]
        guard s.workday else { return lines + ["Not a workday: nothing is due."] }
        guard !s.steps.isEmpty else { return lines + ["No reminders or escalations are configured."] }
        let width = s.steps.map(\.name.count).max() ?? 0
        for step in s.steps {
            let who =
                switch step.audience {
                case .rep: "reminder to \(s.rep)"
                case .manager: "escalation to the manager"
                case .managersManager: "escalation to the manager's manager"
                }
            let state =
                switch step.state {
                case .sent: "sent"
                case .willSend: "will be sent unless an action is logged first"
                case .noRecipient: step.audience == .manager ? "not sent: no manager on the roster" : "not sent: no manager's manager on the roster"
                case .notNeeded: "not needed: the rule is met"
                case .notYet: "not today: the chain of missed days is too short"
                case .skipped: "passed without being sent"
                case .off: "off"
                }
            lines.append("  \(step.localTime)  \(step.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(who): \(state)")
        }
        return lines
    }

    /// One day of a heatmap.
    static func cell(_ state: DayState, count: Int, style: Style) -> String {
        switch state {
        case .met: style.green("■")
        case .metLate: style.green("▣")
        case .missed: style.red("□")
        case .pending: style.yellow("◌")
        case .off: style.dim(count > 0 ? "•" : "·")
        }
    }

    static let legend = "■ met  ▣ met late  □ missed  ◌ today, open  · off"

    /// A calendar heatmap, one row per weekday, one column per week, oldest week first.
    static func heatmap(_ days: [HistoryDay], style: Style) -> [String] {
        guard let first = days.first else { return [] }
        let start = first.date.weekStart
        let weeks = (start.days(to: days.last!.date) / 7) + 1
        let byDate = Dictionary(uniqueKeysWithValues: days.map { ($0.date, $0) })
        var lines: [String] = []
        for (row, weekday) in Weekday.allCases.enumerated() {
            var line = weekday.rawValue.capitalized + " "
            for week in 0..<weeks {
                let date = start.adding(days: week * 7 + row)
                guard let day = byDate[date] else {
                    line += "  "
                    continue
                }
                line += " " + cell(day.state, count: day.count, style: style)
            }
            lines.append(line)
        }
        lines.append("     " + legend)
        return lines
    }
}

extension String.StringInterpolation {
    mutating func appendInterpolation(format seconds: Int) {
        appendLiteral(Format.duration(seconds))
    }
}

/// Prints JSON on one line with sorted keys: stable for scripts.
func printJSON(_ value: some Encodable) {
    let encoder = API.encoder()
    if let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) {
        Swift.print(TerminalText.safeJSON(text))
    }
}
