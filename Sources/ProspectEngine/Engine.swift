import Foundation
import GRDB
import ProspectConfig
import ProspectCore
import ProspectMessages
import ProspectStore

/// One decided delivery, as `simulate` prints it (one line per channel).
public struct Delivery: Sendable, Hashable, Encodable {
    public var at: Date
    public var localDate: LocalDate
    public var type: DeliveryType
    public var step: String
    /// Nil for digests.
    public var rep: String?
    public var recipient: String
    public var channel: String

    enum CodingKeys: String, CodingKey {
        case at, type, step, rep, recipient, channel
        case localDate = "local_date"
    }

    /// One JSON object on one line, fields in the contract's order.
    public var jsonLine: String {
        func quoted(_ s: String) -> String {
            String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        let instant = ISO8601DateFormatter().string(from: at)
        return "{\"at\":\(quoted(instant)),\"local_date\":\(quoted(localDate.description)),\"type\":\(quoted(type.rawValue)),"
            + "\"step\":\(quoted(step)),\"rep\":\(rep.map(quoted) ?? "null"),\"recipient\":\(quoted(recipient)),"
            + "\"channel\":\(quoted(channel))}"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        try c.encode(localDate, forKey: .localDate)
        try c.encode(type, forKey: .type)
        try c.encode(step, forKey: .step)
        try c.encode(rep, forKey: .rep)  // null for digests, as the contract shows
        try c.encode(recipient, forKey: .recipient)
        try c.encode(channel, forKey: .channel)
    }
}

/// What one pass of the engine decided.
public struct Decisions: Sendable {
    public var deliveries: [Delivery] = []
    public var verdicts: [(rep: String, date: LocalDate, verdict: Verdict)] = []
    /// Steps that fired but had no one to tell (a rep without a manager for a `manager` step).
    public var unaddressed: [String] = []
}

/// The ladder engine: decides, for events that have come due, which verdicts to record and which
/// deliveries to make, and writes them with the outbox in one transaction.
public struct Engine: Sendable {
    public let store: Store

    /// A reminder processed later than this after its due time is "caught up", not on time.
    public static let lateness: TimeInterval = 5 * 60

    public init(store: Store) { self.store = store }

    /// Every event due in `range`, across the roster, in order.
    public static func events(roster: EngineRoster, config: Config, in range: Range<Date>) -> [DueEvent] {
        (roster.reps.flatMap { rep in
            Ladder.events(repID: rep.id, in: range, calendar: rep.calendar, rule: config.rule, ladder: config.ladder)
        } + roster.managers.flatMap { managerEvents($0, config: config, in: range) }).sorted()
    }

    /// Loads the roster as the engine needs it, with time off as far back as a streak or a run
    /// of misses looks; `firstDay` puts every rep's first day on record there (`simulate`).
    public func roster(config: Config, now: Date, firstDay: LocalDate? = nil) async throws -> EngineRoster {
        try await store.read { db in
            try EngineRoster.load(
                db,
                config: config,
                since: Zone.utc.localDate(of: now).adding(days: -DayEvaluator.lookBackDays - 2),
                firstDay: firstDay
            )
        }
    }

    /// The instant the engine has processed up to, if it ever ran on this database.
    public func cursor() async throws -> Date? {
        try await store.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM engine_state WHERE key = 'processed_until'")
                .flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Decides `events` (all due at or before `now`) in one transaction that also moves the cursor to `now`.
    ///
    /// Of reminders more than `lateness` overdue (downtime, suspend), only the latest per rep and day
    /// is sent, and only while that day's end has not passed. Escalations and verdicts are always
    /// decided. The outbox's unique key makes a repeated pass harmless.
    public func process(_ events: [DueEvent], roster: EngineRoster, config: Config, now: Date) async throws -> Decisions {
        let filtered = Self.catchUpFilter(events, roster: roster, config: config, now: now)
        let kept = filtered.filter { if case .verdict = $0.action { true } else if case .step = $0.action { true } else { false } }
        let managerEvents = filtered.filter { if case .verdict = $0.action { false } else if case .step = $0.action { false } else { true } }
        return try await store.write { db in
            var decisions = Decisions()
            let counts = try Self.counts(db, for: kept, roster: roster, config: config, now: now)
            let judged = try Self.priorDays(db, for: kept, roster: roster, config: config)
            for event in kept {
                guard let rep = roster.rep(event.repID), let count = counts[DayKey(rep: event.repID, date: event.date)] else {
                    continue
                }
                switch event.action {
                case .verdict:
                    let verdict: Verdict =
                        count.byDeadline >= config.rule.minimumActions ? .met : count.byNow >= config.rule.minimumActions ? .metLate : .missed
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO verdict (person_id, date, verdict, decided_at) VALUES (?, ?, ?, ?)",
                        arguments: [rep.id, event.date.description, verdict.rawValue, Int64(now.timeIntervalSince1970)]
                    )
                    if db.changesCount > 0 { decisions.verdicts.append((rep.handle, event.date, verdict)) }
                case .step(let index):
                    let step = config.ladder[index]
                    let misses = judged[rep.id]?.missesBefore(event.date, now: now) ?? 0
                    guard Ladder.fires(step, count: count.byNow, minimum: config.rule.minimumActions, missesBefore: misses) else {
                        continue
                    }
                    guard let recipientID = roster.recipient(of: step.audience, for: rep.id), let recipient = roster.people[recipientID]
                    else {
                        decisions.unaddressed.append("\(rep.handle) \(event.date) \(step.name): no \(step.audience.rawValue) on the roster")
                        continue
                    }
                    let payload = Self.notice(
                        step: step,
                        rep: rep,
                        recipient: recipient,
                        roster: roster,
                        date: event.date,
                        count: count.byNow,
                        misses: misses + 1,
                        config: config,
                        dueAt: event.instant
                    ).json()
                    try Self.enqueue(
                        db,
                        personID: rep.id,
                        rep: rep.handle,
                        recipient: (recipientID, recipient.handle),
                        type: step.deliveryType,
                        subject: .step(step.name),
                        date: event.date,
                        dueAt: event.instant,
                        payload: payload,
                        channels: step.channels,
                        now: now,
                        into: &decisions
                    )
                case .takeStock, .digest: continue
                }
            }
            try Self.decideManagerEvents(db, managerEvents, roster: roster, config: config, now: now, into: &decisions)
            try db.execute(
                sql: "INSERT OR REPLACE INTO engine_state (key, value) VALUES ('processed_until', ?)",
                arguments: [String(now.timeIntervalSince1970)]
            )
            return decisions
        }
    }

