import Foundation
import Logging
import ProspectAPI
import ProspectStore
import ServiceLifecycle
import Synchronization

/// This instance's part in planning and deciding: alone on a SQLite file (`single`), or on a
/// shared PostgreSQL database the one `leader` or a `follower`. Every role serves the API and
/// delivers; only `single` and `leader` run the ladder.
final class Leadership: Sendable {
    private let state: Mutex<HealthRole>
    /// Rung whenever the role changes.
    let changed = Doorbell()

    init(_ role: HealthRole) { state = Mutex(role) }

    var role: HealthRole { state.withLock { $0 } }

    var decides: Bool { role != .follower }

    func set(_ role: HealthRole) {
        state.withLock { $0 = role }
        changed.ring()
    }
}

/// Competes for leadership on a shared database (``Store/competeForLeadership(failover:retry:changed:)``)
/// and logs each change. Only on a shared database: on SQLite there is nothing to compete for.
struct LeaderElection: Service {
    let store: Store
    let leadership: Leadership
    let failover: Duration
    let logger: Logger

    func run() async throws {
        let leadership = leadership
        let logger = logger
        await cancelWhenGracefulShutdown {
            await store.competeForLeadership(failover: failover, retry: failover / 3) { leading, why in
                if leading {
                    logger.notice("became the leader: this instance plans and decides the ladder", metadata: ["why": "\(why)"])
                    leadership.set(.leader)
                } else {
                    logger.warning("stepped down: another instance will decide", metadata: ["why": "\(why)"])
                    leadership.set(.follower)
                }
            }
        }
    }
}

/// Runs the ladder only while this instance decides: started on becoming leader (catching up
/// as after downtime), cancelled at once on stepping down.
struct LeaderOnly: Service {
    let scheduler: LadderScheduler
    let leadership: Leadership

    func run() async throws {
        let scheduler = scheduler
        let leadership = leadership
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard leadership.decides else {
                    await leadership.changed.wait()
                    continue
                }
                let ladder = Task { try? await scheduler.run() }
                while leadership.decides, !Task.isCancelled { await leadership.changed.wait() }
                ladder.cancel()
                _ = await ladder.value
            }
        }
    }
}
