import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every channel type end to end: the real daemon decides a reminder and an escalation at 14:00
/// and delivers them to a real SMTP server, a real HTTP receiver (Slack and ntfy) and a real
/// command; then `admin test-channel` exercises each channel and reports a failing one's error.
@Suite(.serialized) struct ChannelFlowTests {
    @Test func reminderAndEscalationReachEveryChannelInTheRecipientsWords() throws {
        let daemon = try DaemonUnderTest(clock: "2026-03-09T13:59:50Z")
        let folder = daemon.folder
        let certificate = try Certificate.make(in: folder)
        let smtp = try SMTPReceiver(folder: folder, security: "starttls", certificate: certificate, auth: "prospectd:s3cret")
        let httpPort = freePort()
        let http = Receiver(port: httpPort, log: folder.appendingPathComponent("http.jsonl").path)
        let secret = folder.appendingPathComponent("unused.secret").path
        try "whsec_\(Data(repeating: 7, count: 24).base64EncodedString())\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try http.start(secretFile: secret)
        // Secrets live in files; the password file is named through ${CREDENTIALS_DIRECTORY}.
        let credentials = folder.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try "s3cret\n".write(to: credentials.appendingPathComponent("smtp.password"), atomically: true, encoding: .utf8)
        try "tk_push_token\n".write(to: credentials.appendingPathComponent("ntfy.token"), atomically: true, encoding: .utf8)
        try "http://127.0.0.1:\(httpPort)/slack/T000/B000/XXXX\n".write(
            to: credentials.appendingPathComponent("slack.url"),
            atomically: true,
            encoding: .utf8
        )
        let commandOut = folder.appendingPathComponent("command").path
        try daemon.writeConfig(
            """
            [[ladder]]
            name = "nudge"
            at = "14:00"
            channels = ["email", "chat", "push", "hook"]
            [[ladder]]
            name = "heads-up"
            at = "14:00"
            audience = "manager"
            channels = ["email", "push"]

            [digest]
            daily_at = "15:00"
            channels = ["email"]

            [channels.email]
            type = "smtp"
            host = "localhost"
            port = \(smtp.port)
            security = "starttls"
            username = "prospectd"
            password_file = "${CREDENTIALS_DIRECTORY}/smtp.password"
            ca_file = "\(certificate.cert)"
            from = "Prospecting <prospectd@example.com>"
            [channels.chat]
            type = "slack"
            url_file = "${CREDENTIALS_DIRECTORY}/slack.url"
            [channels.push]
            type = "ntfy"
            server = "http://127.0.0.1:\(httpPort)"
            token_file = "${CREDENTIALS_DIRECTORY}/ntfy.token"
            [channels.hook]
            type = "command"
            argv = ["/bin/sh", "-c", "cat > \(commandOut)-$PROSPECT_RECIPIENT.json"]
            [channels.broken]
            type = "command"
            argv = ["/bin/sh", "-c", "echo 'msmtp: recipient address ben@example.com not accepted by the server' >&2; exit 1"]

            [delivery]
            retry_base = 1
            retry_max = 2
            """
        )
        try daemon.start(environment: ["CREDENTIALS_DIRECTORY": credentials.path])
        let roster = folder.appendingPathComponent("roster.csv").path
        try """
        handle,name,email,timezone,manager,role,slack,ntfy_topic
        boss,Bo Sørensen,boss@example.com,Europe/Copenhagen,,manager,U0BOSS,boss-pipeline
        ben,Ben Rep,ben@example.com,UTC,boss,rep,U0BEN,ben-pipeline

        """.write(toFile: roster, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "roster", "import", roster]).code == 0)

        // At 14:00 Ben has logged nothing: he is reminded and the boss hears of it, on every channel.
        let mails = try smtp.waitFor(3)
        let toBen = try #require(mails.first { $0.recipients == ["ben@example.com"] })
        let toBoss = try #require(mails.first { $0.recipients == ["boss@example.com"] && $0.subject.hasPrefix("Ben Rep") })
        // 15:00 in Copenhagen is 14:00 UTC: the boss's daily digest comes at the same moment.
        let digest = try #require(mails.first { $0.subject.hasPrefix("Team pipeline") })
        #expect(digest.recipients == ["boss@example.com"])
        #expect(digest.subject == "Team pipeline Monday 9 March: 0 of 1 met")
        #expect(digest.part("text/plain")?.contains("  Ben Rep   pending   0  -") == true, "\(digest.part("text/plain") ?? "")")
        #expect(digest.part("text/html")?.contains("<strong>Ben Rep</strong>") == true)
        #expect(toBen.tls && toBen.auth == "prospectd")
        #expect(toBen.subject == "Ben, one pipeline action before 17:30")
        #expect(
            toBen.part("text/plain") == """
                Hi Ben,

                You have logged 0 of 1 pipeline-building action for Monday 9 March. The day closes at 17:30.

                One cold call, an email to a lost deal or a referral ask is enough. When it is done:

                    prospect log call --note "who you reached and what's next"

                Thank you. Every action today is a deal next quarter.
                """
        )
        // The boss reads the deadline in his own zone.
        #expect(toBoss.subject == "Ben Rep has no pipeline action yet today")
        #expect(toBoss.part("text/plain")?.contains("the day closes at 18:30 (Europe/Copenhagen).") == true, "\(toBoss.part("text/plain") ?? "")")
        #expect(toBoss.part("text/html")?.contains("<strong>Ben Rep</strong>") == true)
        #expect(toBoss.headers["to"] == "=?UTF-8?B?Qm8gU8O4cmVuc2Vu?= <boss@example.com>")

        try http.waitFor(requests: 3)
        let requests = http.requests
        let slack = try #require(requests.first { ($0["path"] as? String)?.hasPrefix("/slack/") == true })
        let slackText = (slack["body"] as? [String: Any])?["text"] as? String ?? ""
        #expect(slackText.hasPrefix("<@U0BEN> you have 0/1 pipeline actions for Monday 9 March"), "\(slackText)")
        let pushes = requests.filter { ($0["path"] as? String)?.hasSuffix("-pipeline") == true }
        let benPush = try #require(pushes.first { $0["path"] as? String == "/ben-pipeline" })
        let bossPush = try #require(pushes.first { $0["path"] as? String == "/boss-pipeline" })
        let benHeaders = benPush["headers"] as? [String: String] ?? [:]
        #expect(benHeaders["priority"] == "3")
        #expect(benHeaders["authorization"] == "Bearer tk_push_token")
        #expect(benHeaders["title"] == "Ben, one pipeline action before 17:30")
        #expect((bossPush["headers"] as? [String: String])?["priority"] == "4")

        let command = try waitForFile("\(commandOut)-ben.json")
        let stdin = try decodeJSON(command)
        #expect(stdin["type"] as? String == "reminder")
        #expect((stdin["recipient"] as? [String: Any])?["email"] as? String == "ben@example.com")
        #expect((stdin["notice"] as? [String: Any])?["step"] as? String == "nudge")
        #expect(!daemon.log.contains("s3cret") && !daemon.log.contains("tk_push_token") && !daemon.log.contains("XXXX"), "no secret in the log")

        // admin test-channel goes through the real channel and says what happened.
        for name in ["email", "chat", "push", "hook"] {
            let sent = try daemon.prospect(["admin", "test-channel", name, "--to", "boss"])
            #expect(sent.code == 0, "\(sent)")
            #expect(sent.out.hasPrefix("Sent 'prospectd test message through \(name)' to boss through \(name)"), "\(sent)")
        }
        #expect(try smtp.waitFor(4).contains { $0.subject == "prospectd test message through email" && $0.recipients == ["boss@example.com"] })
        try http.waitFor(requests: 5)
        #expect(FileManager.default.fileExists(atPath: "\(commandOut)-boss.json"))
        let broken = try daemon.prospect(["admin", "test-channel", "broken", "--to", "ben"])
        #expect(broken.code == 1)
        #expect(
            broken.err == "prospect: channel 'broken' (command) failed: /bin/sh exited with 1: "
                + "msmtp: recipient address ben@example.com not accepted by the server\n",
            "\(broken)"
        )
        let unknown = try daemon.prospect(["admin", "test-channel", "pager", "--to", "ben"])
        #expect(unknown.code == 1)
        #expect(unknown.err == "prospect: no channel 'pager' in the configuration; channels: broken, chat, email, hook, push\n", "\(unknown)")
        #expect(daemon.stop() == 0)
        // No secret in the outbox or anywhere else in the database files.
        var stored = Data()
        for suffix in ["", "-wal", "-shm"] { stored.append((try? Data(contentsOf: URL(fileURLWithPath: daemon.database + suffix))) ?? Data()) }
        #expect(stored.count > 0)
        for secret in ["s3cret", "tk_push_token", "/slack/T000/B000/XXXX"] {
            #expect(stored.range(of: Data(secret.utf8)) == nil, "a channel secret is stored in the database")
        }
    }

    func waitForFile(_ path: String, timeout: TimeInterval = 30) throws -> String {
        try poll(timeout: timeout, "\(path) never appeared") { !((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").isEmpty }
        return try String(contentsOfFile: path, encoding: .utf8)
    }
}
