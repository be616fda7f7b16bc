import Foundation

/// One activity as the team report reads it.
public struct ActivityRecord: Sendable, Hashable {
    public var kind: String
    public var occurredAt: Date
    public var loggedAt: Date
    public var value: Double?

    public init(kind: String, occurredAt: Date, loggedAt: Date, value: Double? = nil) {
        self.kind = kind
        self.occurredAt = occurredAt
        self.loggedAt = loggedAt
        self.value = value
    }
}

/// Everything the report needs of one rep: who, their working time, what they logged, their pipeline.
public struct RepHistory: Sendable {
    public var person: Person
    public var calendar: WorkCalendar
    /// Every kind, over at least two alarm windows and the streak's reach.
    public var activities: [ActivityRecord]
    /// Oldest first.
    public var snapshots: [PipelineSnapshot]
    /// The first day on record (see ``DayEvaluator/firstDay``).
    public var firstDay: LocalDate?

    public init(
        person: Person,
        calendar: WorkCalendar,
        activities: [ActivityRecord],
        snapshots: [PipelineSnapshot],
        firstDay: LocalDate? = nil
    ) {
        self.person = person
        self.calendar = calendar
        self.activities = activities
        self.snapshots = snapshots
        self.firstDay = firstDay
    }
}

/// A manager's view of their team over a period: the daily and weekly digests, `prospect team`
/// and `prospect report` are all this.
public struct TeamReport: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case daily, weekly, team, report
    }

    public var kind: Kind
    public var manager: String
    public var managerName: String
    /// The manager's zone; dates are its local dates.
    public var timezone: String
    public var from: LocalDate
    public var to: LocalDate
    public var generatedAt: Date
    public var team: TeamLine
    public var reps: [RepLine]
    /// Reps whose streak broke or who missed repeatedly in the period.
    public var atRisk: [RiskLine]
    /// The longest running streaks, best first.
    public var bestStreaks: [StreakLine]

    enum CodingKeys: String, CodingKey {
        case kind, manager, timezone, from, to, team, reps
        case managerName = "manager_name"
        case generatedAt = "generated_at"
        case atRisk = "at_risk"
        case bestStreaks = "best_streaks"
    }
}

/// The team's line on top.
public struct TeamLine: Codable, Sendable, Equatable {
    public var reps: Int
    /// Reps that met the rule on the report's last day, of those for whom it is a workday.
    public var metToday: Int
    public var workdaysToday: Int
    /// Rep-days met (late counts) and rep-workdays in the period so far.
    public var metInPeriod: Int
    public var workdaysInPeriod: Int
    public var actionsInPeriod: Int
    /// Counting actions per week: the four weeks before the last, then the last (ending on `to`).
    public var weeklyActions: [Int]
    public var alarm: SalesTrapAlarm?

    enum CodingKeys: String, CodingKey {
        case reps, alarm
        case metToday = "met_today"
        case workdaysToday = "workdays_today"
        case metInPeriod = "met_in_period"
        case workdaysInPeriod = "workdays_in_period"
        case actionsInPeriod = "actions_in_period"
        case weeklyActions = "weekly_actions"
    }
}

/// One rep's row.
public struct RepLine: Codable, Sendable, Equatable {
    public var handle: String
    public var name: String
    /// The state of the report's last day.
    public var state: DayState
    public var count: Int
    /// Counting actions of the last day by kind, most first.
    public var kinds: [KindCount]
    public var streak: Int
    /// Consecutive missed workdays up to the last day.
    public var missesInARow: Int
    /// Counting actions per week over the last four weeks, oldest first.
    public var trend: [Int]
    /// Every day of the period (at least the last 28 days for a daily view): the heatmap.
    public var days: [DayCell]
    public var alarm: SalesTrapAlarm?

    enum CodingKeys: String, CodingKey {
        case handle, name, state, count, kinds, streak, trend, days, alarm
        case missesInARow = "misses_in_a_row"
    }
}

public struct KindCount: Codable, Sendable, Equatable {
    public var kind: String
    public var count: Int
}

public struct DayCell: Codable, Sendable, Equatable {
    public var date: LocalDate
    public var state: DayState
    public var count: Int
}

public struct RiskLine: Codable, Sendable, Equatable {
    public var handle: String
    public var name: String
    public var reason: String
}

public struct StreakLine: Codable, Sendable, Equatable {
    public var handle: String
    public var name: String
    public var streak: Int
}

extension TeamReport {

