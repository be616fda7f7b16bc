import Foundation
import Synchronization

/// Slows down token guessing on TCP: after `limit` failed token attempts from one address within
/// `window`, that address gets 429 until the window has passed, even with a good token.
final class TokenFailureLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private let failures = Mutex<[String: (since: Date, count: Int)]>([:])

    init(limit: Int = 10, window: TimeInterval = 60) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until `address` may try again, or nil when it may try now.
    func retryAfter(_ address: String, now: Date) -> Int? {
        failures.withLock { table in
            guard let entry = table[address] else { return nil }
            let elapsed = now.timeIntervalSince(entry.since)
            if elapsed >= window || elapsed < 0 {
                table[address] = nil
                return nil
            }
            return entry.count >= limit ? Int((window - elapsed).rounded(.up)) : nil
        }
    }

    func recordFailure(_ address: String, now: Date) {
        failures.withLock { table in
            if table.count > 10_000 {
                // Bounded memory under a spray of addresses: drop the windows that have passed.
                table = table.filter { now.timeIntervalSince($0.value.since) < window }
            }
            if let entry = table[address], now.timeIntervalSince(entry.since) < window {
                table[address] = (entry.since, entry.count + 1)
            } else {
                table[address] = (now, 1)
            }
        }
    }
}
