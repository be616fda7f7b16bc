import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the WAL back into the database file on a connection and thread of its own, so that
/// the writer never does it inside a commit.
///
/// SQLite's default checkpoints in the commit that takes the WAL past 1,000 pages, on the
/// committing connection: the writer. Profiled, that was a fifth of the CPU of a due step for
/// 100,000 reps, every bit of it time in which the writer took no log. Here the writer's
/// commits only report the WAL's length (SQLite's WAL hook, which also turns its own
/// checkpoints off), and past ``pages`` one passive checkpoint is queued, never two at a time.
/// A passive checkpoint waits for nobody: the writer goes on appending to the WAL meanwhile,
/// and frames a reader still needs stay for the next one. It is driven by commits alone, so an
/// idle daemon has nothing to wake up for.
final class Checkpointer: Sendable {
    /// The WAL's length, in pages, past which a commit queues a checkpoint: SQLite's own default.
    static let pages: Int32 = 1_000

    let path: String
    private let queue = DispatchQueue(label: "prospectd.checkpoint", qos: .utility)
    private let queued = Atomic<Bool>(false)
    private let runs = Atomic<Int>(0)

    init(path: String) { self.path = path }

    /// How many checkpoints have run (tests).
    var checkpoints: Int { runs.load(ordering: .relaxed) }

    /// Installs the WAL hook on `db`, the writer's connection. The hook keeps the checkpointer
    /// (a path and two flags) for as long as the process lives: SQLite cannot say when the
    /// connection is closed, and a hook must never find it gone.
    func watch(_ db: Database) {
        let context = Unmanaged.passRetained(self).toOpaque()
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, _, _, pages in
                guard let context else { return SQLITE_OK }
                Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().committed(walPages: pages)
                return SQLITE_OK
            },
            context
        )
    }

    /// After a commit that left `walPages` pages in the WAL.
    func committed(walPages: Int32) {
        guard walPages >= Self.pages, queued.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        queue.async { [self] in
            defer { queued.store(false, ordering: .releasing) }
            if Self.checkpoint(path) { runs.add(1, ordering: .relaxed) }
        }
    }

    /// One passive checkpoint of the file at `path` on a connection of its own, closed after it
    /// (opening costs far less than copying 1,000 pages), so nothing stays open on the file.
    /// Opened without creating: a file moved away meanwhile is not replaced by an empty one.
    /// A failure (a full disk) leaves the frames in the WAL, where they are safe: the next commit
    /// past the mark tries again.
    static func checkpoint(_ path: String) -> Bool {
        var connection: OpaquePointer?
        defer { sqlite3_close_v2(connection) }
        guard sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
            // A new connection learns the file is in WAL mode only when it first reads it;
            // until then a checkpoint does nothing and says it did.
            sqlite3_exec(connection, "SELECT count(*) FROM sqlite_master", nil, nil, nil) == SQLITE_OK
        else { return false }
        return sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) == SQLITE_OK
    }
}
