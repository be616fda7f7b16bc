import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Serves the router on one address. It does what Hummingbird's `Application` does per request,
/// without its once-a-second `Date` cache: an idle daemon then wakes only for due work. The
/// `Date` header is formatted per response instead, which costs a few hundred nanoseconds.
struct APIServer<Responder: HTTPResponder>: Service where Responder.Context == AppContext {
    let responder: Responder
    let address: BindAddress
    let logger: Logger
    let limits: ConnectionLimits
    var tls: TLSIdentity? = nil
    let onServerRunning: @Sendable (any Channel) async -> Void

    func run() async throws {
        let responder = responder
        let logger = logger
        let limits = limits
        let tls = tls
        let builder = HTTPServerBuilder { responder in
            GuardedHTTPChannel(
                base: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: ConnectionLimits.idleTimeout)),
                limits: limits,
                tls: tls
            )
        }
        let server = try builder.buildServer(
            configuration: ServerConfiguration(address: address, serverName: "prospectd"),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger,
            responder: { request, writer, channel in
                let context = AppContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
                var response: Response
                do {
                    response = try await responder.respond(to: request, context: context)
                } catch {
                    // The router's error middleware answers every failure; this is only a last resort.
                    logger.error("unhandled error", metadata: ["error": "\(error)"])
                    response = Response(status: .internalServerError, body: .init())
                }
                response.headers[.date] = httpDate(Date())
                response.headers[.server] = "prospectd"
                try await writer.write(response: response.head, body: response.body)
            },
            onServerRunning: onServerRunning
        )
        try await server.run()
    }
}

/// An RFC 9110 `Date` header value: `Sun, 06 Nov 1994 08:49:37 GMT`.
func httpDate(_ date: Date) -> String {
    var seconds = time_t(date.timeIntervalSince1970)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
        + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
}
