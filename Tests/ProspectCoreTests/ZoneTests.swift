import Foundation
import Testing

@testable import ProspectCore

func utc(_ text: String) -> Date { ActivityTime.parseISO8601(text)! }
func day(_ text: String) -> LocalDate { LocalDate(text)! }
func time(_ text: String) -> LocalTime { LocalTime(text)! }
func zone(_ id: String) -> Zone { Zone(identifier: id)! }

@Suite struct LocalDateTests {
    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-32", "", "2026-01-01x", "２０２６-01-01"])
    func rejectsDatesThatDoNotExistOrAreMalformed(_ text: String) {
        #expect(LocalDate(text) == nil)
    }

    @Test func roundTripsThroughDayNumbers() {
        for n in stride(from: -719_162, through: 2_932_896, by: 997) {  // 0001-01-01 ... 9999-12-31
            let date = LocalDate(dayNumber: n)
            #expect(date.dayNumber == n)
            #expect(LocalDate(date.description) == date)
        }
        #expect(day("1970-01-01").dayNumber == 0)
        #expect(day("2024-02-29").adding(days: 366) == day("2025-03-01"))
    }

    @Test(arguments: [
        ("2026-03-09", Weekday.mon), ("2026-03-08", .sun), ("2026-12-25", .fri), ("2000-02-29", .tue), ("1969-12-31", .wed),
    ])
    func knowsTheWeekday(_ text: String, _ expected: Weekday) {
        #expect(day(text).weekday == expected)
    }

    @Test func parsesTimesStrictly() {
        #expect(LocalTime("17:30") == LocalTime(hour: 17, minute: 30))
        for bad in ["7:30", "24:00", "12:60", "12-30", "1230", "", "ab:cd"] { #expect(LocalTime(bad) == nil, "\(bad)") }
    }

    @Test func parsesWeekdayListsAndNamesTheBadEntry() throws {
        #expect(try Weekday.parseList("mon;tue, wed").get() == [.mon, .tue, .wed])
        guard case .failure(let error) = Weekday.parseList("mon;tues") else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.entry == "tues")
    }
}

@Suite struct ZoneTests {
    /// The offset table says what Foundation says, at random instants from 1970 to 2100, at a
    /// second either side of every change, and either side of the table's stretches.
    @Test(arguments: ["America/New_York", "Australia/Lord_Howe", "Pacific/Kiritimati", "Pacific/Apia", "Asia/Kolkata", "Europe/Moscow", "UTC"])
    func offsetsAgreeWithFoundation(_ name: String) throws {
        let zone = try #require(Zone(identifier: name))
        var state: UInt64 = 42
        var instants: [Int64] = (0..<5_000).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int64(state >> 33) % 4_102_444_800
        }
        var t = Date(timeIntervalSince1970: 0)
        while let next = zone.timeZone.nextDaylightSavingTimeTransition(after: t), next.timeIntervalSince1970 < 4_102_444_800 {
            let s = Int64(next.timeIntervalSince1970)
            instants += [s - 1, s, s + 1]
            t = next
        }
        instants += [-86_400, -OffsetTable.stretch - 1, 4_102_444_800 + 3_600]
        instants += (-3...3).flatMap { k in [k * OffsetTable.stretch - 1, k * OffsetTable.stretch] }
        for s in instants {
            #expect(zone.offset(s) == Int64(zone.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(s)))), "\(name) at \(s)")
        }
    }

    /// Wall times on the DST days of the contract's table, with the instant each must mean.
    @Test(arguments: [
        // America/New_York springs forward 2026-03-08 02:00 -> 03:00: 02:30 is in the gap, so the first instant after it.
        ("America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00:00Z"),
        ("America/New_York", "2026-03-08", "01:59", "2026-03-08T06:59:00Z"),
        ("America/New_York", "2026-03-08", "17:30", "2026-03-08T21:30:00Z"),
        // Falls back 2026-11-01 02:00 -> 01:00: 01:30 happens twice; the first (EDT) is meant.
        ("America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00Z"),
        ("America/New_York", "2026-11-01", "17:30", "2026-11-01T22:30:00Z"),
        ("Asia/Kolkata", "2026-03-09", "17:30", "2026-03-09T12:00:00Z"),
        ("Asia/Kolkata", "2026-03-09", "00:00", "2026-03-08T18:30:00Z"),
        // Lord Howe moves by 30 minutes: 02:00 -> 02:30 on 2026-10-04, 02:00 -> 01:30 on 2026-04-05.
        ("Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30:00Z"),
        ("Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04T14:45:00Z"),
        ("Europe/Copenhagen", "2026-03-29", "02:30", "2026-03-29T01:00:00Z"),
        ("Europe/Copenhagen", "2026-10-25", "02:30", "2026-10-25T00:30:00Z"),
        ("UTC", "2026-03-09", "17:30", "2026-03-09T17:30:00Z"),
    ])
    func resolvesWallTimesOnDSTDays(_ id: String, _ date: String, _ wall: String, _ expected: String) {
        #expect(zone(id).instant(day(date), time(wall)) == utc(expected))
    }

    @Test(arguments: [
        ("America/New_York", "2026-03-09T03:59:59Z", "2026-03-08"),
        ("America/New_York", "2026-03-09T04:00:00Z", "2026-03-09"),
        ("Asia/Kolkata", "2026-03-09T18:29:59Z", "2026-03-09"),
        ("Asia/Kolkata", "2026-03-09T18:30:00Z", "2026-03-10"),
        ("Australia/Lord_Howe", "2026-03-09T13:00:00Z", "2026-03-10"),
        ("Pacific/Kiritimati", "2026-03-09T10:00:00Z", "2026-03-10"),
        ("Pacific/Pago_Pago", "2026-03-09T10:00:00Z", "2026-03-08"),
    ])
    func findsTheLocalDateOfAnInstant(_ id: String, _ instant: String, _ expected: String) {
        #expect(zone(id).localDate(of: utc(instant)) == day(expected))
    }

    @Test func aSpringForwardDayHas23HoursAndAFallBackDay25() {
        let ny = WorkCalendar(zone: zone("America/New_York"), workdays: Weekday.weekdays)
        let spring = ny.bounds(of: day("2026-03-08"))
        let fall = ny.bounds(of: day("2026-11-01"))
        #expect(spring.upperBound.timeIntervalSince(spring.lowerBound) == 23 * 3600)
        #expect(fall.upperBound.timeIntervalSince(fall.lowerBound) == 25 * 3600)
        let lordHowe = WorkCalendar(zone: zone("Australia/Lord_Howe"), workdays: Weekday.weekdays).bounds(of: day("2026-10-04"))
        #expect(lordHowe.upperBound.timeIntervalSince(lordHowe.lowerBound) == 23.5 * 3600)
    }

    @Test func refusesUnknownZones() {
        #expect(Zone(identifier: "Mars/Olympus_Mons") == nil)
        #expect(Zone(identifier: "") == nil)
    }
}
