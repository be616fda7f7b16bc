import Foundation
import ProspectConfig
import ProspectCore
import Testing

@testable import ProspectMessages

@Suite struct MessagesTests {
    let config = try! ConfigLoader.parse(
        """
        [rule]
        counting_kinds = ["call"]
        timezone = "UTC"
        [kinds.call]
        label = "Cold call"
        """,
        source: "test.toml"
    )

    func notice(audience: LadderStep.Audience, status: DayState = .missed, misses: Int = 3) -> Notice {
        Notice(
            type: audience == .rep ? .reminder : .escalation,
            step: "skip",
            audience: audience,
            rep: "dana",
            repName: "Dana Doe",
            repSlack: nil,
            manager: "carol",
            managerName: "Carol Manager",
            recipient: "erin",
            day: LocalDate("2026-03-09")!,
            status: status,
            count: 0,
            minimum: 1,
            deadline: Date(timeIntervalSince1970: 1_773_077_400),
            dueAt: Date(timeIntervalSince1970: 1_773_077_400),
            consecutiveMisses: misses,
            timezone: "UTC"
        )
    }

    @Test func everyBuiltInParsesAndUsesOnlyKnownVariables() {
        for (key, text) in BuiltInTemplates.all {
            #expect(MessageTemplates.check(text, path: key).isEmpty, "\(key)")
            #expect(MessageTemplates.builtIn.templates[key] != nil, "\(key)")
        }
        for type in MessageType.allCases {
            for part in MessagePart.allCases {
                #expect(BuiltInTemplates.all["\(type.rawValue).\(part.rawValue)"] != nil, "\(type).\(part)")
            }
        }
    }

