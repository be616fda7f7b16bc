import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import ProspectCore

/// A PostgreSQL database behind the Store: a small pool of postgres-nio connections and as many
/// threads, on which a transaction's statements run one after another, as the same Store code
/// runs them on SQLite. Nothing in it waits on Swift's cooperative threads (a connection, a
/// statement, a timeout), so a busy process cannot starve it into a false "unreachable".
final class PostgresBackend: Sendable {
    let location: PostgresLocation
    let threads: NIOThreadPool
    let logger: Logger
    /// For the pool and the leader's own session (``Store/competeForLeadership(failover:retry:changed:)``).
    let password: String?
    /// Whether this instance's decisions are fenced by the leader lock, and by which session.
    let fence = NIOLockedValueBox(Fence.off)
    /// Idle connections, and a slot for each connection that may be open.
    let idle = NIOLockedValueBox([PostgresConnection]())
    let slots = DispatchSemaphore(value: PostgresBackend.connections)

    /// Every write transaction takes this transaction-scoped advisory lock first: writers take
    /// turns, as on SQLite, across every instance on the database. A reader never waits for it.
    static let writerLock: Int64 = 0x7072_6f73_7065_6374  // "prospect"
    /// Held while the schema is migrated, so two instances starting together migrate once.
    static let migrationLock: Int64 = 0x7072_6f73_6d69_6772
    /// How long a transaction waits for a connection before the database counts as unreachable.
    static let connectionWait: TimeInterval = 10
    static let connections = 8

    init(location: PostgresLocation, password: String?, logger: Logger) {
        self.location = location
        self.logger = logger
        self.password = password
        threads = NIOThreadPool(numberOfThreads: Self.connections)
        threads.start()
    }

    /// Closes the pool's connections and stops its threads.
    func shutdown() async {
        for connection in idle.withLockedValue({ idle in
            defer { idle = [] }
            return idle
        }) { try? await connection.close() }
        try? await threads.shutdownGracefully()
    }

    /// A store dropped without ``Store/close()`` still lets go of its connections and threads.
    deinit {
        for connection in idle.withLockedValue({ $0 }) { Self.close(connection) }
        threads.shutdownGracefully { _ in }
    }

