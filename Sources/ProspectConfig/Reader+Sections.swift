import Foundation
import ProspectCore
import TOMLKit

/// One method per section of the file.
extension Reader {
    mutating func read(_ root: TOMLTable) -> Config? {
        checkKeys(
            root,
            "",
            allowed: ["daemon", "rule", "kinds", "ladder", "digest", "calendars", "channels", "delivery", "templates", "alarm", "import"]
        )
        let daemon = readDaemon(subtable(root, "daemon", "") ?? TOMLTable())
        let channels = readChannels(subtable(root, "channels", "") ?? TOMLTable())
        let kindsTable = subtable(root, "kinds", "")
        if root["kinds"] == nil { fail("kinds", "missing: define at least one [kinds.NAME] table") }
        guard let ruleTable = subtable(root, "rule", "") else {
            if root["rule"] == nil { fail("rule", "missing: a [rule] table is required (minimum_actions, counting_kinds, ...)") }
            return nil
        }
        let (rule, countingKinds) = readRule(ruleTable)
        let kinds = readKinds(kindsTable ?? TOMLTable(), counting: countingKinds)
        for (i, name) in countingKinds.enumerated() where kindsTable != nil && kinds[name] == nil {
            fail(
                "rule.counting_kinds[\(i)]",
                "kind '\(name)' is not defined; defined kinds: \(kinds.keys.sorted().joined(separator: ", "))"
            )
        }
        let ladder = readLadder(root["ladder"], channels: channels)
        let digest = subtable(root, "digest", "").flatMap { readDigest($0, channels: channels) }
        let calendars = readCalendars(subtable(root, "calendars", "") ?? TOMLTable())
        guard let daemon, let rule else { return nil }
        return Config(
            daemon: daemon,
            rule: rule,
            kinds: kinds,
            ladder: ladder,
            digest: digest,
            calendars: calendars,
            channels: channels,
            delivery: readDelivery(subtable(root, "delivery", "") ?? TOMLTable()),
            alarm: readAlarm(subtable(root, "alarm", "") ?? TOMLTable(), channels: channels),
            importKinds: readImport(subtable(root, "import", "") ?? TOMLTable(), kinds: kinds),
            templatesDirectory: subtable(root, "templates", "").flatMap { readTemplates($0) },
            source: source
        )
    }

    mutating func readDaemon(_ t: TOMLTable) -> DaemonSettings? {
        checkKeys(
            t,
            "daemon",
            allowed: [
                "database", "socket", "listen", "metrics_listen", "tls_certificate_file", "tls_key_file", "token_failure_limit",
                "connections_per_peer", "public_url", "database_password_file", "failover_seconds",
            ]
        )
        let database = string(t, "database", "daemon") ?? DaemonSettings.defaultDatabase
        let socket = string(t, "socket", "daemon") ?? DaemonSettings.defaultSocket
        if database.isEmpty { fail("daemon.database", "is empty; expected a file path or a postgresql:// URL") }
        if PostgresLocation.isURL(database), case .failure(let error) = PostgresLocation.parse(database) {
            fail("daemon.database", error.reason)
        }
        if socket.isEmpty || socket.utf8.count > 107 {
            fail("daemon.socket", "expected a path of 1 to 107 bytes (the Unix socket limit)")
        }
        var listen: ListenAddress? = nil
        if let text = string(t, "listen", "daemon") {
            listen = ListenAddress(text)
            if listen == nil { fail("daemon.listen", "'\(text)' is not an address; expected \"HOST:PORT\" like \"127.0.0.1:8787\"") }
        }
        var settings = DaemonSettings(database: database, socket: socket, listen: listen)
        if let text = string(t, "metrics_listen", "daemon") {
            settings.metricsListen = ListenAddress(text)
            if settings.metricsListen == nil {
                fail("daemon.metrics_listen", "'\(text)' is not an address; expected \"HOST:PORT\" like \"127.0.0.1:9787\"")
            } else if settings.metricsListen == listen {
                fail("daemon.metrics_listen", "is the same address as daemon.listen; give the metrics their own port")
            }
        }
        if !socket.isEmpty, !database.isEmpty, let problem = settings.socketPathProblem { fail("daemon.socket", problem) }
        settings.tlsCertificateFile = string(t, "tls_certificate_file", "daemon")
        settings.tlsKeyFile = string(t, "tls_key_file", "daemon")
        switch (settings.tlsCertificateFile, settings.tlsKeyFile) {
        case (.some, nil): fail("daemon.tls_key_file", "missing: tls_certificate_file needs its private key file")
        case (nil, .some): fail("daemon.tls_certificate_file", "missing: tls_key_file needs its certificate file")
        case (.some, .some) where listen == nil:
            fail("daemon.tls_certificate_file", "TLS is for the TCP listener; set daemon.listen too (the socket needs no TLS)")
        default: break
        }
        if let text = string(t, "public_url", "daemon") {
            settings.publicURL = DaemonSettings.publicURL(text)
            if settings.publicURL == nil {
                fail(
                    "daemon.public_url",
                    "'\(text.prefix(100))' is not a base address; expected http(s)://HOST[:PORT][/PATH] without query or fragment, like \"https://prospect.example.com\""
                )
            }
        }
        settings.databasePasswordFile = string(t, "database_password_file", "daemon")
        if settings.databasePasswordFile != nil, !PostgresLocation.isURL(database) {
            fail("daemon.database_password_file", "is for a PostgreSQL database; daemon.database is a SQLite file, which takes no password")
        }
        settings.failoverSeconds = int(t, "failover_seconds", "daemon", range: 2...600) ?? settings.failoverSeconds
        settings.tokenFailureLimit = int(t, "token_failure_limit", "daemon", range: 1...100_000) ?? settings.tokenFailureLimit
        settings.connectionsPerPeer = int(t, "connections_per_peer", "daemon", range: 1...10_000) ?? settings.connectionsPerPeer
        return settings
    }

