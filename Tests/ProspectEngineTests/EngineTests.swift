import Foundation
import ProspectConfig
import ProspectCore
import ProspectStore
import ProspectTestSupport
import Testing

@testable import ProspectEngine

/// A roster and configuration for one scenario, run through the real engine.
struct Scenario {
    var store: Store
    var config: Config

    init(backend: TestBackend, ladder: String, holidays: [String] = [], people: [Person]) async throws {
        let text = """
            [rule]
            counting_kinds = ["call"]
            [kinds.call]
            [kinds.meeting]
            \(ladder)
            [calendars.default]
            holidays = [\(holidays.map { "\"\($0)\"" }.joined(separator: ", "))]
            [channels.log]
            type = "log"
            [channels.hook]
            type = "log"
            """
        config = try ConfigLoader.parse(text, source: "test.toml")
        store = try await TestDatabase.store(backend)
        let created = Date(timeIntervalSince1970: 0)
        for person in people { _ = try await store.addPerson(person, actor: "test", now: created) }
    }

    /// `simulate` over the days, as lines `at local_date type step rep recipient channel`.
    func simulate(_ from: String, _ to: String, _ activities: [String] = []) async throws -> [String] {
        let injected = Simulation.readActivities(activities.joined(separator: "\n")) { Issue.record("unreadable: \($0)") }
        var lines: [String] = []
        var warnings: [String] = []
        try await Simulation(store: store, config: config).run(
            from: LocalDate(from)!,
            to: LocalDate(to)!,
            activities: injected,
            warn: { warnings.append($0) },
            emit: { d in
                lines.append(
                    "\(ISO8601DateFormatter().string(from: d.at)) \(d.localDate) \(d.type) \(d.step) \(d.rep ?? "-") \(d.recipient) \(d.channel)"
                )
            }
        )
        return lines + warnings.map { "warning: \($0)" }
    }
}

func rep(_ handle: String, _ zone: String, manager: String? = nil, workdays: Set<Weekday>? = nil) -> Person {
    Person(handle: handle, name: handle, email: "\(handle)@example.com", timezone: zone, manager: manager, workdays: workdays)
}

func boss(_ handle: String, _ zone: String = "UTC", manager: String? = nil) -> Person {
    Person(handle: handle, name: handle, email: "\(handle)@example.com", timezone: zone, manager: manager, role: .manager)
}

let threeSteps = """
    [[ladder]]
    name = "nudge"
    at = "14:00"
    channels = ["log"]
    [[ladder]]
    name = "manager"
    at = "end_of_day"
    audience = "manager"
    channels = ["log", "hook"]
    [[ladder]]
    name = "skip-level"
    at = "end_of_day"
    after_misses = 3
    audience = "manager.manager"
    channels = ["log"]
    """

@Suite struct EngineScenarioTests {
    @Test(arguments: TestBackend.allCases) func aStepForMoreRepsThanASliceIsDecidedOnceInOrderAcrossShortTransactions(
        backend: TestBackend
    ) async throws {
        let people = (0..<(Engine.firstSlice * 10 + 500)).map { rep("r\($0)", "UTC") }
        let scenario = try await Scenario(
            backend: backend,
            ladder: "[[ladder]]\nname = \"nudge\"\nat = \"14:00\"\nchannels = [\"log\"]",
            people: people
        )
        let engine = Engine(store: scenario.store)
        let now = ActivityTime.parseISO8601("2026-03-09T14:00:00Z")!
        let roster = try await engine.roster(config: scenario.config, now: now)
        let events = Engine.events(roster: roster, config: scenario.config, in: now..<now.addingTimeInterval(1))
        #expect(events.count == people.count)
        let first = try await engine.process(events, roster: roster, config: scenario.config, now: now)
        #expect(first.deliveries.count == people.count)
        #expect(first.deliveries.map(\.rep) == events.map { roster.rep($0.repID)?.handle }, "the slices keep the events' order")
        #expect(try await engine.cursor() == now)
        let again = try await engine.process(events, roster: roster, config: scenario.config, now: now)
        #expect(again.deliveries.isEmpty, "a repeated pass adds nothing")
    }

    /// A slice holds what fits the budget at the last slice's pace, grows at most fourfold,
    /// and stays within its bounds however fast or slow the last one was.
    @Test func aSliceIsSizedToItsBudgetAtThePaceOfTheLast() {
        #expect(Engine.nextSlice(after: 1_000, took: Engine.sliceBudget * 2) == 500)
        #expect(Engine.nextSlice(after: 1_000, took: Engine.sliceBudget / 2) == 2_000)
        #expect(Engine.nextSlice(after: 200, took: .zero) == 800)
        #expect(Engine.nextSlice(after: 1_000, took: .seconds(60)) == Engine.sliceBounds.lowerBound)
        #expect(Engine.nextSlice(after: 4_000, took: .microseconds(1)) == Engine.sliceBounds.upperBound)
    }

