import Crypto
import Foundation
import ProspectCore

extension Store {
    /// Issues a new API token for a person: 256 random bits, returned once, stored only as SHA-256.
    public func issueToken(handle: String, actor: String, now: Date) async throws -> String {
        let token = Self.newToken(prefix: "pd_")
        let digest = Self.digest(token)
        try await write { db in
            guard let person = try Self.fetchPerson(db, where: "p.handle = ?", [handle]) else {
                throw UserError.noSuchHandle(handle)
            }
            guard person.person.active else {
                throw UserError(.invalid, "'\(handle)' is deactivated; reactivate them with 'admin rep update' first")
            }
            try db.execute(
                sql: "INSERT INTO token (person_id, sha256, created_at) VALUES (?, ?, ?)",
                arguments: [person.id, digest, Self.seconds(now)]
            )
            try Self.audit(db, now: now, actor: actor, action: "token.issue", subject: handle)
        }
        return token
    }

    /// Revokes every live token of a person; returns how many.
    public func revokeTokens(handle: String, actor: String, now: Date) async throws -> Int {
        try await write { db in
            guard let person = try Self.fetchPerson(db, where: "p.handle = ?", [handle]) else {
                throw UserError.noSuchHandle(handle)
            }
            let count = try db.execute(
                sql: "UPDATE token SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL",
                arguments: [Self.seconds(now), person.id]
            )
            try Self.audit(db, now: now, actor: actor, action: "token.revoke", subject: handle, detail: "\(count) revoked")
            return count
        }
    }

    /// The active person holding a live token, if any.
    ///
    /// The lookup is by digest through a unique index; the final comparison of the stored digest is
    /// constant-time so a timing difference cannot reveal how much of a digest matched.
    public func person(token: String) async throws -> StoredPerson? {
        let digest = Self.digest(token)
        return try await lookup(snapshot: true) { db in
            guard
                let row = try db.fetchOne(
                    sql: """
                        SELECT t.sha256, t.person_id FROM token t JOIN person p ON p.id = t.person_id
                        WHERE t.sha256 = ? AND t.revoked_at IS NULL AND p.active <> 0
                        """,
                    arguments: [digest]
                )
            else { return nil }
            let stored: Data = row["sha256"]
            guard constantTimeEqual(stored, digest) else { return nil }
            return try Self.fetchPerson(db, where: "p.id = ?", [row["person_id"] as Int64])
        }
    }
}

/// Compares two byte strings in time that depends only on their length.
func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}
