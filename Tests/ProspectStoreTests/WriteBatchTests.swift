import Foundation
import ProspectCore
import ProspectTestSupport
import Testing

@testable import ProspectStore

/// Logs that arrive together share a transaction; each stands or falls alone, and is answered
/// only once committed.
@Suite struct WriteBatchTests {
    /// 200 logs at once, a tenth of them retries of another's client id and a tenth refused by
    /// the database (a rep who is not on the roster): every caller gets its own answer, the
    /// refused leave nothing, and the rest are recorded once.
    @Test(arguments: TestBackend.allCases) func logsArrivingTogetherStandOrFallAlone(backend: TestBackend) async throws {
        try await withStore(backend) { store in
            _ = try await store.addPerson(person("alice"), actor: "t", now: now)
            let alice = try await store.person(handle: "alice")!
            let ghost = {
                var ghost = alice
                ghost.id = 999_999
                return ghost
            }()
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool?).self) { group in
                for i in 0..<200 {
                    group.addTask {
                        let rep = i % 10 == 9 ? ghost : alice
                        let client = i % 10 == 5 ? "client-\(String(format: "%04d", i - 1))" : "client-\(String(format: "%04d", i))"
                        do {
                            let logged = try await store.logActivity(
                                ActivityEntry(
                                    rep: rep,
                                    kind: "call",
                                    note: "n\(i)",
                                    value: nil,
                                    occurredAt: now,
                                    loggedAt: now,
                                    clientID: client
                                )
                            )
                            return (i, logged.duplicate)
                        } catch {
                            return (i, nil)
                        }
                    }
                }
                var out: [Int: Bool?] = [:]
                for try await (i, duplicate) in group { out[i] = duplicate }
                return out
            }
            #expect(outcomes.count == 200)
            #expect(outcomes.filter { $0.key % 10 == 9 }.allSatisfy { $0.value == nil })
            #expect(outcomes.filter { $0.key % 10 != 9 }.allSatisfy { $0.value != nil })
            let notes = try await store.read { db in try db.fetchAll(String.self, sql: "SELECT note FROM activity ORDER BY note") }
            // One row per distinct client id of alice's: 180 logs, 20 of them retries.
            #expect(notes.count == 160)
            #expect(!notes.contains { Int($0.dropFirst())! % 10 == 9 })
            #expect(outcomes.filter { $0.value == true }.count + notes.count == 180)
        }
    }
}
