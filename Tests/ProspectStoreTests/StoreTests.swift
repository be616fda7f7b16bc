import Foundation
import Logging
import ProspectCore
import ProspectTestSupport
import Testing

@testable import ProspectStore

/// A store on a fresh temporary file, removed afterwards.
func withTemporaryStore(_ body: (Store, String) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prospect-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("test.sqlite").path
    try await body(try Store.open(path: path), path)
}

/// A new, empty store of `backend` (SQLite in memory, or a new database on the tests' PostgreSQL cluster).
func withStore(_ backend: TestBackend, _ body: (Store) async throws -> Void) async throws {
    let store = try await TestDatabase.store(backend)
    do {
        try await body(store)
        await store.close()
    } catch {
        await store.close()
        throw error
    }
}

let now = Date(timeIntervalSince1970: 1_773_057_600)  // 2026-03-09T12:00:00Z

func person(_ handle: String, manager: String? = nil, role: Role = .rep, unix: String? = nil) -> Person {
    Person(
        handle: handle,
        name: handle.capitalized,
        email: "\(handle)@example.com",
        timezone: "UTC",
        manager: manager,
        role: role,
        unixUser: unix
    )
}

func rows(_ people: [Person]) -> [RosterCSV.Row] {
    people.enumerated().map { RosterCSV.Row(line: $0.offset + 2, person: $0.element) }
}

@Suite struct StoreTests {
    @Test func opensInWALModeAndReopensAnExistingFile() async throws {
        try await withTemporaryStore { store, path in
            _ = try await store.addPerson(person("alice"), actor: "test", now: now)
            let mode = try await store.read { db in try db.fetchOne(String.self, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
            let again = try Store.open(path: path)
            #expect(try await again.person(handle: "alice")?.person.name == "Alice")
            #expect(try await again.quickCheck())
        }
    }

    @Test func refusesAFileThatIsNotADatabase() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notadb-\(UUID().uuidString).sqlite").path
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try Store.open(path: path)
        } throws: { error in
            "\(error)" == "database \(path): it is not a SQLite database; move it aside or set [daemon].database to another file"
        }
    }

