import GRDB

extension Store {
    /// Versioned migrations; never edit a shipped one, add the next.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE person (
                        id         INTEGER PRIMARY KEY,
                        handle     TEXT NOT NULL UNIQUE,
                        name       TEXT NOT NULL,
                        email      TEXT NOT NULL,
                        timezone   TEXT NOT NULL DEFAULT '',
                        manager_id INTEGER REFERENCES person(id) ON DELETE RESTRICT,
                        role       TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
                        unix_user  TEXT UNIQUE,
                        workdays   TEXT,
                        calendar   TEXT,
                        active     INTEGER NOT NULL DEFAULT 1,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX person_manager ON person(manager_id);

                    CREATE TABLE activity (
                        id          INTEGER PRIMARY KEY,
                        person_id   INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
                        kind        TEXT NOT NULL,
                        note        TEXT,
                        value       REAL,
                        occurred_at INTEGER NOT NULL,
                        logged_at   INTEGER NOT NULL,
                        client_id   TEXT NOT NULL,
                        deleted_at  INTEGER,
                        UNIQUE (person_id, client_id)
                    );
                    -- The per-day count the ladder runs for each due rep: covering, live rows only.
                    CREATE INDEX activity_day ON activity(person_id, occurred_at, kind, logged_at, deleted_at)
                        WHERE deleted_at IS NULL;
                    CREATE INDEX activity_logged ON activity(person_id, logged_at);

                    CREATE TABLE time_off (
                        id         INTEGER PRIMARY KEY,
                        person_id  INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
                        from_date  TEXT NOT NULL,
                        to_date    TEXT NOT NULL,
                        reason     TEXT,
                        created_at INTEGER NOT NULL,
                        CHECK (from_date <= to_date)
                    );
                    CREATE INDEX time_off_person ON time_off(person_id, to_date);

