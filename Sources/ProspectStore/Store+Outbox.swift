import Foundation
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
    /// When it was last queued (decided, or retried by an admin).
    public var queuedAt: Date
}

extension Store {
    /// Claims pending rows whose next attempt is due, oldest first, for `lease` seconds: until
    /// then no other instance takes them (`FOR UPDATE SKIP LOCKED` on PostgreSQL passes over rows
    /// another instance is claiming), and a row whose deliverer died is taken again after it.
    /// Leaves out the rows being attempted here and the channels that have no room for another.
    /// `instance` names the claimant, so a restarted instance can take back its own claims.
    public func claimDueOutbox(
        now: Date,
        limit: Int,
        lease: TimeInterval,
        instance: String,
        excluding busy: Set<Int64> = [],
        channels full: Set<String> = []
    ) async throws -> [OutboxRow] {
        let (exclusion, excluded) = Self.laneExclusion(busy: busy, full: full, table: "")
        let claiming: SQLArguments = [Self.seconds(now.addingTimeInterval(lease)), instance, Self.seconds(now), Self.seconds(now)]
        let claim = claiming + excluded
        return try await write(serialized: false) { db in
            let ids = try db.fetchAll(
                Int64.self,
                sql: """
                    UPDATE outbox SET claimed_until = ?, claimed_by = ? WHERE id IN (
                        SELECT id FROM outbox \(db.dialect.indexedBy("outbox_pending"))
                        WHERE status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)\(exclusion)
                        ORDER BY next_attempt_at, id LIMIT \(max(1, limit))\(db.dialect.skipLocked)
                    ) RETURNING id
                    """,
                arguments: claim
            )
            guard !ids.isEmpty else { return [] }
            return try db.fetchAll(
                sql: """
                    SELECT \(Self.personColumns), r.handle AS rep_handle, o.id AS outbox_id, o.date AS outbox_date, o.step,
                        o.channel, o.type, o.due_at, o.payload, o.message_id, o.attempts, o.created_at AS decided_at, o.queued_at
                    FROM outbox o
                    JOIN person r ON r.id = o.person_id
                    JOIN person p ON p.id = o.recipient_id
                    LEFT JOIN person m ON m.id = p.manager_id
                    WHERE o.id IN (\(questionMarks(count: ids.count)))
                    ORDER BY o.next_attempt_at, o.id
                    """,
                arguments: SQLArguments(ids)
            ).map { row in
                OutboxRow(
                    id: row["outbox_id"],
                    rep: row["rep_handle"],
                    // A date that does not read (a hand-edited row) must not stop the worker.
                    date: LocalDate(row["outbox_date"] as String) ?? LocalDate(dayNumber: 0),
                    subject: OutboxSubject(key: row["step"]),
                    channel: row["channel"],
                    recipient: Self.decodePerson(row).person,
                    type: DeliveryType(rawValue: row["type"]) ?? .escalation,
                    dueAt: Self.date(row["due_at"]),
                    payload: row["payload"],
                    messageID: row["message_id"],
                    attempts: row["attempts"],
                    createdAt: Self.date(row["decided_at"]),
                    queuedAt: Self.date(row["queued_at"])
                )
            }
        }
    }

    /// Keeps the claims on rows still being attempted for another `lease` seconds.
    public func renewOutboxClaims(ids: Set<Int64>, instance: String, until: Date) async throws {
        guard !ids.isEmpty else { return }
        _ = try await write(serialized: false) { db in
            try db.execute(
                sql: "UPDATE outbox SET claimed_until = ? WHERE claimed_by = ? AND id IN (\(questionMarks(count: ids.count)))",
                arguments: [Self.seconds(until), instance] + SQLArguments(Array(ids))
            )
        }
    }

    /// Lets go of the claims of `instance` (every claim when nil): at an instance's start, its
    /// attempts died with its previous process, so they need not wait for their lease. With
    /// `ids`, only those: rows claimed that found no room in their channel's lane.
    public func releaseOutboxClaims(of instance: String?, ids: Set<Int64>? = nil) async throws {
        if let ids, ids.isEmpty { return }
        var sql = "UPDATE outbox SET claimed_until = NULL, claimed_by = NULL WHERE claimed_until IS NOT NULL"
        var arguments = SQLArguments()
        if let instance {
            sql += " AND claimed_by = ?"
            arguments += [instance]
        }
        if let ids {
            sql += " AND id IN (\(questionMarks(count: ids.count)))"
            arguments += SQLArguments(Array(ids))
        }
        let (statement, query) = (sql, arguments)
        _ = try await write(serialized: false) { db in try db.execute(sql: statement, arguments: query) }
    }

    /// When the next pending row comes due, if any, leaving out the rows being attempted now
    /// and the channels that have no room for another.
    public func nextOutboxAttempt(excluding busy: Set<Int64> = [], channels full: Set<String> = []) async throws -> Date? {
        let (exclusion, arguments) = Self.laneExclusion(busy: busy, full: full, table: "")
        return try await read { db in
            try db.fetchOne(
                Int64.self,
                sql: """
                    SELECT min(CASE WHEN claimed_until > next_attempt_at THEN claimed_until ELSE next_attempt_at END)
                    FROM outbox WHERE status = 'pending'\(exclusion)
                    """,
                arguments: arguments
            ).map(Self.date)
        }
    }

