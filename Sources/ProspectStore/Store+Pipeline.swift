import Foundation
import ProspectCore

extension Store {
    /// Records a pipeline snapshot for a rep.
    public func setPipeline(repID: Int64, openDeals: Int, value: Double, actor: String, now: Date) async throws -> PipelineSnapshot {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO pipeline_snapshot (person_id, at, open_deals, value) VALUES (?, ?, ?, ?)",
                arguments: [repID, Self.seconds(now), openDeals, value]
            )
            try Self.audit(db, now: now, actor: actor, action: "pipeline.set", subject: String(repID), detail: "\(openDeals) deals")
            return PipelineSnapshot(at: Date(timeIntervalSince1970: Double(Self.seconds(now))), openDeals: openDeals, value: value)
        }
    }

    /// Records that a manager took stock on their local `date`; a second time keeps the first.
    public func acknowledge(personID: Int64, date: LocalDate, now: Date) async throws -> Date {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO acknowledgement (person_id, date, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [personID, date.description, Self.seconds(now)]
            )
            let at = try db.fetchOne(
                Int64.self,
                sql: "SELECT at FROM acknowledgement WHERE person_id = ? AND date = ?",
                arguments: [personID, date.description]
            )
            return Self.date(at ?? Self.seconds(now))
        }
    }

    /// Whether a manager took stock on `date` by `instant`.
    static func acknowledged(_ db: any SQLConnection, personID: Int64, date: LocalDate, by instant: Date) throws -> Bool {
        try db.fetchOne(
            Bool.self,
            sql: "SELECT 1 FROM acknowledgement WHERE person_id = ? AND date = ? AND at <= ?",
            arguments: [personID, date.description, seconds(instant)]
        ) ?? false
    }

    /// The activities (all kinds) and pipeline snapshots of many reps since `since`: two queries
    /// per chunk of reps, for team reports and digests.
    static func histories(
        _ db: any SQLConnection,
        repIDs: [Int64],
        since: Date
    ) throws
        -> (activities: [Int64: [ActivityRecord]], snapshots: [Int64: [PipelineSnapshot]])
    {
        var activities: [Int64: [ActivityRecord]] = [:]
        var snapshots: [Int64: [PipelineSnapshot]] = [:]
        let ids = Array(Set(repIDs)).sorted()
        for chunk in ids.chunked(into: 2000) {
            var arguments: SQLArguments = [seconds(since)]
            arguments += SQLArguments(chunk)
            let marks = questionMarks(count: chunk.count)
            for row in try db.fetchAll(
                sql: """
                    SELECT person_id, kind, occurred_at, logged_at, value FROM activity
                    WHERE occurred_at >= ? AND deleted_at IS NULL AND person_id IN (\(marks))
                    """,
                arguments: arguments
            ) {
                activities[row[0], default: []].append(
                    ActivityRecord(kind: row[1], occurredAt: date(row[2]), loggedAt: date(row[3]), value: row[4])
                )
            }
            // The latest snapshot before `since` too: it is the pipeline at a window's start.
            var snapshotArguments = SQLArguments(chunk)
            snapshotArguments += [seconds(since)]
            for row in try db.fetchAll(
                sql: """
                    SELECT person_id, at, open_deals, value FROM pipeline_snapshot s
                    WHERE person_id IN (\(marks))
                      AND at >= coalesce((SELECT max(at) FROM pipeline_snapshot p WHERE p.person_id = s.person_id AND p.at <= ?), 0)
                    ORDER BY person_id, at, id
                    """,
                arguments: snapshotArguments
            ) {
                snapshots[row[0], default: []].append(PipelineSnapshot(at: date(row[1]), openDeals: row[2], value: row[3]))
            }
        }
        return (activities, snapshots)
    }

    /// The counting, non-deleted activities of many reps that occurred since `since`: one query
    /// per chunk of reps (the engine's `after_misses`).
    static func countingTimes(_ db: any SQLConnection, repIDs: [Int64], kinds: Set<String>, since: Date) throws -> [Int64: [ActivityTimes]] {
        var out: [Int64: [ActivityTimes]] = [:]
        let ids = Array(Set(repIDs)).sorted()
        let kindList = kinds.sorted()
        for chunk in ids.chunked(into: 2000) {
            var arguments: SQLArguments = [seconds(since)]
            arguments += SQLArguments(chunk)
            arguments += SQLArguments(kindList)
            for row in try db.fetchAll(
                sql: """
                    SELECT person_id, occurred_at, logged_at FROM activity
                    WHERE occurred_at >= ? AND deleted_at IS NULL AND person_id IN (\(questionMarks(count: chunk.count)))
                      AND kind IN (\(questionMarks(count: kindList.count)))
                    """,
                arguments: arguments
            ) {
                out[row[0], default: []].append(ActivityTimes(occurredAt: date(row[1]), loggedAt: date(row[2])))
            }
        }
        return out
    }

    /// The days of many reps that have a recorded verdict, from `since` on.
    static func verdictDates(_ db: any SQLConnection, repIDs: [Int64], since: LocalDate) throws -> [Int64: Set<LocalDate>] {
        var out: [Int64: Set<LocalDate>] = [:]
        let ids = Array(Set(repIDs)).sorted()
        for chunk in ids.chunked(into: 2000) {
            var arguments: SQLArguments = [since.description]
            arguments += SQLArguments(chunk)
            for row in try db.fetchAll(
                sql: "SELECT person_id, date FROM verdict WHERE date >= ? AND person_id IN (\(questionMarks(count: chunk.count)))",
                arguments: arguments
            ) {
                if let day = LocalDate(row[1] as String) { out[row[0], default: []].insert(day) }
            }
        }
        return out
    }

    /// The activities (all kinds) and pipeline snapshots of many reps since `since`, for reports.
    public func histories(
        repIDs: [Int64],
        since: Date
    ) async throws -> (activities: [Int64: [ActivityRecord]], snapshots: [Int64: [PipelineSnapshot]]) {
        try await read { db in try Self.histories(db, repIDs: repIDs, since: since) }
    }

    /// The latest snapshot of a rep, if any.
    public func latestPipeline(repID: Int64) async throws -> PipelineSnapshot? {
        try await read { db in
            try db.fetchOne(
                sql: "SELECT at, open_deals, value FROM pipeline_snapshot WHERE person_id = ? ORDER BY at DESC, id DESC LIMIT 1",
                arguments: [repID]
            ).map { PipelineSnapshot(at: Self.date($0[0]), openDeals: $0[1], value: $0[2]) }
        }
    }
}
