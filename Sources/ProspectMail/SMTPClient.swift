import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// How to reach a mail server.
public struct SMTPSettings: Sendable {
    public enum Security: String, Sendable, CaseIterable {
        /// Plain connection upgraded with STARTTLS before anything else is said (port 587).
        case starttls
        /// TLS from the first byte (port 465).
        case tls
        /// No encryption: for a relay on the same host only.
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// Extra CA certificates (PEM) to trust besides the system's.
    public var caFile: String?
    /// The whole conversation must finish within this.
    public var timeout: TimeAmount
    /// The name given in EHLO.
    public var heloName: String

    public init(
        host: String,
        port: Int,
        security: Security,
        username: String? = nil,
        password: String? = nil,
        caFile: String? = nil,
        timeout: TimeAmount = .seconds(30),
        heloName: String = "prospectd.localdomain"
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeout = timeout
        self.heloName = heloName
    }
}

/// One SMTP reply: its code and text lines.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]

    var text: String { lines.joined(separator: " ") }
}

/// Splits the byte stream into replies; a reply ends at a line whose fourth character is a space.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    var lines: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 64 * 1024 { throw MailError(permanent: false, message: "the mail server sent an overlong line") }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex + 1
        var chars = buffer.readBytes(length: length) ?? []
        while let last = chars.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { chars.removeLast() }
        guard chars.count >= 3, let code = Int(String(decoding: chars[0..<3], as: UTF8.self)) else {
            throw MailError(permanent: false, message: "the mail server sent something that is not an SMTP reply")
        }
        lines.append(chars.count > 4 ? String(decoding: chars[4...], as: UTF8.self) : "")
        if chars.count == 3 || chars[3] != UInt8(ascii: "-") {
            context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: lines)))
            lines = []
        }
        return .continue
    }
}

/// Sends mail over SMTP (RFC 5321) with STARTTLS (RFC 3207) or implicit TLS, and AUTH PLAIN or
/// LOGIN (RFC 4954). 5xx replies are permanent failures; 4xx replies and network trouble are
/// worth retrying.
public enum SMTPClient {
    public static func send(
        _ message: MailMessage,
        settings: SMTPSettings,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws {
        let tls: NIOSSLContext?
        do {
            tls = try settings.security == .none ? nil : NIOSSLContext(configuration: tlsConfiguration(settings))
        } catch {
            // Without ca-certificates BoringSSL says only "unknownError([])".
            let source = settings.caFile.map { "the CA file \($0) or the system's CA certificates" } ?? "the system's CA certificates"
            throw MailError(
                permanent: false,
                message: "TLS for \(settings.host) cannot be set up: \(source) could not be loaded (\(error)); "
                    + "install ca-certificates, or check ca_file"
            )
        }
        let implicit = settings.security == .tls ? tls : nil
        let host = settings.host
        let firstError = NIOLockedValueBox<(any Error)?>(nil)
        let channel: NIOAsyncChannel<SMTPReply, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(settings.timeout)
                .connect(host: settings.host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let implicit {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: implicit, serverHostname: serverHostname(host))
                            )
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        try channel.pipeline.syncOperations.addHandler(ErrorRecorder(box: firstError))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw MailError(permanent: false, message: "cannot connect to \(settings.host):\(settings.port): \(describe(error))")
        }
        let underlying = channel.channel
        // The deadline closes the connection, which ends the conversation's wait for a reply.
        let timedOut = NIOLockedValueBox(false)
        let deadline = Task {
            try await Task.sleep(for: .nanoseconds(settings.timeout.nanoseconds))
            timedOut.withLockedValue { $0 = true }
            underlying.close(promise: nil)
        }
        defer { deadline.cancel() }
        do {
            try await channel.executeThenClose { inbound, outbound in
                var conversation = Conversation(replies: inbound.makeAsyncIterator(), outbound: outbound, settings: settings)
                try await conversation.run(message, tls: tls, channel: underlying)
            }
        } catch {
            if timedOut.withLockedValue({ $0 }) {
                throw MailError(permanent: false, message: "\(settings.host) did not finish within \(settings.timeout.nanoseconds / 1_000_000_000) s")
            }
            if let error = error as? MailError { throw error }
            // A failed TLS handshake closes the channel; the pending write may report only that.
            let cause = firstError.withLockedValue { $0 } ?? error
            throw MailError(permanent: false, message: "mail to \(settings.host) failed: \(describe(cause))")
        }
    }

