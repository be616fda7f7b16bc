import Foundation
import ProspectCore

#if canImport(Glibc)
import Glibc
#endif

/// The whole configuration, validated.
public struct Config: Sendable {
    public var daemon: DaemonSettings
    public var rule: Rule
    /// Every defined kind, by name.
    public var kinds: [String: ActivityKind]
    public var ladder: [LadderStep]
    public var digest: DigestSettings?
    /// Holidays by calendar name.
    public var calendars: [String: Set<LocalDate>]
    public var channels: [String: ChannelSettings]
    public var delivery: DeliverySettings
    /// `[alarm]`: the sales-trap window and thresholds.
    public var alarm: AlarmSettings
    /// `[import.kinds]`: a CRM's activity types mapped to kinds, for `admin import activities`.
    public var importKinds: [String: String]
    /// `[templates] directory`: files that replace built-in message texts.
    public var templatesDirectory: String?
    /// Where it was read from, for messages.
    public var source: String

    /// Why `name` cannot be an activity's kind, naming the valid ones; nil for a configured kind.
    public func kindProblem(_ name: String) -> String? {
        kinds[name] == nil ? "unknown kind '\(shown(name, 40))'; valid kinds: \(sortedKinds.map(\.name).joined(separator: ", "))" : nil
    }

    /// Kinds in a stable order: counting ones first, then by name.
    public var sortedKinds: [ActivityKind] {
        kinds.values.sorted { ($0.counts ? 0 : 1, $0.name) < ($1.counts ? 0 : 1, $1.name) }
    }

    /// The holidays of a person's calendar (`default` when they name none).
    public func holidays(calendar: String?) -> Set<LocalDate> {
        calendars[calendar ?? "default"] ?? []
    }
}

/// `[daemon]`
public struct DaemonSettings: Sendable, Equatable {
    /// A SQLite file path, or a `postgresql://USER@HOST[:PORT]/DB` URL.
    public var database: String
    /// The PostgreSQL password, in a file of its own (`${CREDENTIALS_DIRECTORY}` is filled in).
    public var databasePasswordFile: String?
    /// How soon another instance leads once the leader is gone (PostgreSQL only).
    public var failoverSeconds: Int = 15

    /// Whether the database is PostgreSQL (shared by every instance) rather than a SQLite file.
    public var isPostgreSQL: Bool { PostgresLocation.isURL(database) }
    public var socket: String
    /// Optional TCP API, `host:port`.
    public var listen: ListenAddress?
    /// Optional Prometheus endpoint (`GET /metrics`, no identity), `host:port`.
    public var metricsListen: ListenAddress?
    /// PEM certificate chain and private key: the TCP listener speaks HTTPS (re-read on SIGHUP).
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// The address people reach the TCP listener at, directly or through a proxy
    /// (`https://prospect.example.com`, no trailing slash): turns on one-tap links.
    public var publicURL: String?

    /// `text` as a base address for links (trailing slashes dropped), or nil when it is not an
    /// http(s) address with a host and no query, fragment, credentials or odd characters.
    public static func publicURL(_ text: String) -> String? {
        guard text.utf8.count <= 200, text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }),
            !text.contains(where: { "?#@\"'<>\\`{}|^".contains($0) }),
            let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { return nil }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// The TLS pair's paths, `${CREDENTIALS_DIRECTORY}` filled in from `environment`; nil without TLS.
    public func tlsFiles(environment: [String: String]) -> (certificate: String, key: String)? {
        guard let certificate = ChannelSettings.filePath(tlsCertificateFile, environment: environment),
            let key = ChannelSettings.filePath(tlsKeyFile, environment: environment)
        else { return nil }
        return (certificate, key)
    }
    /// Failed token attempts per address and minute before the TCP API answers 429.
    public var tokenFailureLimit: Int = 10
    /// Connections one peer (a Unix user on the socket, an address on TCP) may hold open at once.
    public var connectionsPerPeer: Int = 64

    public static let defaultDatabase = "/var/lib/prospectd/prospectd.sqlite"
    public static let defaultSocket = Build.defaultSocket

    /// The lock file a running daemon holds beside its database (`flock`, with its PID inside).
    public var databaseLock: String { database + ".lock" }

    /// The lock file a running daemon holds beside its socket.
    public var socketLock: String { socket + ".lock" }

    /// Why the socket may not be bound at its path, or nil. Binding replaces what is there, so
    /// the path may hold only a socket: never the database, its companions, or any other file.
    public var socketPathProblem: String? {
        let socketPath = URL(fileURLWithPath: socket).standardizedFileURL.path
        let databasePath = URL(fileURLWithPath: database).standardizedFileURL.path
        let companions = ["", "-wal", "-shm", "-journal", ".lock"].map { databasePath + $0 }
        if !isPostgreSQL, companions.contains(socketPath) || socketPath + ".lock" == databasePath {
            return "\(socket) is the database or one of its files (\(database)); give the socket a path of its own"
        }
        var info = stat()
        guard lstat(socket, &info) == 0 else { return nil }
        if info.st_mode & S_IFMT == S_IFSOCK { return nil }
        let what = info.st_mode & S_IFMT == S_IFDIR ? "a directory" : info.st_mode & S_IFMT == S_IFLNK ? "a symbolic link" : "a file"
        return "\(socket) is \(what), not a socket; the daemon only replaces a stale socket, so remove it or choose another path"
    }
}

/// A TCP listen address.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// Parses `127.0.0.1:8787` or `[::1]:8787`.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == ":" || $0 == "-" })
        else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// `[delivery]`: how the outbox worker retries. Seconds throughout.