    @Test func aSkipLevelMessageSaysWhoHowLongAndWhatToDo() {
        let erin = Person(handle: "erin", name: "Erin Director", email: "erin@example.com", timezone: "America/New_York")
        let message = MessageTemplates.builtIn.render(
            .skipLevel,
            MessageVariables.of(notice(audience: .managersManager), recipient: erin, channel: "email", config: config)
        )
        #expect(message.subject == "Dana Doe has missed 3 workdays in a row")
        #expect(
            message.text == """
                Hi Erin,

                Dana Doe, on Carol Manager's team, has gone 3 workdays in a row without a pipeline-building action; \
                the latest was Monday 9 March, which closed at 13:30 (America/New_York).

                Carol has heard about each day. A word with Carol this week can turn it around before the pipeline shows it.

                Dana logs an action with:

                    prospect log call --note "who you reached and what's next"
                """
        )
        #expect(message.html.contains("<strong>Dana Doe</strong>, on Carol Manager's team"))
    }

    @Test func aMissedEscalationSaysTheDayClosedAndUntilWhenItCanBeMended() {
        let carol = Person(handle: "carol", name: "Carol Manager", email: "carol@example.com", timezone: "UTC")
        let message = MessageTemplates.builtIn.render(
            .escalation,
            MessageVariables.of(notice(audience: .manager, misses: 2), recipient: carol, channel: "email", config: config)
        )
        #expect(message.subject == "Dana Doe missed the pipeline action on Monday 9 March")
        #expect(message.text.contains("the day closed at 17:30.\nThat is 2 missed workdays in a row.\n"), "\(message.text)")
        #expect(message.text.contains("Dana can still log it until 10:00 on the next workday with:"))
        #expect(message.chat == "Dana Doe has 0/1 pipeline actions for Monday 9 March, and the day closed at 17:30. 2 missed workdays in a row.")
    }

    @Test func aOneTapLinkReachesEveryPartOfEscalationsAndSkipLevelsAndNothingElseChanges() {
        let carol = Person(handle: "carol", name: "Carol Manager", email: "carol@example.com", timezone: "UTC")
        let url = "https://prospect.example.com/l/dana/2026-03-09/abc_DEF-123"
        for (type, audience) in [(MessageType.escalation, LadderStep.Audience.manager), (.skipLevel, .managersManager), (.reminder, .rep)] {
            let plain = MessageTemplates.builtIn.render(
                type,
                MessageVariables.of(notice(audience: audience), recipient: carol, channel: "email", config: config)
            )
            let linked = MessageTemplates.builtIn.render(
                type,
                MessageVariables.of(notice(audience: audience), recipient: carol, channel: "email", config: config, logURL: url)
            )
            #expect(!plain.text.contains("/l/") && !plain.html.contains("Log an action") && !plain.chat.contains("/l/"), "\(type)")
            #expect(linked.text.contains(": \(url)"), "\(type): \(linked.text)")
            #expect(linked.html.contains("<a href=\"\(url)\""), "\(type)")
            #expect(linked.chat.hasSuffix("<\(url)|" + (type == .reminder ? "log it here>" : "Log it for Dana>")), "\(type): \(linked.chat)")
            #expect(linked.subject == plain.subject)
            // Without the link's lines, the linked text is the plain one.
            let withoutLink = linked.text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains(url) }
            let rejoined = withoutLink.joined(separator: "\n").replacingOccurrences(of: "\n\n\n", with: "\n\n")
            #expect(rejoined.trimmingCharacters(in: .newlines) == plain.text.trimmingCharacters(in: .newlines), "\(type): \(rejoined)")
        }
        #expect(MessageVariables.hasLogLink(notice(audience: .rep)) && MessageVariables.hasLogLink(notice(audience: .manager)))
        #expect(!MessageVariables.hasLogLink(MessageVariables.testNotice(to: carol, config: config, now: Date(timeIntervalSince1970: 0))))
    }

    @Test func aTemplatesDirectoryOverridesAndIsCheckedWithFileAndLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pd-templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "Pipeline check for {{rep_first_name}}\n".write(
            to: folder.appendingPathComponent("reminder.subject.mustache"),
            atomically: true,
            encoding: .utf8
        )
        let loaded = try MessageTemplates.load(directory: folder.path).get()
        #expect(loaded.overrides.count == 1)
        let erin = Person(handle: "dana", name: "Dana Doe", email: "dana@example.com", timezone: "UTC")
        let vars = MessageVariables.of(notice(audience: .rep), recipient: erin, channel: "email", config: config)
        #expect(loaded.render(.reminder, vars).subject == "Pipeline check for Dana")

        try "Hi {{rep_name}}\n{{#is_missed}}late\n".write(
            to: folder.appendingPathComponent("escalation.text.mustache"),
            atomically: true,
            encoding: .utf8
        )
        try "Hi {{rep_nmae}}\n".write(to: folder.appendingPathComponent("reminder.text.mustache"), atomically: true, encoding: .utf8)
        try "x".write(to: folder.appendingPathComponent("remindr.text.mustache"), atomically: true, encoding: .utf8)
        let problems = try #require(MessageTemplates.load(directory: folder.path).failure)
        let p = folder.path
        #expect(problems.problems.count == 3)
        #expect(problems.problems[0].hasPrefix("\(p)/escalation.text.mustache:"), "\(problems)")
        #expect(problems.problems[0].hasSuffix("a section is never closed"), "\(problems)")
        #expect(problems.problems[1].hasPrefix("\(p)/reminder.text.mustache:1: unknown variable 'rep_nmae'; known: "), "\(problems)")
        #expect(
            problems.problems[2]
                == "\(p)/remindr.text.mustache: unknown template name 'remindr.text'; expected (reminder|escalation|skip-level|test|daily|weekly|sales-trap|take-stock).(subject|text|html|chat).mustache"
        )
        #expect(
            MessageTemplates.load(directory: p + "/missing").failure?.problems == [
                "\(p)/missing: cannot read the templates directory; check that it exists and is readable"
            ]
        )
    }

    @Test func aNoticeRoundTripsThroughTheOutboxPayload() {
        let original = notice(audience: .manager)
        #expect(Notice.decode(original.json()) == original)
        #expect(original.json().contains("\"rep_name\":\"Dana Doe\""))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}
