import Foundation
import ProspectConfig
import ProspectCore
import Testing

@testable import ProspectMessages

/// Slack and Mattermost read `<!channel>` and `<url|text>` as markup: a name must not carry them.
@Suite struct ChatEscapingTests {
    let config = MessagesTests().config

    func notice(name: String, slack: String?) -> Notice {
        Notice(
            type: .escalation,
            step: "tell",
            audience: .manager,
            rep: "mal",
            repName: name,
            repSlack: slack,
            manager: "carol",
            managerName: "Carol & Co <ops>",
            recipient: "carol",
            day: LocalDate("2026-03-09")!,
            status: .pending,
            count: 0,
            minimum: 1,
            deadline: Date(timeIntervalSince1970: 1_773_077_400),
            dueAt: Date(timeIntervalSince1970: 1_773_070_000),
            consecutiveMisses: 0,
            timezone: "UTC"
        )
    }

    @Test func namesInChatTextAreEscapedAndTheMentionStaysMarkup() {
        let carol = Person(handle: "carol", name: "Carol & Co <ops>", email: "carol@example.com", timezone: "UTC")
        let evil = "<!channel> <https://evil|Reset your password>"
        for (slack, mention) in [("U0MAL", "<@U0MAL>"), (nil, "&lt;!channel&gt; &lt;https://evil|Reset your password&gt;")] {
            for type in [MessageType.reminder, .escalation] {
                let message = MessageTemplates.builtIn.render(
                    type,
                    MessageVariables.of(notice(name: evil, slack: slack), recipient: carol, channel: "slack", config: config)
                )
                #expect(!message.chat.contains("<!channel>"), "\(message.chat)")
                #expect(!message.chat.contains("<https://evil"), "\(message.chat)")
                #expect(message.chat.contains(mention) || message.chat.contains("&lt;!channel&gt;"), "\(message.chat)")
                if let slack { #expect(message.chat.contains("<@\(slack)>") || type == .escalation, "\(message.chat)") }
                // Email text is not chat: it keeps the name as written.
                #expect(message.text.contains("<!channel>"), "\(message.text)")
            }
        }
    }

    @Test func slackEscapingFollowsSlacksRules() {
        #expect(MessageTemplates.slackEscaped("a & b <c> d") == "a &amp; b &lt;c&gt; d")
        #expect(MessageTemplates.slackEscaped("&lt;") == "&amp;lt;")
        #expect(MessageTemplates.isMemberMention("<@U024BE7LH>"))
        #expect(!MessageTemplates.isMemberMention("<!channel>"))
        #expect(!MessageTemplates.isMemberMention("<@U1|x>"))
    }

    @Test func templateFilesAreRegularFilesAndPartialsAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pd-templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("reminder.text.mustache").path,
            withDestinationPath: "/etc/passwd"
        )
        try "Hi {{> /etc/passwd}}\n".write(to: folder.appendingPathComponent("reminder.subject.mustache"), atomically: true, encoding: .utf8)
        let problems = try #require(MessageTemplates.load(directory: folder.path).failure).problems
        #expect(
            problems == [
                "\(folder.path)/reminder.subject.mustache:1: partials ({{> name}}) are not supported; each template stands alone, with the variables it is given",
                "\(folder.path)/reminder.text.mustache: not a regular file (a symbolic link or other); put the template itself in the directory",
            ]
        )
    }
}
