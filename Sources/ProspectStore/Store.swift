import Foundation
import GRDB
import Logging
import ProspectCore

/// The prospectd database: one `DatabaseWriter` and its migrations. Every write is one transaction.
public struct Store: Sendable {
    /// Where the rows live: a SQLite file (the embedded default) or a PostgreSQL database.
    enum Backend: Sendable {
        case sqlite(any DatabaseWriter)
        case postgresql(PostgresBackend)
    }

    let backend: Backend
    /// The file's device and inode when it was opened: a write first checks it is still there.
    var file: (path: String, device: UInt64, inode: UInt64)? = nil
    /// Logs that arrive while a transaction is under way, committed together in the next.
    let batch = WriteBatch()
    /// Checkpoints a SQLite file's WAL off the writer; nil in memory and on PostgreSQL.
    var checkpointer: Checkpointer? = nil

    /// Opens (or creates) the database file, in WAL mode, and migrates it.
    public static func open(path: String) throws -> Store {
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.foreignKeysEnabled = true
        let checkpointer = Checkpointer(path: path)
        config.prepareDatabase { db in
            // Readers never commit: only the writer's commits report the WAL's length.
            if !db.configuration.readonly { checkpointer.watch(db) }
            // Each commit reaches the disk before it is acknowledged: a rep told "Logged" keeps the
            // activity through a power cut, not only through a crash of the daemon (WAL with
            // NORMAL would lose the last commits then). Measured at about 0.1 ms a commit here.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Deleted and overwritten content is zeroed, so an erased person leaves no trace in free space.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            var store = Store(backend: .sqlite(pool))
            store.checkpointer = checkpointer
            try store.migrate()
            var info = stat()
            if stat(path, &info) == 0 { store.file = (path, UInt64(info.st_dev), UInt64(info.st_ino)) }
            return store
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreOpenError(path: path, reason: "it is not a SQLite database; move it aside or set [daemon].database to another file")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN {
            throw StoreOpenError(path: path, reason: "it cannot be opened or created; check that its folder exists and is writable")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_PERM {
            throw StoreOpenError(path: path, reason: "it is read-only; make it writable for the daemon's user")
        } catch let error as DatabaseError {
            // A full disk at the first start fails the migration's COMMIT: say so, not "SQLite error 13".
            if let unavailable = StoreUnavailable(error) { throw StoreOpenError(path: path, reason: unavailable.reason) }
            throw StoreOpenError(path: path, reason: "\(error)")
        } catch let error as StoreOpenError {
            throw error
        } catch {
            throw StoreOpenError(path: path, reason: "\(error)")
        }
    }

    /// Opens the database `[daemon] database` names: a SQLite file path, or a PostgreSQL URL
    /// whose password is in `passwordFile`. Either is migrated before it is returned.
    public static func open(database: String, passwordFile: String?, logger: Logger, migrate: Bool = true) async throws -> Store {
        guard PostgresLocation.isURL(database) else { return try open(path: database) }
        let location: PostgresLocation
        switch PostgresLocation.parse(database) {
        case .success(let parsed): location = parsed
        case .failure(let error): throw StoreOpenError(path: "[daemon].database", reason: error.reason)
        }
        var password: String? = nil
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw StoreOpenError(
                    path: location.description,
                    reason: "database_password_file \(passwordFile) cannot be read; check that it exists and the daemon's user may read it"
                )
            }
            password = String(text.trimmingCharacters(in: .newlines))
        }
        let backend = PostgresBackend(location: location, password: password, logger: logger)
        do {
            try await backend.migrate(apply: migrate)
        } catch {
            await backend.shutdown()
            if let error = error as? StoreOpenError { throw error }
            throw StoreOpenError(path: location.description, reason: "\(error)")
        }
        return Store(backend: .postgresql(backend))
    }

    /// Lets go of the database's connections (PostgreSQL's pool; SQLite closes with the process).
    public func close() async {
        if case .postgresql(let backend) = backend { await backend.shutdown() }
    }

    /// An in-memory database for unit tests.
    public static func inMemory() throws -> Store {
        let store = Store(backend: .sqlite(try DatabaseQueue()))
        try store.migrate()
        return store
    }

    /// The SQLite connection, for what only SQLite does (backups, checkpoints); nil on PostgreSQL.
    var sqliteWriter: (any DatabaseWriter)? {
        if case .sqlite(let writer) = backend { return writer }
        return nil
    }

