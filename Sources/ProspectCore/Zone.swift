import Foundation

/// Converts between instants and a zone's wall clock, with the DST rules of the contract:
/// a wall time inside a gap means the first instant after the gap, and an ambiguous one
/// means its first occurrence.
public struct Zone: Sendable, Hashable {
    public let timeZone: TimeZone
    private let calendar: Calendar

    /// Resolves an IANA zone name (`Europe/Copenhagen`); nil when unknown.
    public init?(identifier: String) {
        guard !identifier.isEmpty, identifier.count <= 64, let tz = TimeZone(identifier: identifier) else { return nil }
        self.init(tz)
    }

    public init(_ timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    public static let utc = Zone(TimeZone(identifier: "UTC")!)

    public var identifier: String { timeZone.identifier }

    public static func == (a: Zone, b: Zone) -> Bool { a.timeZone.identifier == b.timeZone.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(timeZone.identifier) }

    /// The local date of an instant.
    public func localDate(of instant: Date) -> LocalDate {
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// The local wall-clock time of an instant, to the minute.
    public func localTime(of instant: Date) -> LocalTime {
        let c = calendar.dateComponents([.hour, .minute], from: instant)
        return LocalTime(hour: c.hour!, minute: c.minute!)!
    }

    /// The instant a day starts (local midnight, or the first instant after a gap at midnight).
    public func startOfDay(_ date: LocalDate) -> Date {
        instant(date, LocalTime(hour: 0, minute: 0)!)
    }

    /// The instant of wall time `time` on `date`.
    public func instant(_ date: LocalDate, _ time: LocalTime) -> Date {
        // Start searching a day early in UTC terms so the first match is on `date` itself;
        // `.nextTime` picks the first instant after a gap, `.first` the first of a repeat.
        let noonUTC = Date(timeIntervalSince1970: Double(date.dayNumber) * 86_400 + 43_200)
        let searchFrom = noonUTC.addingTimeInterval(-2 * 86_400)
        var match = DateComponents()
        match.year = date.year
        match.month = date.month
        match.day = date.day
        match.hour = time.hour
        match.minute = time.minute
        match.second = 0
        if let found = calendar.nextDate(
            after: searchFrom, matching: match, matchingPolicy: .nextTime, repeatedTimePolicy: .first,
            direction: .forward)
        {
            return found
        }
        // Unreachable for real zones; fall back to the offset at noon.
        let offset = Double(timeZone.secondsFromGMT(for: noonUTC))
        return Date(
            timeIntervalSince1970: Double(date.dayNumber) * 86_400 + Double(time.minutesSinceMidnight) * 60 - offset)
    }
}
