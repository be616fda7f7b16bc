import Foundation
import Synchronization

/// Slows down token guessing on TCP: after `limit` failed token attempts from one address within
/// `window`, that address gets 429 until the window has passed, even with a good token.
///
/// An attempt is counted when it starts, in the same lock as the check (`begin`), and given
/// back only when the token turns out good (`succeeded`): parallel guesses cannot all pass the
/// check before the first failure is recorded.
final class TokenFailureLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private let failures = Mutex<[String: (since: Date, count: Int)]>([:])

    init(limit: Int = 10, window: TimeInterval = 60) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until `address` may try again; nil when it may try now, and then the attempt is
    /// counted as a failure until `succeeded` says otherwise.
    func begin(_ address: String, now: Date) -> Int? {
        failures.withLock { table in
            if table.count > 10_000 {
                // Bounded memory under a spray of addresses: drop the windows that have passed.
                table = table.filter { now.timeIntervalSince($0.value.since) < window }
            }
            // Parallel requests read the clock before they take the lock, so an instant a little
            // before the window's start is the same window; a clock set far back starts a new one.
            guard let entry = table[address], now.timeIntervalSince(entry.since) < window, now.timeIntervalSince(entry.since) > -5 else {
                table[address] = (now, 1)
                return nil
            }
            if entry.count >= limit { return Int((window - now.timeIntervalSince(entry.since)).rounded(.up)) }
            table[address] = (entry.since, entry.count + 1)
            return nil
        }
    }

    /// The attempt begun for `address` had a good token: it is not a failure.
    func succeeded(_ address: String) {
        failures.withLock { table in
            guard let entry = table[address] else { return }
            table[address] = entry.count <= 1 ? nil : (entry.since, entry.count - 1)
        }
    }
}
