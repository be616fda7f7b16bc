import Foundation

/// A calendar date with no time zone, as a rep reads it on their own wall calendar.
///
/// Arithmetic is done on a day number, so it never depends on a zone or on DST.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, or returns nil when the day does not exist (2026-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= LocalDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The dates any input may name: outside them a date is refused where it enters (the CLI,
    /// the API, the configuration, imports), so no arithmetic on it can leave the calendar.
    public static let supported = LocalDate(year: 2000, month: 1, day: 1)!...LocalDate(year: 2199, month: 12, day: 31)!

    /// How a refusal names the supported range.
    public static let supportedRangeText = "a date from 2000-01-01 to 2199-12-31"

    /// Parses `YYYY-MM-DD`, any year 1–9999 (stored data). What a user sends goes through
    /// ``parse(_:for:)``, `Codable` or ``init(input:)``, which keep to ``supported``.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Parses `YYYY-MM-DD` within ``supported``: for dates that come from outside.
    public init?(input text: some StringProtocol) {
        guard let date = LocalDate(text), LocalDate.supported.contains(date) else { return nil }
        self = date
    }

    /// Reads a date the user typed for `option` (`--date`, `--from`): one line saying what was wrong.
    public static func parse(_ text: String, for option: String) throws -> LocalDate {
        if let date = LocalDate(input: text) { return date }
        if LocalDate(text) != nil {
            throw UserError("\(option) '\(shown(text, 20))' is outside the dates prospectd accepts; use \(supportedRangeText)")
        }
        throw UserError("\(option) '\(shown(text, 20))' is not a date; use YYYY-MM-DD")
    }

    /// The Monday of this date's week (weeks run Monday to Sunday).
    public var weekStart: LocalDate { adding(days: -weekday.index) }

    /// The first day of this date's month.
    public var firstOfMonth: LocalDate { adding(days: 1 - day) }

    /// The last day of this date's month.
    public var lastOfMonth: LocalDate { adding(days: LocalDate.daysIn(month: month, year: year) - day) }

    /// Days since 1970-01-01 (negative before).
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date `dayNumber` days after 1970-01-01.
    public init(dayNumber z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// Whole days from `self` to `other`.
    public func days(to other: LocalDate) -> Int { other.dayNumber - dayNumber }

    public var weekday: Weekday {
        // 1970-01-01 was a Thursday.
        let index = ((dayNumber % 7) + 7 + 3) % 7  // 0 = Monday
        return Weekday.allCases[index]
    }

    public var description: String {
        guard (0...9999).contains(year) else {
            func pad(_ n: Int, _ width: Int) -> String {
                let s = String(n)
                return String(repeating: "0", count: max(0, width - s.count)) + s
            }
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        }
        // Written in place: every outbox row, verdict and payload carries dates.
        return String(unsafeUninitializedCapacity: 10) { text in
            write(to: text)
            return 10
        }
    }

    /// `YYYY-MM-DD` into the first 10 bytes of `text`, for a year of 0-9999.
    func write(to text: UnsafeMutableBufferPointer<UInt8>) {
        Digits.write(year, width: 4, to: text, at: 0)
        text[4] = UInt8(ascii: "-")
        Digits.write(month, width: 2, to: text, at: 5)
        text[7] = UInt8(ascii: "-")
        Digits.write(day, width: 2, to: text, at: 8)
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.dayNumber < b.dayNumber }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension LocalDate: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(input: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected \(LocalDate.supportedRangeText) (YYYY-MM-DD), got '\(shown(text, 20))'"
                )
            )
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A wall-clock time of day, `HH:MM`.
public struct LocalTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// Parses `HH:MM` (24-hour clock, two digits each).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let h = Int(parts[0]), let m = Int(parts[1])
        else { return nil }
        self.init(hour: h, minute: m)
    }

    public var minutesSinceMidnight: Int { hour * 60 + minute }

    public var description: String {
        (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    public static func < (a: LocalTime, b: LocalTime) -> Bool { a.minutesSinceMidnight < b.minutesSinceMidnight }
}

/// A day of the week, spelled as in the configuration: `mon` … `sun`.
public enum Weekday: String, CaseIterable, Codable, Sendable, Comparable {
    case mon, tue, wed, thu, fri, sat, sun

    public static func < (a: Weekday, b: Weekday) -> Bool { a.index < b.index }

    /// The day's position in the week, Monday 0 to Sunday 6.
    public var index: Int { Weekday.allCases.firstIndex(of: self) ?? 0 }

    /// `Monday` … `Sunday`.
    public var name: String {
        switch self {
        case .mon: "Monday"
        case .tue: "Tuesday"
        case .wed: "Wednesday"
        case .thu: "Thursday"
        case .fri: "Friday"
        case .sat: "Saturday"
        case .sun: "Sunday"
        }
    }

    /// Monday to Friday, the default working week.
    public static let weekdays: Set<Weekday> = [.mon, .tue, .wed, .thu, .fri]

    /// Parses a list such as `mon;tue;wed` or `mon,tue`; nil names the first bad entry.
    public static func parseList(_ text: String) -> Result<Set<Weekday>, ListError> {
        var days: Set<Weekday> = []
        for part in text.split(whereSeparator: { $0 == ";" || $0 == "," }) {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let day = Weekday(rawValue: name) else { return .failure(ListError(entry: String(part))) }
            days.insert(day)
        }
        return .success(days)
    }

    /// The entry of a weekday list that is not a weekday name.
    public struct ListError: Error, Sendable {
        public let entry: String
    }

    /// Renders a set in week order: `mon;tue;wed`.
    public static func format(_ days: Set<Weekday>, separator: String = ";") -> String {
        allCases.filter(days.contains).map(\.rawValue).joined(separator: separator)
    }
}

/// Fixed-width decimal digits written into a byte buffer: dates and times as text, without the
/// intermediate strings that `String(n)` and padding build.
enum Digits {
    /// `value` (0 ≤ value < 10^width) as `width` digits, zero-padded, from `offset`.
    static func write(_ value: Int, width: Int, to text: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var rest = value
        for place in stride(from: offset + width - 1, through: offset, by: -1) {
            text[place] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
    }
}
