import Foundation

/// One rep's working time: zone, working week, holidays and time off. Pure; no clock.
public struct WorkCalendar: Sendable {
    public var zone: Zone
    public var workdays: Set<Weekday>
    public var holidays: Set<LocalDate>
    public var timeOff: [TimeOff]

    /// How far the workday searches look before giving up (a rep with no workdays at all).
    static let searchLimit = 400

    public init(zone: Zone, workdays: Set<Weekday>, holidays: Set<LocalDate> = [], timeOff: [TimeOff] = []) {
        self.zone = zone
        self.workdays = workdays
        self.holidays = holidays
        self.timeOff = timeOff
    }

    /// Why a date is not a workday, or nil when it is one.
    public enum DayOff: String, Sendable, Codable {
        case weekend, holiday, away
    }

    public func dayOff(_ date: LocalDate) -> DayOff? {
        if !workdays.contains(date.weekday) { return .weekend }
        if holidays.contains(date) { return .holiday }
        if timeOff.contains(where: { $0.contains(date) }) { return .away }
        return nil
    }

    public func isWorkday(_ date: LocalDate) -> Bool { dayOff(date) == nil }

    /// The first workday strictly after `date`.
    public func nextWorkday(after date: LocalDate) -> LocalDate? {
        var day = date
        for _ in 0..<Self.searchLimit {
            day = day.adding(days: 1)
            if isWorkday(day) { return day }
        }
        return nil
    }

    /// The last workday strictly before `date`.
    public func previousWorkday(before date: LocalDate) -> LocalDate? {
        var day = date
        for _ in 0..<Self.searchLimit {
            day = day.adding(days: -1)
            if isWorkday(day) { return day }
        }
        return nil
    }

    /// The instants `[start, end)` that belong to a local date.
    public func bounds(of date: LocalDate) -> Range<Date> {
        zone.startOfDay(date)..<zone.startOfDay(date.adding(days: 1))
    }

    /// The end of `date`'s working day: its deadline.
    public func deadline(of date: LocalDate, rule: Rule) -> Date { zone.instant(date, rule.endOfDay) }

    /// Until when an activity for `date` may still be logged: `late_grace` on the next workday.
    public func lateLimit(of date: LocalDate, rule: Rule) -> Date {
        let next = nextWorkday(after: date) ?? date.adding(days: 1)
        return zone.instant(next, rule.lateGrace)
    }
}
