import Foundation
import ProspectCore

/// One rep's day whose counting activities the engine needs, logged by now and by the day's end.
public struct DayWindow: Sendable, Hashable {
    public var personID: Int64
    public var date: LocalDate
    /// The day's instants in the rep's zone.
    public var bounds: Range<Date>
    public var deadline: Date

    public init(personID: Int64, date: LocalDate, bounds: Range<Date>, deadline: Date) {
        self.personID = personID
        self.date = date
        self.bounds = bounds
        self.deadline = deadline
    }

    public var key: DayKey { DayKey(personID: personID, date: date) }
}

/// A person's local date.
public struct DayKey: Sendable, Hashable {
    public var personID: Int64
    public var date: LocalDate

    public init(personID: Int64, date: LocalDate) {
        self.personID = personID
        self.date = date
    }
}

/// The counting activities of one day, as logged by now and by its deadline.
public struct DayCounts: Sendable, Hashable {
    public var byNow: Int
    public var byDeadline: Int

    public init(byNow: Int, byDeadline: Int) {
        self.byNow = byNow
        self.byDeadline = byDeadline
    }
}

/// Whether a manager took stock on `date` by `instant`.
public struct AcknowledgementQuery: Sendable, Hashable {
    public var personID: Int64
    public var date: LocalDate
    public var by: Date

    public init(personID: Int64, date: LocalDate, by: Date) {
        self.personID = personID
        self.date = date
        self.by = by
    }
}

/// What the engine needs to read before it decides: the Store reads it in the transaction that
/// then applies the decisions, so nothing logged in between is judged without being seen.
public struct DecisionRequest: Sendable {
    public var now: Date
    public var countingKinds: Set<String>
    /// Days to count (verdicts, ladder steps).
    public var days: [DayWindow] = []
    /// Reps whose counting activities since `since` are judged whole (`after_misses`, the verdicts missed while down).
    public var judged: (repIDs: [Int64], since: Date)? = nil
    /// Reps whose activities (all kinds) and pipeline since `since` go into reports (digests).
    public var histories: (repIDs: [Int64], since: Date)? = nil
    /// Reps whose recorded verdicts since `since` are wanted.
    public var recorded: (repIDs: [Int64], since: LocalDate)? = nil
    public var acknowledgements: [AcknowledgementQuery] = []
    /// Reps for whom a sales-trap alarm decided on or after the date would make another one a repeat.
    public var alarmWindows: [DayKey] = []

    public init(now: Date, countingKinds: Set<String>) {
        self.now = now
        self.countingKinds = countingKinds
    }
}

/// What the Store read for a ``DecisionRequest``.
public struct DecisionInputs: Sendable {
    public var counts: [DayKey: DayCounts] = [:]
    public var countingTimes: [Int64: [ActivityTimes]] = [:]
    public var activities: [Int64: [ActivityRecord]] = [:]
    public var snapshots: [Int64: [PipelineSnapshot]] = [:]
    public var recorded: [Int64: Set<LocalDate>] = [:]
    public var acknowledged: Set<AcknowledgementQuery> = []
    /// Reps of ``DecisionRequest/alarmWindows`` that already had an alarm in their window.
    public var alarmed: Set<Int64> = []
}

/// A verdict to record: what the daemon decided about a rep's day.
public struct VerdictRecord: Sendable, Hashable, Codable {
    public var personID: Int64
    public var date: LocalDate
    public var verdict: Verdict

    public init(personID: Int64, date: LocalDate, verdict: Verdict) {
        self.personID = personID
        self.date = date
        self.verdict = verdict
    }
}

/// One delivery to make on one channel, decided once: (person, date, subject, channel) is unique.
public struct OutboxEntry: Sendable, Hashable {
    /// The rep the delivery is about (the manager, for a digest or a take-stock step).
    public var personID: Int64
    public var date: LocalDate
    public var subject: OutboxSubject
    public var channel: String
    public var recipientID: Int64
    public var type: DeliveryType
    public var dueAt: Date
    /// The message as JSON; its text is rendered at delivery.
    public var payload: String

    public init(
        personID: Int64,
        date: LocalDate,
        subject: OutboxSubject,
        channel: String,
        recipientID: Int64,
        type: DeliveryType,
        dueAt: Date,
        payload: String
    ) {
        self.personID = personID
        self.date = date
        self.subject = subject
        self.channel = channel
        self.recipientID = recipientID
        self.type = type
        self.dueAt = dueAt
        self.payload = payload
    }
}

/// What the engine decided for one slice of a pass: a value, applied by the Store in one transaction.
public struct Plan: Sendable {
    public var verdicts: [VerdictRecord] = []
    public var outbox: [OutboxEntry] = []
    /// Steps that fired but had no one to tell (a rep without a manager for a `manager` step).
    public var unaddressed: [String] = []
    /// Where the engine has processed up to, when the pass moves it.
    public var cursor: Date? = nil

    public init() {}
}

/// A verdict as its row: what was decided, and when. Recorded once; a repeat adds nothing.
struct VerdictRow {
    var record: VerdictRecord
    var decidedAt: Date

    /// Inserts the row unless the day has a verdict already; true when it was new.
    func insertIfNew(_ db: any SQLConnection) throws -> Bool {
        try db.execute(
            sql: "INSERT INTO verdict (person_id, date, verdict, decided_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            arguments: [record.personID, record.date.description, record.verdict.rawValue, Store.seconds(decidedAt)]
        ) > 0
    }
}

/// An outbox entry as its row, pending its first attempt.
struct OutboxInsertRow {
    var entry: OutboxEntry
    var messageID: String
    var createdAt: Date

