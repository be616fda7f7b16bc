import Foundation
import ProspectConfig
import ProspectCore
import ProspectStore

/// `prospectd simulate`: the daemon's engine over a simulated clock, on a copy of the roster.
public struct Simulation {
    /// One injected activity (a line of `--activities`).
    public struct InjectedActivity: Decodable, Sendable {
        public var rep: String
        public var kind: String
        public var at: String
        /// When it was logged; defaults to `at`.
        public var loggedAt: String?
        public var note: String?
        public var value: Double?

        enum CodingKeys: String, CodingKey {
            case rep, kind, at, note, value
            case loggedAt = "logged_at"
        }
    }

    let store: Store
    let config: Config
    let engine: Engine

    /// - Parameter store: a private copy (see `Store.inMemoryCopy(of:)`); its verdicts and outbox are cleared.
    public init(store: Store, config: Config) {
        self.store = store
        self.config = config
        self.engine = Engine(store: store)
    }

    /// Reads `--activities`: JSON lines. A line that cannot be read is skipped with a warning.
    public static func readActivities(_ text: String, warn: (String) -> Void) -> [InjectedActivity] {
        var out: [InjectedActivity] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            do {
                out.append(try JSONDecoder().decode(InjectedActivity.self, from: Data(trimmed.utf8)))
            } catch {
                warn(
                    "activities line \(offset + 1): not an activity object like {\"rep\":\"alice\",\"kind\":\"call\",\"at\":\"2026-03-09T15:00:00Z\"}; skipped"
                )
            }
        }
        return out
    }

    /// Runs from 00:00 UTC of `from` to 24:00 UTC of `to`, calling `emit` for each delivery in
    /// time order: the daemon's driver loop, on a clock that jumps to each due instant.
    public func run(
        from: LocalDate,
        to: LocalDate,
        activities: [InjectedActivity],
        warn: @escaping (String) -> Void,
        emit: @escaping (Delivery) -> Void
    ) async throws {
        try await store.forgetLadderState()
        let start = Zone.utc.startOfDay(from)
        let end = Zone.utc.startOfDay(to.adding(days: 1))
        // Days before --from have no verdict in a simulation (DESIGN.md): they end a run of misses.
        let roster = try await engine.roster(config: config, now: start, firstDay: from)
        var clock = SimulatedClock(
            simulation: self,
            roster: roster,
            end: end,
            injections: try await prepare(activities, warn: warn),
            warn: warn,
            emit: emit
        )
        let before = start.addingTimeInterval(-1)
        let driver = LadderDriver(engine: engine, horizon: end.timeIntervalSince(before) + 1)
        try await driver.run(from: before, now: before, clock: &clock)
    }

    /// `simulate`'s clock: jumps to each due instant, logging the injected activities logged by
    /// then first, until 24:00 UTC of the last day.
    struct SimulatedClock: LadderClock {
        let simulation: Simulation
        let roster: EngineRoster
        let end: Date
        let injections: [Prepared]
        let warn: (String) -> Void
        let emit: (Delivery) -> Void
        var next = 0
        var timeOffCache: [Int64: [TimeOff]] = [:]

        mutating func current() async throws -> (config: Config, roster: EngineRoster, fresh: Bool) {
            (simulation.config, roster, false)
        }

        mutating func wait(until instant: Date) async throws -> Date? {
            guard instant <= end else { return nil }
            // An activity logged at the very instant a step comes due counts for it. Those
            // logged since the last instant are recorded together, in logging order.
            var entries: [ActivityEntry] = []
            while next < injections.count, injections[next].loggedAt <= instant {
                if let entry = try await simulation.entry(injections[next], number: next, timeOffCache: &timeOffCache, warn: warn) {
                    entries.append(entry)
                }
                next += 1
            }
            _ = try await simulation.store.logActivities(entries)
            return instant
        }

        mutating func decided(_ decisions: Decisions, in duration: Duration) async {
            for delivery in decisions.deliveries { emit(delivery) }
            for problem in decisions.unaddressed { warn("not sent: \(problem)") }
        }

        mutating func failed(_ error: any Error) async throws { throw error }
    }

    struct Prepared {
        var activity: InjectedActivity
        var rep: StoredPerson
        var occurredAt: Date
        var loggedAt: Date
    }

    /// Checks what the CLI would check up front, in logging order.
    func prepare(_ activities: [InjectedActivity], warn: (String) -> Void) async throws -> [Prepared] {
        var out: [Prepared] = []
        var people: [String: StoredPerson?] = [:]
        for (number, activity) in activities.enumerated() {
            let label = "activity \(number + 1) (\(activity.rep), \(activity.kind), \(activity.at))"
            if people[activity.rep] == nil { people[activity.rep] = .some(try await store.person(handle: activity.rep)) }
            guard let rep = people[activity.rep] ?? nil, rep.person.active else {
                warn("\(label): no active rep '\(activity.rep)' on the roster; skipped")
                continue
            }
            guard config.kinds[activity.kind] != nil else {
                warn("\(label): unknown kind '\(activity.kind)'; skipped")
                continue
            }
            guard let at = ActivityTime.parseISO8601(activity.at) else {
                warn("\(label): 'at' is not an ISO 8601 instant; skipped")
                continue
            }
            var loggedAt = at
            if let text = activity.loggedAt {
                guard let parsed = ActivityTime.parseISO8601(text) else {
                    warn("\(label): 'logged_at' is not an ISO 8601 instant; skipped")
                    continue
                }
                loggedAt = parsed
            }
            out.append(Prepared(activity: activity, rep: rep, occurredAt: at, loggedAt: loggedAt))
        }
        return out.sorted { $0.loggedAt < $1.loggedAt }
    }

    /// Time off does not change during a simulation: read each rep's once.
    func timeOff(of repID: Int64, cache: inout [Int64: [TimeOff]]) async throws -> [TimeOff] {
        if let known = cache[repID] { return known }
        let all = try await store.timeOff(repID: repID, since: LocalDate(dayNumber: 0))
        cache[repID] = all
        return all
    }

    /// The activity to record for an injected line, checked as `prospect log` checks it; nil
    /// (with a warning) when it would be refused.
    func entry(
        _ item: Prepared,
        number: Int,
        timeOffCache: inout [Int64: [TimeOff]],
        warn: (String) -> Void
    ) async throws
        -> ActivityEntry?
    {
        let calendar = config.workCalendar(for: item.rep.person, timeOff: try await timeOff(of: item.rep.id, cache: &timeOffCache))
        let zone = calendar.zone
        do {
            try ActivityTime.validate(occurredAt: item.occurredAt, now: item.loggedAt, calendar: calendar, rule: config.rule)
        } catch {
            warn("activity (\(item.activity.rep), \(item.activity.kind), \(item.activity.at)): \(error); skipped")
            return nil
        }
        return ActivityEntry(
            rep: item.rep,
            kind: item.activity.kind,
            note: item.activity.note,
            value: item.activity.value,
            occurredAt: item.occurredAt,
            loggedAt: item.loggedAt,
            clientID: "simulated-\(number)",
            day: .afterDeadline(of: zone.localDate(of: item.occurredAt), calendar: calendar, rule: config.rule, now: item.loggedAt)
        )
    }
}
