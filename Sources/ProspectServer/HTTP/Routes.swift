import Foundation
import Hummingbird
import Logging
import ProspectAPI
import ProspectCore
import ProspectStore

/// A CSV upload as text: at most `limit` bytes of UTF-8.
func csvBody(_ request: Request, what: String, limit: Int = 16 << 20) async throws -> String {
    let buffer: ByteBuffer
    do { buffer = try await request.body.collect(upTo: limit) } catch {
        throw UserError("the \(what) is larger than \(limit >> 20) MiB")
    }
    guard let csv = String(validating: buffer.readableBytesView, as: UTF8.self) else {
        throw UserError("the \(what) is not UTF-8 text")
    }
    return csv
}

func linkParts(_ context: AppContext) throws -> (String, String, String) {
    (try context.parameters.require("rep"), try context.parameters.require("day"), try context.parameters.require("mac"))
}

/// Builds the router: error mapping, identity, then every `/v1` route.
func makeRouter(_ handlers: Handlers) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    router.add(middleware: RequestMetricsMiddleware())
    router.add(middleware: ErrorMiddleware(logger: handlers.logger))
    router.add(middleware: IdentityMiddleware(store: handlers.store, clock: handlers.clock, limiter: handlers.limiter))
    let v1 = router.group("v1")

    // One-tap links: no identity but the link's own signature (checked by the handler).
    router.get("l/:rep/:day/:mac") { _, context in
        let (rep, day, mac) = try linkParts(context)
        return await handlers.linkPage(rep: rep, day: day, mac: mac)
    }
    router.post("l/:rep/:day/:mac") { request, context in
        let (rep, day, mac) = try linkParts(context)
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 16 << 10) } catch {
            return await handlers.linkResponse {
                throw Handlers.LinkRefused(.contentTooLarge, "The form is too long", "Keep the note shorter and send it again.")
            }
        }
        return await handlers.linkPost(rep: rep, day: day, mac: mac, body: body)
    }
    v1.post("links/rotate") { _, context in try jsonResponse(try await handlers.rotateLinks(context)) }

    v1.get("health") { _, _ in try jsonResponse(handlers.health()) }
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
    v1.post("people/:handle/forget") { _, context in
        try jsonResponse(try await handlers.forget(handle: try context.parameters.require("handle"), context))
    }
    v1.post("sources/:name") { _, context in
        try jsonResponse(try await handlers.addSource(name: try context.parameters.require("name"), context), status: .created)
    }
    v1.delete("sources/:name") { _, context in
        try jsonResponse(try await handlers.revokeSource(name: try context.parameters.require("name"), context))
    }
    v1.post("sources/:name/activities") { request, context in
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 1 << 20) } catch {
            throw UserError("the body is larger than 1 MiB; send fewer activities at once")
        }
        let result = try await handlers.sourceActivities(name: try context.parameters.require("name"), body: body, context)
        return try jsonResponse(result, status: result.added > 0 ? .created : .ok)
    }
    v1.get("roster") { _, context in
        let csv = try await handlers.exportRoster(context)
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: csv)))
    }
    v1.post("roster") { request, context in
        try jsonResponse(try await handlers.importRoster(csv: try await csvBody(request, what: "roster file"), context))
    }
    v1.post("import/activities") { request, context in
        try jsonResponse(try await handlers.importActivities(csv: try await csvBody(request, what: "activities file", limit: 64 << 20), context))
    }
    v1.get("team") { request, context in
        let query = request.uri.queryParameters
        return try jsonResponse(try await handlers.team(managerHandle: query.get("manager"), date: query.get("date"), context))
    }
    v1.post("team/ack") { _, context in try jsonResponse(try await handlers.acknowledge(context), status: .created) }
    v1.get("report") { request, context in
        let query = request.uri.queryParameters
        guard let format = ReportFormat(rawValue: query.get("format") ?? "json") else {
            throw UserError("format must be one of json, text, html")
        }
        guard let period = ReportPeriod(rawValue: query.get("period") ?? "week") else {
            throw UserError("period must be one of week, month")
        }
        let report = try await handlers.report(managerHandle: query.get("manager"), period: period, date: query.get("date"), context)
        guard format != .json else { return try jsonResponse(report) }
        let body = try await handlers.rendered(report, format: format)
        let type = format == .html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8"
        return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
    v1.post("pipeline") { request, context in
        try jsonResponse(try await handlers.setPipeline(try await decodeBody(PipelineRequest.self, from: request), context), status: .created)
    }
    v1.post("tokens/:handle") { _, context in
        try jsonResponse(try await handlers.issueToken(handle: try context.parameters.require("handle"), context), status: .created)
    }
    v1.delete("tokens/:handle") { _, context in
        try jsonResponse(try await handlers.revokeTokens(handle: try context.parameters.require("handle"), context))
    }
    v1.get("outbox") { request, context in
        let query = request.uri.queryParameters
        return try jsonResponse(
            try await handlers.outboxList(
                state: query.get("state"),
                rep: query.get("rep"),
                since: query.get("since"),
                limit: query.get("limit"),
                context
            )
        )
    }
    v1.post("outbox/retry") { _, context in try jsonResponse(try await handlers.outboxRetryFailed(context)) }
    v1.get("outbox/:id") { _, context in try jsonResponse(try await handlers.outboxShow(id: try context.parameters.require("id"), context)) }
    v1.post("outbox/:id/retry") { _, context in
        try jsonResponse(try await handlers.outboxRetry(id: try context.parameters.require("id"), context))
    }
    v1.post("outbox/:id/cancel") { _, context in
        try jsonResponse(try await handlers.outboxCancel(id: try context.parameters.require("id"), context))
    }
    v1.post("channels/:name/test") { request, context in
        let name = try context.parameters.require("name")
        return try jsonResponse(try await handlers.testChannel(name: name, try await decodeBody(TestChannelRequest.self, from: request), context))
    }
    return router
}

/// `[daemon] metrics_listen`: `GET /metrics` in the Prometheus text format, and nothing else.
func makeMetricsRouter(_ metrics: DaemonMetrics) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    router.get("metrics") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: try await metrics.exposition()))
        )
    }
    return router
}
