import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ProspectCore

/// Leadership among several prospectd on one PostgreSQL database, held in PostgreSQL itself: a
/// session-level advisory lock on a connection of the leader's own. The server lets go of it the
/// moment that session ends (the process died, its connection was closed), and ends a session
/// that stops talking (`idle_session_timeout`), so a cut-off leader loses it too.
extension Store {
    /// The advisory lock whose holder leads.
    static let leaderLock: Int64 = 0x7072_6f73_6c65_6164

    /// Whether several instances may share this database (PostgreSQL), so one must lead.
    public var isShared: Bool {
        if case .postgresql = backend { return true }
        return false
    }

    /// Competes for leadership until cancelled: tries every `retry`, and while leading checks its
    /// session every second, answered within `failover / 3` or given up. `changed` is called
    /// with true on becoming leader and false on stepping down (at once when the database is lost).
    public func competeForLeadership(failover: Duration, retry: Duration, changed: @Sendable @escaping (Bool, String) async -> Void) async {
        guard case .postgresql(let postgres) = backend else { return }
        // From now on decisions need the lock.
        postgres.fence.withLockedValue { $0 = .lost }
        var leading = false
        while !Task.isCancelled {
            var session: PostgresConnection? = nil
            do {
                let connection = try await PostgresBackend.connect(postgres.location, password: postgres.password, logger: postgres.logger)
                session = connection
                let db = PostgresSQLConnection(connection: connection, logger: postgres.logger, location: postgres.location)
                let idle = max(2, Int(failover.components.seconds) / 2)
                let pid = try await postgres.threads.runIfActive { () throws -> Int64 in
                    // A session that stops talking is ended by the server, and with it the lock.
                    try db.execute(sql: "SET idle_session_timeout = '\(idle)s'")
                    return try db.fetchOne(Int64.self, sql: "SELECT pg_backend_pid()") ?? 0
                }
                while !Task.isCancelled {
                    if !leading {
                        let got = try await postgres.threads.runIfActive {
                            try db.fetchOne(Bool.self, sql: "SELECT pg_try_advisory_lock(\(Self.leaderLock))") ?? false
                        }
                        if got {
                            leading = true
                            postgres.fence.withLockedValue { $0 = .held(pid) }
                            await changed(true, "took the leader lock")
                        } else {
                            try await Task.sleep(for: retry)
                            continue
                        }
                    }
                    try await Task.sleep(for: .seconds(1))
                    try await Self.answers(connection, within: failover / 3, logger: postgres.logger)
                }
            } catch {
                // Stopping is not losing the database: the end of the loop says so.
                if Task.isCancelled {
                    if let session { try? await session.close() }
                    break
                }
                if leading {
                    leading = false
                    postgres.fence.withLockedValue { $0 = .lost }
                    await changed(false, "lost its database session (\(error))")
                }
                if let session { try? await session.close() }
                session = nil
                try? await Task.sleep(for: retry)
                continue
            }
            if let session { try? await session.close() }
        }
        if leading {
            postgres.fence.withLockedValue { $0 = .lost }
            await changed(false, "is stopping")
        }
    }

    /// Whether the session answers `SELECT 1` within `limit`. A cut-off connection never
    /// answers: the wait ends at the limit and leaves the query behind (nothing awaits it).
    static func answers(_ connection: PostgresConnection, within limit: Duration, logger: Logger) async throws {
        let eventLoop = connection.eventLoop
        let promise = eventLoop.makePromise(of: Void.self)
        let settled = NIOLockedValueBox(false)
        let settle: @Sendable (Result<Void, any Error>) -> Void = { result in
            if settled.withLockedValue({ was in
                defer { was = true }
                return !was
            }) {
                promise.completeWith(result)
            }
        }
        connection.query("SELECT 1", logger: logger).whenComplete { result in settle(result.map { _ in () }) }
        let timer = eventLoop.scheduleTask(
            in: .nanoseconds(Int64(limit.components.seconds) * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000)
        ) {
            settle(.failure(StoreUnavailable(reason: "the database did not answer within \(limit)")))
        }
        defer { timer.cancel() }
        try await promise.futureResult.get()
    }
}

/// A deposed leader's decisions are refused: ``Store/decide(_:_:)`` on PostgreSQL checks, in its
/// own transaction, that this instance's leader session still holds the lock.
public struct NotLeading: Error, CustomStringConvertible {
    public var description: String { "this instance no longer leads; another instance decides" }
}

extension Store {
    /// Checks, inside a write transaction, that the leader lock is held by this instance's session.
    static func checkFence(_ db: any SQLConnection, _ fence: Fence) throws {
        let pid: Int64
        switch fence {
        case .off: return
        case .lost: throw NotLeading()
        case .held(let held): pid = held
        }
        let held = try db.fetchOne(
            Int.self,
            sql: """
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = ?
                  AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = ?
                """,
            arguments: [pid, leaderLock]
        )
        guard held == 1 else { throw NotLeading() }
    }
}

/// Whether decisions on a shared database need the leader lock, and which session holds it.
enum Fence: Sendable {
    /// One instance alone (SQLite, tests): no lock needed.
    case off
    /// This instance leads through the session of this server process id.
    case held(Int64)
    /// This instance competes for leadership and does not hold it.
    case lost
}
