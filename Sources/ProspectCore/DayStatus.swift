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
    /// Counting, non-deleted activities of the rep.
    private var byDate: [LocalDate: [ActivityTimes]]

    public init(calendar: WorkCalendar, rule: Rule, activities: [ActivityTimes], firstDay: LocalDate? = nil) {
        self.calendar = calendar
        self.rule = rule
        self.byDate = Dictionary(grouping: activities) { calendar.zone.localDate(of: $0.occurredAt) }
        let earliest = byDate.keys.min()
        self.firstDay = firstDay.map { first in earliest.map { Swift.min($0, first) } ?? first }
    }

    /// The verdict of a workday whose deadline has passed, from its counting activities logged
    /// by the deadline and by now. ``status(of:now:)`` judges with it; so do the engine at the
    /// end of a day (from counts, for every rep at once) and a late log revisiting a `missed`.
    public static func verdict(countByDeadline: Int, countByNow: Int, minimum: Int) -> Verdict {
        countByDeadline >= minimum ? .met : countByNow >= minimum ? .metLate : .missed
    }

    /// Activities for `date` logged by `instant`.
    public func count(on date: LocalDate, loggedBy instant: Date) -> Int {
        byDate[date, default: []].reduce(0) { $0 + ($1.loggedAt <= instant ? 1 : 0) }
    }

    /// Whether `date` lies before the first day on record.
    public func isBeforeRecord(_ date: LocalDate) -> Bool { firstDay.map { date < $0 } ?? false }

    /// The state of `date` as seen at `now`.
    public func status(of date: LocalDate, now: Date) -> DayStatus {
        let deadline = calendar.deadline(of: date, rule: rule)
        let count = count(on: date, loggedBy: now)
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
            state = DayState(Self.verdict(countByDeadline: self.count(on: date, loggedBy: deadline), countByNow: count, minimum: rule.minimumActions))
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
        if isBeforeRecord(date) { return 0 }
        let state = status(of: date, now: now).state
        if state == .missed { return 0 }
        var streak = state == .met || state == .metLate ? 1 : 0
        var day = calendar.previousWorkday(before: date)
        let reach = date.adding(days: -Self.lookBackDays)
        while let d = day, d >= reach, !isBeforeRecord(d) {
            let past = status(of: d, now: now).state
            guard past == .met || past == .metLate else { break }
            streak += 1
            day = calendar.previousWorkday(before: d)
        }
        return streak
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