    @Test(arguments: TestBackend.allCases) func aRetriedLogWithTheSameClientIDRecordsOnce(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let alice = try await addAndFetch(store, person("alice"))
            let first = try await store.logActivity(
                ActivityEntry(
                    rep: alice,
                    kind: "call",
                    note: "Acme",
                    value: nil,
                    occurredAt: now,
                    loggedAt: now,
                    clientID: "client-0001"
                )
            )
            let second = try await store.logActivity(
                ActivityEntry(
                    rep: alice,
                    kind: "call",
                    note: "Acme",
                    value: nil,
                    occurredAt: now,
                    loggedAt: now,
                    clientID: "client-0001"
                )
            )
            #expect(!first.duplicate && second.duplicate && first.activity == second.activity)
            let count = try await store.read { db in try db.fetchOne(Int.self, sql: "SELECT count(*) FROM activity") }
            #expect(count == 1)
        }
    }

    @Test(arguments: TestBackend.allCases) func undoSoftDeletesTheLastLoggedAndAuditsIt(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let alice = try await addAndFetch(store, person("alice"))
            _ = try await store.logActivity(
                ActivityEntry(rep: alice, kind: "call", note: nil, value: nil, occurredAt: now, loggedAt: now, clientID: "aaaaaaaa1")
            )
            _ = try await store.logActivity(
                ActivityEntry(
                    rep: alice,
                    kind: "email",
                    note: nil,
                    value: nil,
                    occurredAt: now.addingTimeInterval(-3600),
                    loggedAt: now.addingTimeInterval(60),
                    clientID: "aaaaaaaa2"
                )
            )
            let undone = try await store.undoLast(rep: alice, actor: "alice", now: now.addingTimeInterval(120))
            #expect(undone?.kind == "email")
            let live = try await store.activities(rep: alice, in: now.addingTimeInterval(-86400)..<now.addingTimeInterval(86400))
            #expect(live.map(\.kind) == ["call"])
            let audit = try await store.read { db in
                try db.fetchAll(String.self, sql: "SELECT actor || '/' || subject FROM audit WHERE action = 'activity.undo'")
            }
            #expect(audit == ["alice/alice"])
            let stillStored = try await store.read { db in
                try db.fetchOne(Int.self, sql: "SELECT count(*) FROM activity WHERE deleted_at IS NOT NULL")
            }
            #expect(stillStored == 1)
        }
    }

    @Test func theDailyCountIsServedByTheCoveringIndex() async throws {
        try await withTemporaryStore { store, _ in
            let plan = try await store.read { db in
                try db.fetchAll(
                    sql: """
                        EXPLAIN QUERY PLAN SELECT count(*) FROM activity
                        WHERE person_id = 1 AND occurred_at >= 0 AND occurred_at < 100 AND deleted_at IS NULL
                          AND kind IN ('call', 'email') AND logged_at <= 50
                        """
                ).map { $0["detail"] as String }.joined(separator: "\n")
            }
            #expect(plan.contains("COVERING INDEX activity_day"), "\(plan)")
        }
    }

    @Test(arguments: TestBackend.allCases) func refusesDuplicatesUnknownManagersAndCycles(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            _ = try await store.addPerson(person("carol", role: .manager), actor: "t", now: now)
            _ = try await store.addPerson(person("alice", manager: "carol", unix: "alice"), actor: "t", now: now)
            await #expect(throws: UserError(.conflict, "handle 'alice' is taken; pick another, or use 'admin rep update'")) {
                _ = try await store.addPerson(person("alice"), actor: "t", now: now)
            }
            await #expect(throws: UserError(.invalid, "manager 'zed' is not on the roster; add them first")) {
                _ = try await store.addPerson(person("bob", manager: "zed"), actor: "t", now: now)
            }
            await #expect(throws: UserError(.conflict, "unix user 'alice' already belongs to 'alice'")) {
                _ = try await store.addPerson(person("bob", unix: "alice"), actor: "t", now: now)
            }
            await #expect(throws: UserError.self) {
                _ = try await store.updatePerson(person("carol", manager: "alice", role: .manager), actor: "t", now: now)
            }
            #expect(try await store.person(handle: "carol")?.person.manager == nil)
            #expect(try await store.reports(of: try await store.person(handle: "carol")!.id) == ["alice"])
        }
    }

    @Test(arguments: TestBackend.allCases) func aRosterImportIsAllOrNothing(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            _ = try await store.addPerson(person("carol", role: .manager), actor: "t", now: now)
            // The second row names a manager nobody knows: nothing at all may be written.
            await #expect(throws: ValidationProblems.self) {
                _ = try await store.importRoster(rows([person("alice", manager: "carol"), person("bob", manager: "nobody")]), actor: "t", now: now)
            }
            #expect(try await store.people().map(\.handle) == ["carol"])
            // A manager further down the file is fine; a re-import changes nothing.
            let imported = rows([person("alice", manager: "dana"), person("dana", role: .manager)])
            let first = try await store.importRoster(imported, actor: "t", now: now)
            #expect(first.created == 2 && first.updated == 0)
            let second = try await store.importRoster(imported, actor: "t", now: now)
            #expect(second.unchanged == 2 && second.created == 0)
            #expect(try await store.person(handle: "alice")?.person.manager == "dana")
        }
    }

    @Test func tokensAreStoredOnlyAsHashesAndDieWhenRevoked() async throws {
        try await withTemporaryStore { store, path in
            _ = try await store.addPerson(person("alice"), actor: "t", now: now)
            let token = try await store.issueToken(handle: "alice", actor: "t", now: now)
            #expect(token.hasPrefix("pd_") && token.count == 46)
            #expect(try await store.person(token: token)?.person.handle == "alice")
            #expect(try await store.person(token: token + "x") == nil)
            let fileBytes = try Data(contentsOf: URL(fileURLWithPath: path)) + (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))).orEmpty
            #expect(fileBytes.range(of: Data(token.utf8)) == nil)
            #expect(try await store.revokeTokens(handle: "alice", actor: "t", now: now) == 1)
            #expect(try await store.person(token: token) == nil)
        }
    }

    @Test(arguments: TestBackend.allCases) func deactivationRevokesTokensAndHidesThePerson(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            _ = try await store.addPerson(person("alice", unix: "alice"), actor: "t", now: now)
            let token = try await store.issueToken(handle: "alice", actor: "t", now: now)
            _ = try await store.deactivate(handle: "alice", actor: "t", now: now)
            #expect(try await store.person(token: token) == nil)
            #expect(try await store.person(unixUser: "alice") == nil)
            #expect(try await store.people().isEmpty)
            #expect(try await store.people(includeInactive: true).count == 1)
        }
    }

    /// Migration v11 rewrites two checks' text in SQLite's schema: they still refuse what they
    /// refused, the file stays whole and opens again, and no list is left for SQLite to index per row.
    @Test func rewrittenChecksStillRefuseUnknownValuesAndTheFileReopens() async throws {
        try await withTemporaryStore { store, path in
            _ = try await store.addPerson(person("ann"), actor: "t", now: now)
            let bad = [
                "INSERT INTO verdict (person_id, date, verdict, decided_at) SELECT id, '2026-03-09', 'maybe', 0 FROM person",
                """
                INSERT INTO outbox (person_id, date, step, channel, recipient_id, type, due_at, payload, message_id, status,
                    next_attempt_at, created_at, queued_at)
                SELECT id, '2026-03-09', 'nudge', 'mail', id, 'reminder', 0, '{}', 'msg_1', 'lost', 0, 0, 0 FROM person
                """,
            ]
            for sql in bad {
                await #expect { _ = try await store.write { db in try db.execute(sql: sql) } } throws: { "\($0)".contains("CHECK constraint failed") }
            }
            let schema = try await store.write { db in
                try db.fetchAll(String.self, sql: "SELECT sql FROM sqlite_master WHERE name IN ('verdict', 'outbox')")
            }
            #expect(schema.count == 2 && schema.allSatisfy { $0.contains("CHECK") && !$0.contains(" IN (") })
            await store.close()
            let again = try Store.open(path: path)
            let inserted = try await again.write { db in
                try db.execute(sql: "INSERT INTO verdict (person_id, date, verdict, decided_at) SELECT id, '2026-03-09', 'met-late', 0 FROM person")
            }
            #expect(inserted == 1)
            #expect(try await again.write { db in try db.fetchAll(String.self, sql: "PRAGMA integrity_check") } == ["ok"])
        }
    }

    /// A commit that leaves the WAL past 1,000 pages has it copied into the database file by
    /// the checkpointer's own connection, not by the writer.
    @Test func theWALIsCheckpointedOffTheWriter() async throws {
        try await withTemporaryStore { store, path in
            let checkpointer = try #require(store.checkpointer)
            func fileSize() -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
            let before = fileSize()
            #expect(checkpointer.checkpoints == 0)
            // Two commits: the first makes the WAL 1,200 pages long and queues the checkpoint.
            _ = try await store.write { db in try db.execute(sql: "CREATE TABLE filler (x BLOB)") }
            _ = try await store.write { db in try db.execute(sql: "INSERT INTO filler SELECT zeroblob(1200 * 4096)") }
            for _ in 0..<500 where checkpointer.checkpoints == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(checkpointer.checkpoints == 1)
            #expect(fileSize() >= before + 1_200 * 4096, "the pages are in the database file")
            // The WAL starts again after a whole checkpoint: a short commit queues nothing.
            _ = try await store.write { db in try db.execute(sql: "INSERT INTO filler VALUES (x'00')") }
            try await Task.sleep(for: .milliseconds(200))
            #expect(checkpointer.checkpoints == 1)
            // A file moved away is not replaced by an empty one.
            let gone = path + ".moved"
            #expect(!Checkpointer.checkpoint(gone))
            #expect(!FileManager.default.fileExists(atPath: gone))
        }
    }

    func addAndFetch(_ store: Store, _ p: Person) async throws -> StoredPerson {
        _ = try await store.addPerson(p, actor: "t", now: now)
        return try await store.person(handle: p.handle)!
    }
}