    /// Records the verdict of every past workday since each rep's first day on record (at most
    /// ``DayEvaluator/lookBackDays``) that has none — days the daemon was down for, or ran
    /// without deciding — as the one judgment says, and sends nothing. Writes one short
    /// transaction per chunk of reps. Returns how many it recorded.
    public func recordMissedVerdicts(config: Config, now: Date) async throws -> Int {
        let roster = try await roster(config: config, now: now)
        let since = Zone.utc.localDate(of: now).adding(days: -DayEvaluator.lookBackDays)
        var recorded = 0
        for chunk in roster.reps.chunked(into: 2000) {
            recorded += try await store.write { db in
                let ids = chunk.map(\.id)
                let known = try Store.verdictDates(db, repIDs: ids, since: since.adding(days: -1))
                let times = try Store.countingTimes(
                    db,
                    repIDs: ids,
                    kinds: config.rule.countingKinds,
                    since: Zone.utc.startOfDay(since.adding(days: -2))
                )
                var added = 0
                for rep in chunk {
                    let judged = DayEvaluator(calendar: rep.calendar, rule: config.rule, activities: times[rep.id] ?? [], firstDay: rep.firstDay)
                    var day = max(since, judged.firstDay ?? since)
                    let today = rep.calendar.zone.localDate(of: now)
                    while day < today {
                        defer { day = day.adding(days: 1) }
                        guard rep.calendar.isWorkday(day), known[rep.id]?.contains(day) != true else { continue }
                        let verdict: Verdict
                        switch judged.status(of: day, now: now).state {
                        case .met: verdict = .met
                        case .metLate: verdict = .metLate
                        case .missed: verdict = .missed
                        case .pending, .off: continue
                        }
                        try db.execute(
                            sql: "INSERT OR IGNORE INTO verdict (person_id, date, verdict, decided_at) VALUES (?, ?, ?, ?)",
                            arguments: [rep.id, day.description, verdict.rawValue, Int64(now.timeIntervalSince1970)]
                        )
                        added += db.changesCount
                    }
                }
                return added
            }
        }
        return recorded
    }

    /// Drops overdue reminders but the latest per rep and day, and those whose day has ended.
    static func catchUpFilter(_ events: [DueEvent], roster: EngineRoster, config: Config, now: Date) -> [DueEvent] {
        var latestLate: [DayKey: Date] = [:]
        func isLateReminder(_ e: DueEvent) -> Bool {
            guard case .step(let i) = e.action, config.ladder[i].audience == .rep else { return false }
            return e.instant < now.addingTimeInterval(-lateness)
        }
        for e in events where isLateReminder(e) {
            let key = DayKey(rep: e.repID, date: e.date)
            latestLate[key] = max(latestLate[key] ?? e.instant, e.instant)
        }
        return events.filter { e in
            guard isLateReminder(e), let rep = roster.rep(e.repID) else { return true }
            return e.instant == latestLate[DayKey(rep: e.repID, date: e.date)]
                && now < rep.calendar.deadline(of: e.date, rule: config.rule)
        }
    }

    struct DayKey: Hashable {
        var rep: Int64
        var date: LocalDate
    }

    struct DayCount {
        var byNow: Int
        var byDeadline: Int
    }

