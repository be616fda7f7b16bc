import Foundation
import ProspectCore

/// Shared wire conventions: paths, JSON coding, the error body.
public enum API {
    /// Dates travel as ISO 8601 in UTC (`2026-03-09T21:30:00Z`); keys are sorted so output is stable.
    /// Dates are written and read by ProspectCore's own code, as `.iso8601` would: Foundation's
    /// strategy builds a calendar and looks up the local time zone first, 6% of the CPU time of
    /// a `prospect log` in a profile.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(JSONText.iso8601(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = ActivityTime.parseWireInstant(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "Expected date string to be ISO8601-formatted.")
            }
            return date
        }
        return decoder
    }

    /// Where a local daemon listens unless told otherwise.
    public static let defaultSocket = Build.defaultSocket
}

/// The body of every 4xx and 5xx answer.
public struct ErrorBody: Codable, Sendable {
    public var error: String
    public var kind: String

    public init(error: String, kind: String) {
        self.error = error
        self.kind = kind
    }
}

/// Who the daemon thinks the caller is.
/// `GET /v1/health`: no identity needed, no personal data.
public struct HealthResponse: Codable, Sendable, Equatable {
    public var status: String
    public var version: String
    /// `sqlite` or `postgresql`.
    public var database: String
    public var role: HealthRole

    public init(status: String, version: String, database: String, role: HealthRole) {
        self.status = status
        self.version = version
        self.database = database
        self.role = role
    }
}

/// An instance's part: alone on its database, or the leader or a follower on a shared one.
public enum HealthRole: String, Codable, Sendable {
    case single, leader, follower
}

public struct WhoAmI: Codable, Sendable {
    public var handle: String?
    public var role: Role?
    /// Admin rights: an admin on the roster, root, or the daemon's own Unix user.
    public var admin: Bool

    public init(handle: String?, role: Role?, admin: Bool) {
        self.handle = handle
        self.role = role
        self.admin = admin
    }
}

/// `POST /v1/activities`
public struct LogRequest: Codable, Sendable {
    public var kind: String
    public var note: String?
    /// `--at` as typed; the daemon resolves it in the rep's zone.
    public var at: String?
    public var value: Double?
    /// Chosen by the client once per `log` so a retried request never doubles.
    public var clientID: String

    public init(kind: String, note: String?, at: String?, value: Double?, clientID: String) {
        self.kind = kind
        self.note = note
        self.at = at
        self.value = value
        self.clientID = clientID
    }

    enum CodingKeys: String, CodingKey {
        case kind, note, at, value
        case clientID = "client_id"
    }
}

/// A rep's standing today: the answer of `status`, and part of `log` and `undo`.
public struct StatusResponse: Codable, Sendable {
    public var rep: String
    /// The rep's local date.
    public var date: LocalDate
    public var count: Int
    public var minimum: Int
    public var met: Bool
    /// End of the rep's day, in UTC.
    public var deadline: Date
    public var streak: Int
    public var state: DayState
    public var workday: Bool
    public var timezone: String
    /// Seconds until the deadline; 0 once it has passed.
    public var secondsLeft: Int

    public init(
        rep: String,
        status: DayStatus,
        streak: Int,
        timezone: String,
        now: Date
    ) {
        self.rep = rep
        self.date = status.date
        self.count = status.count
        self.minimum = status.minimum
        self.met = status.met
        self.deadline = status.deadline
        self.streak = streak
        self.state = status.state
        self.workday = status.workday
        self.timezone = timezone
        self.secondsLeft = max(0, Int(status.deadline.timeIntervalSince(now)))
    }

    enum CodingKeys: String, CodingKey {
        case rep, date, count, minimum, met, deadline, streak, state, workday, timezone
        case secondsLeft = "seconds_left"
    }
}

/// The answer of `log` and `undo`.
public struct ActivityResponse: Codable, Sendable {
    public var activity: Activity
    /// True when the daemon already had this `client_id` and recorded nothing new.
    public var duplicate: Bool
    public var status: StatusResponse

