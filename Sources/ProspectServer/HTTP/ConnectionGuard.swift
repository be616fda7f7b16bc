import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How many connections a listener holds open: in all, and for one peer (a Unix user on the
/// socket, an address on TCP). A peer over its share is closed at once, so a flood of idle
/// connections from one local user neither exhausts the daemon's file descriptors nor queues
/// other users behind it; the idle timeout then reclaims what the flood holds.
final class ConnectionLimits: Sendable {
    /// Connections with no request in flight are closed after this long, and so are those that
    /// do not finish sending a request's head in time.
    static let idleTimeout = TimeAmount.seconds(10)

    let listener: String
    let total: Int
    let perPeer: Int
    let logger: Logger

    private struct State {
        var open: [String: Int] = [:]
        var all = 0
        /// Peers, and `*` for the listener as a whole, already reported in this burst.
        var reported: Set<String> = []
    }

    private let state = Mutex(State())

    init(listener: String, total: Int, perPeer: Int, logger: Logger) {
        self.listener = listener
        self.total = max(1, total)
        self.perPeer = max(1, min(perPeer, total))
        self.logger = logger
    }

    /// Counts a new connection in, or refuses it (logged once per burst).
    func admit(_ peer: String) -> Bool {
        enum Outcome {
            case admitted
            case refusedPeer(report: Bool)
            case refusedAll(report: Bool)
        }
        let outcome = state.withLock { state -> Outcome in
            if state.all >= total { return .refusedAll(report: state.reported.insert("*").inserted) }
            if state.open[peer, default: 0] >= perPeer { return .refusedPeer(report: state.reported.insert(peer).inserted) }
            state.open[peer, default: 0] += 1
            state.all += 1
            return .admitted
        }
        switch outcome {
        case .admitted:
            return true
        case .refusedPeer(let report):
            if report {
                logger.warning(
                    "connection limit reached for one peer; closing its new connections until some of its open ones end",
                    metadata: ["listener": "\(listener)", "peer": "\(peer)", "limit": "\(perPeer)"]
                )
            }
            return false
        case .refusedAll(let report):
            if report {
                logger.warning(
                    "connection limit reached; closing new connections until open ones end",
                    metadata: ["listener": "\(listener)", "limit": "\(total)"]
                )
            }
            return false
        }
    }

    func release(_ peer: String) {
        state.withLock { state in
            state.all -= 1
            let left = state.open[peer, default: 1] - 1
            state.open[peer] = left > 0 ? left : nil
            // A burst ends when the pressure is gone: the next one is reported again.
            if left <= perPeer / 2 { state.reported.remove(peer) }
            if state.all <= total / 2 { state.reported.remove("*") }
        }
    }

    /// The listener's share of the file descriptors the process may open: what is left after a
    /// reserve for the database, the outbox's connections and the commands' pipes.
    static func total(listeners: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 256 }
        let usable = Int(min(limit.rlim_cur, 1 << 20)) - 96
        return max(8, min(4096, usable / max(1, listeners)))
    }

    /// Raises the soft file-descriptor limit to the hard one (systemd's `LimitNOFILE=` sets both).
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// HTTP/1.1 with the daemon's connection limits in front: the peer is counted in at accept, and
/// counted out when its connection closes. With `tls`, the connection speaks TLS first, with the
/// identity's context as it is at accept (a reload serves new connections).
struct GuardedHTTPChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let limits: ConnectionLimits
    var tls: TLSIdentity? = nil

    struct Refused: Error {}

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        Self.peer(of: channel).flatMap { peer in
            guard limits.admit(peer) else {
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(Refused())
            }
            let limits = limits
            channel.closeFuture.whenComplete { _ in limits.release(peer) }
            if let tls {
                do {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.current))
                } catch {
                    channel.close(promise: nil)
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            return base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    /// `uid N` on a Unix socket, the address on TCP.
    static func peer(of channel: any Channel) -> EventLoopFuture<String> {
        if let address = channel.remoteAddress, let ip = address.ipAddress { return channel.eventLoop.makeSucceededFuture(ip) }
        guard let uid = PeerCredentials.uidFuture(of: channel) else { return channel.eventLoop.makeSucceededFuture("unknown") }
        return uid.map { "uid \($0)" }.recover { _ in "unknown" }
    }
}
