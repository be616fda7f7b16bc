import Foundation
import ProspectCore

/// One activity of a CRM import, checked and resolved.
public struct ImportedActivity: Sendable {
    public var personID: Int64
    public var kind: String
    public var note: String?
    public var value: Double?
    public var occurredAt: Date
    /// Derived from the row's content, so a re-import finds it again.
    public var clientID: String

    public init(personID: Int64, kind: String, note: String?, value: Double?, occurredAt: Date, clientID: String) {
        self.personID = personID
        self.kind = kind
        self.note = note
        self.value = value
        self.occurredAt = occurredAt
        self.clientID = clientID
    }
}

extension Store {
    /// Imports every row in one transaction. A CRM recorded them when they happened, so each is
    /// logged at its own time. Rows already imported are skipped. Returns how many were added.
    public func importActivities(_ rows: [ImportedActivity], actor: String, now: Date) async throws -> Int {
        try await write { db in
            var added = 0
            for row in rows {
                let at = Self.seconds(row.occurredAt)
                added += try db.execute(
                    sql: """
                        INSERT INTO activity (person_id, kind, note, value, occurred_at, logged_at, client_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [row.personID, row.kind, row.note, row.value, at, at, row.clientID]
                )
            }
            try Self.audit(db, now: now, actor: actor, action: "activities.import", subject: nil, detail: "\(added) of \(rows.count) rows added")
            return added
        }
    }
}
