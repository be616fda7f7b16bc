import Foundation
import ProspectCore

/// What a notice is: a step's reminder or escalation, a manager's take-stock step, or a test
/// message from `prospect admin test-channel`.
public enum NoticeKind: String, Codable, Sendable, CaseIterable {
    case reminder
    case escalation
    case takeStock = "take-stock"
    case test
}

/// What a decided delivery is about: the outbox payload, fixed when the engine decided it.
/// Texts are rendered from it at delivery time, in the recipient's zone.
public struct Notice: Codable, Sendable, Equatable {
    public var type: NoticeKind
    public var step: String
    /// Absent in rows decided before it was recorded.
    public var audience: LadderStep.Audience?
    public var rep: String
    public var repName: String?
    public var repSlack: String?
    public var manager: String?
    public var managerName: String?
    public var recipient: String
    public var day: LocalDate
    /// `pending` or `missed`: whether the day's deadline had passed when the step came due.
    public var status: DayState
    public var count: Int
    public var minimum: Int
    public var deadline: Date
    public var dueAt: Date
    public var consecutiveMisses: Int
    /// The rep's zone.
    public var timezone: String

    public init(
        type: NoticeKind,
        step: String,
        audience: LadderStep.Audience?,
        rep: String,
        repName: String?,
        repSlack: String?,
        manager: String?,
        managerName: String?,
        recipient: String,
        day: LocalDate,
        status: DayState,
        count: Int,
        minimum: Int,
        deadline: Date,
        dueAt: Date,
        consecutiveMisses: Int,
        timezone: String
    ) {
        self.type = type
        self.step = step
        self.audience = audience
        self.rep = rep
        self.repName = repName
        self.repSlack = repSlack
        self.manager = manager
        self.managerName = managerName
        self.recipient = recipient
        self.day = day
        self.status = status
        self.count = count
        self.minimum = minimum
        self.deadline = deadline
        self.dueAt = dueAt
        self.consecutiveMisses = consecutiveMisses
        self.timezone = timezone
    }

    enum CodingKeys: String, CodingKey {
        case type, step, audience, rep, manager, recipient, day, status, count, minimum, deadline, timezone
        case repName = "rep_name"
        case repSlack = "rep_slack"
        case managerName = "manager_name"
        case dueAt = "due_at"
        case consecutiveMisses = "consecutive_misses"
    }

    /// Which template family speaks for it.
    public var messageType: MessageType {
        switch (type, audience) {
        case (.test, _): .test
        case (.takeStock, _): .takeStock
        case (_, .rep?): .reminder
        case (_, .managersManager?): .skipLevel
        case (_, .manager?): .escalation
        case (.reminder, nil): .reminder
        case (.escalation, nil): .escalation
        }
    }

    /// JSON with sorted keys and ISO 8601 dates, as stored in the outbox.
    public func json() -> String {
        String(decoding: (try? Self.encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decode(_ json: String) -> Notice? { try? decoder.decode(Notice.self, from: Data(json.utf8)) }

    /// One encoder for every payload: building a `JSONEncoder` per row costs more than encoding.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
