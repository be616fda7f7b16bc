import Foundation
import Logging
import ProspectAPI
import ProspectCore
import ProspectMessages

extension Handlers {
    /// `prospect admin test-channel NAME --to HANDLE`: one test message through the real channel,
    /// outside the outbox. A failing channel is an answer, not an API error: its text comes back.
    func testChannel(name: String, _ request: TestChannelRequest, _ context: AppContext) async throws -> TestChannelResponse {
        let identity = try requireAdmin(context)
        let (config, templates) = self.config.snapshot
        guard let channel = config.channels[name] else {
            let defined = config.channels.keys.sorted()
            throw UserError(
                .notFound,
                "no channel '\(shown(name))' in the configuration; "
                    + (defined.isEmpty ? "define a [channels.NAME] table first" : "channels: \(defined.joined(separator: ", "))")
            )
        }
        guard let recipient = try await store.person(handle: request.to)?.person else {
            throw UserError.noSuchHandle(request.to)
        }
        let now = clock.now
        let notice = MessageVariables.testNotice(to: recipient, config: config, now: now)
        let outgoing = Outgoing.make(
            notice: notice,
            payload: notice.json(),
            messageID: "test_" + UUID().uuidString.lowercased(),
            channel: name,
            recipient: recipient,
            config: config,
            templates: templates,
            links: nil
        )
        var failure: String? = nil
        do {
            try await channels.notifier(channel).deliver(outgoing, now: now)
        } catch {
            failure = (error as? DeliveryFailure)?.description ?? "\(error)"
        }
        var metadata: Logger.Metadata = [
            "channel": "\(name)", "to": "\(recipient.handle)", "by": "\(identity.actor)", "delivered": "\(failure == nil)",
        ]
        if let failure {
            metadata["error"] = "\(failure)"
            logger.warning("test message failed", metadata: metadata)
        } else {
            logger.notice("test message", metadata: metadata)
        }
        return TestChannelResponse(
            channel: name,
            type: channel.type.rawValue,
            to: recipient.handle,
            delivered: failure == nil,
            error: failure,
            messageID: outgoing.messageID,
            subject: outgoing.message.subject
        )
    }
}
