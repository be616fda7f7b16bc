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
            guard let sign = zonePart.first, sign == "+" || sign == "-" else { return nil }
            let digits = zonePart.dropFirst().replacingOccurrences(of: ":", with: "")
            guard digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let h = Int(digits.prefix(2)), let m = Int(digits.suffix(2)), h <= 18, m < 60
            else { return nil }
            offset = (sign == "+" ? 1 : -1) * (h * 3600 + m * 60)
        }
        let local = Double(date.dayNumber) * 86_400 + Double(hm.minutesSinceMidnight) * 60 + seconds
        return Date(timeIntervalSince1970: local - Double(offset))
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