    @Test(arguments: TestBackend.allCases) func aNewYorkWeekAcrossTheSpringChangeShiftsEveryDeliveryByAnHour(backend: TestBackend) async throws {
        let s = try await Scenario(
            backend: backend,
            ladder: threeSteps,
            people: [boss("vp"), boss("carol", "Europe/Copenhagen", manager: "vp"), rep("alice", "America/New_York", manager: "carol")]
        )
        // Alice calls on Monday 2 and Friday 6 (before 14:00), and on Monday 9 only after the nudge.
        let lines = try await s.simulate(
            "2026-03-05",
            "2026-03-10",
            [
                #"{"rep":"alice","kind":"call","at":"2026-03-05T15:00:00Z"}"#,
                #"{"rep":"alice","kind":"call","at":"2026-03-09T19:00:00Z"}"#,
            ]
        )
        #expect(
            lines == [
                "2026-03-06T19:00:00Z 2026-03-06 reminder nudge alice alice log",
                "2026-03-06T22:30:00Z 2026-03-06 escalation manager alice carol log",
                "2026-03-06T22:30:00Z 2026-03-06 escalation manager alice carol hook",
                // After the change (Sunday 8): 14:00 EDT is 18:00Z.
                "2026-03-09T18:00:00Z 2026-03-09 reminder nudge alice alice log",
                "2026-03-10T18:00:00Z 2026-03-10 reminder nudge alice alice log",
                "2026-03-10T21:30:00Z 2026-03-10 escalation manager alice carol log",
                "2026-03-10T21:30:00Z 2026-03-10 escalation manager alice carol hook",
            ]
        )
    }

    @Test(arguments: TestBackend.allCases) func skipLevelFiresOnTheThirdConsecutiveMissAcrossAWeekendAndAHoliday(backend: TestBackend) async throws {
        let ladder = """
            [[ladder]]
            name = "skip-level"
            at = "end_of_day"
            after_misses = 3
            audience = "manager.manager"
            channels = ["log"]
            """
        // Thu 5, Fri 6 missed; Mon 9 is a holiday; Tue 10 missed (3rd), Wed 11 too (4th); Thu 12 met.
        let s = try await Scenario(
            backend: backend,
            ladder: ladder,
            holidays: ["2026-03-09"],
            people: [boss("vp"), boss("carol", manager: "vp"), rep("bob", "UTC", manager: "carol")]
        )
        let lines = try await s.simulate("2026-03-05", "2026-03-13", [#"{"rep":"bob","kind":"call","at":"2026-03-12T10:00:00Z"}"#])
        #expect(
            lines == [
                "2026-03-10T17:30:00Z 2026-03-10 escalation skip-level bob vp log",
                "2026-03-11T17:30:00Z 2026-03-11 escalation skip-level bob vp log",
            ]
        )
    }

    @Test(arguments: TestBackend.allCases) func aLateLogWithinTheGraceMakesTheDayMetLateAndBreaksTheChain(backend: TestBackend) async throws {
        let s = try await Scenario(
            backend: backend,
            ladder: threeSteps,
            people: [boss("vp"), boss("carol", manager: "vp"), rep("bob", "UTC", manager: "carol")]
        )
        // Tue 10's call is logged Wed 09:00 (before the 10:00 grace): Tue becomes met-late.
        let lines = try await s.simulate(
            "2026-03-09",
            "2026-03-12",
            [#"{"rep":"bob","kind":"call","at":"2026-03-10T16:00:00Z","logged_at":"2026-03-11T09:00:00Z"}"#]
        )
        #expect(lines.filter { $0.contains("skip-level") }.isEmpty)
        let bob = try #require(try await s.store.person(handle: "bob"))
        let verdicts = try await s.store.verdicts(repID: bob.id, since: LocalDate("2026-03-01")!)
        #expect(
            verdicts == [
                LocalDate("2026-03-09")!: .missed, LocalDate("2026-03-10")!: .metLate, LocalDate("2026-03-11")!: .missed,
                LocalDate("2026-03-12")!: .missed,
            ]
        )
        // Tuesday's reminder and escalation were sent before the late log; they stay sent.
        #expect(lines.contains("2026-03-10T17:30:00Z 2026-03-10 escalation manager bob carol log"))
    }

    @Test(arguments: TestBackend.allCases) func activitiesThatTheCLIWouldRefuseAreSkippedWithAWarning(backend: TestBackend) async throws {
        let s = try await Scenario(backend: backend, ladder: threeSteps, people: [boss("carol"), rep("bob", "UTC", manager: "carol")])
        let lines = try await s.simulate(
            "2026-03-09",
            "2026-03-09",
            [
                #"{"rep":"zed","kind":"call","at":"2026-03-09T09:00:00Z"}"#,
                #"{"rep":"bob","kind":"dance","at":"2026-03-09T09:00:00Z"}"#,
                #"{"rep":"bob","kind":"call","at":"2026-03-06T09:00:00Z","logged_at":"2026-03-09T11:00:00Z"}"#,
            ]
        )
        #expect(lines.filter { $0.hasPrefix("warning:") }.count == 3)
        #expect(lines.contains("2026-03-09T14:00:00Z 2026-03-09 reminder nudge bob bob log"))
        #expect(lines.contains { $0.hasPrefix("warning:") && $0.contains("too late to log for 2026-03-06") })
    }

    @Test(arguments: TestBackend.allCases) func aRepWithoutAManagerGetsRemindersAndTheMissingEscalationIsReported(backend: TestBackend) async throws {
        let s = try await Scenario(backend: backend, ladder: threeSteps, people: [rep("solo", "Asia/Kolkata")])
        let lines = try await s.simulate("2026-03-09", "2026-03-09")
        #expect(lines.first == "2026-03-09T08:30:00Z 2026-03-09 reminder nudge solo solo log")
        #expect(lines.contains { $0.hasPrefix("warning: not sent: solo 2026-03-09 manager: no manager on the roster") })
    }

    @Test(arguments: TestBackend.allCases) func aManagerInAnotherZoneHearsAtTheRepsEndOfDay(backend: TestBackend) async throws {
        let s = try await Scenario(
            backend: backend,
            ladder: threeSteps,
            people: [boss("kim", "Australia/Lord_Howe"), rep("raj", "Asia/Kolkata", manager: "kim")]
        )
        let lines = try await s.simulate("2026-03-09", "2026-03-09")
        #expect(lines.contains("2026-03-09T12:00:00Z 2026-03-09 escalation manager raj kim log"))
    }
}

