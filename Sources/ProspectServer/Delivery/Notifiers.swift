import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ProspectConfig
import ProspectCore
import ProspectMail
import ProspectMessages
import ProspectStore

/// Why one delivery attempt failed, and whether trying again can help.
struct DeliveryFailure: Error, CustomStringConvertible {
    var permanent: Bool
    var description: String
}

/// One message on its way out through one channel: the decided notice, its rendered texts and
/// its recipient as the roster has them now.
struct Outgoing: Sendable {
    var messageID: String
    var channel: String
    var type: MessageType
    /// The outbox payload as decided (webhooks send it as is).
    var payload: String
    var rep: String
    var step: String
    var date: LocalDate
    var recipient: Person
    var message: RenderedMessage
    /// The one-tap link the message carries (reminders and escalations, with `public_url`).
    var logURL: String? = nil

    /// Renders a notice for its recipient in the recipient's zone, with its one-tap link when
    /// `links` are on.
    static func make(
        notice: Notice,
        payload: String,
        messageID: String,
        channel: String,
        recipient: Person,
        config: Config,
        templates: MessageTemplates,
        links: LogLinks?
    ) -> Outgoing {
        let type = notice.messageType
        let logURL = MessageVariables.hasLogLink(notice) ? links?.url(rep: notice.rep, day: notice.day) : nil
        return Outgoing(
            messageID: messageID,
            channel: channel,
            type: type,
            payload: payload,
            rep: notice.rep,
            step: notice.step,
            date: notice.day,
            recipient: recipient,
            message: templates.render(
                type,
                MessageVariables.of(notice, recipient: recipient, channel: channel, config: config, logURL: logURL)
            ),
            logURL: logURL
        )
    }

    /// The outgoing message of an outbox row, or nil when its payload cannot be read.
    static func make(_ row: OutboxRow, config: Config, templates: MessageTemplates, links: LogLinks?) -> Outgoing? {
        func outgoing(_ type: MessageType, _ variables: [String: Any]) -> Outgoing {
            Outgoing(
                messageID: row.messageID,
                channel: row.channel,
                type: type,
                payload: row.payload,
                rep: row.rep,
                step: row.step,
                date: row.date,
                recipient: row.recipient,
                message: templates.render(type, variables)
            )
        }
        if row.type == .digest {
            return DigestPayload.decode(row.payload).map { digest in
                outgoing(
                    digest.step == "weekly" ? .weekly : .daily,
                    DigestVariables.of(digest.report, recipient: row.recipient, channel: row.channel)
                )
            }
        }
        if row.subject == .salesTrap, let alarm = AlarmPayload.decode(row.payload) {
            return outgoing(.salesTrap, DigestVariables.of(alarm, recipient: row.recipient, channel: row.channel))
        }
        return Notice.decode(row.payload).map {
            make(
                notice: $0,
                payload: row.payload,
                messageID: row.messageID,
                channel: row.channel,
                recipient: row.recipient,
                config: config,
                templates: templates,
                links: links
            )
        }
    }
}

/// Delivers through one configured channel. One implementation per channel type.
protocol Notifier: Sendable {
    func deliver(_ outgoing: Outgoing, now: Date) async throws
}

/// What notifiers share: the HTTP client, the logger, and the environment for credentials.
struct ChannelKit: Sendable {
    let client: HTTPClient
    let logger: Logger
    let environment: [String: String]

    /// The notifier for each configured channel.
    func notifiers(_ config: Config) -> [String: any Notifier] {
        config.channels.mapValues(notifier)
    }

    func notifier(_ channel: ChannelSettings) -> any Notifier {
        let timeout = TimeAmount.seconds(Int64(channel.timeoutSeconds))
        let http = HTTPPoster(client: client, timeout: timeout)
        func file(_ path: String?) -> String? { ChannelSettings.filePath(path, environment: environment) }
        switch channel.transport {
        case .log: return LogNotifier(logger: logger)
        case .webhook(let url, let secretFile): return WebhookNotifier(url: url, secretFile: file(secretFile) ?? "", http: http)
        case .slack(let url, let urlFile): return SlackNotifier(url: url, urlFile: file(urlFile), http: http)
        case .ntfy(let ntfy):
            return NtfyNotifier(
                server: ntfy.server,
                defaultTopic: ntfy.topic,
                tokenFile: file(ntfy.tokenFile),
                priority: String(ntfy.priority),
                escalationPriority: String(ntfy.escalationPriority),
                http: http
            )
        case .command(let argv): return CommandNotifier(argv: argv, timeout: TimeInterval(channel.timeoutSeconds))
        case .smtp(let smtp): return SMTPNotifier(smtp: smtp, passwordFile: file(smtp.passwordFile), timeout: timeout)
        }
    }
}

/// Reads a secret kept in a file (or a systemd credential); only its path ever reaches a message.
func readSecretFile(_ path: String, what: String) throws -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw DeliveryFailure(permanent: false, description: "cannot read the \(what) file \(path); check it exists and is readable by prospectd")
    }
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { throw DeliveryFailure(permanent: false, description: "the \(what) file \(path) is empty") }
    return trimmed
}

/// POSTs a body and sorts the answer: 2xx delivered; 4xx permanent but 408 and 429; the rest
/// worth a retry. Errors name the host only: paths of webhook URLs are secrets.
struct HTTPPoster: Sendable {
    let client: HTTPClient
    let timeout: TimeAmount

