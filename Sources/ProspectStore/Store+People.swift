import Foundation
import ProspectCore

/// A person as stored, with the row id the other tables point at.
public struct StoredPerson: Sendable, Hashable {
    public var id: Int64
    public var person: Person
    /// When they were added to the roster; days before it were never theirs to meet.
    public var createdAt: Date
}

/// The active roster as stored: people with their manager's row id, and time off by person.
public struct RosterRecords: Sendable {
    public var people: [(stored: StoredPerson, managerID: Int64?)]
    public var timeOff: [Int64: [TimeOff]]
}

/// A `person` row as read with its manager's handle (``Store/personColumns``).
struct PersonRow: Decodable {
    enum CodingKeys: String, CodingKey {
        case id, handle, name, email, timezone, manager, role, workdays, calendar, slack, active
        case unixUser = "unix_user"
        case ntfyTopic = "ntfy_topic"
        case createdAt = "created_at"
    }

    var id: Int64
    var handle: String
    var name: String
    var email: String
    var timezone: String
    /// The manager's handle (joined), not their row id.
    var manager: String?
    var role: String
    var unixUser: String?
    var workdays: String?
    var calendar: String?
    var slack: String?
    var ntfyTopic: String?
    var active: Bool
    var createdAt: Int64

    /// A row selected with ``Store/personColumns``, which come first in it.
    init(row: SQLRow) {
        id = row[0]
        handle = row[1]
        name = row[2]
        email = row[3]
        timezone = row[4]
        manager = row[5]
        role = row[6]
        unixUser = row[7]
        workdays = row[8]
        calendar = row[9]
        slack = row[10]
        ntfyTopic = row[11]
        active = row[12]
        createdAt = row[13]
    }

    var stored: StoredPerson {
        StoredPerson(
            id: id,
            person: Person(
                handle: handle,
                name: name,
                email: email,
                timezone: timezone,
                manager: manager,
                role: Role(rawValue: role) ?? .rep,
                unixUser: unixUser,
                workdays: workdays.flatMap { try? Weekday.parseList($0).get() },
                calendar: calendar,
                slack: slack,
                ntfyTopic: ntfyTopic,
                active: active
            ),
            createdAt: Store.date(createdAt)
        )
    }
}

extension Store {
    static let personColumns = """
        p.id, p.handle, p.name, p.email, p.timezone, m.handle AS manager, p.role, p.unix_user,
        p.workdays, p.calendar, p.slack, p.ntfy_topic, p.active, p.created_at
        """
    static let personFrom = "person p LEFT JOIN person m ON m.id = p.manager_id"

    /// Every active person with their manager's row id.
    public func activePeople() async throws -> [(stored: StoredPerson, managerID: Int64?)] {
        try await read { db in try Self.activePeople(db) }
    }

    /// Everyone the engine plans for, and time off ending on or after `timeOffSince`, in one read.
    public func roster(timeOffSince: LocalDate) async throws -> RosterRecords {
        try await read { db in
            var timeOff: [Int64: [TimeOff]] = [:]
            for row in try db.fetchAll(
                sql: "SELECT person_id, from_date, to_date FROM time_off WHERE to_date >= ?",
                arguments: [timeOffSince.description]
            ) {
                if let from = LocalDate(row["from_date"] as String), let to = LocalDate(row["to_date"] as String) {
                    timeOff[row["person_id"], default: []].append(TimeOff(from: from, to: to))
                }
            }
            return RosterRecords(people: try Self.activePeople(db), timeOff: timeOff)
        }
    }

    static func activePeople(_ db: any SQLConnection) throws -> [(stored: StoredPerson, managerID: Int64?)] {
        try db.fetchAll(sql: "SELECT \(personColumns), p.manager_id FROM \(personFrom) WHERE p.active <> 0").map {
            (decodePerson($0), $0["manager_id"])
        }
    }

    /// The person of a row whose first columns are ``personColumns``.
    static func decodePerson(_ row: SQLRow) -> StoredPerson { PersonRow(row: row).stored }

    static func fetchPerson(_ db: any SQLConnection, where clause: String, _ arguments: SQLArguments) throws -> StoredPerson? {
        try db.fetchOne(sql: "SELECT \(personColumns) FROM \(personFrom) WHERE \(clause)", arguments: arguments)
            .map { decodePerson($0) }
    }