    public init(activity: Activity, duplicate: Bool, status: StatusResponse) {
        self.activity = activity
        self.duplicate = duplicate
        self.status = status
    }
}

/// One day of `history`.
public struct HistoryDay: Codable, Sendable {
    public var date: LocalDate
    public var count: Int
    public var state: DayState

    public init(date: LocalDate, count: Int, state: DayState) {
        self.date = date
        self.count = count
        self.state = state
    }
}

/// `GET /v1/history`
public struct HistoryResponse: Codable, Sendable {
    public var rep: String
    public var timezone: String
    public var streak: Int
    /// Oldest first, ending today.
    public var days: [HistoryDay]
    /// Every activity in the range, newest first.
    public var activities: [Activity]

    public init(rep: String, timezone: String, streak: Int, days: [HistoryDay], activities: [Activity]) {
        self.rep = rep
        self.timezone = timezone
        self.streak = streak
        self.days = days
        self.activities = activities
    }
}

/// `POST /v1/away`
public struct AwayRequest: Codable, Sendable {
    public var from: LocalDate
    public var to: LocalDate
    public var reason: String?
    /// Someone else's handle (managers for their reports, admins for anyone).
    public var rep: String?

    public init(from: LocalDate, to: LocalDate, reason: String?, rep: String?) {
        self.from = from
        self.to = to
        self.reason = reason
        self.rep = rep
    }
}

public struct AwayResponse: Codable, Sendable {
    public var rep: String
    public var from: LocalDate
    public var to: LocalDate
    public var reason: String?
    /// How many would-be workdays the span covers.
    public var workdays: Int

    public init(rep: String, from: LocalDate, to: LocalDate, reason: String?, workdays: Int) {
        self.rep = rep
        self.from = from
        self.to = to
        self.reason = reason
        self.workdays = workdays
    }
}

/// `GET /v1/kinds`
public struct KindsResponse: Codable, Sendable {
    public var kinds: [ActivityKind]
    public var minimum: Int

    public init(kinds: [ActivityKind], minimum: Int) {
        self.kinds = kinds
        self.minimum = minimum
    }
}

/// `PATCH /v1/people/HANDLE`: only the fields given change; an empty string clears an optional one.
public struct PersonUpdate: Codable, Sendable {
    public var name: String?
    public var email: String?
    public var timezone: String?
    public var manager: String?
    public var role: String?
    public var unixUser: String?
    public var workdays: String?
    public var calendar: String?
    public var slack: String?
    public var ntfyTopic: String?

    public init(
        name: String? = nil,
        email: String? = nil,
        timezone: String? = nil,
        manager: String? = nil,
        role: String? = nil,
        unixUser: String? = nil,
        workdays: String? = nil,
        calendar: String? = nil,
        slack: String? = nil,
        ntfyTopic: String? = nil
    ) {
        self.name = name
        self.email = email
        self.timezone = timezone
        self.manager = manager
        self.role = role
        self.unixUser = unixUser
        self.workdays = workdays
        self.calendar = calendar
        self.slack = slack
        self.ntfyTopic = ntfyTopic
    }

    enum CodingKeys: String, CodingKey {
        case name, email, timezone, manager, role, workdays, calendar, slack
        case unixUser = "unix_user"
        case ntfyTopic = "ntfy_topic"
    }

    public var isEmpty: Bool {
        [name, email, timezone, manager, role, unixUser, workdays, calendar, slack, ntfyTopic].allSatisfy { $0 == nil }
    }
}

/// `GET /v1/people`
public struct PeopleResponse: Codable, Sendable {
    public var people: [Person]

    public init(people: [Person]) { self.people = people }
}

/// `GET /v1/outbox`: newest decided first.
public struct OutboxListResponse: Codable, Sendable {
    public var rows: [OutboxItem]

    public init(rows: [OutboxItem]) { self.rows = rows }
}

/// `POST /v1/outbox/retry`: every failed row queued again.
public struct OutboxRetryResponse: Codable, Sendable {
    public var retried: Int