    static func tlsConfiguration(_ settings: SMTPSettings) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let caFile = settings.caFile { configuration.additionalTrustRoots = [.file(caFile)] }
        return configuration
    }

    /// SNI and certificate names are host names; an IP literal is checked against the
    /// certificate's IP entries instead.
    static func serverHostname(_ host: String) -> String? {
        host.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) ? nil : host
    }

    /// What failed, in an operator's words: name resolution, refused, timeout, TLS.
    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOSSLError { return "TLS: \(error)" }
        if let error = error as? BoringSSLError { return "TLS: \(error)" }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, let dns = error.dnsAError ?? error.dnsAAAAError {
                return "the host name \(error.host) does not resolve (name resolution failed: \(dns))"
            }
            if error.connectionErrors.isEmpty { return "the host name \(error.host) resolves to no address" }
            let attempts = error.connectionErrors.map { "\($0.target): \(describe($0.error))" }
            return attempts.joined(separator: "; ")
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused (nothing listens there)"
            case ENETUNREACH, EHOSTUNREACH: return "no route to the host (\(String(cString: strerror(error.errnoCode))))"
            case ETIMEDOUT: return "timed out connecting"
            default: return String(cString: strerror(error.errnoCode))
            }
        }
        if case ChannelError.connectTimeout(let amount) = error as? ChannelError ?? .alreadyClosed {
            return "timed out connecting after \(amount.nanoseconds / 1_000_000_000) s"
        }
        return "\(error)"
    }
}

/// Keeps the first error the pipeline saw (a TLS handshake failure), then passes it on.
private final class ErrorRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = SMTPReply
    typealias InboundOut = SMTPReply
    let box: NIOLockedValueBox<(any Error)?>

    init(box: NIOLockedValueBox<(any Error)?>) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        box.withLockedValue { if $0 == nil { $0 = error } }
        context.fireErrorCaught(error)
    }
}

/// One SMTP session, command by command.
private struct Conversation {
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let settings: SMTPSettings

    mutating func run(_ message: MailMessage, tls: NIOSSLContext?, channel: any Channel) async throws {
        try await expect(nil, [220], "greeting")
        var capabilities = try await hello()
        if settings.security == .starttls {
            guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                throw MailError(permanent: false, message: "\(settings.host) does not offer STARTTLS; set security = \"tls\" or \"none\"")
            }
            try await expect("STARTTLS", [220], "STARTTLS")
            guard let tls else { throw MailError(permanent: true, message: "TLS is not configured") }
            let host = SMTPClient.serverHostname(settings.host)
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: host), position: .first)
            }.get()
            capabilities = try await hello()
        }
        if let username = settings.username {
            try await authenticate(username: username, password: settings.password ?? "", capabilities: capabilities)
        }
        try await expect("MAIL FROM:<\(message.from.address)>", [250], "MAIL FROM")
        try await expect("RCPT TO:<\(message.to.address)>", [250, 251], "the recipient <\(message.to.address)>")
        try await expect("DATA", [354], "DATA")
        try await expect(Self.dotStuffed(message.rendered()) + ".", [250], "the message")
        _ = try? await command("QUIT")
    }

    /// EHLO, falling back to HELO; returns the offered extensions.
    mutating func hello() async throws -> [String] {
        let reply = try await command("EHLO \(settings.heloName)")
        if reply.code == 250 { return Array(reply.lines.dropFirst()) }
        try await expect("HELO \(settings.heloName)", [250], "HELO")
        return []
    }

    mutating func authenticate(username: String, password: String, capabilities: [String]) async throws {
        if settings.security == .none && !["localhost", "127.0.0.1", "::1"].contains(settings.host) {
            throw MailError(
                permanent: true,
                message: "refusing to send the SMTP password unencrypted to \(settings.host); use security = \"starttls\" or \"tls\""
            )
        }
        let mechanisms = capabilities.filter { $0.uppercased().hasPrefix("AUTH") }
            .flatMap { $0.uppercased().split(whereSeparator: { $0 == " " || $0 == "=" }).dropFirst().map(String.init) }
        if mechanisms.contains("PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            try await expect("AUTH PLAIN \(token)", [235], "authentication", secret: true)
        } else if mechanisms.contains("LOGIN") {
            try await expect("AUTH LOGIN", [334], "authentication")
            try await expect(Data(username.utf8).base64EncodedString(), [334], "authentication", secret: true)
            try await expect(Data(password.utf8).base64EncodedString(), [235], "authentication", secret: true)
        } else {
            throw MailError(permanent: true, message: "\(settings.host) offers neither AUTH PLAIN nor AUTH LOGIN")
        }
    }

    /// Sends a command and fails unless the reply code is one of `codes`. The server's text is
    /// kept in the error, never the command when it carries a secret.
    mutating func expect(_ line: String?, _ codes: [Int], _ what: String, secret: Bool = false) async throws {
        let reply = try await command(line)
        guard codes.contains(reply.code) else {
            throw MailError(
                permanent: reply.code >= 500,
                message: "\(settings.host) refused \(what): \(reply.code) \(reply.text)",
                code: reply.code
            )
        }
    }

    mutating func command(_ line: String?) async throws -> SMTPReply {
        if let line { try await outbound.write(ByteBuffer(string: line + "\r\n")) }
        guard let reply = try await replies.next() else {
            throw MailError(permanent: false, message: "\(settings.host) closed the connection")
        }
        return reply
    }

    /// RFC 5321 4.5.2: a line that starts with a dot gets another.
    static func dotStuffed(_ text: String) -> String {
        text.split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }
            .joined(separator: "\r\n")
    }
}