    public func person(handle: String) async throws -> StoredPerson? {
        try await lookup { db in try Self.fetchPerson(db, where: "p.handle = ?", [handle]) }
    }

    /// The active person whose `unix_user` is `user`.
    public func person(unixUser: String) async throws -> StoredPerson? {
        try await lookup { db in try Self.fetchPerson(db, where: "p.unix_user = ? AND p.active <> 0", [unixUser]) }
    }

    /// Everyone, ordered by handle.
    public func people(includeInactive: Bool = false) async throws -> [Person] {
        try await read { db in
            try db.fetchAll(
                sql: "SELECT \(Self.personColumns) FROM \(Self.personFrom) \(includeInactive ? "" : "WHERE p.active <> 0") ORDER BY p.handle"
            ).map { Self.decodePerson($0).person }
        }
    }

    /// The handles of everyone reporting to `managerID`, directly or through others.
    public func reports(of managerID: Int64) async throws -> Set<String> {
        try await read { db in
            Set(
                try db.fetchAll(
                    String.self,
                    sql: """
                        WITH RECURSIVE r(id) AS (
                            SELECT id FROM person WHERE manager_id = ?
                            UNION SELECT p.id FROM person p JOIN r ON p.manager_id = r.id
                        )
                        SELECT handle FROM person WHERE id IN (SELECT id FROM r)
                        """,
                    arguments: [managerID]
                )
            )
        }
    }

    /// The ids of active reps (role `rep`) reporting to `managerID`, directly or through others.
    public func repIDs(under managerID: Int64) async throws -> [Int64] {
        try await read { db in
            try db.fetchAll(
                Int64.self,
                sql: """
                    WITH RECURSIVE r(id) AS (
                        SELECT id FROM person WHERE manager_id = ?
                        UNION SELECT p.id FROM person p JOIN r ON p.manager_id = r.id
                    )
                    SELECT id FROM person WHERE id IN (SELECT id FROM r) AND role = 'rep' AND active <> 0 ORDER BY handle
                    """,
                arguments: [managerID]
            )
        }
    }

    /// Adds one person. Refuses a taken handle or Unix user and a manager not on the roster.
    public func addPerson(_ person: Person, actor: String, now: Date) async throws -> Person {
        try await write { db in
            if try Self.fetchPerson(db, where: "p.handle = ?", [person.handle]) != nil {
                throw UserError(.conflict, "handle '\(person.handle)' is taken; pick another, or use 'admin rep update'")
            }
            try Self.upsert(db, person, existing: nil, now: now)
            try Self.audit(db, now: now, actor: actor, action: "rep.add", subject: person.handle)
            return try Self.fetchPerson(db, where: "p.handle = ?", [person.handle])!.person
        }
    }

    /// Replaces the stored fields of a person with `updated`, refusing manager cycles.
    public func updatePerson(_ updated: Person, actor: String, now: Date) async throws -> Person {
        try await write { db in
            guard let existing = try Self.fetchPerson(db, where: "p.handle = ?", [updated.handle]) else {
                throw UserError.noSuchHandle(updated.handle)
            }
            try Self.upsert(db, updated, existing: existing, now: now)
            try Self.checkNoCycle(db)
            try Self.audit(db, now: now, actor: actor, action: "rep.update", subject: updated.handle)
            return try Self.fetchPerson(db, where: "p.handle = ?", [updated.handle])!.person
        }
    }

