import Foundation
import ProspectConfig
import ProspectCore

/// The values a template sees for one notice and one recipient. Times are shown in the
/// recipient's own zone.
public enum MessageVariables {
    /// - Parameter logURL: the notice's one-tap link, when `public_url` is set and it has one.
    public static func of(_ notice: Notice, recipient: Person, channel: String, config: Config, logURL: String? = nil) -> [String: Any] {
        let zone = config.zone(of: recipient)
        let repName = notice.repName ?? notice.rep
        let deadlineDate = zone.localDate(of: notice.deadline)
        var deadline = zone.localTime(of: notice.deadline).description
        if deadlineDate != notice.day { deadline += " on \(dayName(deadlineDate))" }
        if zone.identifier != notice.timezone { deadline += " (\(zone.identifier))" }
        let kinds = config.sortedKinds.filter(\.counts).map(\.name)
        return [
            "recipient_name": recipient.name,
            "recipient_first_name": firstName(recipient.name),
            "rep_name": repName,
            "rep_first_name": firstName(repName),
            "rep_handle": notice.rep,
            "manager_name": notice.managerName ?? notice.manager ?? "",
            "manager_first_name": firstName(notice.managerName ?? notice.manager ?? ""),
            "date": notice.day.description,
            "day": dayName(notice.day),
            "deadline": deadline,
            "late_grace": config.rule.lateGrace.description,
            "count": notice.count,
            "minimum": notice.minimum,
            "missing": max(0, notice.minimum - notice.count),
            "one_minimum": notice.minimum == 1,
            "consecutive_misses": notice.consecutiveMisses,
            "many_misses": notice.consecutiveMisses > 1,
            "is_missed": notice.status == .missed,
            "is_pending": notice.status != .missed,
            "step": notice.step,
            "fix_command": fixCommand(kinds: kinds),
            "mention": notice.repSlack.map { "<@\($0)>" } ?? repName,
            "kinds": kinds.joined(separator: ", "),
            "channel": channel,
            "log_url": logURL ?? "",
            "has_log_url": logURL != nil,
        ]
    }

    /// The command that puts the day right, with the first counting kind people reach for.
    static func fixCommand(kinds: [String]) -> String {
        let kind = kinds.contains("call") ? "call" : (kinds.first ?? "call")
        return "prospect log \(kind) --note \"who you reached and what's next\""
    }

    /// `Friday 27 November`
    public static func dayName(_ date: LocalDate) -> String {
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        return "\(date.weekday.name) \(date.day) \(months[date.month - 1])"
    }

    static func firstName(_ name: String) -> String {
        String(name.split(separator: " ").first ?? Substring(name))
    }

    /// Whether a notice carries a one-tap link: reminders and escalations about a rep's day.
    public static func hasLogLink(_ notice: Notice) -> Bool { notice.type == .reminder || notice.type == .escalation }

    /// A notice for `prospect admin test-channel`: the recipient as both rep and recipient.
    public static func testNotice(to person: Person, config: Config, now: Date) -> Notice {
        let zone = config.zone(of: person)
        let day = zone.localDate(of: now)
        return Notice(
            type: .test,
            step: "test",
            audience: nil,
            rep: person.handle,
            repName: person.name,
            repSlack: person.slack,
            manager: nil,
            managerName: nil,
            recipient: person.handle,
            day: day,
            status: .pending,
            count: 0,
            minimum: config.rule.minimumActions,
            deadline: zone.instant(day, config.rule.endOfDay),
            dueAt: now,
            consecutiveMisses: 0,
            timezone: zone.identifier
        )
    }
}
