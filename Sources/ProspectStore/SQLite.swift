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
        try Self.run(statement, arguments) { _ in }
        return db.changesCount
    }

    /// The id SQLite gave the row, without `RETURNING`: SQLite keeps a statement's returned rows
    /// in a temporary table until it ends, which doubled the cost of each activity's insert.
    func insert(sql: String, arguments: SQLArguments) throws -> Int64 {
        try Self.run(try statement(sql, arguments), arguments) { _ in }
        return db.lastInsertedRowID
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try statement(sql, arguments)
        let names = SQLRow.names(statement.columnNames)
        var rows: [SQLRow] = []
        try Self.run(statement, arguments) { handle in
            let columns = sqlite3_column_count(handle)
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columns))
            for column in 0..<columns { values.append(Self.value(handle, column)) }
            rows.append(SQLRow(names: names, values: values))
        }
        return rows
    }

    /// Binds `arguments` and steps `statement` to its end, calling `row` at each row. Values go
    /// straight between `SQLValue`s and SQLite: going through GRDB's `StatementArguments` and
    /// `Row` cost a quarter of each outbox row of a due step, and as much of each row read.
    static func run(_ statement: Statement, _ arguments: SQLArguments, row: (OpaquePointer) throws -> Void) throws {
        try bind(arguments, to: statement)
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE: return
            case SQLITE_ROW: try row(handle)
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

    /// The value of `column` in the current row of `handle`.
    static func value(_ handle: OpaquePointer, _ column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
        case SQLITE_TEXT:
            // The pointer first, then its length (SQLite's order: the length is of what was returned).
            guard let text = sqlite3_column_text(handle, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            guard let bytes = sqlite3_column_blob(handle, column) else { return .blob(Data()) }
            let count = Int(sqlite3_column_bytes(handle, column))
            return .blob(Data(bytes: bytes, count: count))
        default: return .null
        }
    }

    /// The compiled statement: one of a fixed shape is compiled once per connection and kept
    /// (compiling costs more than running a one-row insert); one with a long list of values
    /// (`IN (?, ?, …)`, a `VALUES` table) is compiled each time, so the cache stays small.
    private func statement(_ sql: String, _ arguments: SQLArguments) throws -> Statement {
        arguments.values.count <= Self.cachedShapeLimit ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
    }

    /// The most values a kept statement binds.
    static let cachedShapeLimit = 16
}
