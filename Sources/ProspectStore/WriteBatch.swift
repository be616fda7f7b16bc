import NIOConcurrencyHelpers

/// Group commit: small writes that arrive while a transaction is under way wait for it, then go
/// together in the next one, so eight reps logging at once cost one commit (one `fsync`), not
/// eight. Each write runs in a savepoint of its own: a refusal undoes that write alone, and its
/// caller hears of it; the others commit. A caller is answered only after the commit that holds
/// its write, or with the error that stopped that transaction, so nothing is acknowledged before
/// it is durable. The first write goes at once: batching adds no wait to a lone writer.
final class WriteBatch: Sendable {
    /// Answers one caller once its transaction's fate is known: nil, committed; or the error.
    typealias Answer = @Sendable ((any Error)?) -> Void

    /// One write waiting for its transaction.
    private struct Job: Sendable {
        /// Runs the write in its savepoint; returns how to answer its caller once the
        /// transaction's fate is known (nil: committed), and the savepoint's own failure, which
        /// leaves the transaction in no state to commit.
        var run: @Sendable (any SQLConnection) -> (answer: Answer, broken: (any Error)?)
        /// Answers the caller when the transaction failed before the write ran.
        var fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var waiting: [Job] = []
        var draining = false
    }

    private let state = NIOLockedValueBox(State())
    /// The most writes one transaction takes; the rest wait for the next.
    static let limit = 256

    /// Runs `block` in the next batched transaction of `store` and returns its result once that
    /// transaction has committed.
    func write<T: Sendable>(_ store: Store, _ block: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in
                    let outcome: Result<T, any Error>
                    do {
                        try db.execute(sql: "SAVEPOINT batched", arguments: [])
                        do {
                            outcome = .success(try block(db))
                            try db.execute(sql: "RELEASE batched", arguments: [])
                        } catch {
                            try db.execute(sql: "ROLLBACK TO batched", arguments: [])
                            try db.execute(sql: "RELEASE batched", arguments: [])
                            return ({ failed in continuation.resume(throwing: failed ?? error) }, nil)
                        }
                    } catch {
                        // The savepoint itself failed: the transaction cannot go on.
                        return ({ failed in continuation.resume(throwing: failed ?? error) }, error)
                    }
                    return (
                        { failed in
                            if let failed { continuation.resume(throwing: failed) } else { continuation.resume(with: outcome) }
                        }, nil
                    )
                },
                fail: { continuation.resume(throwing: $0) }
            )
            let start = state.withLockedValue { state -> Bool in
                state.waiting.append(job)
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if start { Task { await self.drain(store) } }
        }
    }

    /// Commits the waiting writes, a transaction at a time, until none wait.
    private func drain(_ store: Store) async {
        while true {
            let jobs = state.withLockedValue { state -> [Job] in
                let taken = Array(state.waiting.prefix(Self.limit))
                state.waiting.removeFirst(taken.count)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            if jobs.isEmpty { return }
            let answers = NIOLockedValueBox([Answer]())
            do {
                try await store.write { db in
                    var broken: (any Error)? = nil
                    for job in jobs {
                        let ran = job.run(db)
                        answers.withLockedValue { $0.append(ran.answer) }
                        if let error = ran.broken {
                            broken = error
                            break
                        }
                    }
                    // A savepoint that failed leaves nothing fit to commit: roll the whole back.
                    if let broken { throw broken }
                }
                for answer in answers.withLockedValue({ $0 }) { answer(nil) }
            } catch {
                let ran = answers.withLockedValue { $0 }
                for answer in ran { answer(error) }
                for job in jobs.dropFirst(ran.count) { job.fail(error) }
            }
        }
    }
}
