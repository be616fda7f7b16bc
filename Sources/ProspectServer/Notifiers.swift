import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ProspectConfig
import ProspectStore

/// Why one delivery attempt failed, and whether trying again can help.
struct DeliveryFailure: Error, CustomStringConvertible {
    var permanent: Bool
    var description: String
}

/// Delivers outbox rows through one configured channel. One implementation per channel type.
protocol Notifier: Sendable {
    func deliver(_ row: OutboxRow, now: Date) async throws
}

/// `type = "log"`: one structured log line per delivery.
struct LogNotifier: Notifier {
    let channel: String
    let logger: Logger

    func deliver(_ row: OutboxRow, now: Date) async throws {
        logger.notice(
            "delivery",
            metadata: [
                "channel": "\(channel)", "type": "\(row.type)", "step": "\(row.step)", "rep": "\(row.rep)",
                "recipient": "\(row.recipient.handle)", "day": "\(row.date)", "message_id": "\(row.messageID)",
            ]
        )
    }
}

/// `type = "webhook"`: the payload as JSON, signed per the Standard Webhooks spec. The secret is
/// read from its file at each attempt, so a fixed or rotated file needs no restart.
struct WebhookNotifier: Notifier {
    let url: String
    let secretFile: String
    let client: HTTPClient
    let timeout: TimeAmount

    func deliver(_ row: OutboxRow, now: Date) async throws {
        let key = try Self.readSecret(secretFile)
        let timestamp = String(Int64(now.timeIntervalSince1970))
        let body = Data(row.payload.utf8)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "prospectd")
        request.headers.add(name: "webhook-id", value: row.messageID)
        request.headers.add(name: "webhook-timestamp", value: timestamp)
        request.headers.add(name: "webhook-signature", value: Self.signature(id: row.messageID, timestamp: timestamp, body: body, key: key))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
            _ = try await response.body.collect(upTo: 64 * 1024)
        } catch {
            throw DeliveryFailure(permanent: false, description: "cannot reach \(Self.hostOf(url)): \(error)")
        }
        let code = Int(response.status.code)
        guard !(200..<300).contains(code) else { return }
        // 4xx means the receiver will never take it, except a timeout (408) or rate limit (429).
        let permanent = (400..<500).contains(code) && code != 408 && code != 429
        throw DeliveryFailure(permanent: permanent, description: "\(Self.hostOf(url)) answered \(code)")
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
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DeliveryFailure(permanent: false, description: "cannot read the webhook secret_file \(path)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(trimmed.dropFirst(6))), bytes.count >= 16 else {
            throw DeliveryFailure(permanent: false, description: "the webhook secret_file \(path) does not hold whsec_<base64> of 16 or more bytes")
        }
        return SymmetricKey(data: bytes)
    }

    /// The host only: URLs may carry tokens in their path, which must not reach logs.
    static func hostOf(_ url: String) -> String { URL(string: url)?.host ?? "the receiver" }
}

/// A channel type later versions deliver; until then its rows fail with a clear reason.
struct UnavailableNotifier: Notifier {
    let type: String

    func deliver(_ row: OutboxRow, now: Date) async throws {
        throw DeliveryFailure(permanent: true, description: "channel type '\(type)' is not available in this version of prospectd")
    }
}

/// The notifier for each configured channel.
func makeNotifiers(_ config: Config, client: HTTPClient, logger: Logger) -> [String: any Notifier] {
    var out: [String: any Notifier] = [:]
    for (name, channel) in config.channels {
        let timeout = TimeAmount.seconds(Int64(channel.settings["timeout"].flatMap(Int.init) ?? 10))
        switch channel.type {
        case .log: out[name] = LogNotifier(channel: name, logger: logger)
        case .webhook:
            out[name] = WebhookNotifier(
                url: channel.settings["url"] ?? "",
                secretFile: channel.settings["secret_file"] ?? "",
                client: client,
                timeout: timeout
            )
        default: out[name] = UnavailableNotifier(type: channel.type.rawValue)
        }
    }
    return out
}
