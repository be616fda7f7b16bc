import Foundation

/// How a day stands for a rep.
public enum DayState: String, Codable, Sendable {
    /// Not a workday: weekend, holiday or time off.
    case off
    /// The rule is met.
    case met
    /// Met, but only by activities logged after the deadline (within the grace).
    case metLate = "met-late"
    /// The deadline passed without the rule being met.
    case missed
    /// A workday whose deadline has not come and whose rule is not met yet.
    case pending
}

extension DayState {
    /// The state a verdict records.
    public init(_ verdict: Verdict) {
        switch verdict {
        case .met: self = .met
        case .metLate: self = .metLate
        case .missed: self = .missed
        }
    }
}

extension Verdict {
    /// The verdict a judged state records; nil for a day that is open or off.
    public init?(_ state: DayState) {
        switch state {
        case .met: self = .met
        case .metLate: self = .metLate
        case .missed: self = .missed
        case .pending, .off: return nil
        }
    }
}

/// The moments that matter for counting one activity.
public struct ActivityTimes: Sendable, Hashable {
    public var occurredAt: Date
    public var loggedAt: Date

    public init(occurredAt: Date, loggedAt: Date) {
        self.occurredAt = occurredAt
        self.loggedAt = loggedAt
    }
}

/// The counting activities of one day, as logged by now and by its deadline.
public struct DayCounts: Sendable, Hashable {
    public var byNow: Int
    public var byDeadline: Int

    public init(byNow: Int, byDeadline: Int) {
        self.byNow = byNow
        self.byDeadline = byDeadline
    }
}

/// A rep's standing on one local date.
public struct DayStatus: Codable, Sendable, Hashable {
    public var date: LocalDate
    public var count: Int
    public var minimum: Int
    public var met: Bool
    public var state: DayState
    public var workday: Bool
    public var deadline: Date

    public init(date: LocalDate, count: Int, minimum: Int, met: Bool, state: DayState, workday: Bool, deadline: Date) {
        self.date = date
        self.count = count
        self.minimum = minimum
        self.met = met
        self.state = state
        self.workday = workday
        self.deadline = deadline
    }

    enum CodingKeys: String, CodingKey {
        case date, count, minimum, met, state, workday, deadline
    }
}

/// The one judgment of a rep's days (DESIGN.md, "One truth of a day"): state, count, streak and
/// misses in a row, from the rep's counting activities, work calendar, rule and `now`. Every view
/// (`status`, `history`, `team`, `report`, digests) and the engine's `after_misses` ask it, so
/// they cannot disagree. Recorded verdicts are the record of what the daemon decided; they never
/// change what this says. Pure: `now` is a parameter.
public struct DayEvaluator: Sendable {
    /// How far back a streak or a run of misses is followed, in calendar days.
    public static let lookBackDays = 400

    public var calendar: WorkCalendar
    public var rule: Rule
    /// The first day on record: the day the rep joined the roster (or of their first action, if
    /// it was back-dated before that), or a simulation's `--from`. Days before it have no verdict: `off`,
    /// or `met` when an action was logged; they end a streak and a run of misses. Nil: every day.
    public var firstDay: LocalDate?
    /// What the judgment counts from.
    private var source: Source

    private enum Source: Sendable {
        /// Counting, non-deleted activities of the rep, by the date they occurred.
        case times([LocalDate: [ActivityTimes]])
        /// Each day's counts as taken at one instant, for the dates from `from` on; a date missing
        /// from the table had none. Days before `from` are not known.
        case counts([LocalDate: DayCounts], from: LocalDate)
    }

    public init(calendar: WorkCalendar, rule: Rule, activities: [ActivityTimes], firstDay: LocalDate? = nil) {
        self.calendar = calendar
        self.rule = rule
        let byDate = Dictionary(grouping: activities) { calendar.zone.localDate(of: $0.occurredAt) }
        self.source = .times(byDate)
        let earliest = byDate.keys.min()
        self.firstDay = firstDay.map { first in earliest.map { Swift.min($0, first) } ?? first }
    }

    /// A judgment from each day's counts, taken at the `now` it will be asked about, for the dates
    /// from `from` on: what a rep's status needs, without reading every activity back. Such a
    /// judgment answers for those dates only; ``streakWalk(asOf:now:)`` says when a streak runs
    /// back past them. `firstDay` is the first day on record, earlier activities included.
    public init(calendar: WorkCalendar, rule: Rule, counts: [LocalDate: DayCounts], from: LocalDate, firstDay: LocalDate?) {
        self.calendar = calendar
        self.rule = rule
        self.source = .counts(counts, from: from)
        self.firstDay = firstDay
    }

    /// The verdict of a workday whose deadline has passed, from its counting activities logged
    /// by the deadline and by now. ``status(of:now:)`` judges with it; so do the engine at the
    /// end of a day (from counts, for every rep at once) and a late log revisiting a `missed`.
    public static func verdict(countByDeadline: Int, countByNow: Int, minimum: Int) -> Verdict {
        countByDeadline >= minimum ? .met : countByNow >= minimum ? .metLate : .missed
    }

