import Foundation
import Hummingbird
import ProspectAPI
import ProspectConfig
import ProspectCore
import ProspectStore

/// Activities pushed in by a CRM: `POST /v1/sources/NAME/activities` with the source's token.
extension Handlers {
    /// At most this many activities in one push.
    static let maxPushed = 1_000

    func addSource(name: String, _ context: AppContext) async throws -> SourceTokenResponse {
        let identity = try requireAdmin(context)
        guard PersonField.isValidHandle(name) else {
            throw UserError("a source name is 1-40 lowercase letters, digits, '.', '_' or '-', like 'hubspot'")
        }
        return SourceTokenResponse(source: name, token: try await store.addSource(name: name, actor: identity.actor, now: clock.now))
    }

    func revokeSource(name: String, _ context: AppContext) async throws -> SourceTokenResponse {
        let identity = try requireAdmin(context)
        return SourceTokenResponse(source: name, revoked: try await store.revokeSource(name: name, actor: identity.actor, now: clock.now))
    }

    /// Checks every activity first, as `prospect log` would (known rep and kind, the back-dating
    /// rules); one that fails refuses the whole push with 422 and the reasons, and nothing is written.
    func sourceActivities(name: String, body: ByteBuffer, _ context: AppContext) async throws -> SourceActivitiesResponse {
        guard let source = context.identity?.source, source.name == name else {
            throw UserError(.forbidden, "this token belongs to another source than '\(shown(name))'")
        }
        let pushed = try Self.decodePushed(body)
        guard !pushed.isEmpty else { throw Self.unprocessable(["the body holds no activity"]) }
        guard pushed.count <= Self.maxPushed else {
            throw Self.unprocessable(["at most \(Self.maxPushed) activities in one push; send the rest in another"])
        }
        let config = config.current
        let now = clock.now
        var problems: [String] = []
        var rows: [SourceActivity] = []
        var seen: Set<String> = []
        // Everyone the push names, with their time off, in one lookup. Time off is read from two
        // UTC days before the earliest instant given, which is at or before the day before in
        // any zone (the day a late log's grace looks back to).
        let instants = pushed.map { ActivityTime.parseISO8601($0.at) }
        let earliest = min(now, instants.compactMap { $0 }.min() ?? now)
        let targets = try await store.pushTargets(
            handles: Set(pushed.compactMap(\.rep)),
            emails: Set(pushed.filter { $0.rep == nil }.compactMap { $0.email?.lowercased() }),
            timeOffSince: Zone.utc.localDate(of: earliest).adding(days: -2)
        )
        for (offset, item) in pushed.enumerated() {
            // Built only for a problem: making the id safe to show reads each character's category.
            var label: String { "activity \(offset + 1) (id '\(shown(item.id, 40))')" }
            guard (1...200).contains(item.id.count), !item.id.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 32 } == true }) else {
                problems.append("activity \(offset + 1): 'id' must be 1-200 characters of text")
                continue
            }
            guard seen.insert(item.id).inserted else {
                problems.append("\(label): the id appears twice in this push")
                continue
            }
            let named = item.rep.map { targets.byHandle[$0] } ?? item.email.map { targets.byEmail[$0.lowercased()] } ?? nil
            guard let rep = named, rep.person.active, rep.person.role == .rep else {
                problems.append(
                    item.rep == nil && item.email == nil
                        ? "\(label): name the rep with 'rep' (a handle) or 'email'"
                        : "\(label): no active rep \(item.rep.map { "'\(shown($0, 40))'" } ?? "with that email") on the roster"
                )
                continue
            }
            let kind: String
            if let given = item.kind {
                if let problem = config.kindProblem(given) {
                    problems.append("\(label): \(problem)")
                    continue
                }
                kind = given
            } else if let type = item.type {
                guard let mapped = config.importKinds[type.lowercased()] else {
                    problems.append("\(label): the type '\(shown(type, 40))' is not mapped; add it under [import.kinds] in the configuration")
                    continue
                }
                kind = mapped
            } else {
                problems.append("\(label): give 'kind' (one of the configured kinds) or 'type' (mapped by [import.kinds])")
                continue
            }
            let note: String?
            do { note = try Self.checkedNote(item.note) } catch {
                problems.append("\(label): \(error)")
                continue
            }
            if let value = item.value, let problem = ActivityLimits.valueProblem(value) {
                problems.append("\(label): 'value' \(problem)")
                continue
            }
            guard let occurredAt = instants[offset] else {
                problems.append("\(label): 'at' is not an ISO 8601 instant with Z or an offset, like 2026-03-09T15:00:00Z")
                continue
            }
            let zone = config.zone(of: rep.person)
            let calendar = config.workCalendar(for: rep.person, timeOff: targets.timeOff[rep.id] ?? [])
            do {
                try ActivityTime.validate(occurredAt: occurredAt, now: now, calendar: calendar, rule: config.rule)
            } catch {
                problems.append("\(label): \(error)")
                continue
            }
            rows.append(
                SourceActivity(
                    externalID: item.id,
                    rep: rep,
                    kind: kind,
                    note: note,
                    value: item.value,
                    occurredAt: occurredAt,
                    day: .afterDeadline(of: zone.localDate(of: occurredAt), calendar: calendar, rule: config.rule, now: now)
                )
            )
        }
        guard problems.isEmpty else { throw Self.unprocessable(problems) }
        let (added, present) = try await store.recordFromSource(source, rows, now: now)
        for (kind, count) in Dictionary(grouping: added, by: { $0 }).mapValues(\.count) { Record.activityLogged(kind: kind, count: count) }
        return SourceActivitiesResponse(received: pushed.count, added: added.count, alreadyPresent: present)
    }

    /// One activity object, or an array of them.
    static func decodePushed(_ body: ByteBuffer) throws -> [SourceActivityRequest] {
        let data = Data(buffer: body)
        let decoder = API.decoder()
        do {
            if data.first(where: { !$0.isASCIIWhitespace }) == UInt8(ascii: "[") {
                return try decoder.decode([SourceActivityRequest].self, from: data)
            }
            return [try decoder.decode(SourceActivityRequest.self, from: data)]
        } catch let DecodingError.keyNotFound(key, context) {
            let index = context.codingPath.first?.intValue.map { "activity \($0 + 1): " } ?? ""
            throw unprocessable(["\(index)the field '\(key.stringValue)' is missing"])
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw unprocessable(["the field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"])
        } catch {
            throw UserError("the body is not JSON: one activity object, or an array of them")
        }
    }

    static func unprocessable(_ problems: [String]) -> HTTPError {
        HTTPError(.unprocessableContent, message: problems.prefix(20).joined(separator: "; ") + (problems.count > 20 ? "; ..." : ""))
    }
}

extension UInt8 {
    var isASCIIWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
