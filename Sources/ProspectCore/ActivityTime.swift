import Foundation

/// Reads `--at` and applies the back-dating rules of the contract.
public enum ActivityTime {
    /// Resolves `--at`: an ISO 8601 date-time with `Z` or an offset, a local `HH:MM` (today),
    /// or `yesterday HH:MM`, in `zone` as seen at `now`.
    public static func resolve(_ text: String?, zone: Zone, now: Date) throws -> Date {
        guard let raw = text else { return now }
        let text = raw.trimmingCharacters(in: .whitespaces)
        let today = zone.localDate(of: now)
        if let time = LocalTime(text) { return zone.instant(today, time) }
        if text.lowercased().hasPrefix("yesterday "),
            let time = LocalTime(text.dropFirst("yesterday ".count).trimmingCharacters(in: .whitespaces))
        {
            return zone.instant(today.adding(days: -1), time)
        }
        if let instant = parseISO8601(text) { return instant }
        throw UserError(
            "--at '\(shown(raw, 40))' is not a time: use HH:MM (today), 'yesterday HH:MM', or 2026-03-09T15:00:00Z"
        )
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z`, `±HH:MM` or `±HHMM`.
    public static func parseISO8601(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count >= 17, chars.count <= 40 else { return nil }
        let sep = chars[10]
        guard sep == UInt8(ascii: "T") || sep == UInt8(ascii: "t") || sep == UInt8(ascii: " "),
            let date = LocalDate(input: String(decoding: chars[0..<10], as: UTF8.self)),
            let hm = LocalTime(String(decoding: chars[11..<16], as: UTF8.self))
        else { return nil }
        var index = 16
        var seconds = 0.0
        if index < chars.count, chars[index] == UInt8(ascii: ":") {
            var end = index + 1
            while end < chars.count, (chars[end] >= 48 && chars[end] <= 57) || chars[end] == UInt8(ascii: ".") {
                end += 1
            }
            guard let s = Double(String(decoding: chars[(index + 1)..<end], as: UTF8.self)), end - index >= 3, s < 61
            else { return nil }
            seconds = s
            index = end
        }
        guard index < chars.count else { return nil }
        let zonePart = String(decoding: chars[index...], as: UTF8.self)
        let offset: Int
        if zonePart == "Z" || zonePart == "z" {
            offset = 0
        } else {
            guard let sign = zonePart.utf8.first else { return nil }
            let digits = zonePart.dropFirst().replacingOccurrences(of: ":", with: "")
            guard digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let h = Int(digits.prefix(2)), let m = Int(digits.suffix(2)),
                let seconds = utcOffset(sign: sign, hours: h, minutes: m)
            else { return nil }
            offset = seconds
        }
        let local = Double(date.dayNumber) * 86_400 + Double(hm.minutesSinceMidnight) * 60 + seconds
        return Date(timeIntervalSince1970: local - Double(offset))
    }

    /// Parses an instant as the API's JSON carries it: RFC 3339's date-time to the second,
    /// `2026-03-09T14:00:00Z` or with an offset (`+01:00`); nil for any other shape. What
    /// `JSONEncoder`'s `.iso8601` writes and its decoder reads, without building a Foundation
    /// calendar and time zone on each run of the CLI.
    public static func parseWireInstant(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count == 20 || u.count == 25 else { return nil }
        func digits(_ positions: [Int]) -> Bool { positions.allSatisfy { u[$0] >= 48 && u[$0] <= 57 } }
        func number(_ positions: Range<Int>) -> Int { positions.reduce(0) { $0 * 10 + Int(u[$1] - 48) } }
        guard digits([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]), u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
            u[10] == UInt8(ascii: "T"), u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
            let date = LocalDate(year: number(0..<4), month: number(5..<7), day: number(8..<10))
        else { return nil }
        let (hour, minute, second) = (number(11..<13), number(14..<16), number(17..<19))
        guard hour < 24, minute < 60, second < 60 else { return nil }
        var offset = 0
        if u.count == 20 {
            guard u[19] == UInt8(ascii: "Z") else { return nil }
        } else {
            guard u[22] == UInt8(ascii: ":"), digits([20, 21, 23, 24]),
                let seconds = utcOffset(sign: u[19], hours: number(20..<22), minutes: number(23..<25))
            else { return nil }
            offset = seconds
        }
        return Date(timeIntervalSince1970: Double(date.dayNumber * 86_400 + hour * 3600 + minute * 60 + second - offset))
    }

    /// A UTC offset, `+` or `-` then hours and minutes, in seconds east of UTC: nil for another
    /// sign, or past 18:59 either way. Both parsers above read offsets by this one rule.
    static func utcOffset(sign: UInt8, hours: Int, minutes: Int) -> Int? {
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), hours <= 18, minutes < 60 else { return nil }
        return (sign == UInt8(ascii: "+") ? 1 : -1) * (hours * 3600 + minutes * 60)
    }

    /// When `day` stopped taking activities (`late_grace` on its next workday), if that has
    /// passed at `now`; nil while it may still be logged (today, or a past day within its grace).
    public static func closedSince(_ day: LocalDate, now: Date, calendar: WorkCalendar, rule: Rule) -> Date? {
        guard day < calendar.zone.localDate(of: now) else { return nil }
        let limit = calendar.lateLimit(of: day, rule: rule)
        return now > limit ? limit : nil
    }

    /// Refuses an activity time in the future (beyond the clock skew) or past the late grace.
    public static func validate(
        occurredAt: Date,
        now: Date,
        calendar: WorkCalendar,
        rule: Rule
    ) throws {
        if occurredAt > now.addingTimeInterval(ActivityLimits.clockSkew) {
            throw UserError("--at lies in the future; log an action once it has happened")
        }
        let zone = calendar.zone
        let day = zone.localDate(of: occurredAt)
        if let limit = closedSince(day, now: now, calendar: calendar, rule: rule) {
            throw UserError(
                "too late to log for \(day): a day stays open until \(rule.lateGrace) on the next workday "
                    + "(\(zone.localDate(of: limit))); log it for today instead, without --at"
            )
        }
    }
}
