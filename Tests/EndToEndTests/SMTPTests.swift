import Foundation
import NIOCore
import ProspectMail
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `Tests/Fixtures/smtp-receiver.py` (aiosmtpd) as a process: a real SMTP server on loopback.
final class SMTPReceiver {
    let out: String
    let port: Int
    let process: Child

    init(
        folder: URL,
        security: String = "none",
        certificate: Certificate? = nil,
        auth: String? = nil,
        refuse: String? = nil,
        defer: String? = nil
    )
        throws
    {
        let name = "smtp-\(UUID().uuidString.prefix(6))"
        out = folder.appendingPathComponent("\(name).jsonl").path
        let portFile = folder.appendingPathComponent("\(name).port").path
        var arguments = [fixture("smtp-receiver.py"), "--out", out, "--port-file", portFile, "--security", security]
        if let certificate { arguments += ["--cert", certificate.cert, "--key", certificate.key] }
        if let auth { arguments += ["--auth", auth] }
        if let refuse { arguments += ["--refuse", refuse] }
        if let `defer` { arguments += ["--defer", `defer`] }
        process = try startPython(arguments)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                self.port = port
                return
            }
            if !process.isRunning {
                throw HarnessError("smtp-receiver.py exited \(process.terminationStatus); is aiosmtpd installed? \(process.output)")
            }
            usleep(50_000)
        }
        throw HarnessError("smtp-receiver.py did not start: \(process.output)")
    }

    /// Every message accepted so far.
    var messages: [ReceivedMail] {
        ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]).map(ReceivedMail.init)
        }
    }

    func waitFor(_ count: Int, timeout: TimeInterval = 60) throws -> [ReceivedMail] {
        try poll(timeout: timeout, "expected \(count) mails, got \(messages.count)") { messages.count >= count }
        return messages
    }

    deinit {
        if process.isRunning { process.terminate() }
        waitForExit(process)
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1, made with openssl.
struct Certificate {
    let cert: String
    let key: String

    static func make(in folder: URL) throws -> Certificate {
        let cert = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        let made = try run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ]
        )
        guard made.code == 0 else { throw HarnessError("openssl failed: \(made)") }
        return Certificate(cert: cert, key: key)
    }
}

/// One message as the server stored it, with its MIME parts decoded.
struct ReceivedMail {
    var mailFrom: String
    var recipients: [String]
    var tls: Bool
    var auth: String?
    var raw: String

    init(_ record: [String: Any]) {
        mailFrom = record["mail_from"] as? String ?? ""
        recipients = record["rcpt_tos"] as? [String] ?? []
        tls = record["tls"] as? Bool ?? false
        auth = record["auth"] as? String
        raw = record["data"] as? String ?? ""
    }