    /// Builds the report for `manager` over `from...to` (the manager's local dates) as seen at `now`.
    /// Each rep's day is the date of the same name in the rep's own zone.
    public static func build(
        kind: Kind,
        manager: Person,
        managerZone: Zone,
        reps: [RepHistory],
        from: LocalDate,
        to: LocalDate,
        now: Date,
        rule: Rule,
        kinds: [String: ActivityKind],
        alarm: AlarmSettings
    ) -> TeamReport {
        var lines: [RepLine] = []
        var teamFigures = SalesTrapFigures()
        var metToday = 0
        var workdaysToday = 0
        var metInPeriod = 0
        var workdaysInPeriod = 0
        var actionsInPeriod = 0
        var weekly = [Int](repeating: 0, count: 5)
        let heatFrom = kind == .daily || kind == .team ? min(from, to.adding(days: -27)) : from
        for rep in reps.sorted(by: { $0.person.handle < $1.person.handle }) {
            let counting = rep.activities.filter { kinds[$0.kind]?.counts == true && $0.loggedAt <= now }
            let evaluator = DayEvaluator(
                calendar: rep.calendar,
                rule: rule,
                activities: counting.map { ActivityTimes(occurredAt: $0.occurredAt, loggedAt: $0.loggedAt) },
                firstDay: rep.firstDay
            )
            let zone = rep.calendar.zone
            var days: [DayCell] = []
            var date = heatFrom
            while date <= to {
                let status = evaluator.status(of: date, now: now)
                days.append(DayCell(date: date, state: status.state, count: status.count))
                if date >= from && status.workday {
                    workdaysInPeriod += 1
                    if status.state == .met || status.state == .metLate { metInPeriod += 1 }
                }
                if date >= from { actionsInPeriod += status.count }
                date = date.adding(days: 1)
            }
            let last = evaluator.status(of: to, now: now)
            if last.workday {
                workdaysToday += 1
                if last.met { metToday += 1 }
            }
            let todays = counting.filter { zone.localDate(of: $0.occurredAt) == to }
            let byKind = Dictionary(grouping: todays, by: \.kind).map { KindCount(kind: $0.key, count: $0.value.count) }
                .sorted { ($0.count, $1.kind) > ($1.count, $0.kind) }
            // Weeks end on `to`: week 4 is to-6...to, week 0 the one four weeks before it.
            var trend = [Int](repeating: 0, count: 5)
            for activity in counting {
                let age = zone.localDate(of: activity.occurredAt).days(to: to)
                if (0..<35).contains(age) { trend[4 - age / 7] += 1 }
            }
            for i in 0..<5 { weekly[i] += trend[i] }
            let lastWorkday = rep.calendar.isWorkday(to) ? to : rep.calendar.previousWorkday(before: to)
            let misses = lastWorkday.map { evaluator.missesInARow(endingAt: $0, now: now) } ?? 0
            let figures = Self.figures(rep, to: to, now: now, kinds: kinds, alarm: alarm)
            teamFigures = teamFigures + figures
            lines.append(
                RepLine(
                    handle: rep.person.handle,
                    name: rep.person.name,
                    state: last.state,
                    count: last.count,
                    kinds: byKind,
                    streak: evaluator.streak(asOf: to, now: now),
                    missesInARow: misses,
                    trend: Array(trend.suffix(4)),
                    days: days,
                    alarm: SalesTrapAlarm.evaluate(figures, settings: alarm)
                )
            )
        }
        let atRisk = lines.compactMap { line -> RiskLine? in
            let missedInPeriod = line.days.filter { $0.date >= from && $0.state == .missed }.count
            if line.missesInARow >= 2 {
                return RiskLine(handle: line.handle, name: line.name, reason: "\(line.missesInARow) missed workdays in a row")
            }
            if kind != .daily && missedInPeriod >= 2 {
                return RiskLine(handle: line.handle, name: line.name, reason: "\(missedInPeriod) missed workdays")
            }
            if line.missesInARow == 1 { return RiskLine(handle: line.handle, name: line.name, reason: "streak broken") }
            return nil
        }
        let best = lines.filter { $0.streak > 0 }.sorted { ($0.streak, $1.handle) > ($1.streak, $0.handle) }.prefix(3)
            .map { StreakLine(handle: $0.handle, name: $0.name, streak: $0.streak) }
        return TeamReport(
            kind: kind,
            manager: manager.handle,
            managerName: manager.name,
            timezone: managerZone.identifier,
            from: from,
            to: to,
            generatedAt: now,
            team: TeamLine(
                reps: lines.count,
                metToday: metToday,
                workdaysToday: workdaysToday,
                metInPeriod: metInPeriod,
                workdaysInPeriod: workdaysInPeriod,
                actionsInPeriod: actionsInPeriod,
                weeklyActions: weekly,
                alarm: lines.isEmpty ? nil : SalesTrapAlarm.evaluate(teamFigures, settings: alarm)
            ),
            reps: lines,
            atRisk: atRisk,
            bestStreaks: Array(best)
        )
    }

    /// The sales-trap figures of one rep for the window ending on `to` (rep's zone) and the one before.
    public static func figures(
        _ rep: RepHistory,
        to: LocalDate,
        now: Date,
        kinds: [String: ActivityKind],
        alarm: AlarmSettings
    )
        -> SalesTrapFigures
    {
        let zone = rep.calendar.zone
        let windowStart = zone.startOfDay(to.adding(days: -(alarm.windowDays - 1)))
        let previousStart = zone.startOfDay(to.adding(days: -(2 * alarm.windowDays - 1)))
        let end = min(now, zone.startOfDay(to.adding(days: 1)))
        var f = SalesTrapFigures()
        for a in rep.activities where a.loggedAt <= now && a.occurredAt < end && a.occurredAt >= previousStart {
            let inWindow = a.occurredAt >= windowStart
            switch kinds[a.kind]?.category {
            case .closing:
                if inWindow {
                    f.closingCount += 1
                    f.closingValue += a.value ?? 0
                } else {
                    f.closingCountBefore += 1
                    f.closingValueBefore += a.value ?? 0
                }
            case .prospecting:
                if inWindow { f.prospecting += 1 } else { f.prospectingBefore += 1 }
            default: break
            }
        }
        f.pipelineStart = rep.snapshots.last { $0.at <= windowStart }?.value
        f.pipelineNow = rep.snapshots.last { $0.at <= end }?.value
        return f
    }
}
