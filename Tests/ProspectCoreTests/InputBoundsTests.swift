import Foundation
import Testing

@testable import ProspectCore

/// Inputs at the edges: dates a calendar cannot hold, files as spreadsheets write them,
/// addresses a mail program would read as options.
@Suite struct InputBoundsTests {
    /// Dates and instants as text are written digit by digit: they read as Foundation's ISO 8601
    /// formatter writes them, across years, leap days, midnight and before 1970.
    @Test func datesAndInstantsAsTextMatchFoundationsISO8601() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var instants = [-86_400.0, -1, 0, 59, 951_782_400, 1_773_057_599.75, 4_102_444_799, 253_402_300_799]
        var generator = SystemRandomNumberGenerator()
        instants += (0..<2_000).map { _ in Double(Int64.random(in: -2_000_000_000...6_000_000_000, using: &generator)) }
        for seconds in instants {
            let instant = Date(timeIntervalSince1970: seconds.rounded(.down))
            #expect(JSONText.iso8601(instant) == formatter.string(from: instant), "\(seconds)")
            let date = LocalDate(dayNumber: Int((seconds / 86_400).rounded(.down)))
            #expect(date.description == String(formatter.string(from: instant).prefix(10)), "\(seconds)")
        }
        #expect(JSONText.iso8601(Date(timeIntervalSince1970: 1_773_057_600.9)) == "2026-03-09T12:00:00Z")
        #expect(LocalDate(year: 9999, month: 12, day: 31)!.description == "9999-12-31")
        #expect(LocalDate(year: 1, month: 2, day: 3)!.description == "0001-02-03")
    }

    @Test func datesOutsideTwoThousandToTwentyOneNinetyNineAreRefusedWithTheRange() throws {
        #expect(LocalDate(input: "2000-01-01") != nil)
        #expect(LocalDate(input: "2199-12-31") != nil)
        #expect(LocalDate(input: "1999-12-31") == nil)
        #expect(LocalDate(input: "9999-12-15") == nil)
        #expect(LocalDate("9999-12-15") != nil, "stored data of any year still reads")
        #expect(throws: (any Error).self) { try JSONDecoder().decode([LocalDate].self, from: Data("[\"9999-12-15\"]".utf8)) }
        #expect(ActivityTime.parseISO8601("9999-12-31T10:00:00Z") == nil)
        #expect(throws: UserError("--date '9999-12-15' is outside the dates prospectd accepts; use a date from 2000-01-01 to 2199-12-31")) {
            try LocalDate.parse("9999-12-15", for: "--date")
        }
        #expect(throws: UserError("--from '2026-02-30' is not a date; use YYYY-MM-DD")) { try LocalDate.parse("2026-02-30", for: "--from") }
        // The month of the last supported day: no arithmetic leaves the calendar (year 10000 crashed).
        let last = try LocalDate.parse("2199-12-15", for: "--date")
        #expect(last.firstOfMonth.description == "2199-12-01")
        #expect(last.lastOfMonth.description == "2199-12-31")
        #expect(try LocalDate.parse("2028-02-10", for: "--date").lastOfMonth.description == "2028-02-29")
    }

    @Test func aByteOrderMarkAndCRLFAreRead() throws {
        let roster = "\u{FEFF}handle,name,email\r\nann,Ann Rep,ann@example.com\r\n"
        #expect(try RosterCSV.parse(roster).get().map(\.person.name) == ["Ann Rep"])
        let records = try CSV.parse("\u{FEFF}a,b\r\n1,\"two\r\nlines\"\r\n").get()
        #expect(records.map(\.fields) == [["a", "b"], ["1", "two\nlines"]])
    }

    @Test func exportedFieldsThatASpreadsheetWouldRunAreNeutralised() {
        for formula in ["=cmd|' /C calc'!A0", "+SUM(A1:A9)", "-2+3", "@HYPERLINK(\"x\")", "\tx", "\rx"] {
            #expect(CSV.neutralized(formula) == "'" + formula)
        }
        #expect(CSV.neutralized("Ann Rep") == "Ann Rep")
        let person = Person(handle: "eve", name: "=1+1", email: "eve@example.com", timezone: "UTC")
        #expect(RosterCSV.render([person]).contains("\neve,'=1+1,eve@example.com,"))
    }

    @Test func addressesAreRFC5322AddrSpecsThatNoProgramReadsAsAnOption() {
        for good in ["a@example.com", "first.last+tag@sub.example.co", "o'brien@example.ie", "x_y-z@ex-ample.com", "anna@bücher.de"] {
            #expect(PersonField.isValidEmail(good), "\(good)")
        }
        for bad in [
            "-oQ/tmp/x@example.com", "a..b@example.com", ".a@example.com", "a.@example.com", "a@b", "a b@example.com",
            "\"q\"@example.com", "a@-example.com", "a@example..com", "a@[127.0.0.1]", "a@example.com\n", "a<b>@example.com", "@example.com",
        ] {
            #expect(!PersonField.isValidEmail(bad), "\(bad)")
        }
    }

    @Test func notesFromEveryPathAreCheckedByOneRule() {
        #expect(ActivityLimits.noteProblem("called Ann\nnext: demo\tFriday") == nil)
        #expect(ActivityLimits.noteProblem("hi \u{1B}]0;pwned\u{07}") == "contains control characters or text-direction overrides; use plain text")
        #expect(ActivityLimits.noteProblem("csi \u{9B}2J") != nil)
        #expect(ActivityLimits.noteProblem("invoice\u{202E}fdp.exe") != nil)
        #expect(ActivityLimits.noteProblem(String(repeating: "x", count: 1001)) == "has 1001 characters; keep it to 1000")
    }
}
