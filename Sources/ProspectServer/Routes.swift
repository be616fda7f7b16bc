import Foundation
import Hummingbird
import Logging
import ProspectAPI
import ProspectCore
import ProspectStore

/// Builds the router: error mapping, identity, then every `/v1` route.
func makeRouter(_ handlers: Handlers) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    router.add(middleware: ErrorMiddleware(logger: handlers.logger))
    router.add(middleware: IdentityMiddleware(store: handlers.store))
    let v1 = router.group("v1")

    v1.get("whoami") { _, context in try jsonResponse(try handlers.whoami(context)) }
    v1.get("kinds") { _, _ in try jsonResponse(handlers.kinds()) }
    v1.post("activities") { request, context in
        let body = try await decodeBody(LogRequest.self, from: request)
        let result = try await handlers.log(body, context)
        return try jsonResponse(result, status: result.duplicate ? .ok : .created)
    }
    v1.post("undo") { _, context in try jsonResponse(try await handlers.undo(context)) }
    v1.get("status") { request, context in
        try jsonResponse(try await handlers.status(rep: request.uri.queryParameters.get("rep"), context))
    }
    v1.get("history") { request, context in
        let daysText = request.uri.queryParameters.get("days") ?? "28"
        guard let days = Int(daysText) else { throw UserError("--days must be a whole number") }
        return try jsonResponse(try await handlers.history(rep: request.uri.queryParameters.get("rep"), days: days, context))
    }
    v1.get("schedule") { request, context in
        try jsonResponse(
            try await handlers.schedule(
                rep: request.uri.queryParameters.get("rep"),
                date: request.uri.queryParameters.get("date"),
                context
            )
        )
    }
    v1.post("away") { request, context in
        try jsonResponse(try await handlers.away(try await decodeBody(AwayRequest.self, from: request), context), status: .created)
    }

    v1.get("people") { request, context in
        let all = request.uri.queryParameters.get("all") == "true"
        return try jsonResponse(try await handlers.listPeople(includeInactive: all, context))
    }
    v1.post("people") { request, context in
        try jsonResponse(try await handlers.addPerson(try await decodeBody(PersonDraft.self, from: request), context), status: .created)
    }
    v1.patch("people/:handle") { request, context in
        let handle = try context.parameters.require("handle")
        return try jsonResponse(try await handlers.updatePerson(handle: handle, try await decodeBody(PersonUpdate.self, from: request), context))
    }
    v1.post("people/:handle/deactivate") { _, context in
        try jsonResponse(try await handlers.deactivate(handle: try context.parameters.require("handle"), context))
    }
    v1.get("roster") { _, context in
        let csv = try await handlers.exportRoster(context)
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: csv)))
    }
    v1.post("roster") { request, context in
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 16 << 20) } catch {
            throw UserError("the roster file is larger than 16 MiB")
        }
        guard let csv = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw UserError("the roster file is not UTF-8 text")
        }
        return try jsonResponse(try await handlers.importRoster(csv: csv, context))
    }
    v1.post("tokens/:handle") { _, context in
        try jsonResponse(try await handlers.issueToken(handle: try context.parameters.require("handle"), context), status: .created)
    }
    v1.delete("tokens/:handle") { _, context in
        try jsonResponse(try await handlers.revokeTokens(handle: try context.parameters.require("handle"), context))
    }
    v1.post("channels/:name/test") { request, context in
        let name = try context.parameters.require("name")
        return try jsonResponse(try await handlers.testChannel(name: name, try await decodeBody(TestChannelRequest.self, from: request), context))
    }
    return router
}
