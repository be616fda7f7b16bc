import Foundation
import ProspectCore
import Testing

@testable import ProspectConfig

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func errors(_ text: String) -> [String] {
    do {
        _ = try ConfigLoader.parse(text, source: "test.toml")
        return []
    } catch let error as ConfigErrors {
        return error.errors.map(\.description)
    } catch {
        return ["unexpected error: \(error)"]
    }
}

let minimal = """
    [rule]
    counting_kinds = ["call"]
    [kinds.call]
    label = "Cold call"
    """

@Suite struct ConfigTests {
    @Test func stepNamesCannotTakeTheKeysOfDigestsAndAlarms() {
        let text = minimal + "\n[[ladder]]\nname = \"digest:daily\"\nat = \"14:00\"\nchannels = [\"log\"]\n[channels.log]\ntype = \"log\"\n"
        #expect(
            errors(text) == [
                "test.toml:6: ladder[0].name: 'digest:daily' is not a step name; use 1-64 characters without ':' (reserved for digests and alarms)"
            ]
        )
        #expect(errors(text.replacingOccurrences(of: "digest:daily", with: "daily")) == [])
    }

    @Test func theShippedExamplePasses() throws {
        let config = try ConfigLoader.load(path: repoRoot.appendingPathComponent("config/prospectd.toml").path)
        #expect(config.rule.timezone.identifier == "Europe/Copenhagen")
        #expect(config.ladder.map(\.name) == ["nudge", "manager", "skip-level"])
        #expect(config.ladder[2].afterMisses == 3 && config.ladder[2].audience == .managersManager)
        #expect(config.digest?.weeklyAt?.day == .fri)
        #expect(config.holidays(calendar: nil).contains(LocalDate("2026-12-24")!))
        #expect(config.kinds["won"]?.category == .closing && config.kinds["won"]?.counts == false)
    }

    @Test func theEmbeddedDefaultParsesWithTheContractsDefaults() {
        let config = ConfigLoader.embeddedDefault(stateDirectory: "/tmp/x")
        #expect(config.daemon.socket == "/tmp/x/prospectd.sock")
        #expect(config.rule.minimumActions == 1 && config.rule.endOfDay == LocalTime("17:30"))
        #expect(config.ladder.isEmpty && config.digest == nil && config.channels.isEmpty)
        let dev = ConfigLoader.embeddedDefault(stateDirectory: "/tmp/x", firstReminder: LocalTime("16:05"))
        #expect(dev.ladder.map(\.name) == ["nudge", "manager"] && dev.ladder[0].at == .time(LocalTime("16:05")!))
        #expect(dev.channels["log"]?.type == .log && dev.ladder.allSatisfy { $0.channels == ["log"] })
    }

    @Test func aMinimalFileTakesTheDefaults() throws {
        let config = try ConfigLoader.parse(minimal, source: "m.toml")
        #expect(config.daemon.database == "/var/lib/prospectd/prospectd.sqlite")
        #expect(config.daemon.socket == "/run/prospectd/prospectd.sock")
        #expect(config.rule.workdays == Weekday.weekdays && config.rule.lateGrace == LocalTime("10:00"))
        #expect(config.rule.timezone == .utc)
    }

    @Test func reportsEveryErrorWithItsLine() {
        let text = """
            [daemon]
            listen = "localhost"
            colour = "blue"

            [rule]
            counting_kinds = ["call", "emial"]
            end_of_day = "5:30pm"
            timezone = "Europe/Kopenhagen"

            [kinds.call]
            label = "Cold call"
            category = "cold"

            [[ladder]]
            name = "nudge"
            at = "14:00"
            channels = ["slak"]

            [[ladder]]
            name = "nudge"
            at = "end_of_day"
            audience = "boss"
            channels = []

            [channels.slack]
            type = "slack"
            url_file = "/etc/prospectd/slack.url"
            """
        #expect(
            errors(text).sorted()
                == [
                    "test.toml:6: rule.counting_kinds[1]: kind 'emial' is not defined; defined kinds: call",
                    "test.toml:3: daemon.colour: unknown key 'colour'; expected one of: connections_per_peer, database, database_password_file, failover_seconds, listen, metrics_listen, public_url, socket, tls_certificate_file, tls_key_file, token_failure_limit",
                    "test.toml:2: daemon.listen: 'localhost' is not an address; expected \"HOST:PORT\" like \"127.0.0.1:8787\"",
                    "test.toml:7: rule.end_of_day: '5:30pm' is not a time; expected \"HH:MM\" on a 24-hour clock, like \"17:30\"",
                    "test.toml:8: rule.timezone: 'Europe/Kopenhagen' is not a known time zone; expected an IANA name like \"Europe/Copenhagen\"",
                    "test.toml:12: kinds.call.category: 'cold' is not a category; expected prospecting, advancing or closing",
                    "test.toml:17: ladder[0].channels[0]: names channel 'slak', which is not defined; defined channels: slack",
                    "test.toml:20: ladder[1].name: step name 'nudge' is used twice; names must be unique",
                    "test.toml:22: ladder[1].audience: 'boss' is not an audience; expected rep, manager or manager.manager",
                    "test.toml:23: ladder[1].channels: is empty; list at least one channel",
                ].sorted()
        )
    }

    @Test func publicURLIsAnHTTPBaseAddressWithoutQueryOrCredentials() throws {
        for good in ["https://prospect.example.com", "http://127.0.0.1:8787/", "https://example.com/prospect//"] {
            let config = try ConfigLoader.parse("[daemon]\npublic_url = \"\(good)\"\n" + minimal, source: "test.toml")
            #expect(config.daemon.publicURL.map { !$0.hasSuffix("/") && good.hasPrefix($0) } == true, "\(good)")
        }
        for bad in [
            "prospect.example.com", "ftp://example.com", "https://", "https://user:pw@example.com", "https://x.com/?a=1", "https://x.com/#f",
            "https://x.com/a b",
        ] {
            let found = errors("[daemon]\npublic_url = \"\(bad)\"\n" + minimal)
            #expect(found.count == 1 && found[0].hasPrefix("test.toml:2: daemon.public_url: '\(bad)' is not a base address"), "\(bad): \(found)")
        }
    }

    @Test func reportsTOMLSyntaxErrorsWithTheirLine() {
        let found = errors("[rule]\ncounting_kinds = [\"call\"\n[kinds.call]\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("test.toml:3: not valid TOML") == true || found.first?.hasPrefix("test.toml:2: not valid TOML") == true)
    }

    @Test func needsRuleAndKinds() {
        #expect(
            errors("") == [
                "test.toml: kinds: missing: define at least one [kinds.NAME] table",
                "test.toml: rule: missing: a [rule] table is required (minimum_actions, counting_kinds, ...)",
            ]
        )
    }

    @Test func checksTheShapeOfChannelValuesWithTheirLines() {
        let found = errors(
            minimal + """

                [channels.email]
                type = "smtp"
                host = "smtp.example.com"
                port = 70000
                security = "ssl"
                from = "Prospecting prospectd.example.com"
                [channels.push]
                type = "ntfy"
                server = "ntfy.sh"
                escalation_priority = 9
                [channels.chat]
                type = "slack"
                url_file = "/etc/prospectd/slack.url"
                timeout = 0
                [templates]
                directory = ""
                """
        )
        #expect(
            found == [
                "test.toml:18: channels.chat.timeout: '0' is not a timeout; expected whole seconds from 1 to 600",
                "test.toml:8: channels.email.port: '70000' is not a port; expected 1 to 65535",
                "test.toml:9: channels.email.security: 'ssl' is not a mode; expected \"starttls\", \"tls\" or \"none\"",
                "test.toml:10: channels.email.from: 'Prospecting prospectd.example.com' is not a sender; expected \"Name <address@example.com>\" or a bare address",
                "test.toml:13: channels.push.server: expected an http:// or https:// URL",
                "test.toml:14: channels.push.escalation_priority: '9' is not an ntfy priority; expected 1 (min) to 5 (max)",
                "test.toml:20: templates.directory: is empty; expected a directory of TYPE.PART.mustache files",
            ],
            "\(found)"
        )
    }

    @Test func aCredentialsDirectoryIsFilledInFromTheEnvironment() throws {
        let config = try ConfigLoader.parse(
            minimal
                + "\n[channels.email]\ntype = \"smtp\"\nhost = \"h\"\nfrom = \"a@example.com\"\npassword_file = \"${CREDENTIALS_DIRECTORY}/smtp.password\"\n",
            source: "test.toml"
        )
        guard case .smtp(let email)? = config.channels["email"]?.transport else {
            Issue.record("channels.email is not an smtp channel")
            return
        }
        #expect(
            ChannelSettings.filePath(email.passwordFile, environment: ["CREDENTIALS_DIRECTORY": "/run/credentials/prospectd.service"])
                == "/run/credentials/prospectd.service/smtp.password"
        )
        #expect(ChannelSettings.filePath(email.passwordFile, environment: [:]) == "${CREDENTIALS_DIRECTORY}/smtp.password")
    }

    @Test func refusesInlineSecretsAndMissingChannelKeys() {
        let found = errors(
            minimal + """

                [channels.hook]
                type = "webhook"
                url = "https://example.com/hook"
                secret = "whsec_abc"
                """
        )
        #expect(found.contains { $0.contains("channels.hook.secret: unknown key 'secret'") })
        #expect(found.contains { $0.contains("channels.hook.secret_file: missing") })
    }

    @Test(arguments: [
        ("minimum_actions = 0", "rule.minimum_actions: 0 is out of range"),
        ("minimum_actions = \"one\"", "rule.minimum_actions: expected an integer, found string"),
        ("workdays = [\"mon\", \"funday\"]", "rule.workdays[1]: 'funday' is not a day"),
        ("late_grace = 10", "rule.late_grace: expected a string, found integer"),
    ])
    func refusesBadRuleValues(_ line: String, _ expected: String) {
        let text = "[rule]\ncounting_kinds = [\"call\"]\n\(line)\n[kinds.call]\n"
        #expect(errors(text).contains { $0.contains(expected) }, "\(errors(text))")
    }

    @Test func refusesBadHolidayDates() {
        let found = errors(minimal + "\n[calendars.default]\nholidays = [\"2026-02-30\", 2026-12-24]\n")
        #expect(
            found == [
                "test.toml:6: calendars.default.holidays[0]: expected a date from 2000-01-01 to 2199-12-31 \"YYYY-MM-DD\" that exists, like \"2026-12-24\""
            ]
        )
    }

    @Test func loadingAMissingFileSaysSo() {
        #expect(throws: ConfigErrors.self) { try ConfigLoader.load(path: "/nonexistent/prospectd.toml") }
    }
}