                    CREATE TABLE token (
                        id         INTEGER PRIMARY KEY,
                        person_id  INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
                        sha256     BLOB NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    CREATE INDEX token_person ON token(person_id);

                    CREATE TABLE audit (
                        id      INTEGER PRIMARY KEY,
                        at      INTEGER NOT NULL,
                        actor   TEXT NOT NULL,
                        action  TEXT NOT NULL,
                        subject TEXT,
                        detail  TEXT
                    );
                    """
            )
        }
        migrator.registerMigration("v2-ladder") { db in
            try db.execute(
                sql: """
                    -- The verdict of each enforced workday, recorded at its end.
                    CREATE TABLE verdict (
                        person_id  INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
                        date       TEXT NOT NULL,
                        verdict    TEXT NOT NULL CHECK (verdict IN ('met', 'missed', 'met-late')),
                        decided_at INTEGER NOT NULL,
                        PRIMARY KEY (person_id, date)
                    ) WITHOUT ROWID;

                    -- Every decided delivery, written in the transaction that decides it.
                    CREATE TABLE outbox (
                        id              INTEGER PRIMARY KEY,
                        person_id       INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
                        date            TEXT NOT NULL,
                        step            TEXT NOT NULL,
                        channel         TEXT NOT NULL,
                        recipient_id    INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
                        type            TEXT NOT NULL,
                        due_at          INTEGER NOT NULL,
                        payload         TEXT NOT NULL,
                        message_id      TEXT NOT NULL UNIQUE,
                        status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
                        attempts        INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        last_error      TEXT,
                        created_at      INTEGER NOT NULL,
                        delivered_at    INTEGER,
                        UNIQUE (person_id, date, step, channel)
                    );
                    CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE status = 'pending';

                    -- Small facts the engine keeps across restarts (the instant it has processed up to).
                    CREATE TABLE engine_state (
                        key   TEXT PRIMARY KEY,
                        value TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v3-channels") { db in
            try db.execute(
                sql: """
                    -- Where a person hears from the chat and push channels.
                    ALTER TABLE person ADD COLUMN slack TEXT;
                    ALTER TABLE person ADD COLUMN ntfy_topic TEXT;
                    """
            )
        }
        migrator.registerMigration("v4-digests") { db in
            try db.execute(
                sql: """
                    -- What a rep reports of their open pipeline (prospect pipeline set).
                    CREATE TABLE pipeline_snapshot (
                        id         INTEGER PRIMARY KEY,
                        person_id  INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
                        at         INTEGER NOT NULL,
                        open_deals INTEGER NOT NULL CHECK (open_deals >= 0),
                        value      REAL NOT NULL CHECK (value >= 0)
                    );
                    CREATE INDEX pipeline_snapshot_person ON pipeline_snapshot(person_id, at);

                    -- A manager took stock of their team on their local date (prospect team --ack).
                    CREATE TABLE acknowledgement (
                        person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
                        date      TEXT NOT NULL,
                        at        INTEGER NOT NULL,
                        PRIMARY KEY (person_id, date)
                    ) WITHOUT ROWID;

                    -- Finding the last sales-trap alarm of a rep.
                    CREATE INDEX outbox_step ON outbox(person_id, step, date);
                    """
            )
        }
        migrator.registerMigration("v5-outbox-subjects") { db in
            // Digests and alarms get keys no ladder step name can take (names cannot hold ':').
            try db.execute(
                sql: """
                    UPDATE outbox SET step = 'digest:' || step WHERE type = 'digest' AND step NOT LIKE 'digest:%';
                    UPDATE outbox SET step = 'alarm:sales-trap' WHERE step = 'sales-trap' AND payload LIKE '%"summary"%';
                    """
            )
        }
        migrator.registerMigration("v6-outbox-admin") { db in
            // An admin may cancel a row or queue it again (a CHECK cannot be altered in SQLite:
            // the table is rebuilt, ids and message ids kept), and every attempt is kept with its error.
            try db.execute(
                sql: """
                    CREATE TABLE outbox_new (
                        id              INTEGER PRIMARY KEY,
                        person_id       INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
                        date            TEXT NOT NULL,
                        step            TEXT NOT NULL,
                        channel         TEXT NOT NULL,
                        recipient_id    INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
                        type            TEXT NOT NULL,
                        due_at          INTEGER NOT NULL,
                        payload         TEXT NOT NULL,
                        message_id      TEXT NOT NULL UNIQUE,
                        status          TEXT NOT NULL DEFAULT 'pending'
                                        CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
                        attempts        INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        last_error      TEXT,
                        created_at      INTEGER NOT NULL,
                        delivered_at    INTEGER,
                        -- When it was last queued (decided, or retried by an admin): giving up counts from here.
                        queued_at       INTEGER NOT NULL,
                        UNIQUE (person_id, date, step, channel)
                    );
                    INSERT INTO outbox_new SELECT id, person_id, date, step, channel, recipient_id, type, due_at, payload,
                        message_id, status, attempts, next_attempt_at, last_error, created_at, delivered_at, created_at FROM outbox;
                    DROP TABLE outbox;
                    ALTER TABLE outbox_new RENAME TO outbox;
                    CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE status = 'pending';
                    CREATE INDEX outbox_step ON outbox(person_id, step, date);
                    CREATE INDEX outbox_status ON outbox(status, created_at);

                    CREATE TABLE outbox_attempt (
                        id        INTEGER PRIMARY KEY,
                        outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
                        at        INTEGER NOT NULL,
                        error     TEXT
                    );
                    CREATE INDEX outbox_attempt_row ON outbox_attempt(outbox_id, id);
                    """
            )
        }
        migrator.registerMigration("v7-sources") { db in
            try db.execute(
                sql: """
                    -- Systems that push activities in (a CRM's webhook), each with one live token, kept as SHA-256.
                    CREATE TABLE source (
                        id         INTEGER PRIMARY KEY,
                        name       TEXT NOT NULL UNIQUE,
                        sha256     BLOB NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    -- The activity each (source, its own id) became: a repeated push adds nothing.
                    CREATE TABLE source_activity (
                        source_id   INTEGER NOT NULL REFERENCES source(id) ON DELETE RESTRICT,
                        external_id TEXT NOT NULL,
                        activity_id INTEGER NOT NULL REFERENCES activity(id) ON DELETE RESTRICT,
                        PRIMARY KEY (source_id, external_id)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v8-links") { db in
            try db.execute(
                sql: """
                    -- The key one-tap links are signed with (HMAC-SHA256): made at first start, replaced by
                    -- 'prospect admin links rotate'. Links themselves are never stored.
                    CREATE TABLE link_key (
                        id         INTEGER PRIMARY KEY CHECK (id = 1),
                        secret     BLOB NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v9-outbox-claims") { db in
            // A row being attempted is claimed by one instance until then: another takes it only after.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN claimed_until INTEGER")
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN claimed_by TEXT")
        }
        migrator.registerMigration("v10-outbox-lean") { db in
            // The unique key (person_id, date, step, channel) answers what this index did: one
            // index fewer to write for each of a due step's outbox rows.
            try db.execute(sql: "DROP INDEX outbox_step")
        }
        migrator.registerMigration("v11-checks-without-lists") { db in
            // SQLite checks `x IN ('a', 'b', 'c')` by building a temporary index of the list for
            // every row it writes (3 us a row, measured: three times the rest of the insert), and
            // a due step writes a verdict and outbox rows for every rep. The same checks as
            // comparisons joined by OR cost nothing. Only the checks' text changes, which SQLite
            // stores in its schema and reads when it compiles a statement; no row is rewritten,
            // so the rewrite is its documented way to change a constraint in place
            // (https://sqlite.org/lang_altertable.html#otheralter).
            let rewrites = [
                (
                    "verdict", "CHECK (verdict IN ('met', 'missed', 'met-late'))",
                    "CHECK (verdict = 'met' OR verdict = 'missed' OR verdict = 'met-late')"
                ),
                (
                    "outbox", "CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled'))",
                    "CHECK (status = 'pending' OR status = 'delivered' OR status = 'failed' OR status = 'cancelled')"
                ),
            ]
            let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
            try db.execute(sql: "PRAGMA writable_schema = ON")
            for (table, list, comparisons) in rewrites {
                try db.execute(
                    sql: "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ? AND instr(sql, ?) > 0",
                    arguments: [list, comparisons, table, list]
                )
                guard db.changesCount == 1 else {
                    throw DatabaseError(message: "migration v11: the \(table) table's check is not the one v1 or v6 created")
                }
            }
            try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
            try db.execute(sql: "PRAGMA writable_schema = OFF")
            // No integrity check of the whole file (minutes on a year's outbox, at the first
            // start of the new version): no row changed. The new texts are constants, which
            // StoreTests opens, writes and reopens.
        }
        return migrator
    }
}
