/// What a person may do: only `rep`s are held to the rule.
public enum Role: String, Codable, Sendable, CaseIterable {
    case rep, manager, admin
}

/// Someone on the roster.
public struct Person: Codable, Hashable, Sendable {
    public var handle: String
    public var name: String
    public var email: String
    /// IANA zone name; empty means the rule's default zone.
    public var timezone: String
    /// The handle of this person's manager, if any.
    public var manager: String?
    public var role: Role
    /// The Unix account that speaks for this person on the local socket.
    public var unixUser: String?
    /// Nil means the rule's default working week.
    public var workdays: Set<Weekday>?
    /// The name of a `[calendars.NAME]` table; nil means `default`.
    public var calendar: String?
    /// Slack (or Mattermost) member id, for mentions.
    public var slack: String?
    /// The ntfy topic this person's notifications go to.
    public var ntfyTopic: String?
    public var active: Bool

    public init(
        handle: String,
        name: String,
        email: String,
        timezone: String,
        manager: String? = nil,
        role: Role = .rep,
        unixUser: String? = nil,
        workdays: Set<Weekday>? = nil,
        calendar: String? = nil,
        slack: String? = nil,
        ntfyTopic: String? = nil,
        active: Bool = true
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
        self.active = active
    }

    enum CodingKeys: String, CodingKey {
        case handle, name, email, timezone, manager, role, workdays, calendar, active, slack
        case unixUser = "unix_user"
        case ntfyTopic = "ntfy_topic"
    }

    /// Workdays encode in week order, so `--json` output is stable.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(handle, forKey: .handle)
        try container.encode(name, forKey: .name)
        try container.encode(email, forKey: .email)
        try container.encode(timezone, forKey: .timezone)
        try container.encodeIfPresent(manager, forKey: .manager)
        try container.encode(role, forKey: .role)
        try container.encodeIfPresent(unixUser, forKey: .unixUser)
        try container.encodeIfPresent(workdays.map { Weekday.allCases.filter($0.contains) }, forKey: .workdays)
        try container.encodeIfPresent(calendar, forKey: .calendar)
        try container.encodeIfPresent(slack, forKey: .slack)
        try container.encodeIfPresent(ntfyTopic, forKey: .ntfyTopic)
        try container.encode(active, forKey: .active)
    }
}

/// Checks on single fields of a person, shared by `admin rep add`, `update` and the roster import.
public enum PersonField {
    /// A handle is 1–32 characters of lowercase letters, digits, `.`, `_` and `-`, starting with a letter or digit.
    public static func isValidHandle(_ handle: String) -> Bool {
        guard (1...32).contains(handle.count), let first = handle.unicodeScalars.first,
            ("0"..."9").contains(first) || ("a"..."z").contains(first)
        else { return false }
        return handle.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
        }
    }

    /// An RFC 5322 addr-spec in its dot-atom form, `local@domain`: the local part is atext
    /// (`A-Z a-z 0-9 ! # $ % & ' * + / = ? ^ _ ` { | } ~ -`) in dot-separated runs, the domain is
    /// host-name labels with at least one dot. Quoted local parts and address literals are not
    /// taken, and neither is a leading `-`, which a program handed the address (sendmail, msmtp)
    /// would read as an option.
    public static func isValidEmail(_ email: String) -> Bool {
        guard email.utf8.count <= 254, !email.hasPrefix("-") else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...64).contains(parts[0].utf8.count) else { return false }
        let atext = "!#$%&'*+/=?^_`{|}~-"
        let local = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard
            local.allSatisfy({ run in
                !run.isEmpty
                    && run.unicodeScalars.allSatisfy {
                        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || atext.unicodeScalars.contains($0)
                    }
            })
        else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy {
                        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
                            || ($0.value > 0x7F && $0.properties.isAlphabetic)
                    }
            }
    }

    /// A Unix login name as useradd accepts it.
    public static func isValidUnixUser(_ name: String) -> Bool {
        guard (1...32).contains(name.count), !name.hasPrefix("-") else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_"
                || $0 == "-"
        }
    }

    /// A Slack or Mattermost member id, like `U024BE7LH`: letters and digits.
    public static func isValidSlackID(_ id: String) -> Bool {
        (2...32).contains(id.count)
            && id.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    /// An ntfy topic: 1–64 letters, digits, `_` or `-`.
    public static func isValidNtfyTopic(_ topic: String) -> Bool {
        (1...64).contains(topic.count)
            && topic.unicodeScalars.allSatisfy {
                ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
            }
    }

    /// A display name: 1–100 characters, no control characters, no bidi overrides.
    public static func isValidName(_ name: String) -> Bool {
        (1...100).contains(name.count) && !name.unicodeScalars.contains { $0.properties.generalCategory == .control }
            && !hasBidiControls(name)
    }

    /// Characters that reorder how text is displayed (`Mallory\u{202E}gnp.exe` shows as
    /// "Malloryexe.png"): never wanted in a name or a note.
    public static func hasBidiControls(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isBidiControl)
    }

    /// One scalar of those: ALM, LRM, RLM, the embeddings and overrides, the isolates.
    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        [0x061C, 0x200E, 0x200F].contains(scalar.value) || (0x202A...0x202E).contains(scalar.value)
            || (0x2066...0x2069).contains(scalar.value)
    }
}

/// Finds the first cycle in a manager graph, given each handle's manager.
public func managerCycle(in managers: [String: String]) -> [String]? {
    for start in managers.keys.sorted() {
        var seen: [String] = [start]
        var current = start
        while let next = managers[current] {
            if let index = seen.firstIndex(of: next) { return Array(seen[index...]) + [next] }
            seen.append(next)
            current = next
        }
    }
    return nil
}
