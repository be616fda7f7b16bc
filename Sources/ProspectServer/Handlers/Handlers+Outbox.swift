import Foundation
import ProspectAPI
import ProspectCore
import ProspectStore

/// `prospect admin outbox`: what was decided, for whom, through which channel, and each attempt.
extension Handlers {
    func outboxList(state: String?, rep: String?, since: String?, limit: String?, _ context: AppContext) async throws -> OutboxListResponse {
        _ = try requireAdmin(context)
        var parsedState: OutboxState? = nil
        if let state {
            guard let known = OutboxState(rawValue: state) else {
                throw UserError("--state '\(shown(state))' is not one of \(OutboxState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            parsedState = known
        }
        var repID: Int64? = nil
        if let rep {
            guard let person = try await store.person(handle: rep) else { throw UserError.noSuchHandle(rep) }
            repID = person.id
        }
        let from = try since.map { Zone.utc.startOfDay(try LocalDate.parse($0, for: "--since")) }
        let count = try limit.map { text -> Int in
            guard let n = Int(text), (1...10_000).contains(n) else { throw UserError("--limit must be a whole number from 1 to 10000") }
            return n
        }
        return OutboxListResponse(rows: try await store.outboxItems(state: parsedState, rep: repID, since: from, limit: count ?? 100))
    }

    func outboxShow(id: String, _ context: AppContext) async throws -> OutboxItem {
        _ = try requireAdmin(context)
        guard let item = try await store.outboxItem(id: try outboxID(id)) else {
            throw UserError(.notFound, "no outbox row \(shown(id)); see prospect admin outbox list")
        }
        return item
    }

    func outboxRetry(id: String, _ context: AppContext) async throws -> OutboxItem {
        let identity = try requireAdmin(context)
        let item = try await store.retryOutbox(id: try outboxID(id), actor: identity.actor, now: clock.now)
        outbox.ring()
        return item
    }

    func outboxRetryFailed(_ context: AppContext) async throws -> OutboxRetryResponse {
        let identity = try requireAdmin(context)
        let retried = try await store.retryFailedOutbox(actor: identity.actor, now: clock.now)
        outbox.ring()
        return OutboxRetryResponse(retried: retried)
    }

    func outboxCancel(id: String, _ context: AppContext) async throws -> OutboxItem {
        let identity = try requireAdmin(context)
        return try await store.cancelOutbox(id: try outboxID(id), actor: identity.actor, now: clock.now)
    }

    func outboxID(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id > 0 else { throw UserError("'\(shown(text))' is not an outbox row id; see prospect admin outbox list") }
        return id
    }
}
