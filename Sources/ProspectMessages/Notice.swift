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

    /// JSON with sorted keys and ISO 8601 dates, as stored in the outbox: written directly, one
    /// per decided step (the text `JSONEncoder` writes, in a tenth of its time).
    public func json() -> String {
        var object = JSONObjectText()
        object.add(CodingKeys.audience.stringValue, audience?.rawValue)
        object.add(CodingKeys.consecutiveMisses.stringValue, consecutiveMisses)
        object.add(CodingKeys.count.stringValue, count)
        object.add(CodingKeys.day.stringValue, day.description)
        object.add(CodingKeys.deadline.stringValue, deadline)
        object.add(CodingKeys.dueAt.stringValue, dueAt)
        object.add(CodingKeys.manager.stringValue, manager)
        object.add(CodingKeys.managerName.stringValue, managerName)
        object.add(CodingKeys.minimum.stringValue, minimum)
        object.add(CodingKeys.recipient.stringValue, recipient)
        object.add(CodingKeys.rep.stringValue, rep)
        object.add(CodingKeys.repName.stringValue, repName)
        object.add(CodingKeys.repSlack.stringValue, repSlack)
        object.add(CodingKeys.status.stringValue, status.rawValue)
        object.add(CodingKeys.step.stringValue, step)
        object.add(CodingKeys.timezone.stringValue, timezone)
        object.add(CodingKeys.type.stringValue, type.rawValue)
        return object.json
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
