import Crypto
import Foundation
import ProspectCore

/// A system that pushes activities in (`prospect admin source add NAME`).
public struct StoredSource: Sendable, Hashable {
    public var id: Int64
    public var name: String
}

/// Whom a push names, as ``Store/pushTargets(handles:emails:timeOffSince:)`` found them: a
/// handle or a lower-cased email with no entry names no one (for an email: no one, or more
/// than one, active person has it).
public struct PushTargets: Sendable {
    public var byHandle: [String: StoredPerson] = [:]
    public var byEmail: [String: StoredPerson] = [:]
    /// Time off by person id, for everyone found.
    public var timeOff: [Int64: [TimeOff]] = [:]
}

/// One pushed activity, checked and resolved: the rep, the kind, and the source's own id.
public struct SourceActivity: Sendable {
    public var externalID: String
    public var rep: StoredPerson
    public var kind: String
    public var note: String?
    public var value: Double?
    public var occurredAt: Date
    /// A `missed` of a past day to revisit (a late push within the grace).
    public var day: DayCheck?

    public init(externalID: String, rep: StoredPerson, kind: String, note: String?, value: Double?, occurredAt: Date, day: DayCheck?) {
        self.externalID = externalID
        self.rep = rep
        self.kind = kind
        self.note = note
        self.value = value
        self.occurredAt = occurredAt
        self.day = day
    }
}

extension Store {
    /// Adds a source, or gives a revoked one a new token (its ids stay known, so nothing is
    /// added twice); returns the token, once. A live source is refused: revoke it first.
    public func addSource(name: String, actor: String, now: Date) async throws -> String {
        let token = Self.newToken(prefix: "pds_")
        let digest = Self.digest(token)
        try await write { db in
            if let revoked = try db.fetchOne(sql: "SELECT id, revoked_at FROM source WHERE name = ?", arguments: [name]) {
                guard (revoked["revoked_at"] as Int64?) != nil else {
                    throw UserError(
                        .conflict,
                        "source '\(name)' exists; revoke it first ('prospect admin source revoke \(name)') to issue a new token"
                    )
                }
                try db.execute(
                    sql: "UPDATE source SET sha256 = ?, revoked_at = NULL, created_at = ? WHERE id = ?",
                    arguments: [digest, Self.seconds(now), revoked["id"] as Int64]
                )
            } else {
                try db.execute(
                    sql: "INSERT INTO source (name, sha256, created_at) VALUES (?, ?, ?)",
                    arguments: [name, digest, Self.seconds(now)]
                )
            }
            try Self.audit(db, now: now, actor: actor, action: "source.add", subject: name)
        }
        return token
    }

    /// Revokes a source's token; false when there was no live one.
    public func revokeSource(name: String, actor: String, now: Date) async throws -> Bool {
        try await write { db in
            guard try db.fetchOne(Bool.self, sql: "SELECT 1 FROM source WHERE name = ?", arguments: [name]) == true else {
                throw UserError(.notFound, "no source '\(name)'; see the audit, or add it with 'prospect admin source add \(name)'")
            }
            let revoked =
                try db.execute(sql: "UPDATE source SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [Self.seconds(now), name])
                > 0
            if revoked { try Self.audit(db, now: now, actor: actor, action: "source.revoke", subject: name) }
            return revoked
        }
    }

    /// The live source holding `token`, if any (looked up by digest, compared in constant time).
    public func source(token: String) async throws -> StoredSource? {
        let digest = Self.digest(token)
        return try await lookup { db in
            guard
                let row = try db.fetchOne(
                    sql: "SELECT id, name, sha256 FROM source WHERE sha256 = ? AND revoked_at IS NULL",
                    arguments: [digest]
                ),
                constantTimeEqual(row["sha256"], digest)
            else { return nil }
            return StoredSource(id: row["id"], name: row["name"])
        }
    }

    /// Records pushed activities, all or none, each once per (source, its id): logged `now`, as
    /// received. Returns the kinds of those that were new, and how many were known already.
    /// Pushes that arrive together share a commit (``WriteBatch``), each in a savepoint of its own.
    public func recordFromSource(_ source: StoredSource, _ rows: [SourceActivity], now: Date) async throws -> (added: [String], present: Int) {
        try await batch.write(self) { db in
            var added: [String] = []
            var present = 0
            for row in rows {
                if try db.fetchOne(
                    Bool.self,
                    sql: "SELECT 1 FROM source_activity WHERE source_id = ? AND external_id = ?",
                    arguments: [source.id, row.externalID]
                ) == true {
                    present += 1
                    continue
                }
                let activity = try ActivityRow(
                    personID: row.rep.id,
                    kind: row.kind,
                    note: row.note,
                    value: row.value,
                    occurredAt: Self.seconds(row.occurredAt),
                    loggedAt: Self.seconds(now),
                    clientID: "src-\(source.id)-" + UUID().uuidString.lowercased()
                ).inserted(db)
                try db.execute(
                    sql: "INSERT INTO source_activity (source_id, external_id, activity_id) VALUES (?, ?, ?)",
                    arguments: [source.id, row.externalID, activity.id]
                )
                if let day = row.day { try Self.upgradeLateVerdict(db, repID: row.rep.id, day: day, now: now) }
                added.append(row.kind)
            }
            return (added, present)
        }
    }

    /// The people a push names, by handle and by email, and the time off of each that ends on
    /// or after `since`: one lookup for the whole push, whatever its size (the server takes at
    /// most 1,000 activities in one), instead of two reads for each activity.
    public func pushTargets(handles: Set<String>, emails: Set<String>, timeOffSince since: LocalDate) async throws -> PushTargets {
        try await lookup(snapshot: true) { db in
            var out = PushTargets()
            for handle in handles {
                out.byHandle[handle] = try Self.fetchPerson(db, where: "p.handle = ?", [handle])
            }
            for email in emails {
                out.byEmail[email.lowercased()] = try Self.fetchPerson(db, email: email)
            }
            for id in Set(out.byHandle.values.map(\.id) + out.byEmail.values.map(\.id)) {
                out.timeOff[id] = try Self.timeOff(db, repID: id, since: since)
            }
            return out
        }
    }

    /// The active person with this email address (case-insensitive), if exactly one has it.
    static func fetchPerson(_ db: any SQLConnection, email: String) throws -> StoredPerson? {
        let matches = try db.fetchAll(
            sql: "SELECT \(Self.personColumns) FROM \(Self.personFrom) WHERE p.active <> 0 AND lower(p.email) = lower(?) LIMIT 2",
            arguments: [email]
        )
        return matches.count == 1 ? Self.decodePerson(matches[0]) : nil
    }

    /// 256 random bits, URL-safe, after `prefix`.
    static func newToken(prefix: String) -> String { prefix + randomBytes(32).base64URLEncoded }

    /// What the database keeps of a token: its SHA-256.
    static func digest(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }
}
