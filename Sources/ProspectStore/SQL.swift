import Foundation

/// One value as it crosses into or out of a database, whichever the backend.
enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// Which SQL the connection speaks, where the two backends' SQL differs.
enum SQLDialect: Sendable {
    case sqlite
    case postgresql

    /// `INDEXED BY name` on SQLite (its planner needs the hint for the day counts); PostgreSQL plans alone.
    func indexedBy(_ index: String) -> String { self == .sqlite ? "INDEXED BY \(index)" : "" }

    /// Rows a concurrent transaction has locked are passed over (PostgreSQL); SQLite has one writer.
    var skipLocked: String { self == .postgresql ? " FOR UPDATE SKIP LOCKED" : "" }

    /// The ids of a JSON array bound to the next `?` (`[1,2,3]`), as rows for `IN (...)`: a
    /// statement of one shape for any number of ids.
    var idList: String { self == .sqlite ? "SELECT value FROM json_each(?)" : "SELECT jsonb_array_elements_text(?::jsonb)::bigint" }

    /// The `[start, end, cut]` triples of a JSON array bound to the next `?`, as rows `(k, s, e, c)`:
    /// `k` is the triple's place in the array, from 0.
    var spans: String {
        self == .sqlite
            ? "SELECT key AS k, json_extract(value, '$[0]') AS s, json_extract(value, '$[1]') AS e, json_extract(value, '$[2]') AS c FROM json_each(?)"
            : "SELECT t.k - 1 AS k, (t.v->>0)::bigint AS s, (t.v->>1)::bigint AS e, (t.v->>2)::bigint AS c FROM jsonb_array_elements(?::jsonb) WITH ORDINALITY AS t(v, k)"
    }

    /// Whether `column` holds the text bound to the next `?`.
    func contains(_ column: String) -> String { self == .sqlite ? "instr(\(column), ?) > 0" : "strpos(\(column), ?) > 0" }
}

/// A Swift value bound to a `?`.
protocol SQLBindable { var sqlValue: SQLValue { get } }

extension Int64: SQLBindable { var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLBindable { var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Bool: SQLBindable { var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension Double: SQLBindable { var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { var sqlValue: SQLValue { .text(self) } }
extension Data: SQLBindable { var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLBindable { var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable { var sqlValue: SQLValue { self?.sqlValue ?? .null } }

/// The arguments of one statement, in the order of its `?` marks.
struct SQLArguments: ExpressibleByArrayLiteral, Sendable {
    var values: [SQLValue]

    init() { values = [] }
    init(_ elements: some Sequence<some SQLBindable>) { values = elements.map(\.sqlValue) }
    init(arrayLiteral elements: (any SQLBindable)?...) { values = elements.map { $0?.sqlValue ?? .null } }

    static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments {
        var out = lhs
        out.values += rhs.values
        return out
    }

    static func += (lhs: inout SQLArguments, rhs: SQLArguments) { lhs.values += rhs.values }
}

/// `?, ?, ?` for `count` arguments.
func questionMarks(count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

/// A value read out of a column.
protocol SQLDecodable { init?(sqlValue: SQLValue) }

extension Int64: SQLDecodable {
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let v): self = v
        case .real(let v) where v.rounded() == v && abs(v) < 9e18: self = Int64(v)
        default: return nil
        }
    }
}
extension Int: SQLDecodable {
    init?(sqlValue: SQLValue) {
        guard let v = Int64(sqlValue: sqlValue) else { return nil }
        self = Int(v)
    }
}
extension Bool: SQLDecodable {
    init?(sqlValue: SQLValue) {
        guard let v = Int64(sqlValue: sqlValue) else { return nil }
        self = v != 0
    }
}
extension Double: SQLDecodable {
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .real(let v): self = v
        case .integer(let v): self = Double(v)
        default: return nil
        }
    }
}
extension String: SQLDecodable {
    init?(sqlValue: SQLValue) {
        guard case .text(let v) = sqlValue else { return nil }
        self = v
    }
}
extension Data: SQLDecodable {
    init?(sqlValue: SQLValue) {
        guard case .blob(let v) = sqlValue else { return nil }
        self = v
    }
}
extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    init?(sqlValue: SQLValue) {
        if case .null = sqlValue {
            self = .none
        } else if let value = Wrapped(sqlValue: sqlValue) {
            self = .some(value)
        } else {
            return nil
        }
    }
}

/// One result row: values by position, and by column name (the first column of a name wins).
struct SQLRow: Sendable {
    /// Column names to positions, shared by every row of one result.
    let names: [String: Int]
    let values: [SQLValue]

    /// The value at `index`. A value that does not fit `T` is a schema error, as GRDB treats it.
    subscript<T: SQLDecodable>(_ index: Int) -> T {
        guard let value = T(sqlValue: values[index]) else {
            preconditionFailure("column \(index) holds \(values[index]), not \(T.self)")
        }
        return value
    }

    subscript<T: SQLDecodable>(_ name: String) -> T {
        guard let index = names[name] else { preconditionFailure("no column \(name) in the result") }
        return self[index]
    }

    /// Column names to positions for `columns`, the first of a repeated name kept.
    static func names(_ columns: [String]) -> [String: Int] {
        var names: [String: Int] = [:]
        for (index, name) in columns.enumerated() where names[name] == nil { names[name] = index }
        return names
    }
}

/// One connection inside one transaction: the only thing a Store method body talks to, so
/// each method is written once for both backends.
protocol SQLConnection {
    var dialect: SQLDialect { get }
    /// Runs one statement; returns how many rows it changed.
    @discardableResult func execute(sql: String, arguments: SQLArguments) throws -> Int
    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]
    /// Runs an `INSERT` of one row into a table whose key is `id`; returns the new row's id.
    func insert(sql: String, arguments: SQLArguments) throws -> Int64
}

extension SQLConnection {
    @discardableResult func execute(sql: String) throws -> Int { try execute(sql: sql, arguments: []) }

    func fetchAll(sql: String) throws -> [SQLRow] { try fetchAll(sql: sql, arguments: []) }

    func fetchOne(sql: String, arguments: SQLArguments = []) throws -> SQLRow? { try fetchAll(sql: sql, arguments: arguments).first }

    /// The first column of every row.
    func fetchAll<T: SQLDecodable>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws -> [T] {
        try fetchAll(sql: sql, arguments: arguments).map { $0[0] }
    }

    /// The first column of the first row; nil when there is no row or it is NULL.
    func fetchOne<T: SQLDecodable>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws -> T? {
        guard let row = try fetchOne(sql: sql, arguments: arguments) else { return nil }
        return row[0] as T?
    }
}
