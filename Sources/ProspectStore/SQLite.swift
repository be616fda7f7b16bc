import Foundation
import GRDB

/// The SQLite side of ``SQLConnection``: a GRDB connection inside its transaction.
struct SQLiteConnection: SQLConnection {
    let db: Database

    var dialect: SQLDialect { .sqlite }

    @discardableResult func execute(sql: String, arguments: SQLArguments) throws -> Int {
        try statement(sql, arguments).execute(arguments: Self.arguments(arguments))
        return db.changesCount
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try statement(sql, arguments)
        let names = SQLRow.names(statement.columnNames)
        let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
        var rows: [SQLRow] = []
        while let row = try cursor.next() {
            rows.append(SQLRow(names: names, values: row.databaseValues.map(Self.value)))
        }
        return rows
    }

    /// The compiled statement: one of a fixed shape is compiled once per connection and kept
    /// (compiling costs more than running a one-row insert); one with a long list of values
    /// (`IN (?, ?, …)`, a `VALUES` table) is compiled each time, so the cache stays small.
    private func statement(_ sql: String, _ arguments: SQLArguments) throws -> Statement {
        arguments.values.count <= Self.cachedShapeLimit ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
    }

    /// The most values a kept statement binds.
    static let cachedShapeLimit = 16

    static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(
            arguments.values.map { value -> DatabaseValue in
                switch value {
                case .null: .null
                case .integer(let v): v.databaseValue
                case .real(let v): v.databaseValue
                case .text(let v): v.databaseValue
                case .blob(let v): v.databaseValue
                }
            }
        )
    }

    static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let v): .integer(v)
        case .double(let v): .real(v)
        case .string(let v): .text(v)
        case .blob(let v): .blob(v)
        }
    }
}
