import Foundation
import Testing

@testable import ProspectCore

let counting: Set<String> = ["call", "email"]
let rule = Rule(countingKinds: counting)

func calendar(_ id: String, holidays: Set<LocalDate> = [], away: [TimeOff] = [], workdays: Set<Weekday> = Weekday.weekdays) -> WorkCalendar {
    WorkCalendar(zone: zone(id), workdays: workdays, holidays: holidays, timeOff: away)
}

func logged(_ occurred: String, _ logged: String? = nil) -> ActivityTimes {
    ActivityTimes(occurredAt: utc(occurred), loggedAt: utc(logged ?? occurred))
}

@Suite struct WorkCalendarTests {
    @Test func skipsWeekendsHolidaysAndTimeOff() {
        let cal = calendar(
            "Europe/Copenhagen",
            holidays: [day("2026-12-24"), day("2026-12-25")],
            away: [TimeOff(from: day("2026-12-28"), to: day("2026-12-30"))]
        )
        #expect(cal.dayOff(day("2026-12-23")) == nil)
        #expect(cal.dayOff(day("2026-12-24")) == .holiday)
        #expect(cal.dayOff(day("2026-12-26")) == .weekend)
        #expect(cal.dayOff(day("2026-12-29")) == .away)
        #expect(cal.nextWorkday(after: day("2026-12-23")) == day("2026-12-31"))
        #expect(cal.previousWorkday(before: day("2026-12-31")) == day("2026-12-23"))
    }

    @Test func aRepWithNoWorkdaysHasNone() {
        let cal = calendar("UTC", workdays: [])
        #expect(cal.nextWorkday(after: day("2026-03-09")) == nil)
        #expect(cal.lateLimit(of: day("2026-03-09"), rule: rule) == utc("2026-03-10T10:00:00Z"))
    }

    @Test func aSundayToThursdayWeekIsHonoured() {
        let cal = calendar("Asia/Kolkata", workdays: [.sun, .mon, .tue, .wed, .thu])
        #expect(cal.isWorkday(day("2026-03-08")))
        #expect(!cal.isWorkday(day("2026-03-13")))
        #expect(cal.nextWorkday(after: day("2026-03-12")) == day("2026-03-15"))
    }
}

@Suite struct DayEvaluatorTests {
    @Test func aDayIsPendingThenMetOrMissedAtTheDeadline() {
        // New York, Monday after the spring change: the deadline 17:30 EDT is 21:30Z.
        let cal = calendar("America/New_York")
        let empty = DayEvaluator(calendar: cal, rule: rule, activities: [])
        #expect(empty.status(of: day("2026-03-09"), now: utc("2026-03-09T21:29:59Z")).state == .pending)
        #expect(empty.status(of: day("2026-03-09"), now: utc("2026-03-09T21:30:00Z")).state == .missed)
        let one = DayEvaluator(calendar: cal, rule: rule, activities: [logged("2026-03-09T15:00:00Z")])
        let status = one.status(of: day("2026-03-09"), now: utc("2026-03-09T16:00:00Z"))
        #expect(status.state == .met && status.count == 1 && status.met)
        #expect(status.deadline == utc("2026-03-09T21:30:00Z"))
    }

    @Test func anActivityCountsOnlyOnceLoggedAndOnlyOnItsLocalDay() {
        let cal = calendar("Asia/Kolkata")
        // 18:29Z is 23:59 in Kolkata on the 9th; 18:30Z is already the 10th.
        let evaluator = DayEvaluator(
            calendar: cal,
            rule: rule,
            activities: [logged("2026-03-09T18:29:00Z", "2026-03-09T18:40:00Z"), logged("2026-03-09T18:30:00Z")]
        )
        #expect(evaluator.count(on: day("2026-03-09"), loggedBy: utc("2026-03-09T18:35:00Z")) == 0)
        #expect(evaluator.count(on: day("2026-03-09"), loggedBy: utc("2026-03-09T18:40:00Z")) == 1)
        #expect(evaluator.count(on: day("2026-03-10"), loggedBy: utc("2026-03-10T00:00:00Z")) == 1)
    }