public struct DeliverySettings: Sendable, Equatable {
    /// Deliveries in flight at once.
    public var concurrency = 8
    /// The first retry waits about this long; each further one doubles, with jitter.
    public var retryBase = 15
    /// No wait between retries is longer.
    public var retryMax = 3600
    /// A delivery not made within this long of its decision is given up and logged.
    public var giveUpAfter = 86_400

    public init() {}
}

/// `[digest]`
public struct DigestSettings: Sendable, Equatable {
    public var dailyAt: LocalTime?
    public var weeklyAt: (day: Weekday, time: LocalTime)?
    public var channels: [String]

    public static func == (a: DigestSettings, b: DigestSettings) -> Bool {
        a.dailyAt == b.dailyAt && a.weeklyAt?.day == b.weeklyAt?.day && a.weeklyAt?.time == b.weeklyAt?.time
            && a.channels == b.channels
    }
}

/// One `[channels.NAME]`: its type and its settings, checked against what the type accepts.
public struct ChannelSettings: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case smtp, slack, webhook, ntfy, command, log
    }

    /// `[channels.NAME] type = "smtp"`.
    public struct SMTP: Sendable, Equatable {
        public enum Security: String, Sendable, CaseIterable {
            case starttls, tls, none
        }

        public var host: String
        /// Nil: the security mode's port (587, 465 or 25).
        public var port: Int?
        public var security: Security = .starttls
        public var username: String?
        public var passwordFile: String?
        /// The sender, as written: `Name <address>` or a bare address.
        public var from: String
        public var caFile: String?
    }

    /// `[channels.NAME] type = "ntfy"`.
    public struct Ntfy: Sendable, Equatable {
        public var server: String
        /// The default topic; a person's `ntfy_topic` overrides it.
        public var topic: String?
        public var tokenFile: String?
        public var priority = 3
        public var escalationPriority = 4
    }

    /// How the channel delivers, with the settings of its type.
    public enum Transport: Sendable, Equatable {
        case smtp(SMTP)
        case slack(url: String?, urlFile: String?)
        case webhook(url: String, secretFile: String)
        case ntfy(Ntfy)
        case command(argv: [String])
        case log
    }

    public var name: String
    public var transport: Transport
    /// Seconds one attempt may take; nil: the type's default (30 for smtp, 10 otherwise).
    public var timeout: Int?

    public var type: Kind {
        switch transport {
        case .smtp: .smtp
        case .slack: .slack
        case .webhook: .webhook
        case .ntfy: .ntfy
        case .command: .command
        case .log: .log
        }
    }

    /// Seconds one attempt may take.
    public var timeoutSeconds: Int { timeout ?? (type == .smtp ? 30 : 10) }

    /// The keys each channel type takes besides `type`.
    public static let keys: [Kind: Set<String>] = [
        .smtp: ["host", "port", "security", "username", "password_file", "from", "ca_file", "timeout"],
        .slack: ["url", "url_file", "timeout"],
        .webhook: ["url", "secret_file", "timeout"],
        .ntfy: ["server", "topic", "token_file", "priority", "escalation_priority", "timeout"],
        .command: ["argv", "timeout"],
        .log: [],
    ]

    /// A `*_file` setting as a path: `${CREDENTIALS_DIRECTORY}` (systemd's `LoadCredential=`) is
    /// replaced by its value from `environment`.
    public static func filePath(_ value: String?, environment: [String: String]) -> String? {
        guard let value else { return nil }
        guard value.contains("${CREDENTIALS_DIRECTORY}") else { return value }
        guard let directory = environment["CREDENTIALS_DIRECTORY"] else { return value }
        return value.replacingOccurrences(of: "${CREDENTIALS_DIRECTORY}", with: directory)
    }

    /// Keys a channel of the type must have.
    static let requiredKeys: [Kind: [String]] = [
        .smtp: ["host", "from"], .slack: [], .webhook: ["url", "secret_file"], .ntfy: ["server"],
        .command: ["argv"], .log: [],
    ]

    /// The transport of a `type` from its checked settings (strings, numbers rendered).
    static func transport(_ type: Kind, _ settings: [String: String], argv: [String]) -> Transport {
        switch type {
        case .smtp:
            .smtp(
                SMTP(
                    host: settings["host"] ?? "localhost",
                    port: settings["port"].flatMap(Int.init),
                    security: settings["security"].flatMap(SMTP.Security.init(rawValue:)) ?? .starttls,
                    username: settings["username"],
                    passwordFile: settings["password_file"],
                    from: settings["from"] ?? "",
                    caFile: settings["ca_file"]
                )
            )
        case .slack: .slack(url: settings["url"], urlFile: settings["url_file"])
        case .webhook: .webhook(url: settings["url"] ?? "", secretFile: settings["secret_file"] ?? "")
        case .ntfy:
            .ntfy(
                Ntfy(
                    server: settings["server"] ?? "",
                    topic: settings["topic"],
                    tokenFile: settings["token_file"],
                    priority: settings["priority"].flatMap(Int.init) ?? 3,
                    escalationPriority: settings["escalation_priority"].flatMap(Int.init) ?? 4
                )
            )
        case .command: .command(argv: argv)
        case .log: .log
        }
    }
}

extension Config {
    /// The zone a person lives in: their own, or the rule's default.
    public func zone(of person: Person) -> Zone {
        Zone(identifier: person.timezone) ?? rule.timezone
    }

    /// A person's working time under this configuration: zone, working week, holidays, and the
    /// given time off. `zone` lets a caller that resolves many people reuse resolved zones.
    public func workCalendar(for person: Person, timeOff: [TimeOff] = [], zone: Zone? = nil) -> WorkCalendar {
        WorkCalendar(
            zone: zone ?? self.zone(of: person),
            workdays: person.workdays ?? rule.workdays,
            holidays: holidays(calendar: person.calendar),
            timeOff: timeOff
        )
    }
}
