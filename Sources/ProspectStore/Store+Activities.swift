import Foundation
import ProspectCore

/// An `activity` row. Times are whole seconds since 1970 (UTC instants).
struct ActivityRow: Codable {
    enum CodingKeys: String, CodingKey {
        case id, kind, note, value
        case personID = "person_id"
        case occurredAt = "occurred_at"
        case loggedAt = "logged_at"
        case clientID = "client_id"
        case deletedAt = "deleted_at"
    }

    var id: Int64?
    var personID: Int64
    var kind: String
    var note: String?
    var value: Double?
    var occurredAt: Int64
    var loggedAt: Int64
    var clientID: String
    var deletedAt: Int64?

    static let columns = "id, person_id, kind, note, value, occurred_at, logged_at, client_id, deleted_at"

    /// `SELECT` of a rep's live activities (`person_id` the first argument), to be ordered and limited.
    static let live = "SELECT \(columns) FROM activity WHERE person_id = ? AND deleted_at IS NULL"

    init(
        id: Int64? = nil,
        personID: Int64,
        kind: String,
        note: String?,
        value: Double?,
        occurredAt: Int64,
        loggedAt: Int64,
        clientID: String,
        deletedAt: Int64? = nil
    ) {
        self.id = id
        self.personID = personID
        self.kind = kind
        self.note = note
        self.value = value
        self.occurredAt = occurredAt
        self.loggedAt = loggedAt
        self.clientID = clientID
        self.deletedAt = deletedAt
    }

    /// A row selected with ``columns``.
    init(row: SQLRow) {
        self.init(
            id: row[0],
            personID: row[1],
            kind: row[2],
            note: row[3],
            value: row[4],
            occurredAt: row[5],
            loggedAt: row[6],
            clientID: row[7],
            deletedAt: row[8]
        )
    }

