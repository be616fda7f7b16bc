/// The daily rule: how many counting actions each rep owes on each workday, and by when.
public struct Rule: Sendable, Hashable {
    public var minimumActions: Int
    public var countingKinds: Set<String>
    public var workdays: Set<Weekday>
    public var endOfDay: LocalTime
    public var lateGrace: LocalTime
    public var timezone: Zone

    public init(
        minimumActions: Int = 1,
        countingKinds: Set<String>,
        workdays: Set<Weekday> = Weekday.weekdays,
        endOfDay: LocalTime = LocalTime(hour: 17, minute: 30)!,
        lateGrace: LocalTime = LocalTime(hour: 10, minute: 0)!,
        timezone: Zone = .utc
    ) {
        self.minimumActions = minimumActions
        self.countingKinds = countingKinds
        self.workdays = workdays
        self.endOfDay = endOfDay
        self.lateGrace = lateGrace
        self.timezone = timezone
    }
}

/// A span of time off, both ends included.
public struct TimeOff: Codable, Hashable, Sendable {
    public var from: LocalDate
    public var to: LocalDate
    public var reason: String?

    public init(from: LocalDate, to: LocalDate, reason: String? = nil) {
        self.from = from
        self.to = to
        self.reason = reason
    }

    public func contains(_ date: LocalDate) -> Bool { from <= date && date <= to }
}