    mutating func readRule(_ t: TOMLTable) -> (Rule?, [String]) {
        checkKeys(
            t,
            "rule",
            allowed: ["minimum_actions", "counting_kinds", "workdays", "end_of_day", "late_grace", "timezone"]
        )
        let minimum = int(t, "minimum_actions", "rule", range: 1...100) ?? 1
        let counting = strings(t, "counting_kinds", "rule")
        if t["counting_kinds"] == nil { fail("rule.counting_kinds", "missing: list the kinds that count, like [\"call\", \"email\"]") }
        if let counting, counting.isEmpty { fail("rule.counting_kinds", "is empty; at least one kind must count") }
        var workdays = Weekday.weekdays
        if let names = strings(t, "workdays", "rule") {
            workdays = []
            for (i, name) in names.enumerated() {
                if let day = Weekday(rawValue: name.lowercased()) {
                    workdays.insert(day)
                } else {
                    fail("rule.workdays[\(i)]", "'\(name)' is not a day; expected mon, tue, wed, thu, fri, sat or sun")
                }
            }
            if names.isEmpty { fail("rule.workdays", "is empty; list at least one day") }
        }
        let endOfDay = time(t, "end_of_day", "rule") ?? LocalTime(hour: 17, minute: 30)!
        let lateGrace = time(t, "late_grace", "rule") ?? LocalTime(hour: 10, minute: 0)!
        var zone = Zone.utc
        if let name = string(t, "timezone", "rule") {
            if let z = Zone(identifier: name) {
                zone = z
            } else {
                fail("rule.timezone", "'\(name)' is not a known time zone; expected an IANA name like \"Europe/Copenhagen\"")
            }
        }
        let rule = Rule(
            minimumActions: minimum,
            countingKinds: Set(counting ?? []),
            workdays: workdays,
            endOfDay: endOfDay,
            lateGrace: lateGrace,
            timezone: zone
        )
        return (rule, counting ?? [])
    }

    mutating func readKinds(_ t: TOMLTable, counting: [String]) -> [String: ActivityKind] {
        var kinds: [String: ActivityKind] = [:]
        for name in t.keys.sorted() {
            let path = "kinds.\(name)"
            guard PersonField.isValidHandle(name) else {
                fail(path, "kind name '\(name)' must be lowercase letters, digits, '.', '_' or '-'")
                continue
            }
            guard let kt = subtable(t, name, "kinds") else { continue }
            checkKeys(kt, path, allowed: ["label", "category"])
            let label = string(kt, "label", path) ?? name
            var category = KindCategory.prospecting
            if let c = string(kt, "category", path) {
                if let value = KindCategory(rawValue: c) {
                    category = value
                } else {
                    fail("\(path).category", "'\(c)' is not a category; expected prospecting, advancing or closing")
                }
            }
            kinds[name] = ActivityKind(name: name, label: label, category: category, counts: counting.contains(name))
        }
        if t.keys.isEmpty { fail("kinds", "is empty; define at least one [kinds.NAME] table") }
        return kinds
    }

