import Foundation
import Logging
import ProspectConfig
import ProspectCore
import ProspectEngine
import ServiceLifecycle

/// Runs the ladder on wall-clock time through ``LadderDriver``: plans the next due instant
/// across all reps, arms one timer for it, decides what came due (in short transactions of
/// ``Engine/sliceBudget`` each), and wakes the outbox worker.
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
            let cursor = min(max(stored ?? .distantPast, start.addingTimeInterval(-Self.catchUpWindow)), start)
            do {
                let recorded = try await engine.recordMissedVerdicts(config: config.current, now: start)
                if recorded > 0 {
                    logger.notice("recorded the verdicts of days the daemon did not see end", metadata: ["verdicts": "\(recorded)"])
                }
            } catch {
                logger.error("cannot record the verdicts missed while down", metadata: ["error": "\(error)"])
            }
            var wall = Wall(scheduler: self, timer: timer)
            // Without a [[ladder]] the loop still runs: verdicts are recorded at each end of day, and digests go out.
            do {
                try await LadderDriver(engine: engine, horizon: Self.horizon).run(from: cursor, now: start, clock: &wall)
            } catch {
                logger.error("the ladder stopped", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The daemon's side of the driver loop: the configuration and roster as they are now, one
    /// timer for the next instant, woken early by roster and configuration changes.
    struct Wall: LadderClock {
        let scheduler: LadderScheduler
        let timer: WallTimer

        func current() async throws -> (config: Config, roster: EngineRoster, fresh: Bool) {
            let config = scheduler.config.current
            return (config, try await scheduler.engine.roster(config: config, now: scheduler.clock.now), true)
        }

        func wait(until instant: Date) async throws -> Date? {
            // The timer runs on the system's wall clock; the domain clock may be shifted in tests.
            timer.arm(at: Date().addingTimeInterval(instant.timeIntervalSince(scheduler.clock.now)))
            scheduler.logger.debug("next ladder instant", metadata: ["at": "\(instant)"])
            // Planned and armed: whatever the start or the pass touched need not stay resident.
            ResidentMemory.releaseIdlePages()
            await scheduler.replan.wait()
            return Task.isCancelled ? nil : scheduler.clock.now
        }

        func decided(_ decisions: Decisions, in duration: Duration) async {
            Record.ladderPass(duration, deliveries: decisions.deliveries.map(\.type), verdicts: decisions.verdicts.count)
            // One line a pass; a line a verdict (100,000 at a large team's end of day) only at debug.
            scheduler.logger.info(
                "ladder pass",
                metadata: [
                    "deliveries": "\(decisions.deliveries.count)", "verdicts": "\(decisions.verdicts.count)",
                    "milliseconds": "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)",
                ]
            )
            for verdict in decisions.verdicts {
                scheduler.logger.debug(
                    "verdict",
                    metadata: ["rep": "\(verdict.rep)", "day": "\(verdict.date)", "verdict": "\(verdict.verdict.rawValue)"]
                )
            }
            for problem in decisions.unaddressed { scheduler.logger.warning("step not sent: \(problem)") }
            if !decisions.deliveries.isEmpty { scheduler.outbox.ring() }
        }

        func failed(_ error: any Error) async throws {
            scheduler.logger.error("ladder pass failed; retrying in a minute", metadata: ["error": "\(error)"])
        }
    }
}