    /// Which backend this is, as `/v1/health` names it.
    public var backendName: String {
        switch backend {
        case .sqlite: "sqlite"
        case .postgresql: "postgresql"
        }
    }

    func migrate() throws {
        guard let writer = sqliteWriter else { return }
        // A database written by a newer prospectd has migrations this one does not know.
        let known = Set(Self.migrator.migrations)
        let applied = try writer.read { db in
            try db.tableExists("grdb_migrations") ? Self.migrator.appliedIdentifiers(db) : []
        }
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw StoreOpenError(
                path: writer.path,
                reason: "it was written by a newer prospectd (migration '\(unknown)'); upgrade prospectd"
            )
        }
        try Self.migrator.migrate(writer)
    }

    /// Runs a read-only block. Internal: everything above the Store asks by intent.
    func read<T: Sendable>(_ block: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await read(on: .queue, block)
    }

    /// Runs a read-only block of a few indexed rows (a person by handle or token, one rep's time
    /// off or day counts) where the caller runs, as every request's lookups are. On SQLite an
    /// async read hops to a reader's queue and back, and wraps itself in BEGIN and COMMIT: for a
    /// pushed activity's three lookups at 8 clients that cost about 250 µs of CPU (880 against
    /// 620 µs a request, alternated runs), against microseconds for the reads themselves. A
    /// blocking read in WAL mode waits for no writer, and for a reader connection only while all
    /// are busy with reads that finish on their own queues. Scans (reports, digests, exports)
    /// keep ``read(_:)``, so no caller's thread is held for long.
    ///
    /// A block of one statement needs no transaction: the statement reads one snapshot. A block
    /// of several that must agree passes `snapshot: true`. On PostgreSQL this is ``read(_:)``.
    func lookup<T: Sendable>(snapshot: Bool = false, _ block: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await read(on: snapshot ? .callerInTransaction : .callerPerStatement, block)
    }

    /// Where a read runs: on a reader's queue (``read(_:)``), or on the caller's thread, in one
    /// transaction or as single statements (``lookup(snapshot:_:)``).
    private enum ReadPlace {
        case queue, callerInTransaction, callerPerStatement
    }

    private func read<T: Sendable>(on place: ReadPlace, _ block: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let writer):
            do {
                switch place {
                case .queue: return try await writer.read { db in try block(SQLiteConnection(db: db)) }
                case .callerInTransaction: return try Self.blockingRead(writer, transaction: true, block)
                case .callerPerStatement: return try Self.blockingRead(writer, transaction: false, block)
                }
            } catch let error as DatabaseError {
                throw StoreUnavailable(error) ?? error
            }
        case .postgresql(let postgres):
            return try await postgres.transaction(readOnly: true, block)
        }
    }

    /// GRDB's synchronous reads, which an async caller can name only from a synchronous function.
    private static func blockingRead<T>(
        _ writer: any DatabaseWriter,
        transaction: Bool,
        _ block: (any SQLConnection) throws -> T
    ) throws -> T {
        if transaction { return try writer.read { db in try block(SQLiteConnection(db: db)) } }
        return try writer.unsafeRead { db in try block(SQLiteConnection(db: db)) }
    }

    /// Runs a block in one write transaction. Internal, like ``read(_:)``.
    /// `serialized: false` lets a PostgreSQL transaction run beside other writers (one statement
    /// whose rows are locked one by one, like a claim); on SQLite every write is serialized.
    ///
    /// `durable: false` commits without waiting for the disk (SQLite's `synchronous = NORMAL`,
    /// PostgreSQL's `synchronous_commit = off`): for a due step's slices but its last. The log is
    /// written in order, so the next durable commit (the step's last slice, a rep's log, the
    /// outbox worker's claim before it sends anything) makes it durable too; a power cut before
    /// then loses only decisions nothing has acted on, and the pass, whose cursor moves with the
    /// last slice, decides them again.
    func write<T: Sendable>(
        serialized: Bool = true,
        durable: Bool = true,
        _ block: @Sendable @escaping (any SQLConnection) throws -> T
    ) async throws -> T {
        if let file {
            var info = stat()
            if stat(file.path, &info) != 0 || UInt64(info.st_dev) != file.device || UInt64(info.st_ino) != file.inode {
                throw StoreUnavailable(
                    reason: "the database file \(file.path) was deleted or replaced while prospectd was running; "
                        + "put it back (or move the new one aside) and restart prospectd"
                )
            }
        }
        switch backend {
        case .sqlite(let writer):
            do {
                if durable { return try await writer.write { db in try block(SQLiteConnection(db: db)) } }
                return try await writer.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA synchronous = NORMAL")
                    defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
                    var value: T? = nil
                    try db.inTransaction(.immediate) {
                        value = try block(SQLiteConnection(db: db))
                        return .commit
                    }
                    return value!
                }
            } catch let error as DatabaseError {
                throw StoreUnavailable(error) ?? error
            }
        case .postgresql(let postgres):
            if durable { return try await postgres.transaction(readOnly: false, serialized: serialized, block) }
            return try await postgres.transaction(readOnly: false, serialized: serialized) { db in
                try db.execute(sql: "SET LOCAL synchronous_commit = off", arguments: [])
                return try block(db)
            }
        }
    }

    /// Checks the database is still sound: SQLite's `PRAGMA quick_check`; a PostgreSQL server answers.
    public func quickCheck() async throws -> Bool {
        switch backend {
        case .sqlite(let writer): try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") == "ok" }
        case .postgresql: try await read { db in try db.fetchOne(Int.self, sql: "SELECT 1") == 1 }
        }
    }
}

