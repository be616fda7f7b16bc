import Foundation
import Hummingbird
import ProspectCore
import ProspectStore

#if canImport(Glibc)
import Glibc
#endif

/// Establishes who is calling: the peer's Unix user on the socket, a bearer token on TCP.
struct IdentityMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let store: Store
    let clock: any WallClock
    let limiter: TokenFailureLimiter
    let ownUID = getuid()

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        // A one-tap link is its own credential; its handler checks the signature. Health needs none.
        if !LogLinks.isLinkPath(request.uri.path), request.uri.path != "/v1/health" {
            context.identity = try await identify(request, context)
        }
        return try await next(request, context)
    }

    /// `/v1/sources/NAME/activities`: a source speaks with its own token, on either listener.
    static func isSourceRoute(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 5 && parts[1] == "v1" && parts[2] == "sources" && parts[4] == "activities"
    }

    func identify(_ request: Request, _ context: AppContext) async throws -> Identity {
        if Self.isSourceRoute(request.uri.path) { return try await identifySource(request, context) }
        if context.isLocal {
            guard let uid = await PeerCredentials.uid(of: context.channel) else {
                throw UserError(.forbidden, "could not read the caller's Unix credentials from the socket")
            }
            let superuser = uid == 0 || uid == ownUID
            let user = PeerCredentials.userName(uid: uid)
            let person = try await user.asyncFlatMap { try await store.person(unixUser: $0) }
            if let person {
                return Identity(person: person, admin: superuser || person.person.role == .admin, actor: person.person.handle)
            }
            if superuser { return Identity(person: nil, admin: true, actor: user.map { "unix:\($0)" } ?? "uid:\(uid)") }
            let name = user ?? "uid \(uid)"
            throw UserError(
                .forbidden,
                "your Unix user '\(name)' is not on the roster; ask an admin to run 'prospect admin rep add ... --unix-user \(name)'"
            )
        }
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        let token = try bearerToken(
            request,
            from: address,
            missing: "this API needs a token: set PROSPECT_TOKEN (an admin issues one with 'prospect admin token issue HANDLE')"
        )
        guard let person = try await store.person(token: token) else {
            throw HTTPError(
                .unauthorized,
                message: "the token is not valid (revoked, mistyped, or its owner deactivated); ask an admin for a new one"
            )
        }
        limiter.succeeded(address)
        return Identity(person: person, admin: person.person.role == .admin, actor: person.person.handle)
    }

    /// The bearer token of a request from `address`, unless that address has failed too often
    /// lately (429) or sent none (401, saying `missing`). The caller checks it and reports success.
    func bearerToken(_ request: Request, from address: String, missing: String) throws -> String {
        if let seconds = limiter.begin(address, now: clock.now) {
            throw HTTPError(
                .tooManyRequests,
                headers: [.retryAfter: String(seconds)],
                message: "too many failed token attempts from this address; try again in \(seconds) seconds"
            )
        }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw HTTPError(.unauthorized, message: missing)
        }
        let token = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard token.count <= 200 else { throw HTTPError(.unauthorized, message: "the token is longer than any this daemon issues") }
        return token
    }
}

extension IdentityMiddleware {
    func identifySource(_ request: Request, _ context: AppContext) async throws -> Identity {
        let address = context.isLocal ? "local" : context.channel.remoteAddress?.ipAddress ?? "unknown"
        let token = try bearerToken(
            request,
            from: address,
            missing: "a source needs its token: Authorization: Bearer (prospect admin source add NAME prints it)"
        )
        guard let source = try await store.source(token: token) else {
            throw HTTPError(
                .unauthorized,
                message: "the source token is not valid (revoked or mistyped); an admin issues one with 'prospect admin source add NAME'"
            )
        }
        limiter.succeeded(address)
        return Identity(person: nil, admin: false, actor: "source:\(source.name)", source: source)
    }
}

extension Optional {
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
