import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOEmbedded
import ProspectAPI
import ProspectConfig
import ProspectCore
import ProspectStore
import ProspectTestSupport
import Testing

@testable import ProspectServer

/// For random histories, calendars and moments, `status`, `history` and `team` say the same of
/// every day: the three routes load their data in three ways (the rep's window, the report's
/// histories, the engine's roster), and judge it with one `DayEvaluator`.
@Suite struct OneTruthPropertyTests {
    /// SplitMix64: the same cases on every run, a different history for every seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
    }

    struct FixedClock: WallClock { var now: Date }

    /// The daemon's handlers on `store` at `now`, and an admin's request context; shut the client down after.
    static func handlers(_ store: Store, _ config: Config, now: Date) -> (Handlers, HTTPClient, AppContext) {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let handlers = Handlers(
            store: store,
            config: ConfigBox(config),
            clock: FixedClock(now: now),
            logger: Logger(label: "test"),
            replan: Doorbell(),
            channels: ChannelKit(client: client, logger: Logger(label: "test"), environment: [:])
        )
        var context = AppContext(source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: Logger(label: "test")))
        context.identity = Identity(person: nil, admin: true, actor: "test")
        return (handlers, client, context)
    }

    static let zones = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Kiritimati"]

    /// Every seed on SQLite; every third on PostgreSQL too, with the same data, so the two agree.
    @Test(arguments: (0..<24).map { (TestBackend.sqlite, $0) } + stride(from: 0, to: 24, by: 3).map { (TestBackend.postgresql, $0) })
    func statusHistoryAndTeamAgreeOnEveryDay(backend: TestBackend, seed: Int) async throws {
        var random = Random(state: UInt64(seed) &* 7919 &+ 17)
        let zoneName = Self.zones[seed % Self.zones.count]
        let zone = try #require(Zone(identifier: zoneName))
        let start = LocalDate("2026-02-23")!.adding(days: random.int(0...10))
        var holidays: [String] = []
        for _ in 0..<random.int(0...3) { holidays.append("\"\(start.adding(days: random.int(0...45)))\"") }
        let config = try ConfigLoader.parse(
            """
            [rule]
            counting_kinds = ["call", "email"]
            timezone = "UTC"
            minimum_actions = \(random.int(1...2))
            [kinds.call]
            label = "Cold call"
            [kinds.email]
            label = "Email"
            [kinds.won]
            label = "Won"
            category = "closing"
            [calendars.default]
            holidays = [\(holidays.joined(separator: ", "))]
            """,
            source: "property.toml"
        )
        var workdays = Set(Weekday.allCases.filter { _ in random.chance(0.75) })
        if workdays.isEmpty { workdays = [.wed] }
        let store = try await TestDatabase.store(backend)
        let joined = zone.instant(start, LocalTime(hour: 8, minute: 0)!)
        _ = try await store.addPerson(
            Person(handle: "carol", name: "Carol", email: "carol@example.com", timezone: "UTC", role: .manager),
            actor: "test",
            now: joined
        )
        _ = try await store.addPerson(
            Person(handle: "ann", name: "Ann", email: "ann@example.com", timezone: zoneName, manager: "carol", workdays: workdays),
            actor: "test",
            now: joined
        )
        let ann = try #require(try await store.person(handle: "ann"))
        for _ in 0..<random.int(0...2) {
            let from = start.adding(days: random.int(-3...40))
            try await store.addTimeOff(
                repID: ann.id,
                handle: "ann",
                TimeOff(from: from, to: from.adding(days: random.int(0...4))),
                actor: "t",
                now: joined
            )
        }
        let calendar = config.workCalendar(for: ann.person, timeOff: [])
        var n = 0
        // Every fourth seed a diligent rep, on time every day: a streak longer than a status first counts.
        let diligent = seed % 4 == 1
        for offset in -4...45 where diligent || random.chance(0.65) {
            let day = start.adding(days: offset)
            for _ in 0..<(diligent ? 2 : random.int(1...2)) {
                let occurred = zone.instant(day, LocalTime(hour: random.int(6...20), minute: random.int(0...59))!)
                // On time, late within the grace, or much later (a CRM import of old work).
                let deadline = calendar.deadline(of: day, rule: config.rule)
                let logged: Date =
                    diligent || random.chance(0.7)
                    ? occurred
                    : random.chance(0.6) ? deadline.addingTimeInterval(Double(random.int(60...40_000))) : occurred.addingTimeInterval(9 * 86_400)
                n += 1
                _ = try await store.logActivity(
                    ActivityEntry(
                        rep: ann,
                        kind: diligent || random.chance(0.85) ? "call" : "won",
                        note: nil,
                        value: nil,
                        occurredAt: occurred,
                        loggedAt: max(logged, occurred),
                        clientID: "property-\(seed)-\(n)"
                    )
                )
            }
        }
        let now = zone.instant(start.adding(days: random.int(20...44)), LocalTime(hour: random.int(0...23), minute: random.int(0...59))!)

        let (handlers, client, context) = Self.handlers(store, config, now: now)

        let status = try await handlers.status(of: ann, config, now: now)
        let history = try await handlers.history(rep: "ann", days: 60, context)
        let historyStates = Dictionary(uniqueKeysWithValues: history.days.map { ($0.date, $0.state) })
        let today = zone.localDate(of: now)
        #expect(history.streak == status.streak, "seed \(seed)")
        if diligent { #expect(status.streak > Handlers.recentDays / 2, "seed \(seed): a diligent rep's streak") }
        #expect(historyStates[today] == status.state, "seed \(seed)")

        // The team on several days, each compared cell by cell with history.
        let managerToday = Zone.utc.localDate(of: now)
        for back in [0, 1, 3, 8, 15] {
            let date = managerToday.adding(days: -back)
            let team = try await handlers.team(managerHandle: "carol", date: date.description, context)
            let line = try #require(team.reps.first)
            for cell in line.days {
                if let state = historyStates[cell.date] {
                    #expect(cell.state == state, "seed \(seed), \(zoneName), team --date \(date), day \(cell.date)")
                }
            }
            if date == today {
                #expect(line.streak == status.streak, "seed \(seed): team streak on \(date)")
                #expect(line.state == status.state, "seed \(seed)")
            }
        }
        try await client.shutdown()
    }

    /// A rep on the roster for longer than a streak looks back (400 days): their status, and
    /// a late log's reply, count as anyone's, and agree with their history.
    @Test func aRepOfLongStandingHasAStatus() async throws {
        let config = try ConfigLoader.parse(
            """
            [rule]
            counting_kinds = ["call"]
            timezone = "UTC"
            [kinds.call]
            label = "Cold call"
            """,
            source: "long.toml"
        )
        let store = try await TestDatabase.store(.sqlite)
        let joined = Zone.utc.instant(LocalDate("2025-01-06")!, LocalTime(hour: 9, minute: 0)!)
        _ = try await store.addPerson(Person(handle: "ann", name: "Ann", email: "ann@example.com", timezone: "UTC"), actor: "test", now: joined)
        let ann = try #require(try await store.person(handle: "ann"))
        let today = LocalDate("2026-06-10")!  // a Wednesday
        for back in 1...30 {
            let occurred = Zone.utc.instant(today.adding(days: -back), LocalTime(hour: 10, minute: 0)!)
            _ = try await store.logActivity(
                ActivityEntry(rep: ann, kind: "call", note: nil, value: nil, occurredAt: occurred, loggedAt: occurred, clientID: "long-\(back)")
            )
        }
        let now = Zone.utc.instant(today, LocalTime(hour: 11, minute: 0)!)
        let (handlers, client, context) = Self.handlers(store, config, now: now)
        let status = try await handlers.status(of: ann, config, now: now)
        let history = try await handlers.history(rep: "ann", days: 60, context)
        #expect(status.state == .pending)
        #expect(status.streak == 22, "the 22 workdays of the last 30 days")
        #expect(history.streak == status.streak)
        let reply = try await handlers.log(LogRequest(kind: "call", note: nil, at: nil, value: nil, clientID: "long-today"), as: ann)
        #expect(reply.status.state == .met && reply.status.streak == 23)
        try await client.shutdown()
    }
}