    /// ` AND id NOT IN (…) AND channel NOT IN (…)` for the rows and channels the worker has no
    /// room for, with their arguments; `table` qualifies the columns (`o.`).
    static func laneExclusion(busy: Set<Int64>, full: Set<String>, table: String) -> (String, SQLArguments) {
        var sql = ""
        if !busy.isEmpty { sql += " AND \(table)id NOT IN (\(questionMarks(count: busy.count)))" }
        if !full.isEmpty { sql += " AND \(table)channel NOT IN (\(questionMarks(count: full.count)))" }
        return (sql, SQLArguments(Array(busy)) + SQLArguments(Array(full)))
    }

    public func markDelivered(id: Int64, now: Date) async throws {
        try await write { db in
            try db.execute(
                sql:
                    "UPDATE outbox SET status = 'delivered', delivered_at = ?, attempts = attempts + 1, last_error = NULL, claimed_until = NULL, claimed_by = NULL WHERE id = ?",
                arguments: [Self.seconds(now), id]
            )
            try db.execute(sql: "INSERT INTO outbox_attempt (outbox_id, at, error) VALUES (?, ?, NULL)", arguments: [id, Self.seconds(now)])
        }
    }

    /// Records a failed attempt: to be retried at `next`, or given up when `next` is nil. A row
    /// an admin cancelled meanwhile stays cancelled.
    public func markAttemptFailed(id: Int64, error: String, next: Date?, now: Date) async throws {
        let error = String(error.prefix(1000))
        try await write { db in
            if let next {
                try db.execute(
                    sql:
                        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_until = NULL, claimed_by = NULL WHERE id = ? AND status = 'pending'",
                    arguments: [error, Self.seconds(next), id]
                )
            } else {
                try db.execute(
                    sql:
                        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, status = 'failed', claimed_until = NULL, claimed_by = NULL WHERE id = ? AND status = 'pending'",
                    arguments: [error, id]
                )
            }
            try db.execute(sql: "INSERT INTO outbox_attempt (outbox_id, at, error) VALUES (?, ?, ?)", arguments: [id, Self.seconds(now), error])
        }
    }

    /// Counts of outbox rows by status, and when the oldest pending one was queued: what
    /// `/metrics` shows of the outbox, read in one go.
    public func outboxGauges() async throws -> (counts: [String: Int], oldestPending: Date?) {
        try await read { db in
            var counts: [String: Int] = [:]
            for row in try db.fetchAll(sql: "SELECT status, count(*) AS n FROM outbox GROUP BY status") {
                counts[row["status"]] = row["n"]
            }
            let oldest = try db.fetchOne(Int64.self, sql: "SELECT min(queued_at) FROM outbox WHERE status = 'pending'").map(Self.date)
            return (counts, oldest)
        }
    }

    /// Counts of outbox rows by status.
    public func outboxCounts() async throws -> [String: Int] { try await outboxGauges().counts }