extension Optional where Wrapped == Data {
    var orEmpty: Data { self ?? Data() }
}

@Suite struct PostgreSQLStoreTests {
    let logger = Logger(label: "test")

    @Test func aURLIsReadOrRefusedInOneLine() {
        let good = PostgresLocation.parse("postgresql://prospect@db.example.com:6543/sales").map(\.description)
        #expect(good == .success("postgresql://prospect@db.example.com:6543/sales"))
        #expect((try? PostgresLocation.parse("postgres://u@h/d").get())?.port == 5432)
        for (url, reason) in [
            ("postgresql://u:secret@h/d", "it holds a password; put the password in database_password_file instead"),
            ("postgresql://h/d", "it names no user; write it as postgresql://USER@HOST[:PORT]/DATABASE"),
            ("postgresql://u@h", "it names no database; write it as postgresql://USER@HOST[:PORT]/DATABASE"),
            ("postgresql://u@h/d?sslmode=allow", "'sslmode=allow' is not understood; only sslmode=disable|require is"),
        ] {
            #expect(throws: DatabaseURLError(reason: reason)) { try PostgresLocation.parse(url).get() }
        }
        // The secret itself never shows in the refusal.
        #expect(!"\(PostgresLocation.parse("postgresql://u:hunter2@h/d"))".contains("hunter2"))
    }