    mutating func checkChannels(_ names: [String]?, _ path: String, channels: [String: ChannelSettings]) {
        guard let names else {
            fail("\(path).channels", "missing: list at least one channel")
            return
        }
        if names.isEmpty { fail("\(path).channels", "is empty; list at least one channel") }
        for (i, name) in names.enumerated() where channels[name] == nil {
            let defined = channels.keys.sorted()
            fail(
                "\(path).channels[\(i)]",
                "names channel '\(name)', which is not defined; "
                    + (defined.isEmpty ? "define it under [channels.\(name)]" : "defined channels: \(defined.joined(separator: ", "))")
            )
        }
    }

    mutating func readLadder(_ value: (any TOMLValueConvertible)?, channels: [String: ChannelSettings]) -> [LadderStep] {
        guard let value else { return [] }
        guard let array = value.array else {
            fail("ladder", "expected [[ladder]] tables, found \(value.type)")
            return []
        }
        var steps: [LadderStep] = []
        var seen: Set<String> = []
        for (i, element) in array.enumerated() {
            let path = "ladder[\(i)]"
            guard let t = element.table else {
                fail(path, "expected a table, found \(element.type)")
                continue
            }
            checkKeys(t, path, allowed: ["name", "at", "audience", "after_misses", "channels", "unless"])
            let name = string(t, "name", path)
            if name == nil, t["name"] == nil { fail("\(path).name", "missing: every step needs a name") }
            if let name {
                if !seen.insert(name).inserted { fail("\(path).name", "step name '\(name)' is used twice; names must be unique") }
                if name.isEmpty || name.contains(":") || name.count > 64 {
                    fail("\(path).name", "'\(name)' is not a step name; use 1-64 characters without ':' (reserved for digests and alarms)")
                }
            }
            var at: LadderStep.At? = nil
            if let text = string(t, "at", path) {
                if text == "end_of_day" {
                    at = .endOfDay
                } else if let time = LocalTime(text) {
                    at = .time(time)
                } else {
                    fail("\(path).at", "'\(text)' is not a time; expected \"HH:MM\" or \"end_of_day\"")
                }
            } else if t["at"] == nil {
                fail("\(path).at", "missing: expected \"HH:MM\" or \"end_of_day\"")
            }
            var audience = LadderStep.Audience.rep
            if let text = string(t, "audience", path) {
                if let a = LadderStep.Audience(rawValue: text) {
                    audience = a
                } else {
                    fail("\(path).audience", "'\(text)' is not an audience; expected rep, manager or manager.manager")
                }
            }
            let afterMisses = int(t, "after_misses", path, range: 1...365)
            var unlessAcknowledged = false
            if let text = string(t, "unless", path) {
                if text != "acknowledged" {
                    fail("\(path).unless", "'\(text)' is not a condition; the only one is \"acknowledged\" (prospect team --ack)")
                } else if audience == .rep {
                    fail("\(path).audience", "a step with unless = \"acknowledged\" is about a manager; set audience = \"manager\" (their manager)")
                } else {
                    unlessAcknowledged = true
                }
                if afterMisses != nil { fail("\(path).after_misses", "does not apply to a step with unless = \"acknowledged\"") }
            }
            let stepChannels = strings(t, "channels", path)
            checkChannels(stepChannels, path, channels: channels)
            if let name, let at {
                steps.append(
                    LadderStep(
                        name: name,
                        at: at,
                        audience: audience,
                        afterMisses: afterMisses,
                        channels: stepChannels ?? [],
                        unlessAcknowledged: unlessAcknowledged
                    )
                )
            }
        }
        return steps
    }