/// The database cannot be used right now (disk full, read-only, I/O error, deleted): the
/// operator has to act. Each request says so; the daemon keeps running and recovers once fixed.
public struct StoreUnavailable: Error, CustomStringConvertible {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    /// The operator-facing reading of an SQLite failure, or nil when it is not about the file.
    init?(_ error: DatabaseError) {
        switch error.resultCode {
        case .SQLITE_FULL: reason = "the disk holding the database is full; free space on the server and try again"
        case .SQLITE_READONLY, .SQLITE_PERM:
            reason = "the database cannot be written (read-only file system or permissions); the operator must make it writable"
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: reason = "the database cannot be read or written (I/O error); see the daemon's log"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: reason = "the database file is damaged; restore it from a backup"
        case .SQLITE_BUSY, .SQLITE_LOCKED: reason = "the database is busy; try again in a moment"
        default: return nil
        }
    }

    public var description: String { reason }
}

/// The database could not be opened for use.
public struct StoreOpenError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "database \(path): \(reason)" }
}

extension Store {
    /// A private in-memory copy of `database`, a SQLite file or a PostgreSQL URL, which is only
    /// read (its schema must be current; it is never migrated): `simulate` runs the engine on it.
    public static func inMemoryCopy(ofDatabase database: String, passwordFile: String?, logger: Logger) async throws -> Store {
        guard PostgresLocation.isURL(database) else { return try inMemoryCopy(of: database) }
        let source = try await open(database: database, passwordFile: passwordFile, logger: logger, migrate: false)
        do {
            let copy = try inMemory()
            _ = try await Store.copy(from: source, to: copy)
            await source.close()
            return copy
        } catch {
            await source.close()
            throw error
        }
    }

    /// A private in-memory copy of the database at `path`, which is opened read-only and left
    /// untouched: `simulate` runs the real engine on it.
    public static func inMemoryCopy(of path: String) throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreOpenError(path: path, reason: "it does not exist; pass the daemon's database with --db")
        }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let source = try DatabaseQueue(path: path, configuration: configuration)
            let copy = try DatabaseQueue()
            try source.backup(to: copy)
            let store = Store(backend: .sqlite(copy))
            try store.migrate()
            return store
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreOpenError(path: path, reason: "it is not a SQLite database; pass the daemon's database with --db")
        } catch let error as StoreOpenError {
            throw error
        } catch {
            throw StoreOpenError(path: path, reason: "it cannot be read: \(error)")
        }
    }
}

extension Store {
    /// Opens an existing database for reading only (`check-config` looks at the roster this way).
    public static func openReadOnly(path: String) throws -> Store {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            return Store(backend: .sqlite(try DatabaseQueue(path: path, configuration: configuration)))
        } catch {
            throw StoreOpenError(path: path, reason: "it cannot be read: \(error)")
        }
    }
}

extension Store {
    /// After an erasure: SQLite keeps old pages in the WAL until it is checkpointed and cut back,
    /// and free pages from before `secure_delete` was on (an older prospectd) can hold them too.
    func compactAfterErasure() async throws {
        guard let writer = sqliteWriter else { return }
        try await writer.writeWithoutTransaction { db in
            if try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0 > 0 { try db.execute(sql: "VACUUM") }
            _ = try db.checkpoint(.truncate)
        }
    }
}