    /// Upserts a whole roster in one transaction: every row or none.
    public func importRoster(_ rows: [RosterCSV.Row], actor: String, now: Date) async throws -> (created: Int, updated: Int, unchanged: Int) {
        try await write { db in
            let inFile = Set(rows.map(\.person.handle))
            var errors: [String] = []
            for row in rows {
                if let manager = row.person.manager, !inFile.contains(manager),
                    try Self.fetchPerson(db, where: "p.handle = ?", [manager]) == nil
                {
                    errors.append("line \(row.line): manager '\(manager)' is neither in the file nor on the roster")
                }
            }
            guard errors.isEmpty else { throw ValidationProblems(errors) }
            var created = 0
            var updated = 0
            var unchanged = 0
            // People first without managers, so a row may name a manager further down the file.
            var existingByHandle: [String: StoredPerson] = [:]
            for row in rows {
                let existing = try Self.fetchPerson(db, where: "p.handle = ?", [row.person.handle])
                existingByHandle[row.person.handle] = existing
                var person = row.person
                person.manager = existing?.person.manager
                do {
                    try Self.upsert(db, person, existing: existing, now: now)
                } catch let error as UserError {
                    throw ValidationProblems(["line \(row.line): \(error.message)"])
                }
            }
            for row in rows {
                guard let managerHandle = row.person.manager else {
                    try db.execute(sql: "UPDATE person SET manager_id = NULL WHERE handle = ?", arguments: [row.person.handle])
                    continue
                }
                try db.execute(
                    sql: "UPDATE person SET manager_id = (SELECT id FROM person WHERE handle = ?) WHERE handle = ?",
                    arguments: [managerHandle, row.person.handle]
                )
            }
            do { try Self.checkNoCycle(db) } catch let error as UserError {
                throw ValidationProblems([error.message])
            }
            for row in rows {
                var expected = row.person
                expected.active = true
                if let before = existingByHandle[row.person.handle] {
                    if before.person == expected { unchanged += 1 } else { updated += 1 }
                } else {
                    created += 1
                }
            }
            try Self.audit(
                db,
                now: now,
                actor: actor,
                action: "roster.import",
                subject: nil,
                detail: "created \(created), updated \(updated), unchanged \(unchanged)"
            )
            return (created, updated, unchanged)
        }
    }

    /// Marks a person inactive; their history stays.
    public func deactivate(handle: String, actor: String, now: Date) async throws -> Person {
        try await write { db in
            guard try Self.fetchPerson(db, where: "p.handle = ?", [handle]) != nil else {
                throw UserError.noSuchHandle(handle)
            }
            try db.execute(sql: "UPDATE person SET active = 0 WHERE handle = ?", arguments: [handle])
            try db.execute(
                sql: "UPDATE token SET revoked_at = ? WHERE revoked_at IS NULL AND person_id = (SELECT id FROM person WHERE handle = ?)",
                arguments: [Int64(now.timeIntervalSince1970), handle]
            )
            try Self.audit(db, now: now, actor: actor, action: "rep.deactivate", subject: handle)
            return try Self.fetchPerson(db, where: "p.handle = ?", [handle])!.person
        }
    }