    mutating func readDigest(_ t: TOMLTable, channels: [String: ChannelSettings]) -> DigestSettings? {
        checkKeys(t, "digest", allowed: ["daily_at", "weekly_at", "channels"])
        let daily = time(t, "daily_at", "digest")
        var weekly: (Weekday, LocalTime)? = nil
        if let text = string(t, "weekly_at", "digest") {
            let parts = text.split(separator: " ")
            if parts.count == 2, let day = Weekday(rawValue: String(parts[0]).lowercased()), let time = LocalTime(parts[1]) {
                weekly = (day, time)
            } else {
                fail("digest.weekly_at", "'\(text)' is not a weekly time; expected \"DAY HH:MM\" like \"fri 17:00\"")
            }
        }
        let names = strings(t, "channels", "digest")
        checkChannels(names, "digest", channels: channels)
        return DigestSettings(dailyAt: daily, weeklyAt: weekly, channels: names ?? [])
    }

    mutating func readCalendars(_ t: TOMLTable) -> [String: Set<LocalDate>] {
        var calendars: [String: Set<LocalDate>] = [:]
        for name in t.keys.sorted() {
            let path = "calendars.\(name)"
            guard let ct = subtable(t, name, "calendars") else { continue }
            checkKeys(ct, path, allowed: ["holidays"])
            var days: Set<LocalDate> = []
            if let array = ct["holidays"]?.array {
                for (i, element) in array.enumerated() {
                    if let d = element.date, let date = LocalDate(year: Int(d.year), month: Int(d.month), day: Int(d.day)),
                        LocalDate.supported.contains(date)
                    {
                        days.insert(date)
                    } else if let s = element.string, let date = LocalDate(input: s) {
                        days.insert(date)
                    } else {
                        fail("\(path).holidays[\(i)]", "expected \(LocalDate.supportedRangeText) \"YYYY-MM-DD\" that exists, like \"2026-12-24\"")
                    }
                }
            } else if ct["holidays"] != nil {
                fail("\(path).holidays", "expected an array of dates")
            }
            calendars[name] = days
        }
        return calendars
    }

    mutating func readChannels(_ t: TOMLTable) -> [String: ChannelSettings] {
        var channels: [String: ChannelSettings] = [:]
        for name in t.keys.sorted() {
            let path = "channels.\(name)"
            guard let ct = subtable(t, name, "channels") else { continue }
            guard let typeName = string(ct, "type", path) else {
                if ct["type"] == nil {
                    fail("\(path).type", "missing: expected one of \(ChannelSettings.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                continue
            }
            guard let type = ChannelSettings.Kind(rawValue: typeName) else {
                fail(
                    "\(path).type",
                    "'\(typeName)' is not a channel type; expected one of \(ChannelSettings.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
                continue
            }
            let allowed = ChannelSettings.keys[type]!
            checkKeys(ct, path, allowed: allowed.union(["type"]))
            var settings: [String: String] = [:]
            var argv: [String] = []
            for key in ct.keys where allowed.contains(key) {
                if key == "argv" {
                    argv = strings(ct, key, path) ?? []
                    if argv.isEmpty { fail("\(path).argv", "is empty; expected the program and its arguments") }
                } else if let value = ct[key]?.string {
                    settings[key] = value
                } else if let value = ct[key]?.int {
                    settings[key] = String(value)
                } else {
                    fail("\(path).\(key)", "expected a string or an integer")
                }
            }
            for key in ChannelSettings.requiredKeys[type]! where ct[key] == nil {
                fail("\(path).\(key)", "missing: a \(type.rawValue) channel needs '\(key)'")
            }
            if type == .slack, ct["url"] == nil, ct["url_file"] == nil {
                fail("\(path).url_file", "missing: a slack channel needs 'url_file' (the webhook URL is a secret)")
            }
            checkChannelValues(settings, path)
            channels[name] = ChannelSettings(
                name: name,
                transport: ChannelSettings.transport(type, settings, argv: argv),
                timeout: settings["timeout"].flatMap(Int.init)
            )
        }
        return channels
    }

    /// Values that have a shape: ports, URLs, security modes, priorities, timeouts, addresses.
    mutating func checkChannelValues(_ settings: [String: String], _ path: String) {
        if let port = settings["port"], Int(port).map({ (1...65535).contains($0) }) != true {
            fail("\(path).port", "'\(port)' is not a port; expected 1 to 65535")
        }
        if let security = settings["security"], !["starttls", "tls", "none"].contains(security) {
            fail("\(path).security", "'\(security)' is not a mode; expected \"starttls\", \"tls\" or \"none\"")
        }
        if let timeout = settings["timeout"], Int(timeout).map({ (1...600).contains($0) }) != true {
            fail("\(path).timeout", "'\(timeout)' is not a timeout; expected whole seconds from 1 to 600")
        }
        for key in ["url", "server"] {
            if let url = settings[key], !(url.hasPrefix("https://") || url.hasPrefix("http://")) || URL(string: url)?.host == nil {
                fail("\(path).\(key)", "expected an http:// or https:// URL")
            }
        }
        for key in ["priority", "escalation_priority"] {
            if let priority = settings[key], Int(priority).map({ (1...5).contains($0) }) != true {
                fail("\(path).\(key)", "'\(priority)' is not an ntfy priority; expected 1 (min) to 5 (max)")
            }
        }
        if let topic = settings["topic"], !PersonField.isValidNtfyTopic(topic) {
            fail("\(path).topic", "'\(topic)' is not a topic; use 1-64 letters, digits, '_' or '-'")
        }
        if let from = settings["from"] {
            let address = from.split(separator: "<").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "> ")) } ?? from
            if !PersonField.isValidEmail(address) || from.contains(where: \.isNewline) {
                fail("\(path).from", "'\(from)' is not a sender; expected \"Name <address@example.com>\" or a bare address")
            }
        }
    }

