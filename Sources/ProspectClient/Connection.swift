import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ProspectAPI
import ProspectCore
import Synchronization

/// Where the daemon is and how to prove who we are.
public struct Endpoint: Sendable, CustomStringConvertible {
    public enum Transport: Sendable {
        case socket(String)
        case server(URL, token: String?)
    }

    public var transport: Transport
    /// Extra CA certificates (PEM) that an `https://` server's certificate may chain to.
    public var caFile: String? = nil

    public var description: String {
        switch transport {
        case .socket(let path): "the socket \(path)"
        case .server(let url, _): url.absoluteString
        }
    }

    /// Resolves the contract's order: `--socket`, `$PROSPECT_SOCKET`, `--server` with `$PROSPECT_TOKEN`,
    /// `~/.config/prospect/config.toml`, then `/run/prospectd/prospectd.sock`.
    static func resolve(socket: String?, server: String?, caFile: String? = nil, environment: [String: String]) throws -> Endpoint {
        if let socket { return Endpoint(transport: .socket(socket)) }
        if let socket = environment["PROSPECT_SOCKET"], !socket.isEmpty { return Endpoint(transport: .socket(socket)) }
        let token = environment["PROSPECT_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let settings = environment["HOME"].flatMap { home in
            (try? String(contentsOfFile: home + "/.config/prospect/config.toml", encoding: .utf8)).map(parseSimpleTOML)
        }
        let ca = caFile ?? settings?["ca_file"]
        if let server = server ?? environment["PROSPECT_SERVER"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return Endpoint(transport: .server(try serverURL(server), token: token), caFile: ca)
        }
        if let settings {
            if let socket = settings["socket"] { return Endpoint(transport: .socket(socket)) }
            if let server = settings["server"] {
                var fileToken = settings["token"]
                if let tokenFile = settings["token_file"] {
                    fileToken = (try? String(contentsOfFile: tokenFile, encoding: .utf8))?
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                }
                return Endpoint(transport: .server(try serverURL(server), token: token ?? fileToken), caFile: ca)
            }
        }
        return Endpoint(transport: .socket(API.defaultSocket))
    }

    static func serverURL(_ text: String) throws -> URL {
        guard let url = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text),
            url.scheme == "http" || url.scheme == "https", url.host != nil
        else { throw CLIError.usage("--server '\(text)' is not a URL like http://127.0.0.1:8787") }
        return url
    }

    /// `key = "value"` lines of the client's own small config file.
    static func parseSimpleTOML(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            out[key] = value
        }
        return out
    }
}

/// A failure of the CLI, with the exit code of the contract.
public enum CLIError: Error, CustomStringConvertible {
    /// Bad input or a refusal: exit 1.
    case failure(String)
    /// A usage error: exit 2.
    case usage(String)
    /// The daemon could not be reached: exit 3.
    case unreachable(String)
    /// The request may have reached the daemon, but no answer came (it died or restarted
    /// meanwhile): exit 3, and a request with a `client_id` may be sent again.
    case unanswered(String)

    public var description: String {
        switch self {
        case .failure(let m), .usage(let m), .unreachable(let m), .unanswered(let m): m
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .failure: 1
        case .usage: 2
        case .unreachable, .unanswered: 3
        }
    }
}

/// Talks JSON to the daemon.
struct Client {
    let endpoint: Endpoint

    /// One HTTP client per process. A failed connection fails the request at once (the default
    /// pool would keep retrying until the request's deadline), so "daemon down" is reported fast.
    /// Made once per CA file and never shut down: the process ends first.
    static let clients = Mutex<[String: HTTPClient]>([:])

