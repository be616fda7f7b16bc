import Foundation

/// A person as typed by an admin, before checks.
public struct PersonDraft: Codable, Sendable {
    public var handle: String
    public var name: String
    public var email: String
    public var timezone: String?
    public var manager: String?
    public var role: String?
    public var unixUser: String?
    public var workdays: String?
    public var calendar: String?
    public var slack: String?
    public var ntfyTopic: String?

    public init(
        handle: String,
        name: String,
        email: String,
        timezone: String? = nil,
        manager: String? = nil,
        role: String? = nil,
        unixUser: String? = nil,
        workdays: String? = nil,
        calendar: String? = nil,
        slack: String? = nil,
        ntfyTopic: String? = nil
    ) {
        self.handle = handle
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
        case handle, name, email, timezone, manager, role, workdays, calendar, slack
        case unixUser = "unix_user"
        case ntfyTopic = "ntfy_topic"
    }

    /// Checks every field on its own; returns every problem found.
    public func validated() -> Result<Person, ValidationProblems> {
        var problems: [String] = []
        if !PersonField.isValidHandle(handle) {
            problems.append(
                "handle '\(shown(handle, 40))' is not valid: use 1-32 lowercase letters, digits, '.', '_' or '-'"
            )
        }
        if !PersonField.isValidName(name) {
            problems.append("name must be 1-100 characters without control characters or text-direction overrides")
        }
        if !PersonField.isValidEmail(email) { problems.append("email is not an address like name@example.com") }
        if let tz = timezone, Zone(identifier: tz) == nil {
            problems.append("time zone '\(shown(tz, 64))' is unknown: use an IANA name like Europe/Copenhagen")
        }
        if let m = manager, !PersonField.isValidHandle(m) { problems.append("manager '\(shown(m, 40))' is not a valid handle") }
        var parsedRole = Role.rep
        if let r = role {
            if let value = Role(rawValue: r.lowercased()) {
                parsedRole = value
            } else {
                problems.append("role '\(shown(r, 20))' is unknown: use rep, manager or admin")
            }
        }
        if let u = unixUser, !PersonField.isValidUnixUser(u) { problems.append("unix user '\(shown(u, 40))' is not a valid login name") }
        var parsedWorkdays: Set<Weekday>? = nil
        if let w = workdays {
            switch Weekday.parseList(w) {
            case .success(let days) where !days.isEmpty: parsedWorkdays = days
            case .success: problems.append("workdays is empty: list days like mon;tue;wed;thu;fri, or leave it out")
            case .failure(let e): problems.append("workdays entry '\(shown(e.entry, 20))' is not one of mon, tue, wed, thu, fri, sat, sun")
            }
        }
        if let c = calendar, !PersonField.isValidHandle(c) { problems.append("calendar '\(shown(c, 40))' is not a valid calendar name") }
        if let s = slack, !PersonField.isValidSlackID(s) {
            problems.append("slack '\(shown(s, 40))' is not a member id like U024BE7LH (letters and digits)")
        }
        if let t = ntfyTopic, !PersonField.isValidNtfyTopic(t) {
            problems.append("ntfy topic '\(shown(t, 70))' is not valid: use 1-64 letters, digits, '_' or '-'")
        }
        if manager == handle, !handle.isEmpty { problems.append("a person cannot be their own manager") }
        guard problems.isEmpty else { return .failure(ValidationProblems(problems)) }
        return .success(
            Person(
                handle: handle,
                name: name,
                email: email,
                timezone: timezone ?? "",
                manager: manager,
                role: parsedRole,
                unixUser: unixUser,
                workdays: parsedWorkdays,
                calendar: calendar,
                slack: slack,
                ntfyTopic: ntfyTopic
            )
        )
    }
}
