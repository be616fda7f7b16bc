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
    /// When set, a rep of `judged` is read only if this holds for the counts of one of its `days`
    /// (a step's day not met yet: a met day needs no run of misses).
    public var judgedIf: (@Sendable (DayCounts) -> Bool)? = nil
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

/// Message ids (`msg_` and a UUIDv7 of RFC 9562: 48 bits of Unix milliseconds, then 74 bits
/// counting up from a random start, its "monotonic random" method) that sort by when they were
/// made, so their unique index grows at one place rather than at a random page for each of a
/// due step's rows: a step's rows all carry its instant, and random bits after it scattered
/// 100,000 inserts over the whole index. The start is drawn once per batch from the system's
/// generator; two batches overlap only if their starts fall within a batch's length of each
/// other in 2^74.
struct MessageIDs {
    /// The 12 bits of `rand_a` and the 62 of `rand_b`, as one count.
    private var a: UInt64
    private var b: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        a = system.next() & 0x0FFF
        b = system.next() & 0x3FFF_FFFF_FFFF_FFFF
    }

    /// The count after this one, carrying from `rand_b` into `rand_a`.
    private mutating func advance() {
        b = (b + 1) & 0x3FFF_FFFF_FFFF_FFFF
        if b == 0 { a = (a + 1) & 0x0FFF }
    }

    mutating func next(at instant: Date) -> String {
        let milliseconds = UInt64(max(0, instant.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        defer { advance() }
        let high = milliseconds << 16 | 0x7000 | (a & 0x0FFF)
        let low = 0x8000_0000_0000_0000 | (b & 0x3FFF_FFFF_FFFF_FFFF)
        // msg_xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, written in place: one per outbox row.
        return String(unsafeUninitializedCapacity: 40) { text in
            func hex(_ value: UInt64, _ digits: Int, at offset: Int) {
                for place in 0..<digits {
                    let nibble = UInt8(truncatingIfNeeded: value >> (4 * UInt64(digits - 1 - place)) & 0xF)
                    text[offset + place] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                }
            }
            for (place, byte) in "msg_".utf8.enumerated() { text[place] = byte }
            hex(high >> 32, 8, at: 4)
            hex(high >> 16 & 0xFFFF, 4, at: 13)
            hex(high & 0xFFFF, 4, at: 18)
            hex(low >> 48, 4, at: 23)
            hex(low & 0xFFFF_FFFF_FFFF, 12, at: 28)
            for place in [12, 17, 22, 27] { text[place] = UInt8(ascii: "-") }
            return 40
        }
    }
}

extension Store {
    /// Reads what `request` asks for, lets `decide` (pure) turn it into a plan, and applies the
    /// plan, all in one write transaction. Returns the plan as applied: the verdicts and outbox
    /// entries that were new (a repeated pass adds nothing; the unique keys make it harmless).
    ///
    /// `durable: false` for a slice of a pass that is not its last: see ``write(serialized:durable:_:)``.
    public func decide(
        _ request: DecisionRequest,
        durable: Bool = true,
        _ decide: @Sendable @escaping (DecisionInputs) throws -> Plan
    ) async throws -> Plan {
        let fence = if case .postgresql(let postgres) = backend { postgres.fence.withLockedValue { $0 } } else { Fence.off }
        return try await write(durable: durable) { db in
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
            var repIDs = judged.repIDs
            if let condition = request.judgedIf {
                let wanted = Set(request.days.filter { day in inputs.counts[day.key].map(condition) ?? false }.map(\.personID))
                repIDs = repIDs.filter(wanted.contains)
            }
            inputs.countingTimes = try countingTimes(db, repIDs: repIDs, kinds: request.countingKinds, since: judged.since)
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
        var messageIDs = MessageIDs()
        for entry in plan.outbox {
            let row = OutboxInsertRow(entry: entry, messageID: messageIDs.next(at: now), createdAt: now)
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

    /// The counting activities of each day, logged by now and by the day's end. Days that share
    /// their instants (every rep of a zone on a step's date) are counted together, by one
    /// statement of a fixed shape (compiled once) that walks the index for just those reps and
    /// that day, whatever the history's size.
    static func dayCounts(_ db: any SQLConnection, _ days: [DayWindow], kinds: Set<String>, now: Date) throws -> [DayKey: DayCounts] {
        // The date too: Kiritimati's Tuesday and Honolulu's Monday are the same instants.
        struct Window: Hashable {
            var date: LocalDate
            var bounds: Range<Date>
            var deadline: Date
        }
        var out: [DayKey: DayCounts] = [:]
        for day in days { out[day.key] = DayCounts(byNow: 0, byDeadline: 0) }
        guard !kinds.isEmpty else { return out }
        let kindList = kinds.sorted()
        let sql = """
            SELECT a.person_id, sum(CASE WHEN a.logged_at <= ? THEN 1 ELSE 0 END), sum(CASE WHEN a.logged_at <= ? THEN 1 ELSE 0 END)
            FROM activity a \(db.dialect.indexedBy("activity_day"))
            WHERE a.person_id IN (\(db.dialect.idList)) AND a.occurred_at >= ? AND a.occurred_at < ? AND a.deleted_at IS NULL
                AND a.kind IN (\(questionMarks(count: kindList.count)))
            GROUP BY a.person_id
            """
        for (window, members) in Dictionary(grouping: Set(days), by: { Window(date: $0.date, bounds: $0.bounds, deadline: $0.deadline) }) {
            for chunk in members.map(\.personID).sorted().chunked(into: 5_000) {
                var arguments: SQLArguments = [
                    seconds(now), seconds(window.deadline), "[" + chunk.map(String.init).joined(separator: ",") + "]",
                    seconds(window.bounds.lowerBound), seconds(window.bounds.upperBound),
                ]
                arguments += SQLArguments(kindList)
                for row in try db.fetchAll(sql: sql, arguments: arguments) {
                    out[DayKey(personID: row[0], date: window.date)] = DayCounts(byNow: row[1], byDeadline: row[2])
                }
            }
        }
        return out
    }
}
