import AsyncHTTPClient
import Foundation
import Logging
import ProspectConfig
import ProspectStore
import ServiceLifecycle

/// Delivers the outbox: bounded concurrency, a timeout per attempt, exponential backoff with
/// jitter, no retry of permanent failures, and a give-up age. It sleeps until a row is due or
/// the scheduler rings; a slow channel delays only its own rows.
struct OutboxWorker: Service {
    let store: Store
    let config: ConfigBox
    let clock: any WallClock
    let logger: Logger
    let doorbell: Doorbell
    let channels: ChannelKit
    let batch = 64

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let rows = try await store.dueOutbox(now: clock.now, limit: batch)
                    if rows.isEmpty {
                        let wait = try await store.nextOutboxAttempt().map { max(0, $0.timeIntervalSince(clock.now)) }
                        await doorbell.wait(timeout: wait.map { .milliseconds(Int64($0 * 1000) + 10) })
                        continue
                    }
                    await deliver(rows)
                } catch {
                    logger.error("outbox pass failed; retrying in 30 seconds", metadata: ["error": "\(error)"])
                    await doorbell.wait(timeout: .seconds(30))
                }
            }
        }
    }

    func deliver(_ rows: [OutboxRow]) async {
        let (current, templates) = config.snapshot
        let notifiers = channels.notifiers(current)
        let concurrency = current.delivery.concurrency
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for row in rows {
                if running >= concurrency {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask {
                    await attempt(
                        row,
                        notifier: notifiers[row.channel],
                        outgoing: Outgoing.make(row, config: current, templates: templates),
                        settings: current.delivery
                    )
                }
            }
        }
    }

    func attempt(_ row: OutboxRow, notifier: (any Notifier)?, outgoing: Outgoing?, settings: DeliverySettings) async {
        let now = clock.now
        do {
            guard let notifier else {
                throw DeliveryFailure(permanent: true, description: "channel '\(row.channel)' is no longer configured")
            }
            guard let outgoing else {
                throw DeliveryFailure(permanent: true, description: "the stored payload of this delivery cannot be read")
            }
            try await notifier.deliver(outgoing, now: now)
            try await store.markDelivered(id: row.id, now: clock.now)
            logger.info("delivered", metadata: ["id": "\(row.messageID)", "channel": "\(row.channel)", "step": "\(row.step)", "rep": "\(row.rep)"])
        } catch {
            let failure = error as? DeliveryFailure ?? DeliveryFailure(permanent: false, description: "\(error)")
            let next = now.addingTimeInterval(
                Self.backoff(attempt: row.attempts + 1, base: Double(settings.retryBase), cap: Double(settings.retryMax))
            )
            let giveUp = failure.permanent || next.timeIntervalSince(row.createdAt) > Double(settings.giveUpAfter)
            try? await store.markAttemptFailed(id: row.id, error: failure.description, next: giveUp ? nil : next)
            if giveUp {
                logger.error(
                    "delivery failed for good",
                    metadata: ["id": "\(row.messageID)", "channel": "\(row.channel)", "error": "\(failure)"]
                )
            } else {
                logger.warning(
                    "delivery failed; will retry",
                    metadata: ["id": "\(row.messageID)", "channel": "\(row.channel)", "error": "\(failure)", "next": "\(next)"]
                )
            }
        }
    }

    /// Exponential backoff with full jitter in its upper half: base·2^(n-1), capped.
    static func backoff(attempt: Int, base: TimeInterval, cap: TimeInterval) -> TimeInterval {
        let ceiling = min(cap, base * pow(2, Double(min(attempt - 1, 30))))
        return Double.random(in: (ceiling / 2)...ceiling)
    }
}