    func post(_ url: String, body: Data, headers: [(String, String)]) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "User-Agent", value: "prospectd")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        var answer = ""
        do {
            response = try await client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: 64 * 1024)
            answer = String(buffer: buffer).prefix(200).filter { !$0.isNewline }
        } catch {
            throw DeliveryFailure(permanent: false, description: "cannot reach \(Self.hostOf(url)): \(error)")
        }
        let code = Int(response.status.code)
        guard !(200..<300).contains(code) else { return }
        let permanent = (400..<500).contains(code) && code != 408 && code != 429
        throw DeliveryFailure(permanent: permanent, description: "\(Self.hostOf(url)) answered \(code)\(answer.isEmpty ? "" : ": \(answer)")")
    }

    static func hostOf(_ url: String) -> String { URL(string: url)?.host ?? "the receiver" }
}

/// `type = "log"`: one structured log line per delivery.
struct LogNotifier: Notifier {
    let logger: Logger

    func deliver(_ outgoing: Outgoing, now: Date) async throws {
        logger.notice(
            "delivery",
            metadata: [
                "channel": "\(outgoing.channel)", "type": "\(outgoing.type.rawValue)", "step": "\(outgoing.step)",
                "rep": "\(outgoing.rep)", "recipient": "\(outgoing.recipient.handle)", "day": "\(outgoing.date)",
                "message_id": "\(outgoing.messageID)", "subject": "\(outgoing.message.subject)",
            ]
        )
    }
}

/// `type = "webhook"`: the payload as JSON, signed per the Standard Webhooks spec. The secret is
/// read from its file at each attempt, so a fixed or rotated file needs no restart.
struct WebhookNotifier: Notifier {
    let url: String
    let secretFile: String
    let http: HTTPPoster

    func deliver(_ outgoing: Outgoing, now: Date) async throws {
        let key = try Self.readSecret(secretFile)
        let timestamp = String(Int64(now.timeIntervalSince1970))
        let body = Data(outgoing.payload.utf8)
        try await http.post(
            url,
            body: body,
            headers: [
                ("Content-Type", "application/json"),
                ("webhook-id", outgoing.messageID),
                ("webhook-timestamp", timestamp),
                ("webhook-signature", Self.signature(id: outgoing.messageID, timestamp: timestamp, body: body, key: key)),
            ]
        )
    }

    /// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
    static func signature(id: String, timestamp: String, body: Data, key: SymmetricKey) -> String {
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// A Standard Webhooks secret: `whsec_` and base64.
    static func readSecret(_ path: String) throws -> SymmetricKey {
        let text = try readSecretFile(path, what: "webhook secret_file")
        guard text.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(text.dropFirst(6))), bytes.count >= 16 else {
            throw DeliveryFailure(permanent: false, description: "the webhook secret_file \(path) does not hold whsec_<base64> of 16 or more bytes")
        }
        return SymmetricKey(data: bytes)
    }
}

/// `type = "slack"`: a Slack (or Mattermost) incoming webhook, `{"text": …}` with the rep
/// mentioned by member id when the roster has one.
struct SlackNotifier: Notifier {
    let url: String?
    let urlFile: String?
    let http: HTTPPoster

    func deliver(_ outgoing: Outgoing, now: Date) async throws {
        let target = try url ?? readSecretFile(urlFile ?? "", what: "slack url_file")
        let body = try JSONSerialization.data(withJSONObject: ["text": outgoing.message.chat], options: [.sortedKeys])
        try await http.post(target, body: body, headers: [("Content-Type", "application/json")])
    }
}

/// `type = "ntfy"`: a push to the recipient's topic, at a higher priority for escalations.
struct NtfyNotifier: Notifier {
    let server: String
    let defaultTopic: String?
    let tokenFile: String?
    let priority: String
    let escalationPriority: String
    let http: HTTPPoster

    func deliver(_ outgoing: Outgoing, now: Date) async throws {
        guard let topic = outgoing.recipient.ntfyTopic ?? defaultTopic else {
            throw DeliveryFailure(
                permanent: true,
                description: "\(outgoing.recipient.handle) has no ntfy topic; set one with 'prospect admin rep update "
                    + "\(outgoing.recipient.handle) --ntfy-topic TOPIC' or give the channel a 'topic'"
            )
        }
        var headers = [
            ("Content-Type", "text/plain; charset=utf-8"),
            // Header values must be ASCII; ntfy decodes RFC 2047 encoded words.
            ("Title", titleHeader(outgoing.message.subject)),
            ("Priority", outgoing.type == .reminder || outgoing.type == .test ? priority : escalationPriority),
            ("Tags", outgoing.type == .reminder || outgoing.type == .test ? "bell" : "warning"),
            ("X-Message-Id", outgoing.messageID),
        ]
        // ntfy's action button opens the one-tap page.
        if let url = outgoing.logURL { headers.append(("Actions", "view, Log an action, \(url), clear=true")) }
        if let tokenFile { headers.append(("Authorization", "Bearer " + (try readSecretFile(tokenFile, what: "ntfy token_file")))) }
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        try await http.post("\(base)/\(topic)", body: Data(outgoing.message.text.utf8), headers: headers)
    }

    func titleHeader(_ subject: String) -> String {
        let oneLine = subject.filter { !$0.isNewline }
        return oneLine.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 })
            ? oneLine : MIMEWords.encode(oneLine).joined(separator: " ")
    }
}
