import Foundation
import GRDB

/// One table's rows, as copied and as counted in the copy.
public struct TableCount: Sendable, Hashable {
    public var table: String
    public var rows: Int
}

/// Copying a whole database between backends: `prospectd migrate-db` (a SQLite file into an empty
/// PostgreSQL database) and `simulate --db URL` (a PostgreSQL database into a private in-memory
/// SQLite one). One snapshot of the source, one transaction on the target, counts verified.
extension Store {
    /// Every table with the columns that order it, each after the tables its rows point at.
    static let copiedTables: [(name: String, key: [String])] = [
        ("person", ["id"]), ("activity", ["id"]), ("time_off", ["id"]), ("token", ["id"]), ("audit", ["id"]),
        ("verdict", ["person_id", "date"]), ("outbox", ["id"]), ("outbox_attempt", ["id"]), ("engine_state", ["key"]),
        ("pipeline_snapshot", ["id"]), ("acknowledgement", ["person_id", "date"]), ("source", ["id"]),
        ("source_activity", ["source_id", "external_id"]), ("link_key", ["id"]),
    ]

    /// Copies every row of `source` into `target`, which must be empty: all or nothing.
    public static func copy(from source: Store, to target: Store) async throws -> [TableCount] {
        if let reader = source.sqliteWriter {
            return try await target.write { db in try reader.read { src in try copyRows(from: SQLiteConnection(db: src), to: db) } }
        }
        guard let writer = target.sqliteWriter else {
            throw StoreOpenError(path: "the copy", reason: "one side of a copy must be a SQLite database")
        }
        return try await source.read { db in try writer.write { dst in try copyRows(from: db, to: SQLiteConnection(db: dst)) } }
    }

    /// Row counts of every table.
    public func tableCounts() async throws -> [TableCount] {
        try await read { db in try Self.counts(db) }
    }

    static func counts(_ db: any SQLConnection) throws -> [TableCount] {
        try copiedTables.map { TableCount(table: $0.name, rows: try db.fetchOne(Int.self, sql: "SELECT count(*) FROM \($0.name)") ?? 0) }
    }

    static func copyRows(from source: any SQLConnection, to target: any SQLConnection) throws -> [TableCount] {
        if let busy = try counts(target).first(where: { $0.rows > 0 }) {
            throw StoreOpenError(
                path: "the target database",
                reason: "it is not empty (\(busy.table) has \(busy.rows) rows); copy into a new, empty database"
            )
        }
        let expected = try counts(source)
        for (table, key) in copiedTables {
            // A person's manager may come later in the table: managers are set once everyone is in.
            var managers: [(id: SQLValue, manager: SQLValue)] = []
            var after: [SQLValue]? = nil
            while true {
                let keyList = key.joined(separator: ", ")
                let marks = questionMarks(count: key.count)
                let filter = after == nil ? "" : " WHERE (\(keyList)) > (\(marks))"
                let rows = try source.fetchAll(
                    sql: "SELECT * FROM \(table)\(filter) ORDER BY \(keyList) LIMIT 2000",
                    arguments: SQLArguments(after ?? [])
                )
                guard let first = rows.first else { break }
                let columns = first.names.sorted { $0.value < $1.value }.map(\.key)
                let deferred = table == "person" ? columns.firstIndex(of: "manager_id") : nil
                let perStatement = max(1, 30_000 / columns.count)
                for start in stride(from: 0, to: rows.count, by: perStatement) {
                    let chunk = rows[start..<min(rows.count, start + perStatement)]
                    var arguments = SQLArguments()
                    for row in chunk {
                        for (index, value) in row.values.enumerated() { arguments.values.append(index == deferred ? .null : value) }
                    }
                    let tuple = "(" + questionMarks(count: columns.count) + ")"
                    try target.execute(
                        sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                            + Array(repeating: tuple, count: chunk.count).joined(separator: ", "),
                        arguments: arguments
                    )
                }
                if let deferred, let id = columns.firstIndex(of: "id") {
                    managers += rows.filter { $0.values[deferred] != .null }.map { ($0.values[id], $0.values[deferred]) }
                }
                let last = rows[rows.count - 1]
                after = key.map { last.values[last.names[$0]!] }
            }
            for (id, manager) in managers {
                try target.execute(sql: "UPDATE person SET manager_id = ? WHERE id = ?", arguments: [manager, id])
            }
        }
        if target.dialect == .postgresql {
            // New rows get ids after the copied ones.
            for (table, key) in copiedTables where key == ["id"] && table != "link_key" {
                _ = try target.fetchAll(
                    sql: "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), coalesce((SELECT max(id) FROM \(table)), 0) + 1, false)"
                )
            }
        }
        let copied = try counts(target)
        guard copied == expected else {
            let differing = zip(expected, copied).filter { $0 != $1 }.map { "\($0.table): \($0.rows) read, \($1.rows) written" }
            throw StoreOpenError(
                path: "the target database",
                reason: "the copy's counts differ (\(differing.joined(separator: "; "))); nothing was kept"
            )
        }
        return copied
    }
}