@Suite struct EngineDecisionTests {
    func setUp(_ backend: TestBackend) async throws -> (Scenario, EngineRoster, Engine) {
        let s = try await Scenario(backend: backend, ladder: threeSteps, people: [boss("carol"), rep("bob", "UTC", manager: "carol")])
        let engine = Engine(store: s.store)
        let roster = try await engine.roster(config: s.config, now: utc("2026-03-09T00:00:00Z"))
        return (s, roster, engine)
    }

    @Test(arguments: TestBackend.allCases) func processingTheSameEventsTwiceDeliversOnce(backend: TestBackend) async throws {
        let (s, roster, engine) = try await setUp(backend)
        let events = Engine.events(roster: roster, config: s.config, in: utc("2026-03-09T00:00:00Z")..<utc("2026-03-09T18:00:00Z"))
        let first = try await engine.process(events, roster: roster, config: s.config, now: utc("2026-03-09T17:30:00Z"))
        let second = try await engine.process(events, roster: roster, config: s.config, now: utc("2026-03-09T17:31:00Z"))
        // At 17:30 the 14:00 nudge is overdue and its day has ended, so only the escalation (two channels) goes.
        #expect(first.deliveries.map(\.step) == ["manager", "manager"] && second.deliveries.isEmpty)
        #expect(try await s.store.outboxCounts() == ["pending": 2])
        #expect(try await engine.cursor() == utc("2026-03-09T17:31:00Z"))
    }

    @Test(arguments: TestBackend.allCases) func afterDowntimeOnlyTheLatestReminderIsSentAndOnlyBeforeTheDaysEnd(backend: TestBackend) async throws {
        let ladder = """
            [[ladder]]
            name = "early"
            at = "10:00"
            channels = ["log"]
            [[ladder]]
            name = "late"
            at = "15:00"
            channels = ["log"]
            [[ladder]]
            name = "manager"
            at = "16:00"
            audience = "manager"
            channels = ["log"]
            """
        let s = try await Scenario(backend: backend, ladder: ladder, people: [boss("carol"), rep("bob", "UTC", manager: "carol")])
        let engine = Engine(store: s.store)
        let roster = try await engine.roster(config: s.config, now: utc("2026-03-09T00:00:00Z"))
        let day = utc("2026-03-09T00:00:00Z")..<utc("2026-03-10T00:00:00Z")
        let events = Engine.events(roster: roster, config: s.config, in: day).filter { $0.instant <= utc("2026-03-09T16:30:00Z") }
        // Back at 16:30 after being down since 09:00: "late" (15:00) only, and the 16:00 escalation late.
        let back = try await engine.process(events, roster: roster, config: s.config, now: utc("2026-03-09T16:30:00Z"))
        #expect(back.deliveries.map(\.step) == ["late", "manager"])

        // Back only at 18:00, after the day's end: no reminder at all, the escalation still.
        let s2 = try await Scenario(backend: backend, ladder: ladder, people: [boss("carol"), rep("bob", "UTC", manager: "carol")])
        let engine2 = Engine(store: s2.store)
        let all = Engine.events(roster: roster, config: s2.config, in: day).filter { $0.instant <= utc("2026-03-09T18:00:00Z") }
        let afterEnd = try await engine2.process(all, roster: roster, config: s2.config, now: utc("2026-03-09T18:00:00Z"))
        #expect(afterEnd.deliveries.map(\.step) == ["manager"])
        #expect(afterEnd.verdicts.map(\.verdict) == [.missed])
    }
}

func utc(_ text: String) -> Date { ActivityTime.parseISO8601(text)! }