    public init(retried: Int) { self.retried = retried }
}

/// `POST /v1/roster`
public struct RosterImportResponse: Codable, Sendable {
    public var created: Int
    public var updated: Int
    public var unchanged: Int

    public init(created: Int, updated: Int, unchanged: Int) {
        self.created = created
        self.updated = updated
        self.unchanged = unchanged
    }
}

/// `POST /v1/tokens/HANDLE`: the only time the token is ever shown.
public struct TokenResponse: Codable, Sendable {
    public var rep: String
    public var token: String

    public init(rep: String, token: String) {
        self.rep = rep
        self.token = token
    }
}

/// `DELETE /v1/tokens/HANDLE`
public struct RevokeResponse: Codable, Sendable {
    public var rep: String
    public var revoked: Int

    public init(rep: String, revoked: Int) {
        self.rep = rep
        self.revoked = revoked
    }
}

/// Where a ladder step stands on one day.
/// `GET /v1/report?period=`: the week (Monday to Sunday) or the month containing the date.
public enum ReportPeriod: String, Codable, Sendable, CaseIterable {
    case week
    case month
}

/// `GET /v1/report?format=`: the report as JSON, or rendered through the weekly digest's templates.
public enum ReportFormat: String, Codable, Sendable, CaseIterable {
    case json
    case text
    case html
}

public enum ScheduleState: String, Codable, Sendable, CaseIterable {
    /// Decided: in the outbox.
    case sent
    /// It will be sent unless an action is logged first.
    case willSend = "will-send"
    /// Its audience is not on the roster (a rep without a manager for a `manager` step).
    case noRecipient = "no-recipient"
    /// The rule is met.
    case notNeeded = "not-needed"
    /// An `after_misses` step whose chain of missed days is too short.
    case notYet = "not-yet"
    /// Its time passed without it.
    case skipped
    /// Not a workday.
    case off
}

/// `GET /v1/schedule`: a rep's ladder for one day.
public struct ScheduleResponse: Codable, Sendable {
    /// One step on that day.
    public struct Step: Codable, Sendable {
        public var name: String
        /// When it is due, UTC.
        public var at: Date
        /// The same, on the rep's wall clock.
        public var localTime: String
        public var audience: LadderStep.Audience
        public var type: DeliveryType
        public var state: ScheduleState

        public init(name: String, at: Date, localTime: String, audience: LadderStep.Audience, type: DeliveryType, state: ScheduleState) {
            self.name = name
            self.at = at
            self.localTime = localTime
            self.audience = audience
            self.type = type
            self.state = state
        }

        enum CodingKeys: String, CodingKey {
            case name, at, audience, type, state
            case localTime = "local_time"
        }
    }

    public var rep: String
    public var date: LocalDate
    public var timezone: String
    public var workday: Bool
    public var count: Int
    public var minimum: Int
    public var steps: [Step]

    public init(rep: String, date: LocalDate, timezone: String, workday: Bool, count: Int, minimum: Int, steps: [Step]) {
        self.rep = rep
        self.date = date
        self.timezone = timezone
        self.workday = workday
        self.count = count
        self.minimum = minimum
        self.steps = steps
    }
}

/// `POST /v1/channels/NAME/test`: send a test message to one person.
public struct TestChannelRequest: Codable, Sendable {
    public var to: String

    public init(to: String) { self.to = to }
}

/// The outcome of a test message: delivered, or the channel's own error text.
public struct TestChannelResponse: Codable, Sendable {
    public var channel: String
    public var type: String
    public var to: String
    public var delivered: Bool
    public var error: String?
    public var messageID: String
    public var subject: String

    public init(channel: String, type: String, to: String, delivered: Bool, error: String?, messageID: String, subject: String) {
        self.channel = channel
        self.type = type
        self.to = to
        self.delivered = delivered
        self.error = error
        self.messageID = messageID
        self.subject = subject
    }

    enum CodingKeys: String, CodingKey {
        case channel, type, to, delivered, error, subject
        case messageID = "message_id"
    }
}