    /// The client for `caFile`: HTTPS servers are verified against the system's CAs and those in it.
    static func http(caFile: String?) throws -> HTTPClient {
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw CLIError.failure("the CA file \(caFile) cannot be read (--ca-file, or ca_file in ~/.config/prospect/config.toml)")
        }
        return clients.withLock { clients in
            if let known = clients[caFile ?? ""] { return known }
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
            if let caFile {
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.additionalTrustRoots = [.file(caFile)]
                configuration.tlsConfiguration = tls
            }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[caFile ?? ""] = client
            return client
        }
    }

    func send(
        _ method: HTTPMethod,
        _ path: String,
        body: Data? = nil,
        contentType: String = "application/json",
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Data {
        let (status, reason, data): (Int, String, Data)
        switch endpoint.transport {
        case .socket(let socketPath):
            let headers = body == nil ? [] : [("Content-Type", contentType)]
            do {
                let answer = try SocketExchange(path: socketPath).send(
                    method: method.rawValue,
                    target: path,
                    headers: headers,
                    body: body.map(Array.init),
                    progress: progress
                )
                (status, reason, data) = (answer.status, answer.reason, Data(answer.body))
            } catch {
                switch error {
                case .notSent: throw CLIError.unreachable(unreachableMessage(error))
                case .unanswered: throw CLIError.unanswered(unreachableMessage(error))
                }
            }
        case .server(let base, let token):
            let response = try await sendHTTP(
                method,
                base.absoluteString + path,
                token: token,
                body: body,
                contentType: contentType,
                progress: progress
            )
            (status, reason, data) = (Int(response.status.code), response.status.reasonPhrase, response.body)
        }
        guard (200..<300).contains(status) else {
            if let body = try? API.decoder().decode(ErrorBody.self, from: data) {
                throw CLIError.failure(body.error)
            }
            throw CLIError.failure("the daemon answered \(status) \(reason)")
        }
        return data
    }

    /// A request to a TCP or HTTPS server, through AsyncHTTPClient.
    private func sendHTTP(
        _ method: HTTPMethod,
        _ url: String,
        token: String?,
        body: Data?,
        contentType: String,
        progress: (@Sendable (Int) -> Void)?
    ) async throws -> (status: HTTPResponseStatus, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            if let progress {
                request.body = .stream(Chunks(data: body, progress: progress), length: .known(Int64(body.count)))
            } else {
                request.body = .bytes(ByteBuffer(bytes: body))
            }
        }
        if let token {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        let client = try Self.http(caFile: endpoint.caFile)
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            return (response.status, Data((try await response.body.collect(upTo: 64 << 20)).readableBytesView))
        } catch let error as NIOSSLError {
            // The handshake comes before the request: nothing was sent.
            throw CLIError.unreachable(tlsMessage(error))
        } catch let error as BoringSSLError {
            throw CLIError.unreachable(tlsMessage(error))
        } catch {
            throw Self.neverSent(error) ? CLIError.unreachable(unreachableMessage(error)) : CLIError.unanswered(unreachableMessage(error))
        }
    }

    /// Whether the request surely never reached the daemon: nothing listened (no socket, refused).
    static func neverSent(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? IOError { return [ECONNREFUSED, ENOENT, ENOTSOCK, EACCES].contains(error.errnoCode) }
        if let error = error as? HTTPClientError { return error == .connectTimeout }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        return false
    }

    func tlsMessage(_ error: any Error) -> String {
        "cannot verify the HTTPS certificate of \(endpoint) (\(error)); for a private CA pass --ca-file CA.pem "
            + "(or ca_file = \"CA.pem\" in ~/.config/prospect/config.toml)"
    }

    func unreachableMessage(_ error: any Error) -> String {
        switch endpoint.transport {
        case .socket(let path):
            let hint = FileManager.default.fileExists(atPath: path) ? "is the daemon running?" : "no socket there;"
            return "cannot reach prospectd at \(path): \(hint) start it (systemctl start prospectd, or prospectd run --dev DIR) or pass --socket PATH"
        case .server(let url, _):
            return "cannot reach prospectd at \(url.absoluteString): is it running with [daemon].listen set? (\(type(of: error)))"
        }
    }

    func get<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        try decode(T.self, try await send(.GET, path))
    }

    func post<T: Decodable>(_ type: T.Type, _ path: String, _ body: some Encodable, method: HTTPMethod = .POST) async throws -> T {
        let data: Data
        do { data = try API.encoder().encode(body) } catch { throw CLIError.failure("cannot encode the request: \(error)") }
        return try decode(T.self, try await send(method, path, body: data))
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do { return try API.decoder().decode(T.self, from: data) } catch {
            throw CLIError.failure("the daemon's answer was not understood (is it a different version?): \(error)")
        }
    }
}

/// A date typed on the command line, refused with the daemon's own words (exit 1).
func inputDate(_ text: String, for option: String) throws -> LocalDate {
    do { return try LocalDate.parse(text, for: option) } catch let error as UserError { throw CLIError.failure(error.message) }
}

/// Percent-encodes a query value.
func query(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
}

/// `base?name=value&…` with every given value percent-encoded; absent ones are left out.
func path(_ base: String, _ parameters: KeyValuePairs<String, String?>) -> String {
    let items = parameters.compactMap { name, value in value.map { "\(name)=\(query($0))" } }
    return items.isEmpty ? base : base + "?" + items.joined(separator: "&")
}

/// Runs a request and keeps its outcome, to branch on the kind of failure.
func outcome<T>(_ body: () async throws -> T) async -> Result<T, CLIError> {
    do { return .success(try await body()) } catch let error as CLIError { return .failure(error) } catch {
        return .failure(.failure("\(error)"))
    }
}

/// A body sent in 64 KiB pieces, reporting how much has gone (for a progress bar).
struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let data: Data
    let progress: @Sendable (Int) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let data: Data
        let progress: @Sendable (Int) -> Void
        var offset = 0

        mutating func next() async -> ByteBuffer? {
            guard offset < data.count else { return nil }
            let end = Swift.min(offset + 65_536, data.count)
            defer {
                offset = end
                progress(end)
            }
            return ByteBuffer(bytes: data[data.startIndex + offset..<data.startIndex + end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(data: data, progress: progress) }
}