    /// The recorded verdicts of a rep from `since` on.
    public func verdicts(repID: Int64, since: LocalDate) async throws -> [LocalDate: Verdict] {
        try await read { db in
            var out: [LocalDate: Verdict] = [:]
            for row in try db.fetchAll(
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
            try db.fetchOne(String.self, sql: "SELECT value FROM engine_state WHERE key = 'processed_until'")
                .flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Pending outbox rows and verdicts go; for `simulate`, which starts from a clean slate.
    public func forgetLadderState() async throws {
        try await write { db in
            for table in ["outbox_attempt", "outbox", "verdict", "engine_state"] { try db.execute(sql: "DELETE FROM \(table)") }
        }
    }
}

extension Store {
    /// The steps already decided for a rep's day.
    public func decidedSteps(repID: Int64, date: LocalDate) async throws -> Set<String> {
        try await read { db in
            Set(
                try db.fetchAll(
                    String.self,
                    sql: "SELECT DISTINCT step FROM outbox WHERE person_id = ? AND date = ?",
                    arguments: [repID, date.description]
                )
            )
        }
    }
}

extension Store {
    static let outboxItemSelect = """
        SELECT o.id, r.handle AS rep, p.handle AS recipient, o.channel, o.type, o.step, o.date, o.status, o.due_at,
            o.created_at, o.next_attempt_at, o.delivered_at, o.message_id, o.attempts, o.last_error
        FROM outbox o JOIN person r ON r.id = o.person_id JOIN person p ON p.id = o.recipient_id
        """

    static func decodeOutboxItem(_ row: SQLRow) -> OutboxItem {
        let state = OutboxState(stored: row["status"]) ?? .pending
        return OutboxItem(
            id: row["id"],
            rep: row["rep"],
            recipient: row["recipient"],
            channel: row["channel"],
            type: DeliveryType(rawValue: row["type"]) ?? .escalation,
            step: OutboxSubject(key: row["step"]).name,
            date: LocalDate(row["date"] as String) ?? LocalDate(dayNumber: 0),
            state: state,
            dueAt: date(row["due_at"]),
            decidedAt: date(row["created_at"]),
            nextAttemptAt: state == .pending ? date(row["next_attempt_at"]) : nil,
            deliveredAt: (row["delivered_at"] as Int64?).map(date),
            messageID: row["message_id"],
            attemptCount: row["attempts"],
            lastError: row["last_error"]
        )
    }

    /// Outbox rows for an operator, newest decided first: by state, about one rep, decided on or
    /// after `since` (UTC), at most `limit`.
    public func outboxItems(state: OutboxState?, rep: Int64?, since: Date?, limit: Int) async throws -> [OutboxItem] {
        var clauses: [String] = []
        var arguments = SQLArguments()
        if let state {
            clauses.append("o.status = ?")
            arguments += [state.stored]
        }
        if let rep {
            clauses.append("o.person_id = ?")
            arguments += [rep]
        }
        if let since {
            clauses.append("o.created_at >= ?")
            arguments += [Self.seconds(since)]
        }
        arguments += [limit]
        let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        let query = arguments
        return try await read { db in
            try db.fetchAll(sql: Self.outboxItemSelect + filter + " ORDER BY o.created_at DESC, o.id DESC LIMIT ?", arguments: query)
                .map(Self.decodeOutboxItem)
        }
    }

    /// One outbox row with every attempt, or nil.
    public func outboxItem(id: Int64) async throws -> OutboxItem? {
        try await read { db in try Self.fetchOutboxItem(db, id: id) }
    }

    static func fetchOutboxItem(_ db: any SQLConnection, id: Int64) throws -> OutboxItem? {
        guard var item = try db.fetchOne(sql: Self.outboxItemSelect + " WHERE o.id = ?", arguments: [id]).map(decodeOutboxItem) else {
            return nil
        }
        item.attempts = try db.fetchAll(sql: "SELECT at, error FROM outbox_attempt WHERE outbox_id = ? ORDER BY id", arguments: [id]).map {
            OutboxAttempt(at: date($0["at"]), error: $0["error"])
        }
        return item
    }

    /// Queues a failed (or cancelled) row again, due now, under the same message id, audited.
    public func retryOutbox(id: Int64, actor: String, now: Date) async throws -> OutboxItem {
        try await write { db in
            guard let item = try Self.fetchOutboxItem(db, id: id) else {
                throw UserError(.notFound, "no outbox row \(id); see prospect admin outbox list")
            }
            guard item.state == .failed || item.state == .cancelled else {
                throw UserError(.conflict, "outbox row \(id) is \(item.state.rawValue); only a failed or cancelled row can be retried")
            }
            try Self.requeue(db, ids: [id], now: now)
            try Self.audit(db, now: now, actor: actor, action: "outbox.retry", subject: String(id), detail: item.messageID)
            return try Self.fetchOutboxItem(db, id: id)!
        }
    }

    /// Queues every failed row again; returns how many.
    public func retryFailedOutbox(actor: String, now: Date) async throws -> Int {
        try await write { db in
            let ids = try db.fetchAll(Int64.self, sql: "SELECT id FROM outbox WHERE status = 'failed' ORDER BY id")
            try Self.requeue(db, ids: ids, now: now)
            if !ids.isEmpty { try Self.audit(db, now: now, actor: actor, action: "outbox.retry", subject: nil, detail: "\(ids.count) failed rows") }
            return ids.count
        }
    }

    static func requeue(_ db: any SQLConnection, ids: [Int64], now: Date) throws {
        for chunk in ids.chunked(into: 2000) {
            var arguments: SQLArguments = [seconds(now), seconds(now)]
            arguments += SQLArguments(chunk)
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, queued_at = ?, claimed_until = NULL, claimed_by = NULL
                    WHERE id IN (\(questionMarks(count: chunk.count)))
                    """,
                arguments: arguments
            )
        }
    }

    /// Cancels a pending or failed row: it is never attempted again (unless retried), audited.
    public func cancelOutbox(id: Int64, actor: String, now: Date) async throws -> OutboxItem {
        try await write { db in
            guard let item = try Self.fetchOutboxItem(db, id: id) else {
                throw UserError(.notFound, "no outbox row \(id); see prospect admin outbox list")
            }
            guard item.state == .pending || item.state == .failed else {
                throw UserError(.conflict, "outbox row \(id) is \(item.state.rawValue) already; only a pending or failed row can be cancelled")
            }
            try db.execute(sql: "UPDATE outbox SET status = 'cancelled' WHERE id = ?", arguments: [id])
            try Self.audit(db, now: now, actor: actor, action: "outbox.cancel", subject: String(id), detail: item.messageID)
            return try Self.fetchOutboxItem(db, id: id)!
        }
    }
}
