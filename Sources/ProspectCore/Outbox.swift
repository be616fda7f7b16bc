import Foundation

/// Where an outbox row stands: waiting for its next attempt, given up, delivered, or cancelled
/// by an admin. `prospect admin outbox list --state` takes these names.
public enum OutboxState: String, Codable, Sendable, CaseIterable {
    case pending
    case failed
    case sent
    case cancelled

    /// The stored status (`sent` is stored as `delivered`, as rows have always been).
    public var stored: String { self == .sent ? "delivered" : rawValue }

    public init?(stored: String) {
        if stored == "delivered" {
            self = .sent
        } else {
            self.init(rawValue: stored)
        }
    }
}

/// One attempt to deliver an outbox row: when it ended, and its error (nil: delivered).
public struct OutboxAttempt: Codable, Sendable, Hashable {
    public var at: Date
    public var error: String?

    public init(at: Date, error: String?) {
        self.at = at
        self.error = error
    }
}

/// An outbox row as an operator reads it (`prospect admin outbox list|show`): what was decided,
/// about whom, for whom, through which channel, and what became of it.
public struct OutboxItem: Codable, Sendable, Hashable {
    public var id: Int64
    /// The rep it is about (the manager, for a digest or a take-stock step).
    public var rep: String
    public var recipient: String
    public var channel: String
    public var type: DeliveryType
    /// The step's name, `daily`/`weekly` for a digest, `sales-trap` for the alarm.
    public var step: String
    /// The rep's local date it is about.
    public var date: LocalDate
    public var state: OutboxState
    public var dueAt: Date
    public var decidedAt: Date
    public var nextAttemptAt: Date?
    public var deliveredAt: Date?
    public var messageID: String
    public var attemptCount: Int
    public var lastError: String?
    /// Every attempt, oldest first (`show` only; empty in a list).
    public var attempts: [OutboxAttempt]

    public init(
        id: Int64,
        rep: String,
        recipient: String,
        channel: String,
        type: DeliveryType,
        step: String,
        date: LocalDate,
        state: OutboxState,
        dueAt: Date,
        decidedAt: Date,
        nextAttemptAt: Date?,
        deliveredAt: Date?,
        messageID: String,
        attemptCount: Int,
        lastError: String?,
        attempts: [OutboxAttempt] = []
    ) {
        self.id = id
        self.rep = rep
        self.recipient = recipient
        self.channel = channel
        self.type = type
        self.step = step
        self.date = date
        self.state = state
        self.dueAt = dueAt
        self.decidedAt = decidedAt
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.messageID = messageID
        self.attemptCount = attemptCount
        self.lastError = lastError
        self.attempts = attempts
    }

    enum CodingKeys: String, CodingKey {
        case id, rep, recipient, channel, type, step, date, state, attempts
        case dueAt = "due_at"
        case decidedAt = "decided_at"
        case nextAttemptAt = "next_attempt_at"
        case deliveredAt = "delivered_at"
        case messageID = "message_id"
        case attemptCount = "attempt_count"
        case lastError = "last_error"
    }
}
