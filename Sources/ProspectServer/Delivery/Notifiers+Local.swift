import Foundation
import NIOCore
import ProspectConfig
import ProspectMail

#if canImport(Glibc)
import Glibc
#endif

/// `type = "command"`: runs `argv` without a shell, the message as JSON on stdin and as
/// `PROSPECT_*` environment variables. Exit 0 is delivered; anything else fails with the
/// command's stderr kept in the outbox. Covers msmtp, sendmail, notify-send, apprise and the like.
struct CommandNotifier: Notifier {
    let argv: [String]
    let timeout: TimeInterval

    func deliver(_ outgoing: Outgoing, now: Date) async throws {
        guard let program = argv.first else { throw DeliveryFailure(permanent: true, description: "the command channel has an empty argv") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prospectd-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("stdin.json")
        try Self.stdin(outgoing).write(to: input)

        let path = program.hasPrefix("/") ? program : Self.which(program) ?? program
        let child = ChildProcess(
            path: path,
            arguments: Array(argv.dropFirst()),
            environment: Self.environment(outgoing),
            stdinFile: input.path,
            timeout: .milliseconds(Int64(timeout * 1000))
        )
        let result: ChildProcess.Result
        do {
            result = try await child.run()
        } catch {
            throw DeliveryFailure(permanent: false, description: "cannot run \(program): \(error)")
        }
        let stderr = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        let shownError = stderr.isEmpty ? "" : ": \(String(stderr.suffix(800)))"
        switch result.ending {
        case .exited(0):
            return
        case .timedOut:
            throw DeliveryFailure(
                permanent: false,
                description: "\(program) did not finish within \(Int(timeout)) s; its process group was killed\(shownError)"
            )
        case .exited(let code):
            // sysexits: the data or the user is wrong; trying again will not help.
            throw DeliveryFailure(permanent: [65, 67].contains(code), description: "\(program) exited with \(code)\(shownError)")
        case .signalled(let signal):
            throw DeliveryFailure(permanent: false, description: "\(program) was killed by signal \(signal)\(shownError)")
        }
    }

    /// The whole message for the command's stdin.
    static func stdin(_ outgoing: Outgoing) throws -> Data {
        let recipient = outgoing.recipient
        var person: [String: Any] = ["handle": recipient.handle, "name": recipient.name, "email": recipient.email]
        if let slack = recipient.slack { person["slack"] = slack }
        if let topic = recipient.ntfyTopic { person["ntfy_topic"] = topic }
        let object: [String: Any] = [
            "message_id": outgoing.messageID,
            "channel": outgoing.channel,
            "type": outgoing.type.rawValue,
            "step": outgoing.step,
            "rep": outgoing.rep,
            "date": outgoing.date.description,
            "recipient": person,
            "subject": outgoing.message.subject,
            "text": outgoing.message.text,
            "html": outgoing.message.html,
            "chat": outgoing.message.chat,
            "notice": (try? JSONSerialization.jsonObject(with: Data(outgoing.payload.utf8))) ?? [:],
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// A small, known environment: nothing of the daemon's own (credentials) leaks to the command.
    static func environment(_ outgoing: Outgoing) -> [String: String] {
        [
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PROSPECT_MESSAGE_ID": outgoing.messageID,
            "PROSPECT_CHANNEL": outgoing.channel,
            "PROSPECT_TYPE": outgoing.type.rawValue,
            "PROSPECT_STEP": outgoing.step,
            "PROSPECT_REP": outgoing.rep,
            "PROSPECT_DATE": outgoing.date.description,
            "PROSPECT_RECIPIENT": outgoing.recipient.handle,
            "PROSPECT_RECIPIENT_NAME": outgoing.recipient.name,
            "PROSPECT_RECIPIENT_EMAIL": outgoing.recipient.email,
            "PROSPECT_SUBJECT": outgoing.message.subject,
            "PROSPECT_TEXT": outgoing.message.text,
        ]
    }

    static func which(_ program: String) -> String? {
        for folder in ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
            let path = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

/// `type = "smtp"`: an email, plain text with an HTML alternative, to the recipient's address.
struct SMTPNotifier: Notifier {
    let smtp: ChannelSettings.SMTP
    let passwordFile: String?
    let timeout: TimeAmount

    func deliver(_ outgoing: Outgoing, now: Date) async throws {
        let security: SMTPSettings.Security =
            switch smtp.security {
            case .starttls: .starttls
            case .tls: .tls
            case .none: .none
            }
        let defaultPort = security == .tls ? 465 : security == .starttls ? 587 : 25
        do {
            let from = try MailAddress(parsing: smtp.from)
            let message = try MailMessage(
                from: from,
                to: MailAddress(name: outgoing.recipient.name, address: outgoing.recipient.email),
                subject: outgoing.message.subject,
                text: outgoing.message.text,
                html: outgoing.message.html.isEmpty ? nil : outgoing.message.html,
                messageID: "\(outgoing.messageID)@\(from.domain)",
                date: now
            )
            let password = try passwordFile.map { try readSecretFile($0, what: "smtp password_file") }
            try await SMTPClient.send(
                message,
                settings: SMTPSettings(
                    host: smtp.host,
                    port: smtp.port ?? defaultPort,
                    security: security,
                    username: smtp.username,
                    password: password,
                    caFile: smtp.caFile,
                    timeout: timeout,
                    heloName: Self.hostName
                )
            )
        } catch let error as MailError {
            throw DeliveryFailure(permanent: error.permanent, description: error.message)
        }
    }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }()
}
