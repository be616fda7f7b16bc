import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One-tap logging end to end: a reminder email from a real SMTP server, its link followed in
/// headless Chromium (`Tests/Fixtures/browser.py`, real clicks), and every way a link must fail.
@Suite(.serialized) struct LinkTests {
    /// A 14:00 reminder through `channels`, "email" being the SMTP receiver.
    static func nudge(channels: String, smtp: SMTPReceiver) -> String {
        """
        [[ladder]]
        name = "nudge"
        at = "14:00"
        channels = \(channels)
        [channels.email]
        type = "smtp"
        host = "127.0.0.1"
        port = \(smtp.port)
        security = "none"
        from = "Prospecting <prospectd@example.com>"
        """
    }

    /// `curl` against the daemon: (status, body).
    func fetch(_ url: String, form: String? = nil, in folder: URL) throws -> (code: Int, body: String) {
        var arguments = ["-s", "-w", "\n%{http_code}"]
        if let form {
            let file = folder.appendingPathComponent("form-\(UUID().uuidString.prefix(6))").path
            try form.write(toFile: file, atomically: true, encoding: .utf8)
            arguments += ["-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary", "@\(file)"]
        }
        let out = try run("/usr/bin/curl", arguments + [url])
        let lines = out.out.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    func count(_ daemon: DaemonUnderTest, _ rep: String, date: String? = nil) throws -> Int? {
        guard let date else { return try decodeJSON(try daemon.prospect(["status", "--rep", rep, "--json"]).out)["count"] as? Int }
        let history = try decodeJSON(try daemon.prospect(["history", "--rep", rep, "--days", "7", "--json"]).out)
        return (history["days"] as? [[String: Any]])?.first { $0["date"] as? String == date }?["count"] as? Int
    }

    /// Chromium through the DevTools pipe: the page's text and statuses, as JSON.
    func browse(_ url: String, arguments: [String] = []) throws -> [String: Any] {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium else { throw HarnessError("chromium is not installed (apt-get install chromium); .ci/run installs it") }
        let out = try run("/usr/bin/python3", [fixture("browser.py"), "--chromium", chromium, "--url", url] + arguments, timeout: 90)
        guard out.code == 0 else { throw HarnessError("browser.py failed: \(out)") }
        return try decodeJSON(out.out)
    }

    @Test func aRepMeetsTheRuleFromTheReminderOnAPhoneAndNoBadLinkWritesAnything() throws {
        let daemon = try DaemonUnderTest(clock: "2026-03-11T13:59:50Z")
        let smtp = try SMTPReceiver(folder: daemon.folder)
        let httpPort = freePort()
        let http = Receiver(port: httpPort, log: daemon.folder.appendingPathComponent("http.jsonl").path)
        let secret = daemon.folder.appendingPathComponent("unused.secret").path
        try "whsec_\(Data(repeating: 7, count: 24).base64EncodedString())\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try http.start(secretFile: secret)
        let slackURL = daemon.folder.appendingPathComponent("slack.url").path
        try "http://127.0.0.1:\(httpPort)/slack/T000/B000/XXXX\n".write(toFile: slackURL, atomically: true, encoding: .utf8)
        let ladder =
            Self.nudge(channels: #"["email", "chat", "push"]"#, smtp: smtp) + """

                [channels.chat]
                type = "slack"
                url_file = "\(slackURL)"
                [channels.push]
                type = "ntfy"
                server = "http://127.0.0.1:\(httpPort)"
                topic = "team-pipeline"
                """
        try daemon.writeConfig(ladder, daemonExtra: #"public_url = "http://127.0.0.1:\#(daemon.port)/""#)
        try daemon.start()
        for (handle, name) in [("ann", "Ann <b>O'Neil</b>"), ("bob", "Bob Rep")] {
            let added = try daemon.prospect(["admin", "rep", "add", handle, "--name", name, "--email", "\(handle)@example.com", "--timezone", "UTC"])
            #expect(added.code == 0, "\(added)")
        }

        // The reminder carries the link in its text and as the HTML part's button.
        let mails = try smtp.waitFor(2)
        func link(_ address: String) throws -> String {
            let mail = try #require(mails.first { $0.recipients == [address] })
            let text = try #require(mail.part("text/plain"))
            let found = try #require(
                text.range(of: #"http://127\.0\.0\.1:\d+/l/[a-z]+/2026-03-11/[A-Za-z0-9_-]{43}"#, options: .regularExpression),
                "no link in \(text)"
            )
            let url = String(text[found])
            #expect(mail.part("text/html")?.contains("<a href=\"\(url)\"") == true, "the HTML part has the button")
            return url
        }
        let annLink = try link("ann@example.com")
        let bobLink = try link("bob@example.com")
        let mac = String(annLink.split(separator: "/").last ?? "")
        #expect(annLink.hasPrefix("http://127.0.0.1:\(daemon.port)/l/ann/2026-03-11/"), "public_url's trailing slash is dropped: \(annLink)")

        // Slack gets it as a link, ntfy as an action button.
        try http.waitFor(requests: 4)
        let requests = http.requests
        let chats = requests.filter { ($0["path"] as? String)?.hasPrefix("/slack/") == true }.compactMap {
            ($0["body"] as? [String: Any])?["text"] as? String
        }
        #expect(chats.contains { $0.hasSuffix(" or <\(annLink)|log it here>") }, "\(chats)")
        let actions = requests.filter { $0["path"] as? String == "/team-pipeline" }.compactMap { ($0["headers"] as? [String: String])?["actions"] }
        #expect(actions.sorted() == ["view, Log an action, \(annLink), clear=true", "view, Log an action, \(bobLink), clear=true"], "\(actions)")

        // GET changes nothing, however often a mail scanner prefetches it; the name is escaped.
        let page = try fetch(annLink, in: daemon.folder)
        #expect(page.code == 200, "\(page)")
        #expect(page.body.contains("Ann &lt;b&gt;O&#39;Neil&lt;/b&gt; · Wednesday 11 March"), "\(page.body)")
        #expect(!page.body.contains("<b>O'Neil"))
        #expect(page.body.contains(#"value="call""#) && page.body.contains(#"value="referral""#) && !page.body.contains(#"value="won""#))
        #expect(!page.body.contains("<script"), "the page works without JavaScript")
        #expect(try fetch(annLink, in: daemon.folder).code == 200)
        #expect(try count(daemon, "ann") == 0)

        // In a phone-sized Chromium: the page renders, a kind is chosen by a click, a note typed, the form sent.
        let shots = daemon.folder.appendingPathComponent("shots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let phone = try browse(
            annLink,
            arguments: [
                "--shot", shots.appendingPathComponent("link-page-phone.png").path, "--kind", "call", "--note", "Called Bo at Nordlys: demo Friday",
                "--after-shot", shots.appendingPathComponent("link-logged-phone.png").path,
            ]
        )
        #expect(phone["status"] as? Int == 200, "\(phone)")
        #expect((phone["text"] as? String)?.contains("0 of 1 pipeline-building action logged; the day closes at 17:30.") == true, "\(phone)")
        #expect(phone["checked"] as? String == "call", "the click chose the kind: \(phone)")
        #expect(phone["after_status"] as? Int == 201, "\(phone)")
        #expect((phone["after_text"] as? String)?.contains("Cold call, for Wednesday 11 March. Thank you.") == true, "\(phone)")
        #expect((phone["after_text"] as? String)?.contains("1 of 1 pipeline-building action logged; the day is met.") == true, "\(phone)")
        let status = try daemon.prospect(["status", "--rep", "ann"])
        #expect(status.out.contains("1 of 1: met"), "prospect status shows it: \(status)")
        let history = try daemon.prospect(["history", "--rep", "ann", "--json"]).out
        #expect(history.contains("Called Bo at Nordlys: demo Friday"), "\(history)")
        let desktop = try browse(
            annLink,
            arguments: ["--desktop", "--width", "1280", "--height", "800", "--shot", shots.appendingPathComponent("link-page-desktop.png").path]
        )
        #expect((desktop["text"] as? String)?.contains("1 of 1 pipeline-building action logged; the day is met.") == true, "\(desktop)")
        for shot in ["link-page-phone", "link-logged-phone", "link-page-desktop"] {
            let data = try Data(contentsOf: shots.appendingPathComponent("\(shot).png"))
            #expect(data.count > 10_000 && data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(shot) is a PNG screenshot")
            if let keep = ProcessInfo.processInfo.environment["PROSPECT_SCREENSHOTS"] {
                try? FileManager.default.removeItem(atPath: "\(keep)/\(shot).png")
                try FileManager.default.copyItem(atPath: shots.appendingPathComponent("\(shot).png").path, toPath: "\(keep)/\(shot).png")
            }
        }

        // A double tap (the same form twice) logs once.
        let form = "kind=email&note=Wrote+to+a+lost+deal+%26+got+a+reply&client_id=link-doubletap0000000000001"
        let first = try fetch(annLink, form: form, in: daemon.folder)
        let second = try fetch(annLink, form: form, in: daemon.folder)
        #expect(first.code == 201 && first.body.contains("<h1>Logged</h1>"), "\(first)")
        #expect(second.code == 200 && second.body.contains("<h1>Already logged</h1>"), "\(second)")
        #expect(try count(daemon, "ann") == 2)
        #expect(try daemon.prospect(["history", "--rep", "ann", "--json"]).out.contains("Wrote to a lost deal & got a reply"))
        // A phone's textarea sends CRLF line breaks; the note keeps them as plain newlines.
        let lines = try fetch(annLink, form: "kind=call&note=Line+one%0D%0ALine+two&client_id=link-crlf0000000000000000001", in: daemon.folder)
        #expect(lines.code == 201 && lines.body.contains(#"<a href="\#(mac)">Log another action</a>"#), "\(lines)")
        #expect(try daemon.prospect(["history", "--rep", "ann", "--json"]).out.contains(#"Line one\nLine two"#))

        // A form without a counting kind, or with a note the CLI would refuse, is shown again with the reason.
        let noKind = try fetch(annLink, form: "note=hi&client_id=link-nokind00000000000000001", in: daemon.folder)
        #expect(noKind.code == 400 && noKind.body.contains("Choose what you did"), "\(noKind)")
        let closing = try fetch(annLink, form: "kind=won&client_id=link-closing0000000000000001", in: daemon.folder)
        #expect(closing.code == 400 && closing.body.contains("Choose what you did"), "\(closing)")
        let escape = try fetch(annLink, form: "kind=call&note=%1B%5B31mred&client_id=link-escape00000000000000001", in: daemon.folder)
        #expect(escape.code == 400 && escape.body.contains("The note contains control characters"), "\(escape)")
        let huge = try fetch(
            annLink,
            form: "kind=call&note=" + String(repeating: "a", count: 20_000) + "&client_id=link-huge0000000000000001",
            in: daemon.folder
        )
        #expect(huge.code == 413, "\(huge.code)")
        #expect(try count(daemon, "ann") == 3, "none of those wrote anything")

        // Tampered links: another signature, day or rep. Each is a 403 page and writes nothing.
        let flipped = String(mac.dropLast()) + (mac.last == "A" ? "B" : "A")
        let tampered = [
            annLink.replacingOccurrences(of: mac, with: flipped),
            annLink.replacingOccurrences(of: "2026-03-11", with: "2026-03-10"),
            annLink.replacingOccurrences(of: "/l/ann/", with: "/l/bob/"),
            annLink.replacingOccurrences(of: mac, with: "not-a-signature"),
        ]
        for url in tampered {
            let got = try fetch(url, in: daemon.folder)
            #expect(got.code == 403 && got.body.contains("This link does not work"), "\(url): \(got)")
            let posted = try fetch(url, form: "kind=call&client_id=link-tampered00000000000001", in: daemon.folder)
            #expect(posted.code == 403, "\(url): \(posted)")
        }
        #expect(try count(daemon, "ann") == 3 && count(daemon, "bob") == 0)

        // A deactivated rep's link stops working.
        #expect(try daemon.prospect(["admin", "rep", "deactivate", "bob"]).code == 0)
        let inactive = try fetch(bobLink, form: "kind=call&client_id=link-inactive0000000000001", in: daemon.folder)
        #expect(inactive.code == 403 && inactive.body.contains("no longer an active rep"), "\(inactive)")

        // Neither the signature nor the link reaches the log or the database.
        #expect(!daemon.log.contains(mac), "the daemon's log holds no link")
        let bytes =
            try Data(contentsOf: URL(fileURLWithPath: daemon.database))
            + ((try? Data(contentsOf: URL(fileURLWithPath: daemon.database + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data(mac.utf8)) == nil, "the database holds no link")
        daemon.stop()

        // Thursday 09:00 is within the late grace: Wednesday's link still opens. At 10:01 it has expired.
        let morning = try DaemonUnderTest(reusing: daemon, clock: "2026-03-12T09:00:00Z")
        try morning.start()
        let late = try fetch(annLink, in: daemon.folder)
        #expect(late.code == 200 && late.body.contains("Wednesday 11 March"), "\(late)")
        // Logged from it now, the action counts for Wednesday (at its close), not for Thursday.
        let lateForm = try fetch(annLink, form: "kind=referral&client_id=link-thursdaymorning00001", in: daemon.folder)
        #expect(lateForm.code == 201 && lateForm.body.contains("4 of 1 pipeline-building action"), "\(lateForm)")
        #expect(try count(morning, "ann", date: "2026-03-11") == 4 && count(morning, "ann") == 0)
        morning.stop()
        let expired = try DaemonUnderTest(reusing: morning, clock: "2026-03-12T10:01:00Z")
        try expired.start()
        let gone = try fetch(annLink, in: daemon.folder)
        #expect(gone.code == 403 && gone.body.contains("This link has expired"), "\(gone)")
        #expect(gone.body.contains("could be logged until 10:00 on Thursday 12 March"), "\(gone)")
        let goneForm = try fetch(annLink, form: "kind=call&client_id=link-expired00000000000001", in: daemon.folder)
        #expect(goneForm.code == 403, "\(goneForm)")
        #expect(try count(expired, "ann", date: "2026-03-11") == 4, "the expired link wrote nothing")
        expired.stop()

        // After a rotation, a link that was good is refused.
        let rotated = try DaemonUnderTest(reusing: expired, clock: "2026-03-12T09:30:00Z")
        try rotated.start()
        #expect(try fetch(annLink, in: daemon.folder).code == 200)
        let rotate = try rotated.prospect(["admin", "links", "rotate"])
        #expect(rotate.code == 0 && rotate.out.contains("no longer work"), "\(rotate)")
        let after = try fetch(annLink, in: daemon.folder)
        #expect(after.code == 403 && after.body.contains("renewed"), "\(after)")
        #expect(rotated.log.contains("link key rotated"))
        rotated.stop()
    }

    @Test func withoutPublicURLNoMessageHasALinkAndLinksAre404() throws {
        let daemon = try DaemonUnderTest(clock: "2026-03-11T13:59:55Z")
        let smtp = try SMTPReceiver(folder: daemon.folder)
        try daemon.writeConfig(Self.nudge(channels: #"["email"]"#, smtp: smtp))
        try daemon.start()
        #expect(try daemon.prospect(["admin", "rep", "add", "ann", "--name", "Ann", "--email", "ann@example.com", "--timezone", "UTC"]).code == 0)
        let mail = try #require(try smtp.waitFor(1).first)
        #expect(mail.part("text/plain")?.contains("/l/") == false && mail.part("text/html")?.contains("Log an action") == false)
        let off = try fetch("\(daemon.server)/l/ann/2026-03-11/AAAA", in: daemon.folder)
        #expect(off.code == 404 && off.body.contains("One-tap links are off"), "\(off)")
        let rotate = try daemon.prospect(["admin", "links", "rotate"])
        #expect(rotate.code == 0 && rotate.out.contains("set [daemon] public_url"), "\(rotate)")
    }
}