    @Test func loggingAfterTheDeadlineMakesTheDayMetLate() {
        let cal = calendar("Europe/Copenhagen")
        // Friday 2026-03-13; logged Monday 09:00 local for Friday 15:00 local.
        let evaluator = DayEvaluator(
            calendar: cal,
            rule: rule,
            activities: [logged("2026-03-13T14:00:00Z", "2026-03-16T08:00:00Z")]
        )
        #expect(evaluator.status(of: day("2026-03-13"), now: utc("2026-03-16T07:00:00Z")).state == .missed)
        #expect(evaluator.status(of: day("2026-03-13"), now: utc("2026-03-16T08:00:00Z")).state == .metLate)
    }

    @Test func weekendsHolidaysAndTimeOffAreOff() {
        let cal = calendar("UTC", holidays: [day("2026-03-10")], away: [TimeOff(from: day("2026-03-11"), to: day("2026-03-11"))])
        let evaluator = DayEvaluator(calendar: cal, rule: rule, activities: [])
        for d in ["2026-03-07", "2026-03-08", "2026-03-10", "2026-03-11"] {
            #expect(evaluator.status(of: day(d), now: utc("2026-03-12T00:00:00Z")).state == .off, "\(d)")
        }
    }

    @Test func theStreakSkipsNonWorkdaysAndCountsLateDays() {
        // Thu 5, Fri 6 (late), [weekend], Mon 9 holiday, Tue 10: met; Wed 11 today, not yet met.
        let cal = calendar("UTC", holidays: [day("2026-03-09")])
        let activities = [
            logged("2026-03-04T09:00:00Z"), logged("2026-03-05T09:00:00Z"),
            logged("2026-03-06T12:00:00Z", "2026-03-10T09:00:00Z"), logged("2026-03-10T09:00:00Z"),
        ]
        let evaluator = DayEvaluator(calendar: cal, rule: rule, activities: activities, firstDay: day("2026-01-01"))
        #expect(evaluator.streak(now: utc("2026-03-11T12:00:00Z")) == 4)
        // Joined on Thursday: the streak looks back no further than the record's first day, which
        // an action back-dated before joining moves back.
        let joinedThursday = DayEvaluator(calendar: cal, rule: rule, activities: Array(activities.dropFirst()), firstDay: day("2026-03-05"))
        #expect(joinedThursday.streak(now: utc("2026-03-11T12:00:00Z")) == 3)
        #expect(DayEvaluator(calendar: cal, rule: rule, activities: activities, firstDay: day("2026-03-05")).firstDay == day("2026-03-04"))
        let todayToo = DayEvaluator(
            calendar: cal,
            rule: rule,
            activities: [logged("2026-03-10T09:00:00Z"), logged("2026-03-11T09:00:00Z")]
        )
        #expect(todayToo.streak(now: utc("2026-03-11T12:00:00Z")) == 2)
        let broken = DayEvaluator(calendar: cal, rule: rule, activities: [logged("2026-03-05T09:00:00Z")])
        #expect(broken.streak(now: utc("2026-03-11T12:00:00Z")) == 0)
    }

    @Test func aJudgmentFromCountsSaysWhatOneFromActivitiesSays() {
        // Kolkata: met Wed, late on Fri (counted by now, not by the deadline), Tue, today Wed open.
        let cal = calendar("Asia/Kolkata")
        let now = utc("2026-03-11T06:00:00Z")
        let activities = [
            logged("2026-03-04T09:00:00Z"), logged("2026-03-05T09:00:00Z"),
            logged("2026-03-06T12:00:00Z", "2026-03-09T05:00:00Z"), logged("2026-03-09T09:00:00Z"), logged("2026-03-10T09:00:00Z"),
        ]
        let times = DayEvaluator(calendar: cal, rule: rule, activities: activities, firstDay: day("2026-01-01"))
        func counts(from: LocalDate) -> DayEvaluator {
            var table: [LocalDate: DayCounts] = [:]
            for date in (0...from.days(to: day("2026-03-11"))).map({ from.adding(days: $0) }) {
                let deadline = cal.deadline(of: date, rule: rule)
                let own = activities.filter { cal.zone.localDate(of: $0.occurredAt) == date }
                table[date] = DayCounts(byNow: own.count { $0.loggedAt <= now }, byDeadline: own.count { $0.loggedAt <= min(deadline, now) })
            }
            return DayEvaluator(calendar: cal, rule: rule, counts: table, from: from, firstDay: day("2026-01-01"))
        }
        let all = counts(from: day("2026-03-01"))
        for offset in 0...10 {
            let date = day("2026-03-01").adding(days: offset)
            #expect(all.status(of: date, now: now) == times.status(of: date, now: now), "\(date)")
        }
        #expect(all.streakWalk(asOf: day("2026-03-11"), now: now) == (5, false))
        #expect(times.streak(now: now) == 5)
        #expect(all.count(on: day("2026-03-06"), loggedBy: cal.deadline(of: day("2026-03-06"), rule: rule)) == 0)
        #expect(all.count(on: day("2026-03-06"), loggedBy: now) == 1)
        // Counted from Monday only: the walk reaches Friday, which these counts do not know.
        #expect(counts(from: day("2026-03-09")).streakWalk(asOf: day("2026-03-11"), now: now) == (2, true))
        // A missed day inside the counts ends the walk without needing earlier days.
        #expect(counts(from: day("2026-03-09")).streakWalk(asOf: day("2026-03-12"), now: utc("2026-03-12T13:00:00Z")) == (0, false))
    }

