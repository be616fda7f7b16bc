import Hummingbird
import Logging
import NIOCore
import ProspectStore

/// Who is calling, as established by `IdentityMiddleware`.
struct Identity: Sendable {
    /// The roster entry speaking, if any (root and the daemon's own user may have none).
    var person: StoredPerson?
    /// Admin rights: an `admin` on the roster, root, or the daemon's own Unix user on the socket.
    var admin: Bool
    /// The name written to the audit log.
    var actor: String
    /// A source pushing activities (`POST /v1/sources/NAME/activities`), known by its own token.
    var source: StoredSource? = nil
}

/// The request context: the connection's channel (for `SO_PEERCRED`) and the caller's identity.
struct AppContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    var identity: Identity?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        identity = nil
    }

    /// Whether the request came over the Unix socket (identity by peer credentials).
    var isLocal: Bool {
        if case .unixDomainSocket = channel.localAddress { return true }
        return false
    }
}