    /// Inserts the row; returns it with its new id.
    func inserted(_ db: any SQLConnection) throws -> ActivityRow {
        var row = self
        row.id = try db.insert(
            sql: """
                INSERT INTO activity (person_id, kind, note, value, occurred_at, logged_at, client_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [personID, kind, note, value, occurredAt, loggedAt, clientID]
        )
        return row
    }

    func activity(rep: String) -> Activity {
        Activity(
            id: id ?? 0,
            rep: rep,
            kind: kind,
            note: note,
            value: value,
            occurredAt: Store.date(occurredAt),
            loggedAt: Store.date(loggedAt)
        )
    }
}

extension Store {
    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: Double(seconds)) }

    /// Records an activity once per client id; a retry returns the first record and `duplicate`.
    /// Logs that arrive together are committed together, each in a savepoint of its own.
    ///
    /// With `entry.day`, a `missed` verdict of that day turns `met-late` in the same transaction when the
    /// day now has enough counting activities (a late log within the grace).
    public func logActivity(_ entry: ActivityEntry) async throws -> (activity: Activity, duplicate: Bool) {
        // Reps logging at once share a commit (``WriteBatch``); each is answered once it is durable.
        try await batch.write(self) { db in try Self.record(db, entry) }
    }

    /// Records `entries` in order, in one transaction, by the rules of ``logActivity(_:)``:
    /// `simulate` logs what it injects before each due instant this way.
    public func logActivities(_ entries: [ActivityEntry]) async throws -> [(activity: Activity, duplicate: Bool)] {
        guard !entries.isEmpty else { return [] }
        return try await write { db in try entries.map { try Self.record(db, $0) } }
    }

    /// One activity recorded once per client id, and a `missed` verdict revisited after a late log.
    static func record(_ db: any SQLConnection, _ entry: ActivityEntry) throws -> (activity: Activity, duplicate: Bool) {
        let handle = entry.rep.person.handle
        if let first = try db.fetchOne(
            sql: "SELECT \(ActivityRow.columns) FROM activity WHERE person_id = ? AND client_id = ?",
            arguments: [entry.rep.id, entry.clientID]
        ) {
            return (ActivityRow(row: first).activity(rep: handle), true)
        }
        let row = try ActivityRow(
            personID: entry.rep.id,
            kind: entry.kind,
            note: entry.note,
            value: entry.value,
            occurredAt: seconds(entry.occurredAt),
            loggedAt: seconds(entry.loggedAt),
            clientID: entry.clientID
        ).inserted(db)
        if let day = entry.day { try upgradeLateVerdict(db, repID: entry.rep.id, day: day, now: entry.loggedAt) }
        return (row.activity(rep: handle), false)
    }

    /// Soft-deletes the rep's most recently logged live activity, with an audit entry.
    public func undoLast(rep: StoredPerson, actor: String, now: Date) async throws -> Activity? {
        try await write { db in
            guard let latest = try db.fetchOne(sql: ActivityRow.live + " ORDER BY logged_at DESC, id DESC LIMIT 1", arguments: [rep.id])
            else { return nil }
            let row = ActivityRow(row: latest)
            let activity = row.activity(rep: rep.person.handle)
            try db.execute(sql: "UPDATE activity SET deleted_at = ? WHERE id = ?", arguments: [Self.seconds(now), row.id])
            try Self.audit(
                db,
                now: now,
                actor: actor,
                action: "activity.undo",
                subject: rep.person.handle,
                detail: "activity \(activity.id) (\(activity.kind))"
            )
            return activity
        }
    }

    /// Occurrence and logging times of the rep's live activities of `kinds` that occurred in `range`.
    public func activityTimes(repID: Int64, kinds: Set<String>, in range: Range<Date>) async throws -> [ActivityTimes] {
        try await read { db in
            let placeholders = questionMarks(count: kinds.count)
            var arguments: SQLArguments = [repID, Self.seconds(range.lowerBound), Self.seconds(range.upperBound)]
            arguments += SQLArguments(Array(kinds).sorted())
            guard !kinds.isEmpty else { return [] }
            return try db.fetchAll(
                sql: """
                    SELECT occurred_at, logged_at FROM activity \(db.dialect.indexedBy("activity_day"))
                    WHERE person_id = ? AND occurred_at >= ? AND occurred_at < ? AND deleted_at IS NULL
                      AND kind IN (\(placeholders))
                    """,
                arguments: arguments
            ).map { ActivityTimes(occurredAt: Self.date($0["occurred_at"]), loggedAt: Self.date($0["logged_at"])) }
        }
    }

    /// The rep's live activities of `kinds` on `today` and on each of `past` (windows of one rep),
    /// counted in the database: logged by `now`, and by the day's deadline (for past days, or
    /// `now` if sooner). A rep's status takes these instead of reading every activity back.
    /// Today, the day a busy rep keeps adding to, is counted by the engine's statement, which
    /// checks each row with bound values only; past days, whose rows no longer grow, in one
    /// statement over all of them. Days with none are left out. In the same read: when the
    /// earliest such activity in `earliestIn` occurred, if any.
    public func dayCounts(
        repID: Int64,
        today: DayWindow,
        past: [DayWindow],
        kinds: Set<String>,
        now: Date,
        earliestIn: Range<Date>
    ) async throws -> (counts: [LocalDate: DayCounts], earliest: Date?) {
        guard !kinds.isEmpty else { return ([:], nil) }
        let spans = past.map {
            "[\(Self.seconds($0.bounds.lowerBound)),\(Self.seconds($0.bounds.upperBound)),\(Self.seconds(min($0.deadline, now)))]"
        }
        return try await lookup(snapshot: true) { db in
            let earliest = try Self.earliestActivity(db, repID: repID, kinds: kinds, in: earliestIn)
            var out: [LocalDate: DayCounts] = [:]
            if let counts = try Self.dayCounts(db, [today], kinds: kinds, now: now)[today.key], counts.byNow > 0 {
                out[today.date] = counts
            }
            guard !past.isEmpty else { return (out, earliest) }
            var arguments: SQLArguments = [Self.seconds(now), "[" + spans.joined(separator: ",") + "]", repID]
            arguments += SQLArguments(kinds.sorted())
            for row in try db.fetchAll(
                sql: """
                    SELECT w.k, sum(CASE WHEN a.logged_at <= ? THEN 1 ELSE 0 END), sum(CASE WHEN a.logged_at <= w.c THEN 1 ELSE 0 END)
                    FROM (\(db.dialect.spans)) w JOIN activity a \(db.dialect.indexedBy("activity_day"))
                        ON a.person_id = ? AND a.occurred_at >= w.s AND a.occurred_at < w.e
                    WHERE a.deleted_at IS NULL AND a.kind IN (\(questionMarks(count: kinds.count)))
                    GROUP BY w.k
                    """,
                arguments: arguments
            ) {
                let k: Int = row[0]
                guard past.indices.contains(k) else { continue }
                out[past[k].date] = DayCounts(byNow: row[1], byDeadline: row[2])
            }
            return (out, earliest)
        }
    }

    /// When the rep's earliest live activity of `kinds` in `range` occurred, if any.
    static func earliestActivity(_ db: any SQLConnection, repID: Int64, kinds: Set<String>, in range: Range<Date>) throws -> Date? {
        guard !range.isEmpty else { return nil }
        var arguments: SQLArguments = [repID, Self.seconds(range.lowerBound), Self.seconds(range.upperBound)]
        arguments += SQLArguments(kinds.sorted())
        let first = try db.fetchOne(
            Int64.self,
            sql: """
                SELECT min(occurred_at) FROM activity \(db.dialect.indexedBy("activity_day"))
                WHERE person_id = ? AND occurred_at >= ? AND occurred_at < ? AND deleted_at IS NULL
                  AND kind IN (\(questionMarks(count: kinds.count)))
                """,
            arguments: arguments
        )
        return first.map(Self.date)
    }

    /// The rep's live activities that occurred in `range`, newest first.
    public func activities(rep: StoredPerson, in range: Range<Date>) async throws -> [Activity] {
        try await read { db in
            try db.fetchAll(
                sql: ActivityRow.live + " AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at DESC, id DESC",
                arguments: [rep.id, Self.seconds(range.lowerBound), Self.seconds(range.upperBound)]
            ).map { ActivityRow(row: $0).activity(rep: rep.person.handle) }
        }
    }

    /// The rep's time off that ends on or after `since`.
    public func timeOff(repID: Int64, since: LocalDate) async throws -> [TimeOff] {
        try await lookup { db in try Self.timeOff(db, repID: repID, since: since) }
    }

    static func timeOff(_ db: any SQLConnection, repID: Int64, since: LocalDate) throws -> [TimeOff] {
        try db.fetchAll(
            sql: "SELECT from_date, to_date, reason FROM time_off WHERE person_id = ? AND to_date >= ?",
            arguments: [repID, since.description]
        ).compactMap { row in
            guard let from = LocalDate(row["from_date"] as String), let to = LocalDate(row["to_date"] as String)
            else { return nil }
            return TimeOff(from: from, to: to, reason: row["reason"])
        }
    }

    /// Records time off for a rep.
    public func addTimeOff(repID: Int64, handle: String, _ span: TimeOff, actor: String, now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO time_off (person_id, from_date, to_date, reason, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [repID, span.from.description, span.to.description, span.reason, Self.seconds(now)]
            )
            try Self.audit(
                db,
                now: now,
                actor: actor,
                action: "away.add",
                subject: handle,
                detail: "\(span.from)..\(span.to)"
            )
        }
    }
}

/// One activity to record, as ``Store/logActivity(_:)`` and ``Store/logActivities(_:)`` take it.
public struct ActivityEntry: Sendable {
    public var rep: StoredPerson
    public var kind: String
    public var note: String?
    public var value: Double?
    public var occurredAt: Date
    public var loggedAt: Date
    public var clientID: String
    /// The day to re-judge after a late log (``DayCheck/afterDeadline(of:calendar:rule:now:)``).
    public var day: DayCheck?

    public init(
        rep: StoredPerson,
        kind: String,
        note: String?,
        value: Double?,
        occurredAt: Date,
        loggedAt: Date,
        clientID: String,
        day: DayCheck? = nil
    ) {
        self.rep = rep
        self.kind = kind
        self.note = note
        self.value = value
        self.occurredAt = occurredAt
        self.loggedAt = loggedAt
        self.clientID = clientID
        self.day = day
    }
}

/// What it takes to re-judge one day after a late log.
public struct DayCheck: Sendable {
    public var date: LocalDate
    public var bounds: Range<Date>
    public var deadline: Date
    public var countingKinds: Set<String>
    public var minimum: Int

    public init(date: LocalDate, calendar: WorkCalendar, rule: Rule) {
        self.date = date
        self.bounds = calendar.bounds(of: date)
        self.deadline = calendar.deadline(of: date, rule: rule)
        self.countingKinds = rule.countingKinds
        self.minimum = rule.minimumActions
    }

    /// The check for a log at `now` of an activity on `date`: nil before that day's end, when
    /// there is no verdict to revisit (so the common, on-time log pays nothing for it).
    public static func afterDeadline(of date: LocalDate, calendar: WorkCalendar, rule: Rule, now: Date) -> DayCheck? {
        now >= calendar.deadline(of: date, rule: rule) ? DayCheck(date: date, calendar: calendar, rule: rule) : nil
    }
}

extension Store {
    /// A recorded `missed` becomes what the one judgment now says of the day (`met-late` once
    /// enough is logged within the grace), in the transaction of the late log. A day with no
    /// `missed` on record (not judged yet, or met) is not counted: there is nothing to change.
    static func upgradeLateVerdict(_ db: any SQLConnection, repID: Int64, day: DayCheck, now: Date) throws {
        guard !day.countingKinds.isEmpty,
            try db.fetchOne(
                Bool.self,
                sql: "SELECT 1 FROM verdict WHERE person_id = ? AND date = ? AND verdict = 'missed'",
                arguments: [repID, day.date.description]
            ) == true
        else { return }
        let window = DayWindow(personID: repID, date: day.date, bounds: day.bounds, deadline: day.deadline)
        guard let counts = try dayCounts(db, [window], kinds: day.countingKinds, now: now)[window.key] else { return }
        let verdict = DayEvaluator.verdict(countByDeadline: counts.byDeadline, countByNow: counts.byNow, minimum: day.minimum)
        guard verdict != .missed else { return }
        try db.execute(
            sql: "UPDATE verdict SET verdict = ? WHERE person_id = ? AND date = ? AND verdict = 'missed'",
            arguments: [verdict.rawValue, repID, day.date.description]
        )
    }
}
