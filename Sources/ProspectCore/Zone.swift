import Foundation
import Synchronization

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
    /// The zone's offsets over the years anyone plans in, shared by every `Zone` of the name.
    private let offsets: OffsetTable

    /// Resolves an IANA zone name (`Europe/Copenhagen`); nil when unknown.
    public init?(identifier: String) {
        guard !identifier.isEmpty, identifier.count <= 64, let tz = TimeZone(identifier: identifier) else { return nil }
        self.init(tz, identifier: identifier)
    }

    public init(_ timeZone: TimeZone) {
        self.init(timeZone, identifier: timeZone.identifier)
    }

    private init(_ timeZone: TimeZone, identifier: String) {
        self.timeZone = timeZone
        self.identifier = identifier
        self.offsets = OffsetTable.of(timeZone)
    }

    public static let utc = Zone(identifier: "UTC")!

    public static func == (a: Zone, b: Zone) -> Bool { a.timeZone.identifier == b.timeZone.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(timeZone.identifier) }

    /// The UTC offset in force at `seconds` since 1970.
    func offset(_ seconds: Int64) -> Int64 {
        offsets.offset(at: seconds) ?? Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
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
        let around = (offset(wall - 86_400), offset(wall), offset(wall + 86_400))
        // Almost every day: one offset all around it, and the instant it gives holds.
        if around.0 == around.1, around.1 == around.2, offset(wall - around.1) == around.1 {
            return Date(timeIntervalSince1970: Double(wall - around.1))
        }
        let offsets = Set([around.0, around.1, around.2])
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

/// A zone's UTC offsets from 1970 to 2100 and the instants they change, read from Foundation
/// once per zone (about 260 changes for a zone with DST; Foundation reports every change, not
/// only DST's: Kiritimati's jump over a day in 1994 is one). An offset is then a binary search
/// instead of a call into Foundation's time-zone code; instants outside the years fall back.
final class OffsetTable: Sendable {
    /// 1970-01-01 and 2100-01-01.
    static let years: Range<Int64> = 0..<4_102_444_800
    private static let tables = Mutex<[String: OffsetTable]>([:])

    /// Instants at which `offsets` at the same position come in force, ascending; the first is `years`' start.
    private let starts: [Int64]
    private let offsets: [Int64]

    static func of(_ timeZone: TimeZone) -> OffsetTable {
        tables.withLock { tables in
            if let known = tables[timeZone.identifier] { return known }
            let table = OffsetTable(timeZone)
            tables[timeZone.identifier] = table
            return table
        }
    }

    private init(_ timeZone: TimeZone) {
        var instant = Date(timeIntervalSince1970: Double(Self.years.lowerBound))
        var starts = [Self.years.lowerBound]
        var offsets = [Int64(timeZone.secondsFromGMT(for: instant))]
        while let next = timeZone.nextDaylightSavingTimeTransition(after: instant), next.timeIntervalSince1970 < Double(Self.years.upperBound),
            next > instant, starts.count < 10_000
        {
            starts.append(Int64(next.timeIntervalSince1970.rounded(.down)))
            offsets.append(Int64(timeZone.secondsFromGMT(for: next)))
            instant = next
        }
        self.starts = starts
        self.offsets = offsets
    }

    /// The offset in force at `seconds` since 1970; nil outside ``years``.
    func offset(at seconds: Int64) -> Int64? {
        guard Self.years.contains(seconds) else { return nil }
        // The last start at or before `seconds`.
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= seconds { low = middle } else { high = middle - 1 }
        }
        return offsets[low]
    }
}
