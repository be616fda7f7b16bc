import Foundation
import GRDB
import ProspectCore

/// One decided delivery, as the worker sees it.
public struct OutboxRow: Sendable, Hashable {
    public var id: Int64
    public var rep: String
    public var date: LocalDate
    /// The step's name as people read it (`daily` for a digest); `subject` is what it is.
    public var step: String { subject.name }
    public var subject: OutboxSubject
    public var channel: String
    public var recipient: Person
    public var type: DeliveryType
    public var dueAt: Date
    /// The message as JSON, fixed when it was decided.
    public var payload: String
    /// Stable across retries: receivers de-duplicate on it (`webhook-id`).
    public var messageID: String
    public var attempts: Int
    public var createdAt: Date
}

extension Store {
    /// Pending rows whose next attempt is due, oldest first, leaving out the rows being
    /// attempted now and the channels that have no room for another.
    public func dueOutbox(now: Date, limit: Int, excluding busy: Set<Int64> = [], channels full: Set<String> = []) async throws -> [OutboxRow] {
        let (exclusion, excluded) = Self.laneExclusion(busy: busy, full: full, table: "o.")
        let arguments = StatementArguments([Self.seconds(now)]) + excluded + StatementArguments([limit])
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT o.*, r.handle AS rep_handle, \(Self.personColumns)
                    FROM outbox o INDEXED BY outbox_pending
                    JOIN person r ON r.id = o.person_id
                    JOIN person p ON p.id = o.recipient_id
                    LEFT JOIN person m ON m.id = p.manager_id
                    WHERE o.status = 'pending' AND o.next_attempt_at <= ?\(exclusion)
                    ORDER BY o.next_attempt_at, o.id LIMIT ?
                    """,
                arguments: arguments
            ).map { row in
                OutboxRow(
                    id: row["id"],
                    rep: row["rep_handle"],
                    // A date that does not read (a hand-edited row) must not stop the worker.
                    date: LocalDate(row["date"] as String) ?? LocalDate(dayNumber: 0),
                    subject: OutboxSubject(key: row["step"]),
                    channel: row["channel"],
                    recipient: try Self.decodePerson(row).person,
                    type: DeliveryType(rawValue: row["type"]) ?? .escalation,
                    dueAt: Self.date(row["due_at"]),
                    payload: row["payload"],
                    messageID: row["message_id"],
                    attempts: row["attempts"],
                    createdAt: Self.date(row["created_at"])
                )
            }
        }
    }

    /// When the next pending row comes due, if any, leaving out the rows being attempted now
    /// and the channels that have no room for another.
    public func nextOutboxAttempt(excluding busy: Set<Int64> = [], channels full: Set<String> = []) async throws -> Date? {
        let (exclusion, arguments) = Self.laneExclusion(busy: busy, full: full, table: "")
        return try await read { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'\(exclusion)",
                arguments: arguments
            ).map(Self.date)
        }
    }

    /// ` AND id NOT IN (…) AND channel NOT IN (…)` for the rows and channels the worker has no
    /// room for, with their arguments; `table` qualifies the columns (`o.`).
    static func laneExclusion(busy: Set<Int64>, full: Set<String>, table: String) -> (String, StatementArguments) {
        var sql = ""
        if !busy.isEmpty { sql += " AND \(table)id NOT IN (\(databaseQuestionMarks(count: busy.count)))" }
        if !full.isEmpty { sql += " AND \(table)channel NOT IN (\(databaseQuestionMarks(count: full.count)))" }
        return (sql, StatementArguments(Array(busy)) + StatementArguments(Array(full)))
    }

    public func markDelivered(id: Int64, now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'delivered', delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                arguments: [Self.seconds(now), id]
            )
        }
    }

    /// Records a failed attempt: to be retried at `next`, or given up when `next` is nil.
    public func markAttemptFailed(id: Int64, error: String, next: Date?) async throws {
        try await write { db in
            if let next {
                try db.execute(
                    sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                    arguments: [String(error.prefix(1000)), Self.seconds(next), id]
                )
            } else {
                try db.execute(
                    sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ?, status = 'failed' WHERE id = ?",
                    arguments: [String(error.prefix(1000)), id]
                )
            }
        }
    }

    /// Counts of outbox rows by status, for tests and the operator.
    public func outboxCounts() async throws -> [String: Int] {
        try await read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM outbox GROUP BY status") {
                counts[row["status"]] = row["n"]
            }
            return counts
        }
    }

    /// The recorded verdicts of a rep from `since` on.
    public func verdicts(repID: Int64, since: LocalDate) async throws -> [LocalDate: Verdict] {
        try await read { db in
            var out: [LocalDate: Verdict] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT date, verdict FROM verdict WHERE person_id = ? AND date >= ?",
                arguments: [repID, since.description]
            ) {
                if let d = LocalDate(row["date"] as String), let v = Verdict(rawValue: row["verdict"]) { out[d] = v }
            }
            return out
        }
    }

    /// The instant the engine has processed up to, if it ever ran on this database.
    public func ladderCursor() async throws -> Date? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT value FROM engine_state WHERE key = 'processed_until'")
                .flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Pending outbox rows and verdicts go; for `simulate`, which starts from a clean slate.
    public func forgetLadderState() async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM outbox; DELETE FROM verdict; DELETE FROM engine_state;")
        }
    }
}

extension Store {
    /// The steps already decided for a rep's day.
    public func decidedSteps(repID: Int64, date: LocalDate) async throws -> Set<String> {
        try await read { db in
            Set(
                try String.fetchAll(
                    db,
                    sql: "SELECT DISTINCT step FROM outbox WHERE person_id = ? AND date = ?",
                    arguments: [repID, date.description]
                )
            )
        }
    }
}
