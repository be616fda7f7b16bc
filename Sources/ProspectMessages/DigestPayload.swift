import Foundation
import ProspectCore

/// The outbox payload of a digest: the team report as it stood when the digest came due.
public struct DigestPayload: Codable, Sendable, Equatable {
    public var type = "digest"
    /// `daily` or `weekly`.
    public var step: String
    public var report: TeamReport

    public init(step: String, report: TeamReport) {
        self.step = step
        self.report = report
    }

    public func json() -> String {
        String(decoding: (try? Notice.encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decode(_ json: String) -> DigestPayload? { try? Notice.decoder.decode(DigestPayload.self, from: Data(json.utf8)) }
}

/// The outbox payload of a sales-trap alarm, sent to the rep's manager once per window.
public struct AlarmPayload: Codable, Sendable, Equatable {
    public var type = "sales-trap"
    public var rep: String
    public var repName: String
    public var manager: String
    public var managerName: String
    public var day: LocalDate
    public var summary: String
    public var alarm: SalesTrapAlarm

    public init(rep: String, repName: String, manager: String, managerName: String, day: LocalDate, summary: String, alarm: SalesTrapAlarm) {
        self.rep = rep
        self.repName = repName
        self.manager = manager
        self.managerName = managerName
        self.day = day
        self.summary = summary
        self.alarm = alarm
    }

    enum CodingKeys: String, CodingKey {
        case type, rep, manager, day, summary, alarm
        case repName = "rep_name"
        case managerName = "manager_name"
    }

    public func json() -> String {
        String(decoding: (try? Notice.encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decode(_ json: String) -> AlarmPayload? { try? Notice.decoder.decode(AlarmPayload.self, from: Data(json.utf8)) }
}