    mutating func readAlarm(_ t: TOMLTable, channels: [String: ChannelSettings]) -> AlarmSettings {
        checkKeys(t, "alarm", allowed: ["window_days", "pipeline_drop", "prospecting_drop", "channels"])
        var settings = AlarmSettings()
        settings.windowDays = int(t, "window_days", "alarm", range: 7...365) ?? settings.windowDays
        if let drop = int(t, "pipeline_drop", "alarm", range: 1...100) { settings.pipelineDrop = Double(drop) / 100 }
        if let drop = int(t, "prospecting_drop", "alarm", range: 1...100) { settings.prospectingDrop = Double(drop) / 100 }
        if t["channels"] != nil {
            let names = strings(t, "channels", "alarm")
            checkChannels(names, "alarm", channels: channels)
            settings.channels = names ?? []
        }
        return settings
    }

    mutating func readImport(_ t: TOMLTable, kinds: [String: ActivityKind]) -> [String: String] {
        checkKeys(t, "import", allowed: ["kinds"])
        guard let table = subtable(t, "kinds", "import") else { return [:] }
        var map: [String: String] = [:]
        for key in table.keys.sorted() {
            guard let kind = string(table, key, "import.kinds") else { continue }
            if kinds[kind] == nil {
                fail(
                    "import.kinds.\(key)",
                    "maps to kind '\(kind)', which is not defined; defined kinds: \(kinds.keys.sorted().joined(separator: ", "))"
                )
            }
            map[key.lowercased()] = kind
        }
        return map
    }

    mutating func readTemplates(_ t: TOMLTable) -> String? {
        checkKeys(t, "templates", allowed: ["directory"])
        guard let directory = string(t, "directory", "templates") else { return nil }
        if directory.isEmpty { fail("templates.directory", "is empty; expected a directory of TYPE.PART.mustache files") }
        return directory
    }

    mutating func readDelivery(_ t: TOMLTable) -> DeliverySettings {
        checkKeys(t, "delivery", allowed: ["concurrency", "retry_base", "retry_max", "give_up_after"])
        var settings = DeliverySettings()
        settings.concurrency = int(t, "concurrency", "delivery", range: 1...256) ?? settings.concurrency
        settings.retryBase = int(t, "retry_base", "delivery", range: 1...86_400) ?? settings.retryBase
        settings.retryMax = int(t, "retry_max", "delivery", range: 1...604_800) ?? settings.retryMax
        settings.giveUpAfter = int(t, "give_up_after", "delivery", range: 60...2_592_000) ?? settings.giveUpAfter
        if settings.retryMax < settings.retryBase { fail("delivery.retry_max", "is shorter than retry_base") }
        return settings
    }
}
