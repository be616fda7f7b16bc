import AsyncHTTPClient
import Foundation
import Logging
import ProspectConfig
import ProspectStore
import ServiceLifecycle
import Synchronization

/// Delivers the outbox: a timeout per attempt, exponential backoff with jitter, no retry of
/// permanent failures, and a give-up age. Each channel is a lane of its own with
/// `[delivery] concurrency` attempts at a time: a slow or hung channel fills only its own lane,
/// and the others go on. It sleeps until a row is due, an attempt ends, or the scheduler rings.
struct OutboxWorker: Service {
    let store: Store
    let config: ConfigBox
    let clock: any WallClock
    let logger: Logger
    let doorbell: Doorbell
    let channels: ChannelKit
    /// This instance's name on the rows it claims.
    let instance: String
    let batch = 64
    /// How long a claim lasts unless renewed; the claims of rows under way are renewed every
    /// third of it. A row whose deliverer died is attempted again once it has passed.
    static let lease: TimeInterval = 60

    /// The attempts under way: row ids by channel.
    final class Lanes: Sendable {
        private let state = Mutex([String: Set<Int64>]())

        var busy: Set<Int64> { state.withLock { $0.values.reduce(into: Set()) { $0.formUnion($1) } } }

        func full(limit: Int) -> Set<String> { state.withLock { Set($0.filter { $0.value.count >= limit }.keys) } }

        /// Takes a place in the row's lane, or says there is none.
        func enter(_ row: OutboxRow, limit: Int) -> Bool {
            state.withLock { lanes in
                guard lanes[row.channel, default: []].count < limit else { return false }
                return lanes[row.channel, default: []].insert(row.id).inserted
            }
        }

        func leave(_ row: OutboxRow) { state.withLock { _ = $0[row.channel]?.remove(row.id) } }
    }

    func run() async throws {
        let lanes = Lanes()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                var renewed = ContinuousClock.now
                while !Task.isCancelled {
                    do {
                        let (current, templates) = config.snapshot
                        let limit = current.delivery.concurrency
                        let rows = try await store.claimDueOutbox(
                            now: clock.now,
                            limit: batch,
                            lease: Self.lease,
                            instance: instance,
                            excluding: lanes.busy,
                            channels: lanes.full(limit: limit)
                        )
                        let notifiers = channels.notifiers(current)
                        let links = rows.isEmpty ? nil : try await LogLinks.current(current, store: store, now: clock.now)
                        var started = 0
                        var unstarted = Set<Int64>()
                        for row in rows {
                            guard lanes.enter(row, limit: limit) else {
                                unstarted.insert(row.id)
                                continue
                            }
                            started += 1
                            group.addTask {
                                await attempt(
                                    row,
                                    notifier: notifiers[row.channel],
                                    outgoing: Outgoing.make(row, config: current, templates: templates, links: links),
                                    settings: current.delivery
                                )
                                lanes.leave(row)
                                doorbell.ring()
                            }
                        }
                        // Claimed but no room in their lane: free for the next pass, here or elsewhere.
                        try await store.releaseOutboxClaims(of: instance, ids: unstarted)
                        // The attempts under way keep their rows, however long new ones keep coming.
                        let busy = lanes.busy
                        if !busy.isEmpty, ContinuousClock.now - renewed > Duration.seconds(Self.lease / 3) {
                            try await store.renewOutboxClaims(ids: busy, instance: instance, until: clock.now.addingTimeInterval(Self.lease))
                            renewed = .now
                        }
                        if started > 0 { continue }
                        let next = try await store.nextOutboxAttempt(excluding: busy, channels: lanes.full(limit: limit))
                        var wait = next.map { max(0, $0.timeIntervalSince(clock.now)) }
                        if !busy.isEmpty { wait = min(wait ?? Self.lease / 3, Self.lease / 3) }
                        await doorbell.wait(timeout: wait.map { .milliseconds(Int64($0 * 1000) + 10) })
                    } catch {
                        logger.error("outbox pass failed; retrying in 30 seconds", metadata: ["error": "\(error)"])
                        await doorbell.wait(timeout: .seconds(30))
                    }
                }
            }
        }
    }

    func attempt(_ row: OutboxRow, notifier: (any Notifier)?, outgoing: Outgoing?, settings: DeliverySettings) async {
        let now = clock.now
        let start = ContinuousClock.now
        do {
            guard let notifier else {
                throw DeliveryFailure(permanent: true, description: "channel '\(row.channel)' is no longer configured")
            }
            guard let outgoing else {
                throw DeliveryFailure(permanent: true, description: "the stored payload of this delivery cannot be read")
            }
            try await notifier.deliver(outgoing, now: now)
            try await store.markDelivered(id: row.id, now: clock.now)
            Record.delivery(channel: row.channel, type: row.type, outcome: "delivered", seconds: ContinuousClock.now - start)
            logger.info("delivered", metadata: ["id": "\(row.messageID)", "channel": "\(row.channel)", "step": "\(row.step)", "rep": "\(row.rep)"])
        } catch {
            let failure = error as? DeliveryFailure ?? DeliveryFailure(permanent: false, description: "\(error)")
            let next = now.addingTimeInterval(
                Self.backoff(attempt: row.attempts + 1, base: Double(settings.retryBase), cap: Double(settings.retryMax))
            )
            let giveUp = failure.permanent || next.timeIntervalSince(row.queuedAt) > Double(settings.giveUpAfter)
            try? await store.markAttemptFailed(id: row.id, error: failure.description, next: giveUp ? nil : next, now: clock.now)
            Record.delivery(channel: row.channel, type: row.type, outcome: giveUp ? "failed" : "retry", seconds: ContinuousClock.now - start)
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