    @Test func aMinimumAboveOneNeedsThatMany() {
        var strict = rule
        strict.minimumActions = 2
        let evaluator = DayEvaluator(calendar: calendar("UTC"), rule: strict, activities: [logged("2026-03-09T09:00:00Z")])
        #expect(evaluator.status(of: day("2026-03-09"), now: utc("2026-03-09T12:00:00Z")).state == .pending)
    }
}

@Suite struct ActivityTimeTests {
    let ny = zone("America/New_York")

    @Test func resolvesEveryFormOfAt() throws {
        let now = utc("2026-03-09T15:00:00Z")  // 11:00 EDT
        #expect(try ActivityTime.resolve(nil, zone: ny, now: now) == now)
        #expect(try ActivityTime.resolve("09:15", zone: ny, now: now) == utc("2026-03-09T13:15:00Z"))
        // Yesterday was the spring-forward day: 02:30 does not exist, so 03:00 EDT.
        #expect(try ActivityTime.resolve("yesterday 02:30", zone: ny, now: now) == utc("2026-03-08T07:00:00Z"))
        #expect(try ActivityTime.resolve("2026-03-09T10:00:00+05:30", zone: ny, now: now) == utc("2026-03-09T04:30:00Z"))
        #expect(try ActivityTime.resolve("2026-03-09T10:00-0100", zone: ny, now: now) == utc("2026-03-09T11:00:00Z"))
        #expect(try ActivityTime.resolve("2026-03-09T10:00:30.5Z", zone: ny, now: now) == utc("2026-03-09T10:00:00Z").addingTimeInterval(30.5))
    }

    @Test(arguments: ["9:15", "yesterday", "2026-03-09", "2026-03-09T10:00:00", "tomorrow 10:00", "2026-03-09T25:00:00Z", "now"])
    func refusesMalformedAt(_ text: String) {
        #expect(throws: UserError.self) { try ActivityTime.resolve(text, zone: ny, now: utc("2026-03-09T15:00:00Z")) }
    }

    @Test func refusesTheFutureBeyondFiveMinutesOfSkew() throws {
        let cal = calendar("UTC")
        let now = utc("2026-03-09T12:00:00Z")
        try ActivityTime.validate(occurredAt: now.addingTimeInterval(300), now: now, calendar: cal, rule: rule)
        #expect(throws: UserError.self) {
            try ActivityTime.validate(occurredAt: now.addingTimeInterval(301), now: now, calendar: cal, rule: rule)
        }
    }

    @Test func yesterdayStaysOpenUntilTheGraceOnTheNextWorkday() throws {
        let cal = calendar("Europe/Copenhagen", holidays: [day("2026-03-16")])
        let friday = utc("2026-03-13T14:00:00Z")
        // Monday is a holiday, so Friday stays open until Tuesday 10:00 CET (09:00Z).
        try ActivityTime.validate(occurredAt: friday, now: utc("2026-03-17T08:59:59Z"), calendar: cal, rule: rule)
        #expect(throws: UserError.self) {
            try ActivityTime.validate(occurredAt: friday, now: utc("2026-03-17T09:00:01Z"), calendar: cal, rule: rule)
        }
        // Two workdays back is always too late during a working week.
        #expect(throws: UserError.self) {
            try ActivityTime.validate(
                occurredAt: utc("2026-03-17T10:00:00Z"),
                now: utc("2026-03-19T08:00:00Z"),
                calendar: cal,
                rule: rule
            )
        }
    }
}
