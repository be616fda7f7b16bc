import Foundation
import HTTPTypes
import Hummingbird
import ProspectAPI
import ProspectConfig
import ProspectCore
import ProspectMessages
import ProspectStore

/// One-tap logging: `GET /l/REP/DAY/MAC` shows the page (and changes nothing: mail scanners
/// prefetch links), its form's `POST` logs as that rep through the same path as `prospect log`.
/// Every answer is an HTML page, refusals included.
extension Handlers {
    /// Why a link cannot be used: its status and what the page says.
    struct LinkRefused: Error {
        var status: HTTPResponse.Status
        var title: String
        var message: String

        init(_ status: HTTPResponse.Status, _ title: String, _ message: String) {
            self.status = status
            self.title = title
            self.message = message
        }

        static func broken(_ message: String) -> LinkRefused { LinkRefused(.forbidden, "This link does not work", message) }
    }

    /// A link whose signature holds, for an active rep and a day still open.
    struct LinkTarget {
        var rep: StoredPerson
        var day: LocalDate
        var config: Config
        var zone: Zone
    }

    func linkTarget(rep handle: String, day text: String, mac: String) async throws -> LinkTarget {
        let config = config.current
        let now = clock.now
        guard let links = try await LogLinks.current(config, store: store, now: now) else {
            throw LinkRefused(.notFound, "One-tap links are off", "This server does not set public_url, so its links do not work; ask an admin.")
        }
        guard let day = links.day(rep: handle, day: text, mac: mac) else {
            throw LinkRefused.broken(
                "It was changed on the way, or the links were renewed since it was sent. Use the link in your latest reminder."
            )
        }
        guard let rep = try await store.person(handle: handle), rep.person.active, rep.person.role == .rep else {
            throw LinkRefused.broken("It was sent for someone who is no longer an active rep on the roster; ask an admin.")
        }
        let zone = config.zone(of: rep.person)
        guard day <= zone.localDate(of: now) else { throw LinkRefused.broken("It is for a day that has not begun.") }
        let calendar = try await calendar(for: rep, config, since: day.adding(days: -1))
        if let limit = ActivityTime.closedSince(day, now: now, calendar: calendar, rule: config.rule) {
            throw LinkRefused(
                .forbidden,
                "This link has expired",
                "\(MessageVariables.dayName(day)) could be logged until \(zone.localTime(of: limit)) on "
                    + "\(MessageVariables.dayName(zone.localDate(of: limit))). Today's reminder brings a link for today."
            )
        }
        return LinkTarget(rep: rep, day: day, config: config, zone: zone)
    }

    /// What the page shows of the link's day, as the day is judged everywhere else.
    func linkDay(_ target: LinkTarget) async throws -> LinkPage.Day {
        let now = clock.now
        let status = try await evaluator(for: target.rep, target.config, now: now).status(of: target.day, now: now)
        return LinkPage.Day(
            repName: target.rep.person.name,
            dayName: MessageVariables.dayName(target.day),
            status: status,
            deadline: target.zone.localTime(of: status.deadline).description,
            kinds: target.config.sortedKinds.filter(\.counts).map { ($0.name, $0.label) }
        )
    }

    func linkPage(rep: String, day: String, mac: String) async -> Response {
        await linkResponse {
            let target = try await linkTarget(rep: rep, day: day, mac: mac)
            return (.ok, LinkPage.form(try await linkDay(target), clientID: Self.formClientID()))
        }
    }

    /// The form's POST: the chosen counting kind and note, logged once per `client_id`.
    func linkPost(rep: String, day: String, mac: String, body: ByteBuffer) async -> Response {
        await linkResponse {
            let target = try await linkTarget(rep: rep, day: day, mac: mac)
            guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
                throw LinkRefused(.badRequest, "The form could not be read", "Its text was not UTF-8; go back and send it again.")
            }
            let fields = formFields(text)
            let clientID = fields["client_id"] ?? ""
            // Browsers send a textarea's line breaks as CRLF; a note keeps plain newlines.
            let note = fields["note"].map { $0.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            func again(_ problem: String) async throws -> (HTTPResponse.Status, String) {
                let shownID = clientID.isEmpty ? Self.formClientID() : clientID
                let page = LinkPage.form(try await linkDay(target), clientID: shownID, problem: problem, chosen: fields["kind"], note: note)
                return (.badRequest, page)
            }
            guard let kind = fields["kind"].flatMap({ target.config.kinds[$0] }), kind.counts else {
                return try await again("Choose what you did: one of the kinds below.")
            }
            let now = clock.now
            // Today's action happened now; a late one for a past day is logged at that day's close.
            let at = target.zone.localDate(of: now) == target.day ? now : min(now, target.zone.instant(target.day, target.config.rule.endOfDay))
            let logged: ActivityResponse
            do {
                logged = try await log(
                    LogRequest(kind: kind.name, note: note.isEmpty ? nil : note, at: nil, value: nil, clientID: clientID),
                    as: target.rep,
                    at: at
                )
            } catch let error as UserError where error.kind == .invalid {
                return try await again(error.message.replacingOccurrences(of: "--note", with: "The note"))
            }
            let page = LinkPage.logged(
                try await linkDay(target),
                kindLabel: kind.label,
                duplicate: logged.duplicate,
                // Relative, so that it holds behind a proxy that serves public_url under a path.
                again: mac
            )
            return (logged.duplicate ? .ok : .created, page)
        }
    }

    /// Runs a link route and answers with its page, or with a refusal page: never JSON, and
    /// never the link itself in a log line.
    func linkResponse(_ body: () async throws -> (HTTPResponse.Status, String)) async -> Response {
        let status: HTTPResponse.Status
        let html: String
        do {
            (status, html) = try await body()
        } catch let refused as LinkRefused {
            (status, html) = (refused.status, LinkPage.refusal(title: refused.title, refused.message))
        } catch let error as UserError {
            let (code, _) = ErrorMiddleware.describe(error)
            (status, html) = (code, LinkPage.refusal(title: "This could not be logged", error.message))
        } catch let error as StoreUnavailable {
            (status, html) = (.serviceUnavailable, LinkPage.refusal(title: "Try again in a moment", error.reason))
        } catch {
            logger.error("link request failed", metadata: ["path": "/l/…", "error": "\(error)"])
            (status, html) = (.internalServerError, LinkPage.refusal(title: "Something went wrong", "The daemon's log says what; try again later."))
        }
        return Response(status: status, headers: Self.pageHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page that is never cached, framed, sniffed, or given a referrer (its address is a credential).
    static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ]

    /// A fresh id for one rendered form: resending that form logs nothing new.
    static func formClientID() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return "link-" + String((0..<24).map { _ in letters.randomElement(using: &generator)! })
    }

    /// `prospect admin links rotate`: links sent before stop working.
    func rotateLinks(_ context: AppContext) async throws -> LinksRotateResponse {
        let identity = try requireAdmin(context)
        let now = clock.now
        try await store.rotateLinkKey(actor: identity.actor, now: now)
        logger.notice("link key rotated", metadata: ["by": "\(identity.actor)"])
        return LinksRotateResponse(rotatedAt: now, enabled: config.current.daemon.publicURL != nil)
    }
}
