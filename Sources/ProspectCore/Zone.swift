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
    /// The zone's offsets, shared by every `Zone` of the name.
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
        offsets.offset(at: seconds)
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

/// A zone's UTC offsets and the instants they change, read from Foundation a stretch of about
/// four years at a time, when an instant in it is first asked about (a few calls: a zone with
/// DST changes twice a year). Foundation reports every change, not only DST's: Kiritimati's
/// jump over a day in 1994 is one. An offset is then a lookup instead of a call into
/// Foundation's time-zone code, and a process that asks about a handful of instants (the
/// CLI) reads no more than it needs. One table per zone name, shared by every `Zone`.
final class OffsetTable: Sendable {
    /// A stretch is 2^`shift` seconds long.
    static let shift: Int64 = 27
    static let stretch: Int64 = 1 << shift
    private static let tables = Mutex<[String: OffsetTable]>([:])

    private struct Stretch: Sendable {
        /// Instants at which the offset at the same position comes in force, ascending; the
        /// first is the stretch's start.
        var starts: [Int64]
        var offsets: [Int64]
    }

    private let timeZone: TimeZone
    private let stretches = Mutex<[Int64: Stretch]>([:])

    static func of(_ timeZone: TimeZone) -> OffsetTable {
        tables.withLock { tables in
            if let known = tables[timeZone.identifier] { return known }
            let table = OffsetTable(timeZone)
            tables[timeZone.identifier] = table
            return table
        }
    }

    private init(_ timeZone: TimeZone) { self.timeZone = timeZone }

    /// The offset in force at `seconds` since 1970.
    func offset(at seconds: Int64) -> Int64 {
        let key = seconds >> Self.shift  // rounds down, before 1970 too
        let stretch = stretches.withLock { known in
            if let stretch = known[key] { return stretch }
            let stretch = read(from: key * Self.stretch)
            known[key] = stretch
            return stretch
        }
        // The last start at or before `seconds`.
        var low = 0
        var high = stretch.starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if stretch.starts[middle] <= seconds { low = middle } else { high = middle - 1 }
        }
        return stretch.offsets[low]
    }

    private func read(from start: Int64) -> Stretch {
        var instant = Date(timeIntervalSince1970: Double(start))
        var stretch = Stretch(starts: [start], offsets: [Int64(timeZone.secondsFromGMT(for: instant))])
        let end = Double(start + Self.stretch)
        while let next = timeZone.nextDaylightSavingTimeTransition(after: instant), next.timeIntervalSince1970 < end, next > instant {
            stretch.starts.append(Int64(next.timeIntervalSince1970.rounded(.down)))
            stretch.offsets.append(Int64(timeZone.secondsFromGMT(for: next)))
            instant = next
        }
        return stretch
    }
}