    /// The counting activities of each (rep, day) in `events`, logged by now and by the day's end:
    /// one index-backed query per chunk of reps, whatever the history's size.
    static func counts(
        _ db: Database,
        for events: [DueEvent],
        roster: EngineRoster,
        config: Config,
        now: Date
    ) throws
        -> [DayKey: DayCount]
    {
        let keys = Set(events.map { DayKey(rep: $0.repID, date: $0.date) })
        let kinds = config.rule.countingKinds.sorted()
        var out: [DayKey: DayCount] = [:]
        let list = Array(keys)
        let kindList = kinds.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ", ")
        let nowSeconds = Int64(now.timeIntervalSince1970)
        for chunk in list.chunked(into: 2000) {
            var arguments = StatementArguments()
            var values: [String] = []
            for key in chunk {
                guard let rep = roster.rep(key.rep) else { continue }
                let bounds = rep.calendar.bounds(of: key.date)
                values.append("(?, ?, ?, ?, ?)")
                arguments += [
                    key.rep, Int64(bounds.lowerBound.timeIntervalSince1970), Int64(bounds.upperBound.timeIntervalSince1970),
                    Int64(rep.calendar.deadline(of: key.date, rule: config.rule).timeIntervalSince1970), nowSeconds,
                ]
            }
            guard !values.isEmpty else { continue }
            let sql = """
                WITH due(pid, lo, hi, dl, nw) AS (VALUES \(values.joined(separator: ", ")))
                SELECT due.pid, due.lo,
                    (SELECT count(*) FROM activity a INDEXED BY activity_day
                      WHERE a.person_id = due.pid AND a.occurred_at >= due.lo AND a.occurred_at < due.hi
                        AND a.deleted_at IS NULL AND a.kind IN (\(kindList)) AND a.logged_at <= due.nw) AS by_now,
                    (SELECT count(*) FROM activity a INDEXED BY activity_day
                      WHERE a.person_id = due.pid AND a.occurred_at >= due.lo AND a.occurred_at < due.hi
                        AND a.deleted_at IS NULL AND a.kind IN (\(kindList)) AND a.logged_at <= due.dl) AS by_deadline
                FROM due
                """
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                let repID: Int64 = row[0]
                guard let rep = roster.rep(repID) else { continue }
                let date = rep.calendar.zone.localDate(of: Date(timeIntervalSince1970: Double(row[1] as Int64)))
                out[DayKey(rep: repID, date: date)] = DayCount(byNow: row[2], byDeadline: row[3])
            }
        }
        return out
    }

    /// The day judgment of each rep whose events include an `after_misses` step, over the days
    /// such a step looks back at: a run of misses is judged from the data, like every view.
    static func priorDays(
        _ db: Database,
        for events: [DueEvent],
        roster: EngineRoster,
        config: Config
    ) throws
        -> [Int64: DayEvaluator]
    {
        let needing = Set(
            events.compactMap { e -> Int64? in
                guard case .step(let i) = e.action, config.ladder[i].afterMisses != nil else { return nil }
                return e.repID
            }
        )
        guard !needing.isEmpty, let earliest = events.map(\.date).min() else { return [:] }
        let longest = config.ladder.compactMap(\.afterMisses).max() ?? 1
        // Enough calendar days to cover `longest` workdays even across long holidays.
        let since = Zone.utc.startOfDay(earliest.adding(days: -(longest * 7 + 31)))
        let times = try Store.countingTimes(db, repIDs: Array(needing), kinds: config.rule.countingKinds, since: since)
        var out: [Int64: DayEvaluator] = [:]
        for id in needing {
            guard let rep = roster.rep(id) else { continue }
            out[id] = DayEvaluator(calendar: rep.calendar, rule: config.rule, activities: times[id] ?? [], firstDay: rep.firstDay)
        }
        return out
    }

    /// What a delivery is about, fixed when it is decided; its text is rendered at delivery.
    static func notice(
        step: LadderStep,
        rep: EngineRoster.Rep,
        recipient: Person,
        roster: EngineRoster,
        date: LocalDate,
        count: Int,
        misses: Int,
        config: Config,
        dueAt: Date
    ) -> Notice {
        let deadline = rep.calendar.deadline(of: date, rule: config.rule)
        let person = roster.people[rep.id]
        let manager = roster.managerOf[rep.id].flatMap { roster.people[$0] }
        return Notice(
            type: step.deliveryType.rawValue,
            step: step.name,
            audience: step.audience.rawValue,
            rep: rep.handle,
            repName: person?.name,
            repSlack: person?.slack,
            manager: manager?.handle,
            managerName: manager?.name,
            recipient: recipient.handle,
            day: date,
            status: dueAt >= deadline ? "missed" : "pending",
            count: count,
            minimum: config.rule.minimumActions,
            deadline: deadline,
            dueAt: dueAt,
            consecutiveMisses: misses,
            timezone: rep.calendar.zone.identifier
        )
    }
}