    /// Runs `block` in one transaction on one pooled connection: a read sees one snapshot
    /// (REPEATABLE READ, READ ONLY); a write holds ``writerLock`` until it commits.
    func transaction<T: Sendable>(
        readOnly: Bool,
        serialized: Bool = true,
        _ block: @Sendable @escaping (any SQLConnection) throws -> T
    ) async throws -> T {
        try await threads.runIfActive { [self] in
            try withConnection { db in
                try db.execute(sql: readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN")
                do {
                    if !readOnly, serialized { _ = try db.fetchAll(sql: "SELECT pg_advisory_xact_lock(\(Self.writerLock))") }
                    let value = try block(db)
                    try db.execute(sql: "COMMIT")
                    return value
                } catch {
                    _ = try? db.execute(sql: "ROLLBACK")
                    throw error
                }
            }
        }
    }

    /// A pooled connection for `body` on this thread; ``StoreUnavailable`` when none is free
    /// within ``connectionWait`` or none can be made. A connection that failed is closed, not
    /// kept; an idle one the server has closed is replaced.
    func withConnection<T>(_ body: (PostgresSQLConnection) throws -> T) throws -> T {
        guard slots.wait(timeout: .now() + Self.connectionWait) == .success else {
            throw StoreUnavailable(reason: "no connection to the database \(location) came free within \(Int(Self.connectionWait)) s; try again")
        }
        defer { slots.signal() }
        var connection = idle.withLockedValue { $0.popLast() }
        if connection?.isClosed ?? true { connection = try open() }
        let held = connection!
        do {
            let value = try body(PostgresSQLConnection(connection: held, logger: logger, location: location))
            idle.withLockedValue { $0.append(held) }
            return value
        } catch let error as StoreUnavailable {
            // The connection (or the server) failed: it is not handed out again.
            Self.close(held)
            throw error
        } catch {
            // A refused statement leaves the connection sound (its transaction was rolled back).
            if !held.isClosed { idle.withLockedValue { $0.append(held) } }
            throw error
        }
    }

    /// Closes a connection in the background, keeping it alive until it is closed.
    static func close(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// A new connection, made on this (non-event-loop) thread.
    func open() throws -> PostgresConnection {
        do {
            let connection = try Self.connectFuture(location, password: password, logger: logger).wait()
            do {
                // A transaction left waiting (its instance cut off mid-way) is ended by the server,
                // with its locks: it can neither commit later nor hold up the other instances.
                _ = try connection.query("SET idle_in_transaction_session_timeout = '10s'", logger: logger).wait()
            } catch {
                Self.close(connection)
                throw error
            }
            return connection
        } catch let error as PSQLError {
            throw StoreUnavailable(reason: "the database \(location) cannot be used now: \(Self.connectionFailure(error, location: location))")
        }
    }

    /// What a PostgreSQL failure means for the operator; never the query or its values.
    static func reading(_ error: PSQLError, location: PostgresLocation) -> any Error {
        guard let info = error.serverInfo else {
            return StoreUnavailable(reason: "the database \(location) cannot be reached (\(error.code)); see the daemon's log")
        }
        let state = info[.sqlState] ?? ""
        let message = info[.message] ?? "unknown error"
        if state.hasPrefix("08") || state.hasPrefix("57") || state.hasPrefix("53") || state == "25006" {
            return StoreUnavailable(reason: "the database \(location) cannot be used now (\(message)); see the daemon's log")
        }
        return PostgresStatementError(state: state, message: message)
    }

    /// One connection of its own, outside the pool, whose failure says exactly why: the check
    /// at start, the migrations, and the leader's session are made on such connections.
    static func connect(_ location: PostgresLocation, password: String?, logger: Logger) async throws -> PostgresConnection {
        do {
            return try await connectFuture(location, password: password, logger: logger).get()
        } catch let error as PSQLError {
            throw StoreOpenError(path: location.description, reason: connectionFailure(error, location: location))
        }
    }

    static func connectFuture(_ location: PostgresLocation, password: String?, logger: Logger) throws -> EventLoopFuture<PostgresConnection> {
        var configuration = PostgresConnection.Configuration(
            host: location.host,
            port: location.port,
            username: location.user,
            password: password,
            database: location.database,
            tls: .disable
        )
        if location.requireTLS {
            configuration.tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        configuration.options.connectTimeout = .seconds(5)
        return PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger)
    }

    /// Why a connection could not be made, for the one line an operator reads.
    static func connectionFailure(_ error: PSQLError, location: PostgresLocation) -> String {
        if let info = error.serverInfo {
            switch info[.sqlState] ?? "" {
            case "28P01", "28000":
                return
                    "the server refused user \(location.user) (\(info[.message] ?? "authentication failed")); check the user and database_password_file"
            case "3D000":
                return "database \(location.database) does not exist on the server; create it (createdb -O \(location.user) \(location.database))"
            default: return "the server refused the connection: \(info[.message] ?? "unknown error")"
            }
        }
        switch error.code {
        case .authMechanismRequiresPassword: return "the server asks user \(location.user) for a password; set database_password_file"
        case .sslUnsupported: return "the server does not offer TLS, which sslmode=require asks for"
        default:
            let cause = error.underlying.map { "\($0)" } ?? "\(error.code)"
            return "nothing answers at \(location.host):\(location.port) (\(cause)); is PostgreSQL running there, and reachable?"
        }
    }

    /// Checks the server, then applies the migrations this prospectd knows, all in one
    /// transaction: a failure leaves nothing half-migrated.
    /// With `apply` false nothing is written: a schema that is not this prospectd's is refused.
    func migrate(apply: Bool = true) async throws {
        let location = self.location
        let connection = try await Self.connect(location, password: password, logger: logger)
        do {
            try await migrate(on: connection, apply: apply)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    func migrate(on connection: PostgresConnection, apply: Bool) async throws {
        let location = self.location
        let db = PostgresSQLConnection(connection: connection, logger: logger, location: location)
        try await threads.runIfActive {
            let version = try db.fetchOne(String.self, sql: "SHOW server_version_num").flatMap { Int($0) } ?? 0
            guard version >= 150_000 else {
                let shown = "\(version / 10000).\(version % 10000)"
                throw StoreOpenError(path: location.description, reason: "the server is PostgreSQL \(shown); prospectd needs 15 or later")
            }
            if !apply {
                let applied =
                    try db.fetchOne(Int.self, sql: "SELECT count(*) FROM pg_tables WHERE tablename = 'prospect_migration'") == 1
                    ? Set(try db.fetchAll(String.self, sql: "SELECT identifier FROM prospect_migration")) : []
                guard applied == Set(PostgresSchema.migrations.map(\.identifier)) else {
                    throw StoreOpenError(
                        path: location.description,
                        reason: "its schema is not this prospectd's (\(applied.count) of \(PostgresSchema.migrations.count) migrations); "
                            + "start this prospectd's daemon on it first, or use the matching prospectd"
                    )
                }
                return
            }
            try db.execute(sql: "BEGIN")
            do {
                _ = try db.fetchAll(sql: "SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS prospect_migration (identifier TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)")
                let applied = Set(try db.fetchAll(String.self, sql: "SELECT identifier FROM prospect_migration"))
                let known = Set(PostgresSchema.migrations.map(\.identifier))
                if let unknown = applied.subtracting(known).sorted().first {
                    throw StoreOpenError(
                        path: location.description,
                        reason: "it was written by a newer prospectd (migration '\(unknown)'); upgrade prospectd"
                    )
                }
                for migration in PostgresSchema.migrations where !applied.contains(migration.identifier) {
                    for statement in migration.statements { try db.execute(sql: statement) }
                    try db.execute(
                        sql: "INSERT INTO prospect_migration (identifier, applied_at) VALUES (?, ?)",
                        arguments: [migration.identifier, Int64(Date().timeIntervalSince1970)]
                    )
                }
                try db.execute(sql: "COMMIT")
            } catch {
                _ = try? db.execute(sql: "ROLLBACK")
                throw error
            }
        }
    }
}

/// A statement PostgreSQL refused: its SQLSTATE and message, without the query's values.
public struct PostgresStatementError: Error, CustomStringConvertible {
    public var state: String
    public var message: String

    public var description: String { "PostgreSQL refused a statement (\(state)): \(message)" }
}

/// The PostgreSQL side of ``SQLConnection``: each statement waits for its answer on a thread
/// of ``PostgresBackend/threads``, never on an event loop or a task's thread.
struct PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger
    let location: PostgresLocation

    var dialect: SQLDialect { .postgresql }

    @discardableResult func execute(sql: String, arguments: SQLArguments) throws -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let result = try run(sql, arguments)
        guard let first = result.rows.first else { return [] }
        let names = SQLRow.names(first.map(\.columnName))
        return try result.rows.map { row in SQLRow(names: names, values: try row.map(Self.value)) }
    }

    func insert(sql: String, arguments: SQLArguments) throws -> Int64 {
        guard let row = try fetchAll(sql: sql + " RETURNING id", arguments: arguments).first else {
            throw PostgresStatementError(state: "-", message: "an INSERT returned no id")
        }
        return row[0]
    }

    func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        var binds = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: binds.appendNull()
            case .integer(let v): binds.append(v)
            case .real(let v): binds.append(v)
            case .text(let v): binds.append(v)
            case .blob(let v): binds.append(ByteBuffer(bytes: v))
            }
        }
        let query = PostgresQuery(unsafeSQL: Self.numbered(sql), binds: binds)
        do {
            return try connection.query(query, logger: logger).wait()
        } catch let error as PSQLError {
            throw PostgresBackend.reading(error, location: location)
        }
    }

    /// `?` marks as PostgreSQL's `$1, $2, …`, leaving quoted text alone.
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var index = 0
        var quote: Character? = nil
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                out.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                out.append(character)
            } else if character == "?" {
                index += 1
                out += "$\(index)"
            } else {
                out.append(character)
            }
        }
        return out
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard var bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea: return .blob(bytes.readData(length: bytes.readableBytes) ?? Data())
        case .numeric: return .real(NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue)
        default: return .text(try cell.decode(String.self))
        }
    }
}