    /// Activities for `date` logged by `instant`. A judgment from counts knows two instants of a
    /// day: its deadline, and the instant the counts were taken (any later one answers as that).
    public func count(on date: LocalDate, loggedBy instant: Date) -> Int {
        switch source {
        case .times(let byDate):
            return byDate[date, default: []].reduce(0) { $0 + ($1.loggedAt <= instant ? 1 : 0) }
        case .counts(let counts, _):
            let day = counts[date] ?? DayCounts(byNow: 0, byDeadline: 0)
            return instant <= calendar.deadline(of: date, rule: rule) ? day.byDeadline : day.byNow
        }
    }

    /// The day's activities logged by `now`, and by its deadline (or `now`, if sooner).
    private func counts(on date: LocalDate, deadline: Date, now: Date) -> DayCounts {
        switch source {
        case .times(let byDate):
            let times = byDate[date, default: []]
            let cut = Swift.min(deadline, now)
            return DayCounts(byNow: times.count { $0.loggedAt <= now }, byDeadline: times.count { $0.loggedAt <= cut })
        case .counts(let counts, _):
            return counts[date] ?? DayCounts(byNow: 0, byDeadline: 0)
        }
    }

    /// Whether the judgment knows nothing of `date` (a judgment from counts, before their first date).
    private func isUnknown(_ date: LocalDate) -> Bool {
        if case .counts(_, let from) = source { return date < from }
        return false
    }

    /// Whether `date` lies before the first day on record.
    public func isBeforeRecord(_ date: LocalDate) -> Bool { firstDay.map { date < $0 } ?? false }

    /// The state of `date` as seen at `now`.
    public func status(of date: LocalDate, now: Date) -> DayStatus {
        let deadline = calendar.deadline(of: date, rule: rule)
        let counts = counts(on: date, deadline: deadline, now: now)
        let count = counts.byNow
        let met = count >= rule.minimumActions
        var workday = calendar.isWorkday(date)
        let state: DayState
        if !workday {
            state = .off
        } else if isBeforeRecord(date) {
            state = met ? .met : .off
            workday = met
        } else if now < deadline {
            state = met ? .met : .pending
        } else {
            state = DayState(Self.verdict(countByDeadline: counts.byDeadline, countByNow: count, minimum: rule.minimumActions))
        }
        return DayStatus(
            date: date,
            count: count,
            minimum: rule.minimumActions,
            met: met,
            state: state,
            workday: workday,
            deadline: deadline
        )
    }

    /// The streak as of `date` seen at `now`: consecutive workdays met (met-late counts),
    /// skipping non-workdays. A missed day's streak is 0; a day still open (or off) counts the
    /// streak up to the workday before it; days before the record end it.
    public func streak(asOf date: LocalDate, now: Date) -> Int {
        streakWalk(asOf: date, now: now).streak
    }

    /// ``streak(asOf:now:)``, and whether the walk back ran into a day this judgment does not
    /// know (one from counts, taken for too few days): then the streak may be longer.
    public func streakWalk(asOf date: LocalDate, now: Date) -> (streak: Int, unknownReached: Bool) {
        if isBeforeRecord(date) { return (0, false) }
        let state = status(of: date, now: now).state
        if state == .missed { return (0, false) }
        var streak = state == .met || state == .metLate ? 1 : 0
        var day = calendar.previousWorkday(before: date)
        let reach = date.adding(days: -Self.lookBackDays)
        while let d = day, d >= reach, !isBeforeRecord(d) {
            if isUnknown(d) { return (streak, true) }
            let past = status(of: d, now: now).state
            guard past == .met || past == .metLate else { break }
            streak += 1
            day = calendar.previousWorkday(before: d)
        }
        return (streak, false)
    }

    /// Today's streak, in the rep's zone.
    public func streak(now: Date) -> Int {
        streak(asOf: calendar.zone.localDate(of: now), now: now)
    }

    /// Consecutive missed workdays ending with `date` (0 when `date` is not missed at `now`).
    public func missesInARow(endingAt date: LocalDate, now: Date) -> Int {
        var misses = 0
        var day: LocalDate? = date
        let reach = date.adding(days: -Self.lookBackDays)
        while let d = day, d >= reach, status(of: d, now: now).state == .missed {
            misses += 1
            day = calendar.previousWorkday(before: d)
        }
        return misses
    }

    /// Consecutive missed workdays before `date`, counting back over workdays only, as the
    /// ladder's `after_misses` needs them at `now`: a day before the record ends the count.
    public func missesBefore(_ date: LocalDate, now: Date) -> Int {
        guard let previous = calendar.previousWorkday(before: date) else { return 0 }
        return missesInARow(endingAt: previous, now: now)
    }
}