    @Test func aWrongPasswordNobodyListeningAndAMissingDatabaseAreOneClearLineEach() async throws {
        let database = try TestDatabase.make(.postgresql, in: FileManager.default.temporaryDirectory)
        let wrong = FileManager.default.temporaryDirectory.appendingPathComponent("wrong-\(UUID().uuidString)")
        try "not-the-password\n".write(to: wrong, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: wrong) }
        let location = try PostgresLocation.parse(database.database).get()
        await #expect {
            _ = try await Store.open(database: database.database, passwordFile: wrong.path, logger: logger)
        } throws: { error in
            "\(error)".hasPrefix("database \(location): the server refused user prospect (")
                && "\(error)".hasSuffix("check the user and database_password_file")
        }
        let closedPort = "postgresql://prospect@127.0.0.1:1/\(location.database)"
        await #expect {
            _ = try await Store.open(database: closedPort, passwordFile: database.passwordFile, logger: logger)
        } throws: { error in
            "\(error)".contains("nothing answers at 127.0.0.1:1") && "\(error)".contains("is PostgreSQL running there")
        }
        let missing = "postgresql://prospect@\(location.host):\(location.port)/no_such_db"
        await #expect {
            _ = try await Store.open(database: missing, passwordFile: database.passwordFile, logger: logger)
        } throws: { error in
            "\(error)" == "database postgresql://prospect@\(location.host):\(location.port)/no_such_db: "
                + "database no_such_db does not exist on the server; create it (createdb -O prospect no_such_db)"
        }
        await #expect {
            _ = try await Store.open(database: database.database, passwordFile: "/nonexistent/password", logger: logger)
        } throws: { error in "\(error)".contains("database_password_file /nonexistent/password cannot be read") }
    }

    @Test func aSchemaFromANewerProspectdIsRefusedAndLeftAlone() async throws {
        let database = try TestDatabase.make(.postgresql, in: FileManager.default.temporaryDirectory)
        let store = try await Store.open(database: database.database, passwordFile: database.passwordFile, logger: logger)
        _ = try await store.write { db in
            try db.execute(sql: "INSERT INTO prospect_migration (identifier, applied_at) VALUES ('v99-future', 0)")
        }
        await store.close()
        await #expect {
            _ = try await Store.open(database: database.database, passwordFile: database.passwordFile, logger: logger)
        } throws: { error in "\(error)".hasSuffix("it was written by a newer prospectd (migration 'v99-future'); upgrade prospectd") }
    }

    @Test func placeholdersAreNumberedOutsideQuotedText() {
        #expect(
            PostgresSQLConnection.numbered("SELECT ? , '?', \"a?\" WHERE x = ? AND y LIKE '%?%' OR z = ?")
                == "SELECT $1 , '?', \"a?\" WHERE x = $2 AND y LIKE '%?%' OR z = $3"
        )
    }
}

@Suite struct CopyTests {
    /// A manager whose row comes after their reports', more rows than one chunk, and every table's
    /// count verified: SQLite into PostgreSQL and back gives the same roster and history.
    @Test func aDatabaseCopiedIntoPostgreSQLAndBackReadsTheSame() async throws {
        let source = try Store.inMemory()
        _ = try await source.addPerson(person("ann"), actor: "t", now: now)
        _ = try await source.addPerson(person("zoe", role: .manager), actor: "t", now: now)
        _ = try await source.updatePerson(person("ann", manager: "zoe"), actor: "t", now: now)
        let ann = try #require(try await source.person(handle: "ann"))
        for i in 0..<2500 {
            _ = try await source.logActivity(
                ActivityEntry(
                    rep: ann,
                    kind: "call",
                    note: i == 0 ? "first" : nil,
                    value: nil,
                    occurredAt: now.addingTimeInterval(Double(-i)),
                    loggedAt: now,
                    clientID: "copy-\(i)"
                )
            )
        }
        let target = try await TestDatabase.store(.postgresql)
        let copied = try await Store.copy(from: source, to: target)
        #expect(copied.first { $0.table == "activity" }?.rows == 2500)
        #expect(try await target.person(handle: "ann")?.person.manager == "zoe")
        // The copy is refused a second time: the target is not empty any more.
        await #expect(throws: StoreOpenError.self) { _ = try await Store.copy(from: source, to: target) }
        // New rows get ids after the copied ones.
        let added = try await target.logActivity(
            ActivityEntry(
                rep: try #require(try await target.person(handle: "ann")),
                kind: "email",
                note: nil,
                value: nil,
                occurredAt: now,
                loggedAt: now,
                clientID: "after-copy"
            )
        )
        #expect(added.activity.id > 2500)
        let back = try Store.inMemory()
        _ = try await Store.copy(from: target, to: back)
        #expect(try await back.people() == target.people())
        let day = now.addingTimeInterval(-86400)..<now.addingTimeInterval(1)
        #expect(try await back.activities(rep: try #require(try await back.person(handle: "ann")), in: day).count == 2501)
        await target.close()
    }
}
