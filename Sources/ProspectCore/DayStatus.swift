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

/// Evaluates days from the counting activities of one rep. Pure: `now` is a parameter.
public struct DayEvaluator: Sendable {
    public var calendar: WorkCalendar
    public var rule: Rule
    /// Counting, non-deleted activities of the rep.
    private var byDate: [LocalDate: [ActivityTimes]]

    public init(calendar: WorkCalendar, rule: Rule, activities: [ActivityTimes]) {
        self.calendar = calendar
        self.rule = rule
        self.byDate = Dictionary(grouping: activities) { calendar.zone.localDate(of: $0.occurredAt) }
    }

    /// Activities for `date` logged by `instant`.
    public func count(on date: LocalDate, loggedBy instant: Date) -> Int {
        byDate[date, default: []].reduce(0) { $0 + ($1.loggedAt <= instant ? 1 : 0) }
    }

    /// The state of `date` as seen at `now`.
    public func status(of date: LocalDate, now: Date) -> DayStatus {
        let deadline = calendar.deadline(of: date, rule: rule)
        let count = count(on: date, loggedBy: now)
        let met = count >= rule.minimumActions
        let workday = calendar.isWorkday(date)
        let state: DayState
        if !workday {
            state = .off
        } else if now < deadline {
            state = met ? .met : .pending
        } else if self.count(on: date, loggedBy: deadline) >= rule.minimumActions {
            state = .met
        } else {
            state = met ? .metLate : .missed
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

    /// Consecutive workdays met (late counts), ending today when today is met, else yesterday's workday.
    /// Looks back no further than `since`.
    public func streak(now: Date, since: LocalDate) -> Int {
        streak(asOf: calendar.zone.localDate(of: now), now: now, since: since)
    }
}
