import Foundation
import Hummingbird
import ProspectAPI
import ProspectConfig
import ProspectCore
import ProspectStore

extension Handlers {
    func whoami(_ context: AppContext) throws -> WhoAmI {
        let identity = context.identity
        return WhoAmI(handle: identity?.person?.person.handle, role: identity?.person?.person.role, admin: identity?.admin ?? false)
    }

    func kinds() -> KindsResponse {
        let config = config.current
        return KindsResponse(kinds: config.sortedKinds, minimum: config.rule.minimumActions)
    }

    func log(_ request: LogRequest, _ context: AppContext) async throws -> ActivityResponse {
        try await log(request, as: try me(context))
    }

    /// Logs an activity as `rep`, by every rule `prospect log` follows: from the CLI, and from
    /// a one-tap link's form (which gives the instant itself, `at`, instead of `--at` text).
    func log(_ request: LogRequest, as rep: StoredPerson, at instant: Date? = nil) async throws -> ActivityResponse {
        let config = config.current
        let now = clock.now
        guard rep.person.active else { throw UserError(.forbidden, "your roster entry is deactivated; ask an admin") }
        if let problem = config.kindProblem(request.kind) { throw UserError(problem) }
        let note = try Self.checkedNote(request.note)
        if let value = request.value, let problem = ActivityLimits.valueProblem(value) { throw UserError("--value \(problem)") }
        guard (8...64).contains(request.clientID.count),
            request.clientID.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
            })
        else { throw UserError("client_id must be 8-64 letters, digits, '-' or '_'") }
        let zone = config.zone(of: rep.person)
        let occurredAt = try instant ?? ActivityTime.resolve(request.at, zone: zone, now: now)
        // Time off is read once, for the check and for the status in the reply.
        let since = min(zone.localDate(of: occurredAt).adding(days: -1), Self.lookBack(today: zone.localDate(of: now)))
        let calendar = try await calendar(for: rep, config, since: since)
        try ActivityTime.validate(occurredAt: occurredAt, now: now, calendar: calendar, rule: config.rule)
        let (activity, duplicate) = try await store.logActivity(
            ActivityEntry(
                rep: rep,
                kind: request.kind,
                note: note,
                value: request.value,
                occurredAt: occurredAt,
                loggedAt: now,
                clientID: request.clientID,
                day: .afterDeadline(of: zone.localDate(of: occurredAt), calendar: calendar, rule: config.rule, now: now)
            )
        )
        if !duplicate { Record.activityLogged(kind: activity.kind) }
        return ActivityResponse(
            activity: activity,
            duplicate: duplicate,
            status: try await status(of: rep, config, now: now, calendar: calendar)
        )
    }

    static func checkedNote(_ note: String?) throws -> String? {
        guard let note else { return nil }
        let trimmed = note.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { throw UserError("--note is empty; write what you did, or leave --note out") }
        if let problem = ActivityLimits.noteProblem(trimmed) { throw UserError("--note \(problem)") }
        return trimmed
    }

    func undo(_ context: AppContext) async throws -> ActivityResponse {
        let rep = try me(context)
        let now = clock.now
        guard let activity = try await store.undoLast(rep: rep, actor: context.identity?.actor ?? rep.person.handle, now: now)
        else { throw UserError(.notFound, "you have no activity to undo") }
        return ActivityResponse(activity: activity, duplicate: false, status: try await status(of: rep, config.current, now: now))
    }

    func status(rep handle: String?, _ context: AppContext) async throws -> StatusResponse {
        let rep = try await subject(handle, context)
        return try await status(of: rep, config.current, now: clock.now)
    }

    func history(rep handle: String?, days: Int, _ context: AppContext) async throws -> HistoryResponse {
        guard (1...366).contains(days) else { throw UserError("--days must be between 1 and 366") }
        let rep = try await subject(handle, context)
        let config = config.current
        let now = clock.now
        let evaluator = try await evaluator(for: rep, config, now: now, days: days)
        let zone = evaluator.calendar.zone
        let today = zone.localDate(of: now)
        let window = today.adding(days: -(days - 1))
        let activities = try await store.activities(rep: rep, in: zone.startOfDay(window)..<zone.startOfDay(today.adding(days: 2)))
        // Days before the rep joined were never theirs to meet: history starts when they did, or at
        // their first activity if it was back-dated before that.
        let first = max(window, min(today, evaluator.firstDay ?? window))
        let dayList = (0...first.days(to: today)).map { offset -> HistoryDay in
            let status = evaluator.status(of: first.adding(days: offset), now: now)
            return HistoryDay(date: status.date, count: status.count, state: status.state)
        }
        return HistoryResponse(
            rep: rep.person.handle,
            timezone: zone.identifier,
            streak: evaluator.streak(now: now),
            days: dayList,
            activities: activities
        )
    }

    func away(_ request: AwayRequest, _ context: AppContext) async throws -> AwayResponse {
        let rep = try await subject(request.rep, context)
        if request.rep != nil, request.rep != context.identity?.person?.person.handle, context.identity?.person?.person.role == .rep,
            context.identity?.admin != true
        {
            throw UserError(.forbidden, "only managers (for their reports) and admins may set time off for someone else")
        }
        guard request.from <= request.to else {
            throw UserError("--from \(request.from) is after --to \(request.to); swap them")
        }
        guard request.from.days(to: request.to) < 366 else { throw UserError("time off spans at most 366 days; split it") }
        let reason = try request.reason.map { reason throws in
            let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= 200,
                !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw UserError("--reason must be 1-200 characters of plain text") }
            return trimmed
        }
        let config = config.current
        let span = TimeOff(from: request.from, to: request.to, reason: reason)
        let calendar = config.workCalendar(for: rep.person)
        let covered = (0...request.from.days(to: request.to)).filter { calendar.isWorkday(request.from.adding(days: $0)) }.count
        defer { replan.ring() }
        try await store.addTimeOff(
            repID: rep.id,
            handle: rep.person.handle,
            span,
            actor: context.identity?.actor ?? "?",
            now: clock.now
        )
        return AwayResponse(rep: rep.person.handle, from: span.from, to: span.to, reason: reason, workdays: covered)
    }
}
