import Foundation
import Hummingbird
import Logging
import ProspectAPI
import ProspectConfig
import ProspectCore
import ProspectStore

/// The API's behaviour, independent of transport: every route is a method here.
struct Handlers: Sendable {
    let store: Store
    let config: ConfigBox
    let clock: any WallClock
    let logger: Logger
    /// Rung after anything that changes who is due when: the roster and time off.
    let replan: Doorbell
    /// The channels, for `admin test-channel`.
    let channels: ChannelKit
    /// Failed token attempts on TCP, per address.
    var limiter = TokenFailureLimiter()
    /// Rung when outbox rows are queued again (`admin outbox retry`).
    var outbox = Doorbell()
    /// This instance's role, for `/v1/health`.
    var leadership = Leadership(.single)

    /// `GET /v1/health`: no identity, no personal data.
    func health() -> HealthResponse {
        HealthResponse(status: "ok", version: Build.version, database: store.backendName, role: leadership.role)
    }

    func calendar(for rep: StoredPerson, _ config: Config, since: LocalDate) async throws -> WorkCalendar {
        config.workCalendar(for: rep.person, timeOff: try await store.timeOff(repID: rep.id, since: since))
    }

    /// The day judgment over the rep's counting activities of the last `days` days (at least
    /// as far as a streak looks back), from the day they joined.
    /// `calendar`, when the caller has read it already, must hold time off since that day.
    func evaluator(
        for rep: StoredPerson,
        _ config: Config,
        now: Date,
        days: Int = 0,
        calendar known: WorkCalendar? = nil
    ) async throws
        -> DayEvaluator
    {
        let zone = config.zone(of: rep.person)
        let today = zone.localDate(of: now)
        let since = Self.lookBack(today: today, days: days)
        let calendar: WorkCalendar
        if let known { calendar = known } else { calendar = try await self.calendar(for: rep, config, since: since) }
        let times = try await store.activityTimes(
            repID: rep.id,
            kinds: config.rule.countingKinds,
            in: zone.startOfDay(since)..<zone.startOfDay(today.adding(days: 2))
        )
        return DayEvaluator(calendar: calendar, rule: config.rule, activities: times, firstDay: zone.localDate(of: rep.createdAt))
    }

    /// The first day a judgment of the last `days` days (and of a streak) looks at.
    static func lookBack(today: LocalDate, days: Int = 0) -> LocalDate { today.adding(days: -max(days, DayEvaluator.lookBackDays) - 1) }

    /// How many calendar days back a status counts first; a streak that runs past them is
    /// counted again as far back as ``DayEvaluator/lookBackDays``.
    static let recentDays = 21

    /// The rep's status now: today's state and the streak, from each workday's counts taken in
    /// the database, never from the activities themselves (a rep logging all day does not
    /// make each log slower). `calendar`, when the caller has read it, must hold time off
    /// since ``lookBack(today:days:)``.
    func status(of rep: StoredPerson, _ config: Config, now: Date, calendar known: WorkCalendar? = nil) async throws -> StatusResponse {
        let zone = config.zone(of: rep.person)
        let today = zone.localDate(of: now)
        let since = Self.lookBack(today: today)
        let calendar: WorkCalendar
        if let known { calendar = known } else { calendar = try await self.calendar(for: rep, config, since: since) }
        let joined = zone.localDate(of: rep.createdAt)
        // Today, and the workdays a streak walks back over.
        let window = { (date: LocalDate) in
            DayWindow(personID: rep.id, date: date, bounds: calendar.bounds(of: date), deadline: calendar.deadline(of: date, rule: config.rule))
        }
        // Days before the rep joined are on record only from an activity back-dated into them
        // (none to look for when they joined before the look-back began).
        let lookBackStart = zone.startOfDay(since)
        let beforeJoining = lookBackStart..<max(lookBackStart, zone.startOfDay(joined))
        var from = max(since, today.adding(days: -Self.recentDays))
        while true {
            let past = (1...max(1, from.days(to: today))).map { today.adding(days: -$0) }.filter { $0 >= from && calendar.isWorkday($0) }
            let (counts, earliest) = try await store.dayCounts(
                repID: rep.id,
                today: window(today),
                past: past.map(window),
                kinds: config.rule.countingKinds,
                now: now,
                earliestIn: beforeJoining
            )
            let firstDay = min(joined, earliest.map(zone.localDate(of:)) ?? joined)
            let evaluator = DayEvaluator(calendar: calendar, rule: config.rule, counts: counts, from: from, firstDay: firstDay)
            let walk = evaluator.streakWalk(asOf: today, now: now)
            if walk.unknownReached, from > since {
                from = since
                continue
            }
            return StatusResponse(
                rep: rep.person.handle,
                status: evaluator.status(of: today, now: now),
                streak: walk.streak,
                timezone: zone.identifier,
                now: now
            )
        }
    }

    // MARK: Access

    func me(_ context: AppContext) throws -> StoredPerson {
        guard let identity = context.identity, let person = identity.person else {
            throw UserError(
                .forbidden,
                "you are not on the roster, so you have no records; an admin adds you with 'prospect admin rep add HANDLE ... --unix-user LOGIN'"
            )
        }
        return person
    }

    func requireAdmin(_ context: AppContext) throws -> Identity {
        guard let identity = context.identity, identity.admin else {
            throw UserError(.forbidden, "only admins may do this; ask an admin")
        }
        return identity
    }

    /// The person whose records the caller wants: themself, or (for `--rep`) someone they manage or, as admin, anyone.
    func subject(_ handle: String?, _ context: AppContext) async throws -> StoredPerson {
        guard let handle, handle != context.identity?.person?.person.handle else { return try me(context) }
        guard let identity = context.identity else { throw UserError(.forbidden, "not identified") }
        // Do not reveal whether a handle exists to someone who may not see it.
        let denied = UserError(.forbidden, "you may only see your own records or those of people who report to you")
        if !identity.admin {
            guard let me = identity.person, try await store.reports(of: me.id).contains(handle) else { throw denied }
        }
        guard let person = try await store.person(handle: handle) else {
            throw UserError.noSuchHandle(handle)
        }
        return person
    }
}
