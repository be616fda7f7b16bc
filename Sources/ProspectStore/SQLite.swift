import Foundation
import GRDB
import GRDBSQLite

/// The SQLite side of ``SQLConnection``: a GRDB connection inside its transaction.
struct SQLiteConnection: SQLConnection {
    let db: Database

    var dialect: SQLDialect { .sqlite }

    @discardableResult func execute(sql: String, arguments: SQLArguments) throws -> Int {
        let statement = try statement(sql, arguments)
        // Without arguments (savepoints, pragmas) GRDB runs it and keeps its own account of
        // transactions and savepoints.
        guard !arguments.values.isEmpty else {
            try statement.execute()
            return db.changesCount
        }
        // With them, the values are bound and stepped straight from `SQLValue`s: going through
        // GRDB's `StatementArguments` cost a quarter of each outbox row of a due step.
        try Self.bind(arguments, to: statement)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE: return db.changesCount
            case SQLITE_ROW: continue
            default:
                let connection = sqlite3_db_handle(handle)
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                    message: String(cString: sqlite3_errmsg(connection)),
                    sql: statement.sql
                )
            }
        }
    }

    /// Binds `arguments` to `statement`'s `?` marks in order (SQLite copies text and blobs).
    static func bind(_ arguments: SQLArguments, to statement: Statement) throws {
        let handle = statement.sqliteStatement
        guard Int(sqlite3_bind_parameter_count(handle)) == arguments.values.count else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "wrong number of statement arguments: \(arguments.values.count)",
                sql: statement.sql
            )
        }
        sqlite3_reset(handle)
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (offset, value) in arguments.values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
            case .real(let v): code = sqlite3_bind_double(handle, index, v)
            case .text(let v): code = sqlite3_bind_text(handle, index, v, -1, transient)
            case .blob(let v):
                code = v.withUnsafeBytes { bytes in sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), transient) }
            }
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind argument \(index)", sql: statement.sql)
            }
        }
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