    /// Top-level headers, unfolded.
    var headers: [String: String] {
        let head = raw.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").first ?? ""
        var out: [String: String] = [:]
        var last: String?
        for line in head.split(separator: "\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), let key = last {
                out[key, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let key = String(line[..<colon]).lowercased()
                out[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                last = key
            }
        }
        return out
    }

    /// The subject with RFC 2047 words decoded.
    var subject: String {
        let value = headers["subject"] ?? ""
        guard value.hasPrefix("=?") else { return value }
        return value.split(separator: " ").map { word -> String in
            let inner = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return Data(base64Encoded: String(inner)).map { String(decoding: $0, as: UTF8.self) } ?? String(word)
        }.joined()
    }

    /// The decoded body of the part with this content type.
    func part(_ type: String) -> String? {
        let text = raw.replacingOccurrences(of: "\r\n", with: "\n")
        guard let range = text.range(of: "Content-Type: \(type); charset=utf-8\nContent-Transfer-Encoding: base64\n\n") else { return nil }
        let body = text[range.upperBound...].prefix { $0 != "-" }
        let joined = body.split(separator: "\n").joined()
        return Data(base64Encoded: joined).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The SMTP client against a real server: each security mode, authentication, and each kind of refusal.
@Suite(.serialized) struct SMTPTests {
    let folder: URL
    /// The whole conversation's limit here: the suite starts while every other suite starts its
    /// daemons and servers on two cores, and a Python server can then answer slowly (a 30 s
    /// limit, the daemon's default, ran out once in five full runs). The timeout itself is tested below.
    static let timeout = TimeAmount.seconds(120)

    init() throws {
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("pd-smtp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func message(to address: String = "ann@example.com", subject: String = "Påmindelse: ét opkald før 17:30") throws -> MailMessage {
        try MailMessage(
            from: MailAddress(parsing: "Prospecting <prospectd@example.com>"),
            to: MailAddress(name: "Ann Ångström", address: address),
            subject: subject,
            text: "Hi Ann,\n.\nOne call is enough.\n",
            html: "<p>Hi Ann,</p><p>One call is enough.</p>",
            messageID: "msg_1@example.com",
            date: Date(timeIntervalSince1970: 1_773_064_800)
        )
    }

    @Test func aPlainRelayGetsTheWholeMessage() async throws {
        let server = try SMTPReceiver(folder: folder)
        try await SMTPClient.send(message(), settings: SMTPSettings(host: "127.0.0.1", port: server.port, security: .none, timeout: Self.timeout))
        let mail = try #require(try server.waitFor(1).first)
        #expect(mail.mailFrom == "prospectd@example.com")
        #expect(mail.recipients == ["ann@example.com"])
        #expect(mail.subject == "Påmindelse: ét opkald før 17:30")
        #expect(mail.headers["message-id"] == "<msg_1@example.com>")
        #expect(mail.headers["date"] == "Mon, 09 Mar 2026 14:00:00 +0000")
        #expect(mail.headers["to"] == "=?UTF-8?B?QW5uIMOFbmdzdHLDtm0=?= <ann@example.com>")
        #expect(mail.headers["content-type"]?.hasPrefix("multipart/alternative; boundary=") == true)
        #expect(mail.part("text/plain") == "Hi Ann,\n.\nOne call is enough.\n")
        #expect(mail.part("text/html") == "<p>Hi Ann,</p><p>One call is enough.</p>")
        #expect(!mail.tls)
    }

    @Test func startTLSWithAuthVerifiesTheCertificateAgainstTheCAFile() async throws {
        let certificate = try Certificate.make(in: folder)
        let server = try SMTPReceiver(folder: folder, security: "starttls", certificate: certificate, auth: "prospectd:s3cret")
        var settings = SMTPSettings(
            host: "localhost",
            port: server.port,
            security: .starttls,
            username: "prospectd",
            password: "s3cret",
            timeout: Self.timeout
        )
        settings.caFile = certificate.cert
        try await SMTPClient.send(message(), settings: settings)
        let mail = try #require(try server.waitFor(1).first)
        #expect(mail.tls)
        #expect(mail.auth == "prospectd")

        // A wrong password is a permanent refusal.
        settings.password = "wrong"
        let denied = await #expect(throws: MailError.self) { try await SMTPClient.send(message(), settings: settings) }
        #expect(denied?.permanent == true)
        #expect(denied?.code == 535, "\(String(describing: denied))")
        #expect(denied?.message.contains("wrong") == false, "no secret in the error")
        // Without the CA the self-signed certificate is refused, and that is worth a retry once fixed.
        settings.password = "s3cret"
        settings.caFile = nil
        let refused = await #expect(throws: MailError.self) { try await SMTPClient.send(message(), settings: settings) }
        #expect(refused?.permanent == false)
        #expect(refused?.message.contains("TLS") == true, "\(String(describing: refused))")

        #expect(server.messages.count == 1)
    }

    @Test func implicitTLSWithAuth() async throws {
        let certificate = try Certificate.make(in: folder)
        let server = try SMTPReceiver(folder: folder, security: "tls", certificate: certificate, auth: "prospectd:s3cret")
        var settings = SMTPSettings(
            host: "localhost",
            port: server.port,
            security: .tls,
            username: "prospectd",
            password: "s3cret",
            timeout: Self.timeout
        )
        settings.caFile = certificate.cert
        try await SMTPClient.send(message(), settings: settings)
        let mail = try #require(try server.waitFor(1).first)
        #expect(mail.tls)
        #expect(mail.auth == "prospectd")
    }

    @Test func aRefusedRecipientIsPermanentAndA4xxIsRetried() async throws {
        let server = try SMTPReceiver(folder: folder, refuse: "nobody@", defer: "busy@")
        let settings = SMTPSettings(host: "127.0.0.1", port: server.port, security: .none, timeout: Self.timeout)
        let refused = await #expect(throws: MailError.self) {
            try await SMTPClient.send(message(to: "nobody@example.com"), settings: settings)
        }
        #expect(refused?.permanent == true)
        #expect(refused?.code == 550)
        #expect(refused?.message == "127.0.0.1 refused the recipient <nobody@example.com>: 550 5.1.1 No such user here")
        let deferred = await #expect(throws: MailError.self) {
            try await SMTPClient.send(message(to: "busy@example.com"), settings: settings)
        }
        #expect(deferred?.permanent == false)
        #expect(deferred?.code == 451)
        #expect(server.messages.isEmpty)
    }

    @Test func nobodyListeningIsWorthARetry() async throws {
        let settings = SMTPSettings(host: "127.0.0.1", port: freePort(), security: .none, timeout: .seconds(3))
        let error = await #expect(throws: MailError.self) { try await SMTPClient.send(message(), settings: settings) }
        #expect(error?.permanent == false)
        #expect(error?.message.hasPrefix("cannot connect to 127.0.0.1:") == true, "\(String(describing: error))")
    }

    @Test func lineBreaksNeverReachAHeader() throws {
        for subject in ["Hi\r\nBcc: everyone@example.com", "Hi\nthere", "Hi\u{2028}there", "Hi\u{85}there"] {
            let error = #expect(throws: MailError.self) { try message(subject: subject) }
            #expect(error?.message == "the subject contains a line break; header values must be one line")
        }
        #expect(throws: MailError.self) { try MailAddress(name: "Ann\r\nBcc: x@example.com", address: "ann@example.com") }
        #expect(throws: MailError.self) { try MailAddress(address: "ann@example.com\r\nRCPT TO:<x@example.com>") }
        #expect(throws: MailError.self) { try MailAddress(parsing: "Prospecting <not an address>") }
    }

    @Test func longSubjectsBecomeEncodedWordsOfAtMost75Characters() throws {
        let words = MIMEWords.encode(String(repeating: "før ", count: 40))
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        let decoded = words.map { Data(base64Encoded: String($0.dropFirst(10).dropLast(2)))! }.reduce(Data(), +)
        #expect(String(decoding: decoded, as: UTF8.self) == String(repeating: "før ", count: 40))
    }
}
