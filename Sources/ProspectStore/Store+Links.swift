import Foundation

/// The key one-tap links are signed with. It is made at first start and kept in the database,
/// so every instance on the same database signs and checks alike.
extension Store {
    /// The link key, made on first use.
    public func linkKey(now: Date) async throws -> Data {
        if let key = try await read({ db in try db.fetchOne(Data.self, sql: "SELECT secret FROM link_key WHERE id = 1") }) { return key }
        return try await write { db in
            if let key = try db.fetchOne(Data.self, sql: "SELECT secret FROM link_key WHERE id = 1") { return key }
            let key = Self.randomBytes(32)
            try db.execute(sql: "INSERT INTO link_key (id, secret, created_at) VALUES (1, ?, ?)", arguments: [key, Self.seconds(now)])
            return key
        }
    }

    /// A new link key: every link sent before stops working. Audited.
    public func rotateLinkKey(actor: String, now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO link_key (id, secret, created_at) VALUES (1, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at
                    """,
                arguments: [Self.randomBytes(32), Self.seconds(now)]
            )
            try Self.audit(db, now: now, actor: actor, action: "links.rotate", subject: nil)
        }
    }

    static func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
