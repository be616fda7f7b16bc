import Foundation
import Logging
import ProspectConfig
import ProspectCore
import ProspectEngine
import ServiceLifecycle

/// Runs the ladder on wall-clock time: plans the next due instant across all reps, arms one
/// timer for it, decides what came due in one transaction, and wakes the outbox worker.
struct LadderScheduler: Service {
    let engine: Engine
    let config: ConfigBox
    let clock: any WallClock
    let logger: Logger
    /// Rung on roster, time-off and configuration changes, and by the timer.
    let replan: Doorbell
    /// Rung when new outbox rows are written.
    let outbox: Doorbell

    /// How far back a restart catches up.
    static let catchUpWindow: TimeInterval = 24 * 3600
    /// How far ahead one plan looks; past it the scheduler simply plans again.
    static let horizon: TimeInterval = 48 * 3600

    func run() async throws {
        let replan = replan
        let timer = WallTimer { replan.ring() }
        defer { timer.disarm() }
        await cancelWhenGracefulShutdown {
            let start = clock.now
            var stored: Date? = nil
            do {
                stored = try await engine.cursor()
            } catch {
                logger.error("cannot read where the ladder stopped; catching up on the last 24 hours", metadata: ["error": "\(error)"])
            }
            // A restart catches up on at most the last 24 hours; a clock set back never repeats a decision.
            var cursor = max(stored ?? .distantPast, start.addingTimeInterval(-Self.catchUpWindow))
            cursor = min(cursor, start)
            do {
                let recorded = try await engine.recordMissedVerdicts(config: config.current, now: start)
                if recorded > 0 {
                    logger.notice("recorded the verdicts of days the daemon did not see end", metadata: ["verdicts": "\(recorded)"])
                }
            } catch {
                logger.error("cannot record the verdicts missed while down", metadata: ["error": "\(error)"])
            }
            while !Task.isCancelled {
                do {
                    cursor = try await pass(after: cursor, timer: timer)
                } catch {
                    logger.error("ladder pass failed; retrying in a minute", metadata: ["error": "\(error)"])
                    timer.arm(at: Date().addingTimeInterval(60))
                }
                await replan.wait()
            }
        }
    }

    /// Decides everything due in (cursor, now], arms the timer for what comes next, and returns the new cursor.
    func pass(after cursor: Date, timer: WallTimer) async throws -> Date {
        let now = clock.now
        let config = config.current
        // Without a [[ladder]] the pass still runs: verdicts are recorded at each end of day, and
        // digests go out.
        let roster = try await engine.roster(config: config, now: now)
        var newCursor = cursor
        if now > cursor {
            // Instants are whole minutes: the millisecond nudge keeps the boundary half-open on the left.
            let due = Engine.events(roster: roster, config: config, in: cursor.addingTimeInterval(0.001)..<now.addingTimeInterval(0.001))
            if !due.isEmpty {
                let decisions = try await engine.process(due, roster: roster, config: config, now: now)
                for verdict in decisions.verdicts {
                    logger.info("verdict", metadata: ["rep": "\(verdict.rep)", "day": "\(verdict.date)", "verdict": "\(verdict.verdict.rawValue)"])
                }
                for problem in decisions.unaddressed { logger.warning("step not sent: \(problem)") }
                if !decisions.deliveries.isEmpty { outbox.ring() }
            }
            newCursor = now
        }
        let upcoming = Engine.events(
            roster: roster,
            config: config,
            in: now.addingTimeInterval(0.001)..<now.addingTimeInterval(Self.horizon)
        )
        let next = upcoming.first?.instant ?? now.addingTimeInterval(Self.horizon)
        // The timer runs on the system's wall clock; the domain clock may be shifted in tests.
        timer.arm(at: Date().addingTimeInterval(next.timeIntervalSince(now)))
        logger.debug("next ladder instant", metadata: ["at": "\(next)"])
        return newCursor
    }
}