    /// Inserts the row unless (person, date, subject, channel) was decided already; true when it was new.
    func insertIfNew(_ db: any SQLConnection) throws -> Bool {
        let created = Store.seconds(createdAt)
        return try db.execute(
            sql: """
                INSERT INTO outbox (person_id, date, step, channel, recipient_id, type, due_at, payload, message_id,
                    next_attempt_at, created_at, queued_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """,
            arguments: [
                entry.personID, entry.date.description, entry.subject.key, entry.channel, entry.recipientID,
                entry.type.rawValue, Store.seconds(entry.dueAt), entry.payload, messageID, created, created, created,
            ]
        ) > 0
    }
}

extension Store {
    /// Reads what `request` asks for, lets `decide` (pure) turn it into a plan, and applies the
    /// plan, all in one write transaction. Returns the plan as applied: the verdicts and outbox
    /// entries that were new (a repeated pass adds nothing; the unique keys make it harmless).
    public func decide(_ request: DecisionRequest, _ decide: @Sendable @escaping (DecisionInputs) throws -> Plan) async throws -> Plan {
        let fence = if case .postgresql(let postgres) = backend { postgres.fence.withLockedValue { $0 } } else { Fence.off }
        return try await write { db in
            // A deposed leader decides nothing: the check is in the transaction that would write.
            try Self.checkFence(db, fence)
            let plan = try decide(try Self.inputs(db, for: request))
            return try Self.apply(db, plan, now: request.now)
        }
    }

    static func inputs(_ db: any SQLConnection, for request: DecisionRequest) throws -> DecisionInputs {
        var inputs = DecisionInputs()
        inputs.counts = try dayCounts(db, request.days, kinds: request.countingKinds, now: request.now)
        if let judged = request.judged {
            inputs.countingTimes = try countingTimes(db, repIDs: judged.repIDs, kinds: request.countingKinds, since: judged.since)
        }
        if let histories = request.histories {
            (inputs.activities, inputs.snapshots) = try Self.histories(db, repIDs: histories.repIDs, since: histories.since)
        }
        if let recorded = request.recorded {
            inputs.recorded = try verdictDates(db, repIDs: recorded.repIDs, since: recorded.since)
        }
        for query in request.acknowledgements where try acknowledged(db, personID: query.personID, date: query.date, by: query.by) {
            inputs.acknowledged.insert(query)
        }
        for (since, windows) in Dictionary(grouping: request.alarmWindows, by: \.date) {
            for chunk in Array(Set(windows.map(\.personID))).sorted().chunked(into: 2000) {
                var arguments: SQLArguments = [OutboxSubject.salesTrap.key, since.description]
                arguments += SQLArguments(chunk)
                let sql =
                    "SELECT DISTINCT person_id FROM outbox WHERE step = ? AND date >= ? AND person_id IN (\(questionMarks(count: chunk.count)))"
                inputs.alarmed.formUnion(try db.fetchAll(Int64.self, sql: sql, arguments: arguments))
            }
        }
        return inputs
    }

    static func apply(_ db: any SQLConnection, _ plan: Plan, now: Date) throws -> Plan {
        var applied = Plan()
        applied.unaddressed = plan.unaddressed
        applied.cursor = plan.cursor
        for verdict in plan.verdicts {
            if try VerdictRow(record: verdict, decidedAt: now).insertIfNew(db) { applied.verdicts.append(verdict) }
        }
        for entry in plan.outbox {
            let row = OutboxInsertRow(entry: entry, messageID: "msg_" + UUID().uuidString.lowercased(), createdAt: now)
            if try row.insertIfNew(db) { applied.outbox.append(entry) }
        }
        if let cursor = plan.cursor {
            try db.execute(
                sql: """
                    INSERT INTO engine_state (key, value) VALUES ('processed_until', ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """,
                arguments: [String(cursor.timeIntervalSince1970)]
            )
        }
        return applied
    }

    /// The counting activities of each day, logged by now and by the day's end: one
    /// index-backed query per chunk of days, whatever the history's size.
    static func dayCounts(_ db: any SQLConnection, _ days: [DayWindow], kinds: Set<String>, now: Date) throws -> [DayKey: DayCounts] {
        var out: [DayKey: DayCounts] = [:]
        let unique = Array(Set(days))
        guard !unique.isEmpty else { return out }
        let kindList = kinds.sorted()
        for chunk in unique.chunked(into: 2000) {
            var arguments = SQLArguments()
            var values: [String] = []
            for (offset, day) in chunk.enumerated() {
                values.append("(?, ?, ?, ?, ?)")
                arguments += [offset, day.personID, seconds(day.bounds.lowerBound), seconds(day.bounds.upperBound), seconds(day.deadline)]
            }
            let counted =
                "a.person_id = due.pid AND a.occurred_at >= due.lo AND a.occurred_at < due.hi AND a.deleted_at IS NULL"
                + " AND a.kind IN (\(questionMarks(count: kindList.count)))"
            let index = db.dialect.indexedBy("activity_day")
            let sql = """
                WITH due(n, pid, lo, hi, dl) AS (VALUES \(values.joined(separator: ", ")))
                SELECT due.n,
                    (SELECT count(*) FROM activity a \(index) WHERE \(counted) AND a.logged_at <= ?) AS by_now,
                    (SELECT count(*) FROM activity a \(index) WHERE \(counted) AND a.logged_at <= due.dl) AS by_deadline
                FROM due
                """
            arguments += SQLArguments(kindList)
            arguments += [seconds(now)]
            arguments += SQLArguments(kindList)
            for row in try db.fetchAll(sql: sql, arguments: arguments) {
                let day = chunk[row[0] as Int]
                out[day.key] = DayCounts(byNow: row[1], byDeadline: row[2])
            }
        }
        return out
    }
}
