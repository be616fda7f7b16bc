import Foundation

/// Converts between instants and a zone's wall clock, with the DST rules of the contract:
/// a wall time inside a gap means the first instant after the gap, and an ambiguous one
/// means its first occurrence.
///
/// Works on UTC offsets directly rather than through `Calendar`, which resolves times in
/// sub-hour gaps (Australia/Lord_Howe) to before the gap, and is slow on hot paths.
public struct Zone: Sendable, Hashable {
    public let timeZone: TimeZone
    /// The name as configured (Foundation on Linux reports `UTC` as `GMT`).
    public let identifier: String

    /// Resolves an IANA zone name (`Europe/Copenhagen`); nil when unknown.
    public init?(identifier: String) {
        guard !identifier.isEmpty, identifier.count <= 64, let tz = TimeZone(identifier: identifier) else { return nil }
        self.timeZone = tz
        self.identifier = identifier
    }

    public init(_ timeZone: TimeZone) {
        self.timeZone = timeZone
        self.identifier = timeZone.identifier
    }

    public static let utc = Zone(identifier: "UTC")!

    public static func == (a: Zone, b: Zone) -> Bool { a.timeZone.identifier == b.timeZone.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(timeZone.identifier) }

    /// The UTC offset in force at `seconds` since 1970.
    func offset(_ seconds: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
    }

    /// Wall-clock seconds since 1970-01-01T00:00 local.
    func wallSeconds(_ instant: Date) -> Int64 {
        let t = Int64(instant.timeIntervalSince1970.rounded(.down))
        return t + offset(t)
    }

    /// The local date of an instant.
    public func localDate(of instant: Date) -> LocalDate {
        let wall = wallSeconds(instant)
        return LocalDate(dayNumber: Int(wall >= 0 ? wall / 86_400 : (wall - 86_399) / 86_400))
    }

    /// The local wall-clock time of an instant, to the minute.
    public func localTime(of instant: Date) -> LocalTime {
        let wall = wallSeconds(instant)
        let secondOfDay = ((wall % 86_400) + 86_400) % 86_400
        return LocalTime(hour: Int(secondOfDay / 3600), minute: Int(secondOfDay % 3600 / 60))!
    }

    /// The instant a day starts (local midnight, or the first instant after a gap at midnight).
    public func startOfDay(_ date: LocalDate) -> Date {
        instant(date, LocalTime(hour: 0, minute: 0)!)
    }

    /// The instant of wall time `time` on `date`.
    public func instant(_ date: LocalDate, _ time: LocalTime) -> Date {
        let wall = Int64(date.dayNumber) * 86_400 + Int64(time.minutesSinceMidnight) * 60
        let offsets = Set([offset(wall - 86_400), offset(wall), offset(wall + 86_400)])
        // Each offset in force around that day proposes an instant; it holds if that offset is really in force then.
        let valid = offsets.map { wall - $0 }.filter { $0 + offset($0) == wall }
        if let first = valid.min() { return Date(timeIntervalSince1970: Double(first)) }
        // In a gap: the first instant whose wall time is at or after the one asked for.
        var before = wall - offsets.max()!
        var after = wall - offsets.min()!
        while after - before > 1 {
            let middle = before + (after - before) / 2
            if middle + offset(middle) >= wall { after = middle } else { before = middle }
        }
        return Date(timeIntervalSince1970: Double(after))
    }
}
