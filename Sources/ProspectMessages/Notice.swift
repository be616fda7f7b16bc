import Foundation
import ProspectCore

/// What a decided delivery is about: the outbox payload, fixed when the engine decided it.
/// Texts are rendered from it at delivery time, in the recipient's zone.
public struct Notice: Codable, Sendable, Equatable {
    public var type: String
    public var step: String
    /// `rep`, `manager` or `manager.manager`; absent in rows decided before it was recorded.
    public var audience: String?
    public var rep: String
    public var repName: String?
    public var repSlack: String?
    public var manager: String?
    public var managerName: String?
    public var recipient: String
    public var day: LocalDate
    public var status: String
    public var count: Int
    public var minimum: Int
    public var deadline: Date
    public var dueAt: Date
    public var consecutiveMisses: Int
    /// The rep's zone.
    public var timezone: String

    public init(
        type: String,
        step: String,
        audience: String?,
        rep: String,
        repName: String?,
        repSlack: String?,
        manager: String?,
        managerName: String?,
        recipient: String,
        day: LocalDate,
        status: String,
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
        switch audience {
        case "rep": .reminder
        case "manager.manager": .skipLevel
        case "manager": .escalation
        default: type == "reminder" ? .reminder : .escalation
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