    static func upsert(_ db: any SQLConnection, _ person: Person, existing: StoredPerson?, now: Date) throws {
        var managerID: Int64? = nil
        if let manager = person.manager {
            guard let m = try fetchPerson(db, where: "p.handle = ?", [manager]) else {
                throw UserError(.invalid, "manager '\(manager)' is not on the roster; add them first")
            }
            managerID = m.id
        }
        if let user = person.unixUser,
            let other = try fetchPerson(db, where: "p.unix_user = ? AND p.handle <> ?", [user, person.handle])
        {
            throw UserError(.conflict, "unix user '\(user)' already belongs to '\(other.person.handle)'")
        }
        let workdays = person.workdays.map { Weekday.format($0) }
        if let existing {
            try db.execute(
                sql: """
                    UPDATE person SET name = ?, email = ?, timezone = ?, manager_id = ?, role = ?, unix_user = ?,
                        workdays = ?, calendar = ?, slack = ?, ntfy_topic = ?, active = ? WHERE id = ?
                    """,
                arguments: [
                    person.name, person.email, person.timezone, managerID, person.role.rawValue, person.unixUser,
                    workdays, person.calendar, person.slack, person.ntfyTopic, person.active, existing.id,
                ]
            )
        } else {
            try db.execute(
                sql: """
                    INSERT INTO person (handle, name, email, timezone, manager_id, role, unix_user, workdays, calendar,
                        slack, ntfy_topic, active, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    person.handle, person.name, person.email, person.timezone, managerID, person.role.rawValue,
                    person.unixUser, workdays, person.calendar, person.slack, person.ntfyTopic, person.active,
                    Int64(now.timeIntervalSince1970),
                ]
            )
        }
    }

    static func checkNoCycle(_ db: any SQLConnection) throws {
        let pairs = try db.fetchAll(
            sql: "SELECT p.handle AS h, m.handle AS m FROM person p JOIN person m ON m.id = p.manager_id"
        )
        var managers: [String: String] = [:]
        for row in pairs { managers[row["h"]] = row["m"] }
        if let cycle = managerCycle(in: managers) {
            throw UserError(
                .invalid,
                "managers would form a cycle (\(cycle.joined(separator: " -> "))); every chain must end at someone without a manager"
            )
        }
    }

    static func audit(_ db: any SQLConnection, now: Date, actor: String, action: String, subject: String?, detail: String? = nil) throws {
        try db.execute(
            sql: "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [Int64(now.timeIntervalSince1970), actor, action, subject, detail]
        )
    }
}

extension Store {
    /// Erases a person's personal data (`prospect admin rep forget`): name, email, Unix user,
    /// chat and push ids, the notes of their activities, the reasons of their time off, their
    /// tokens, and messages that name them; their handle becomes `forgotten-ID` everywhere,
    /// the audit trail too. What counts stays (activities' kinds and times, verdicts, pipeline
    /// figures, whether they are active), so team figures stay true. Refused for the last
    /// active admin. Deleted content is overwritten (`secure_delete`, on for every connection)
    /// and the WAL is checkpointed and truncated, so the old values are not left in the
    /// database files. Returns the pseudonymous person.
    public func forgetPerson(handle: String, actor: String, now: Date) async throws -> Person {
        let forgotten = try await write { db -> Person in
            guard let stored = try Self.fetchPerson(db, where: "p.handle = ?", [handle]) else { throw UserError.noSuchHandle(handle) }
            let person = stored.person
            if person.role == .admin, person.active {
                let admins = try db.fetchOne(Int.self, sql: "SELECT count(*) FROM person WHERE role = 'admin' AND active <> 0") ?? 0
                if admins <= 1 {
                    throw UserError(.conflict, "\(handle) is the last admin; make another person admin first")
                }
            }
            let pseudonym = "forgotten-\(stored.id)"
            // Messages that carry their name, email or handle: sent ones are blanked, waiting ones
            // cancelled too. Each is looked for as a whole JSON string; a name or an email also
            // inside longer text (a digest's summary, an SMTP error), when it is long enough not
            // to be a piece of ordinary words.
            let encoder = JSONEncoder()
            encoder.outputFormatting = .withoutEscapingSlashes
            var needles = Set(
                [person.handle, person.name, person.email].compactMap { value in
                    (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
                }
            )
            needles.formUnion([person.name, person.email].filter { $0.count >= 5 })
            // One pass over the outbox: the rows about or to them, and every row naming them.
            let needleList = needles.sorted()
            let naming = Array(
                repeating: db.dialect.contains("payload") + " OR " + db.dialect.contains("coalesce(last_error, '')"),
                count: needleList.count
            )
            try db.execute(
                sql: """
                    UPDATE outbox SET payload = '{}', last_error = NULL,
                        status = CASE WHEN status IN ('pending', 'failed') THEN 'cancelled' ELSE status END
                    WHERE person_id = ? OR recipient_id = ?\(naming.map { " OR " + $0 }.joined())
                    """,
                arguments: [stored.id, stored.id] + SQLArguments(needleList.flatMap { [$0, $0] })
            )
            try db.execute(sql: "UPDATE outbox_attempt SET error = NULL WHERE outbox_id IN (SELECT id FROM outbox WHERE payload = '{}')")
            try db.execute(sql: "UPDATE activity SET note = NULL WHERE person_id = ?", arguments: [stored.id])
            try db.execute(sql: "UPDATE time_off SET reason = NULL WHERE person_id = ?", arguments: [stored.id])
            try db.execute(sql: "DELETE FROM token WHERE person_id = ?", arguments: [stored.id])
            var names = [person.handle]
            if let user = person.unixUser { names.append("unix:\(user)") }
            for name in names {
                try db.execute(sql: "UPDATE audit SET actor = ? WHERE actor = ?", arguments: [pseudonym, name])
                try db.execute(sql: "UPDATE audit SET subject = ? WHERE subject = ?", arguments: [pseudonym, name])
            }
            try db.execute(
                sql: """
                    UPDATE person SET handle = ?, name = '(forgotten)', email = '', unix_user = NULL, slack = NULL,
                        ntfy_topic = NULL WHERE id = ?
                    """,
                arguments: [pseudonym, stored.id]
            )
            try Self.audit(db, now: now, actor: actor, action: "rep.forget", subject: pseudonym)
            return try Self.fetchPerson(db, where: "p.id = ?", [stored.id])!.person
        }
        try await compactAfterErasure()
        return forgotten
    }
}
