import Foundation
import ProspectConfig
import ProspectCore

/// The values digest, alarm and take-stock templates see.
public enum DigestVariables {
    /// The names they add to `MessageTemplates.variables` (section fields included).
    static let names: Set<String> = [
        "timezone", "period", "team_reps", "team_met_today", "team_workdays_today", "team_met_period",
        "team_workdays_period", "team_actions", "team_trend", "team_trend_change", "team_alarm", "reps", "handle", "name",
        "first_name", "state", "state_label", "kinds_today", "streak", "trend", "alarm", "line", "cells", "color", "title",
        "at_risk", "reason", "best_streaks", "has_at_risk", "has_best_streaks", "is_weekly", "grid_days", "label",
        "grid_cells", "summary", "manager_handle",
    ]

    static let colors: [DayState: String] = [
        .met: "#12b76a", .metLate: "#a6f4c5", .missed: "#f04438", .pending: "#fdb022", .off: "#eaecf0",
    ]

    public static func of(_ report: TeamReport, recipient: Person, channel: String) -> [String: Any] {
        let weekly = report.kind == .weekly || report.kind == .report
        let width = max(8, report.reps.map(\.name.count).max() ?? 8)
        let reps: [[String: Any]] = report.reps.map { line -> [String: Any] in
            let kinds = line.kinds.map { "\($0.kind)×\($0.count)" }.joined(separator: " ")
            let trend = line.trend.map(String.init).joined(separator: " ")
            let stateLabel = label(line.state)
            var text = "  " + line.name.padding(toLength: width, withPad: " ", startingAt: 0)
            text += "  " + stateLabel.padding(toLength: 8, withPad: " ", startingAt: 0)
            text += "  \(line.count)  " + (kinds.isEmpty ? "-" : kinds).padding(toLength: 18, withPad: " ", startingAt: 0)
            text += "  streak \(line.streak)".padding(toLength: 12, withPad: " ", startingAt: 0)
            text += "  4 wks \(trend) \(arrow(line.trend))"
            var row: [String: Any] = [
                "handle": line.handle,
                "name": line.name,
                "first_name": MessageVariables.firstName(line.name),
                "state": line.state.rawValue,
                "state_label": stateLabel,
                "count": line.count,
                "kinds_today": kinds,
                "streak": line.streak,
                "trend": "\(trend) \(arrow(line.trend))",
                "line": text.replacingOccurrences(of: " +$", with: "", options: .regularExpression),
                "cells": line.days.map { cell(for: $0) },
                "grid_cells": line.days.filter { $0.date >= report.from }.map { cell(for: $0) },
            ]
            // Absent, not empty: Mustache shows a section for any string.
            if let alarm = line.alarm { row["alarm"] = alarm.summary }
            return row
        }
        let previous = report.team.weeklyActions.dropLast()
        let average = previous.isEmpty ? 0 : Double(previous.reduce(0, +)) / Double(previous.count)
        let lastWeek = report.team.weeklyActions.last ?? 0
        let change = average > 0 ? Int(((Double(lastWeek) - average) / average * 100).rounded()) : nil
        var days: [[String: Any]] = []
        var date = report.from
        while date <= report.to {
            days.append(["label": "\(date.weekday.rawValue.capitalized) \(date.day)"])
            date = date.adding(days: 1)
        }
        var variables: [String: Any] = [
            "recipient_name": recipient.name,
            "recipient_first_name": MessageVariables.firstName(recipient.name),
            "manager_handle": report.manager,
            "date": report.to.description,
            "day": MessageVariables.dayName(report.to),
            "period": report.from == report.to
                ? MessageVariables.dayName(report.to) : "\(MessageVariables.dayName(report.from)) to \(MessageVariables.dayName(report.to))",
            "timezone": report.timezone,
            "team_reps": report.team.reps,
            "team_met_today": report.team.metToday,
            "team_workdays_today": report.team.workdaysToday,
            "team_met_period": report.team.metInPeriod,
            "team_workdays_period": report.team.workdaysInPeriod,
            "team_actions": report.team.actionsInPeriod,
            "team_trend": report.team.weeklyActions.map(String.init).joined(separator: " "),
            "team_trend_change": change.map { "\($0 >= 0 ? "+" : "")\($0)% against the four weeks before" } ?? "no earlier weeks to compare",
            "reps": reps,
            "at_risk": report.atRisk.map { ["name": $0.name, "handle": $0.handle, "reason": $0.reason] },
            "has_at_risk": !report.atRisk.isEmpty,
            "best_streaks": report.bestStreaks.map { ["name": $0.name, "handle": $0.handle, "streak": $0.streak] },
            "has_best_streaks": !report.bestStreaks.isEmpty,
            "is_weekly": weekly,
            "grid_days": days,
            "channel": channel,
            "fix_command": "prospect team --ack",
        ]
        if let alarm = report.team.alarm { variables["team_alarm"] = alarm.summary }
        return variables
    }

    /// A sales-trap alarm for the rep's manager.
    public static func of(_ alarm: AlarmPayload, recipient: Person, channel: String) -> [String: Any] {
        [
            "recipient_name": recipient.name,
            "recipient_first_name": MessageVariables.firstName(recipient.name),
            "rep_name": alarm.repName,
            "rep_first_name": MessageVariables.firstName(alarm.repName),
            "rep_handle": alarm.rep,
            "date": alarm.day.description,
            "day": MessageVariables.dayName(alarm.day),
            "summary": alarm.summary,
            "channel": channel,
            "fix_command": "prospect report --week --rep \(alarm.rep)",
        ]
    }

    static func label(_ state: DayState) -> String {
        switch state {
        case .met: "met"
        case .metLate: "met late"
        case .missed: "MISSED"
        case .pending: "pending"
        case .off: "off"
        }
    }

    static func cell(for day: DayCell) -> [String: Any] {
        [
            "date": day.date.description,
            "color": colors[day.state] ?? "#eaecf0",
            "title": "\(day.date) \(label(day.state)), \(day.count)",
            "count": day.count,
        ]
    }

    /// ↑ when the last week beats the average of the three before it, ↓ when it falls short.
    static func arrow(_ weeks: [Int]) -> String {
        guard let last = weeks.last, weeks.count > 1 else { return "" }
        let before = Double(weeks.dropLast().reduce(0, +)) / Double(weeks.count - 1)
        return Double(last) > before ? "↑" : Double(last) < before ? "↓" : "→"
    }
}
