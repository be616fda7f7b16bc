import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ProspectAPI
import ProspectCore
import ProspectStore

/// Turns every failure into a JSON `ErrorBody` with a 4xx or 5xx status, and logs the 5xx ones.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let logger: Logger

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, body) = Self.describe(error)
            if status.code >= 500 {
                let path = LogLinks.isLinkPath(request.uri.path) ? "/l/…" : request.uri.path
                logger.error("request failed", metadata: ["path": "\(path)", "error": "\(error)"])
            }
            var response = Self.response(status, body)
            if let error = error as? HTTPError, let retry = error.headers[.retryAfter] { response.headers[.retryAfter] = retry }
            return response
        }
    }

    static func describe(_ error: any Error) -> (HTTPResponse.Status, ErrorBody) {
        switch error {
        case let error as UserError:
            let status: HTTPResponse.Status =
                switch error.kind {
                case .invalid: .badRequest
                case .forbidden: .forbidden
                case .notFound: .notFound
                case .conflict: .conflict
                }
            return (status, ErrorBody(error: error.message, kind: error.kind.rawValue))
        case let error as StoreUnavailable:
            return (.serviceUnavailable, ErrorBody(error: error.reason, kind: "unavailable"))
        case let error as ValidationProblems:
            return (.badRequest, ErrorBody(error: error.problems.joined(separator: "\n"), kind: "invalid"))
        case let error as HTTPError:
            let message = error.body ?? error.status.reasonPhrase
            let kind =
                error.status == .notFound
                ? "not_found" : error.status == .unauthorized ? "unauthorized" : error.status == .tooManyRequests ? "rate_limited" : "invalid"
            return (error.status, ErrorBody(error: message, kind: kind))
        case let error as any HTTPResponseError:
            return (error.status, ErrorBody(error: error.status.reasonPhrase, kind: "invalid"))
        default:
            return (.internalServerError, ErrorBody(error: "internal error; see the daemon's log", kind: "internal"))
        }
    }

    static func response(_ status: HTTPResponse.Status, _ body: ErrorBody) -> Response {
        let data = (try? API.encoder().encode(body)) ?? Data(#"{"error":"internal error","kind":"internal"}"#.utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// Encodes a value as the JSON body of a response.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let data = try API.encoder().encode(value)
    return Response(
        status: status,
        headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
    )
}

/// Reads and decodes a JSON body, with a message a person can act on when it is wrong.
func decodeBody<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 1 << 20) async throws -> T {
    let buffer: ByteBuffer
    do {
        buffer = try await request.body.collect(upTo: limit)
    } catch {
        throw UserError("the request body is larger than \(limit) bytes")
    }
    do {
        return try API.decoder().decode(T.self, from: Data(buffer: buffer))
    } catch let DecodingError.keyNotFound(key, _) {
        throw UserError("the request lacks the field '\(key.stringValue)'")
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        throw UserError("the field '\(path)' has the wrong type")
    } catch let DecodingError.dataCorrupted(context) {
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        throw UserError(path.isEmpty ? "the request body is not valid JSON" : "the field '\(path)': \(context.debugDescription)")
    }
}
