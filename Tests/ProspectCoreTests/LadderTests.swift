import Foundation
import Testing

@testable import ProspectCore

let everyDay = Set(Weekday.allCases)
let nudge = LadderStep(name: "nudge", at: .time(LocalTime("14:00")!), audience: .rep, channels: ["log"])
let endOfDay = LadderStep(name: "manager", at: .endOfDay, audience: .manager, channels: ["log"])
let skipLevel = LadderStep(name: "skip", at: .endOfDay, audience: .managersManager, afterMisses: 3, channels: ["log"])

@Suite struct LadderTests {
    /// Where each step of a seven-day rep falls in UTC on the DST days of the table.
    @Test(arguments: [
        // New York springs forward on Sunday 2026-03-08: 14:00 EDT and 17:30 EDT.
        ("America/New_York", "2026-03-07", "14:00", "2026-03-07T19:00:00Z", "2026-03-07T22:30:00Z"),
        ("America/New_York", "2026-03-08", "14:00", "2026-03-08T18:00:00Z", "2026-03-08T21:30:00Z"),
        // A step in the gap (02:30) is due at the first instant after it.
        ("America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00:00Z", "2026-03-08T21:30:00Z"),
        // Falls back on Sunday 2026-11-01: 01:30 happens twice; the first one is meant.
        ("America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00Z", "2026-11-01T22:30:00Z"),
        ("Asia/Kolkata", "2026-03-09", "14:00", "2026-03-09T08:30:00Z", "2026-03-09T12:00:00Z"),
        ("Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30:00Z", "2026-10-04T06:30:00Z"),
        ("Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04T14:45:00Z", "2026-04-05T07:00:00Z"),
        ("Europe/Copenhagen", "2026-03-29", "02:30", "2026-03-29T01:00:00Z", "2026-03-29T15:30:00Z"),
    ])
    func stepsComeDueAtTheirWallTimeInTheRepsZone(_ id: String, _ date: String, _ at: String, _ stepUTC: String, _ endUTC: String) {
        let cal = calendar(id, workdays: everyDay)
        let step = LadderStep(name: "s", at: .time(LocalTime(at)!), audience: .rep, channels: ["log"])
        let events = Ladder.events(repID: 1, on: day(date), calendar: cal, rule: rule, ladder: [step, endOfDay])
        #expect(events.map(\.instant).sorted() == [utc(stepUTC), utc(endUTC), utc(endUTC)].sorted())
        #expect(events.first(where: { $0.action == .verdict })?.instant == utc(endUTC))
    }

    @Test func nothingIsDueOnWeekendsHolidaysOrTimeOff() {
        let cal = calendar("UTC", holidays: [day("2026-03-10")], away: [TimeOff(from: day("2026-03-12"), to: day("2026-03-12"))])
        let week = utc("2026-03-07T00:00:00Z")..<utc("2026-03-14T00:00:00Z")
        let dates = Set(Ladder.events(repID: 1, in: week, calendar: cal, rule: rule, ladder: [nudge]).map(\.date))
        #expect(dates == [day("2026-03-09"), day("2026-03-11"), day("2026-03-13")])
    }

    /// The instants worked out once for a zone give each rep what its own calendar gives, over
    /// a DST week, with holidays, time off and a rep who works weekends.
    @Test(arguments: ["America/New_York", "Australia/Lord_Howe", "Pacific/Kiritimati", "UTC"])
    func repsSharingAZoneGetTheEventsTheirOwnCalendarsGive(_ id: String) {
        let week = utc("2026-03-05T00:00:00Z")..<utc("2026-03-12T00:00:00Z")
        let calendars = [
            calendar(id),
            calendar(id, holidays: [day("2026-03-09")]),
            calendar(id, away: [TimeOff(from: day("2026-03-06"), to: day("2026-03-10"))]),
            calendar(id, workdays: everyDay),
            calendar(id, workdays: []),
        ]
        let ladder = [nudge, endOfDay, skipLevel]
        let shared = Ladder.events(
            reps: calendars.enumerated().map { (Int64($0.offset + 1), $0.element) },
            zone: calendars[0].zone,
            in: week,
            rule: rule,
            ladder: ladder
        )
        let own = calendars.enumerated().flatMap { rep in
            Ladder.events(repID: Int64(rep.offset + 1), in: week, calendar: rep.element, rule: rule, ladder: ladder)
        }
        #expect(!own.isEmpty)
        #expect(shared.sorted() == own.sorted())
    }

    @Test func eventsInARangeIncludeLocalDatesOnEitherSideOfTheUTCDate() {
        // Kiritimati is UTC+14: its Tuesday 14:00 is Tuesday 00:00Z; Pago Pago (UTC-11) Monday 17:30 is Tuesday 04:30Z.
        let tuesday = utc("2026-03-10T00:00:00Z")..<utc("2026-03-11T00:00:00Z")
        let east = Ladder.events(repID: 1, in: tuesday, calendar: calendar("Pacific/Kiritimati"), rule: rule, ladder: [nudge])
        #expect(east.map(\.date).contains(day("2026-03-10")) && east.allSatisfy { tuesday.contains($0.instant) })
        let west = Ladder.events(repID: 1, in: tuesday, calendar: calendar("Pacific/Pago_Pago"), rule: rule, ladder: [nudge])
        #expect(west.contains { $0.date == day("2026-03-09") && $0.action == .verdict })
    }

    @Test func atOneInstantTheVerdictComesBeforeTheSteps() {
        let events = Ladder.events(repID: 1, on: day("2026-03-09"), calendar: calendar("UTC"), rule: rule, ladder: [endOfDay, skipLevel])
            .sorted()
        #expect(events.map(\.action) == [.verdict, .step(0), .step(1)])
    }

    @Test func missesCountBackOverWorkdaysOnlyAndStopAtAGapInTheRecord() {
        // Thu 5 and Fri 6 missed, weekend, Mon 9 holiday, Tue 10 missed; today is Wed 11.
        let cal = calendar("UTC", holidays: [day("2026-03-09")])
        let now = utc("2026-03-11T12:00:00Z")
        let judged = DayEvaluator(calendar: cal, rule: rule, activities: [], firstDay: day("2026-03-05"))
        #expect(judged.missesBefore(day("2026-03-11"), now: now) == 3)
        // Wed 4 is before the record (the rep joined on Thu 5): the count ends there.
        #expect(judged.missesBefore(day("2026-03-06"), now: now) == 1)
        // Fri 6 mended within the grace (Tue 10 until 10:00) is met late, not missed.
        let late = DayEvaluator(
            calendar: cal,
            rule: rule,
            activities: [ActivityTimes(occurredAt: utc("2026-03-06T15:00:00Z"), loggedAt: utc("2026-03-10T09:00:00Z"))],
            firstDay: day("2026-03-05")
        )
        #expect(late.status(of: day("2026-03-06"), now: now).state == .metLate)
        #expect(late.missesBefore(day("2026-03-11"), now: now) == 1)
    }

    @Test(arguments: [
        (0, 0, true), (1, 0, false), (0, 1, false), (0, 2, true), (0, 5, true),
    ])
    func anAfterMissesStepNeedsTheNthConsecutiveMiss(_ count: Int, _ prior: Int, _ expected: Bool) {
        let step = count == 0 && prior == 0 ? nudge : skipLevel
        #expect(Ladder.fires(step, count: count, minimum: 1, missesBefore: prior) == expected)
    }

    @Test func deliveryTypesFollowTheAudience() {
        #expect(nudge.deliveryType == .reminder)
        #expect(endOfDay.deliveryType == .escalation && skipLevel.deliveryType == .escalation)
    }
}