/// `POST /v1/team/ack`: the manager took stock today.
public struct AckResponse: Codable, Sendable {
    public var manager: String
    public var date: LocalDate
    public var at: Date

    public init(manager: String, date: LocalDate, at: Date) {
        self.manager = manager
        self.date = date
        self.at = at
    }
}

/// `POST /v1/pipeline`: a pipeline snapshot for oneself, or for a report (`rep`).
public struct PipelineRequest: Codable, Sendable {
    public var rep: String?
    public var openDeals: Int
    public var value: Double

    public init(rep: String?, openDeals: Int, value: Double) {
        self.rep = rep
        self.openDeals = openDeals
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case rep, value
        case openDeals = "open_deals"
    }
}

/// The snapshot as recorded.
public struct PipelineResponse: Codable, Sendable {
    public var rep: String
    public var snapshot: PipelineSnapshot

    public init(rep: String, snapshot: PipelineSnapshot) {
        self.rep = rep
        self.snapshot = snapshot
    }
}

/// One activity a source pushes (`POST /v1/sources/NAME/activities`, alone or in an array).
public struct SourceActivityRequest: Codable, Sendable {
    /// The source's own id for it: a repeated push with the same id adds nothing.
    public var id: String
    /// The rep, by handle or by email (one of them).
    public var rep: String?
    public var email: String?
    /// A kind of the configuration, or the source's own `type`, mapped through `[import.kinds]`.
    public var kind: String?
    public var type: String?
    /// ISO 8601 with `Z` or an offset.
    public var at: String
    public var note: String?
    public var value: Double?

    public init(
        id: String,
        rep: String?,
        email: String? = nil,
        kind: String?,
        type: String? = nil,
        at: String,
        note: String? = nil,
        value: Double? = nil
    ) {
        self.id = id
        self.rep = rep
        self.email = email
        self.kind = kind
        self.type = type
        self.at = at
        self.note = note
        self.value = value
    }
}

/// `POST /v1/sources/NAME/activities`: how many were received, new, and known already.
public struct SourceActivitiesResponse: Codable, Sendable {
    public var received: Int
    public var added: Int
    public var alreadyPresent: Int

    public init(received: Int, added: Int, alreadyPresent: Int) {
        self.received = received
        self.added = added
        self.alreadyPresent = alreadyPresent
    }

    enum CodingKeys: String, CodingKey {
        case received, added
        case alreadyPresent = "already_present"
    }
}

/// `POST /v1/sources/NAME`: the source's token, shown this once; `DELETE`: whether one was revoked.
public struct SourceTokenResponse: Codable, Sendable {
    public var source: String
    public var token: String?
    public var revoked: Bool?

    public init(source: String, token: String? = nil, revoked: Bool? = nil) {
        self.source = source
        self.token = token
        self.revoked = revoked
    }
}

/// `POST /v1/links/rotate`: the link key was replaced; links sent before no longer work.
public struct LinksRotateResponse: Codable, Sendable {
    public var rotatedAt: Date
    /// Whether links are on at all (`[daemon] public_url`).
    public var enabled: Bool

    public init(rotatedAt: Date, enabled: Bool) {
        self.rotatedAt = rotatedAt
        self.enabled = enabled
    }

    enum CodingKeys: String, CodingKey {
        case enabled
        case rotatedAt = "rotated_at"
    }
}

/// `POST /v1/import/activities`: what a CRM import did.
public struct ImportResponse: Codable, Sendable {
    public var rows: Int
    public var added: Int
    /// Rows imported before (the same rep, kind, time, note and value): skipped.
    public var alreadyPresent: Int
    public var reps: Int

    public init(rows: Int, added: Int, alreadyPresent: Int, reps: Int) {
        self.rows = rows
        self.added = added
        self.alreadyPresent = alreadyPresent
        self.reps = reps
    }

    enum CodingKeys: String, CodingKey {
        case rows, added, reps
        case alreadyPresent = "already_present"
    }
}
