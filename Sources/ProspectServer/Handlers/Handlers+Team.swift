import Crypto
import Foundation
import ProspectAPI
import ProspectConfig
import ProspectCore
import ProspectEngine
import ProspectMessages
import ProspectStore

/// The managers' half: the team view, reports, taking stock; pipelines; CRM imports.
extension Handlers {
    /// The manager whose team the caller asks for: themself, or (admins) anyone named.
    func manager(_ handle: String?, _ context: AppContext) async throws -> StoredPerson {
        if let handle, handle != context.identity?.person?.person.handle {
            guard context.identity?.admin == true else {
                throw UserError(.forbidden, "only admins may see another manager's team")
            }
            guard let person = try await store.person(handle: handle) else {
                throw UserError.noSuchHandle(handle)
            }
            return person
        }
        let me = try me(context)
        let leadsReps = me.person.role != .rep ? true : !(try await store.repIDs(under: me.id)).isEmpty
        guard leadsReps else {
            throw UserError(.forbidden, "the team view is for managers; see your own day with 'prospect status'")
        }
        return me
    }

    /// `prospect team [--date D]`: every rep under the manager, transitively, on one day.
    func team(managerHandle: String?, date: String?, _ context: AppContext) async throws -> TeamReport {
        let manager = try await manager(managerHandle, context)
        let config = config.current
        let now = clock.now
        let day = try localDate(date, default: config.zone(of: manager.person).localDate(of: now))
        return try await report(.team, manager: manager, from: day, to: day, now: now, config: config)
    }

    /// `prospect report --week|--month`: the period containing `date`, up to today.
    func report(managerHandle: String?, period: ReportPeriod, date: String?, _ context: AppContext) async throws -> TeamReport {
        let manager = try await manager(managerHandle, context)
        let config = config.current
        let now = clock.now
        let today = config.zone(of: manager.person).localDate(of: now)
        let day = try localDate(date, default: today)
        let from: LocalDate
        let end: LocalDate
        switch period {
        case .week:
            from = day.weekStart
            end = from.adding(days: 6)
        case .month:
            from = day.firstOfMonth
            end = day.lastOfMonth
        }
        guard from <= today else { throw UserError("the \(period.rawValue) of \(day) has not begun yet; pick a date up to \(today)") }
        return try await report(.report, manager: manager, from: from, to: min(end, today), now: now, config: config)
    }

    func report(
        _ kind: TeamReport.Kind,
        manager: StoredPerson,
        from: LocalDate,
        to: LocalDate,
        now: Date,
        config: Config
    ) async throws
        -> TeamReport
    {
        let repIDs = try await store.repIDs(under: manager.id)
        guard
            let report = try await Engine(store: store).report(
                kind: kind,
                managerID: manager.id,
                repIDs: repIDs,
                from: from,
                to: to,
                now: now,
                config: config
            )
        else { throw UserError(.notFound, "\(manager.person.handle) is no longer on the roster") }
        return report
    }

    /// A report as text or HTML, through the weekly digest's templates.
    func rendered(_ report: TeamReport, format: ReportFormat) async throws -> String {
        guard let manager = try await store.person(handle: report.manager)?.person else {
            throw UserError(.notFound, "\(report.manager) is no longer on the roster")
        }
        let message = config.templates.render(.weekly, DigestVariables.of(report, recipient: manager, channel: "report"))
        return format == .html ? message.html : message.subject + "\n\n" + message.text
    }

    /// `prospect team --ack`: the manager took stock today (in their zone).
    func acknowledge(_ context: AppContext) async throws -> AckResponse {
        let manager = try await manager(nil, context)
        let now = clock.now
        let date = config.current.zone(of: manager.person).localDate(of: now)
        let at = try await store.acknowledge(personID: manager.id, date: date, now: now)
        return AckResponse(manager: manager.person.handle, date: date, at: at)
    }

    /// `prospect pipeline set`: a snapshot for oneself, or a manager's report.
    func setPipeline(_ request: PipelineRequest, _ context: AppContext) async throws -> PipelineResponse {
        let rep = try await subject(request.rep, context)
        guard (0...1_000_000).contains(request.openDeals) else { throw UserError("--open-deals must be a whole number from 0 to 1,000,000") }
        guard request.value.isFinite, (0...1e13).contains(request.value) else {
            throw UserError("--value must be an amount from 0 to 10,000,000,000,000, like 84000 or 84000.50")
        }
        let snapshot = try await store.setPipeline(
            repID: rep.id,
            openDeals: request.openDeals,
            value: (request.value * 100).rounded() / 100,
            actor: context.identity?.actor ?? "unknown",
            now: clock.now
        )
        return PipelineResponse(rep: rep.person.handle, snapshot: snapshot)
    }

    /// `prospect admin import activities FILE.csv`: all rows or none; re-importing adds nothing.
    func importActivities(csv: String, _ context: AppContext) async throws -> ImportResponse {
        let identity = try requireAdmin(context)
        let config = config.current
        let now = clock.now
        // Every active person with their row id, in one read.
        let people = Dictionary(try await store.activePeople().map { ($0.stored.person.handle, $0.stored) }) { a, _ in a }
        let records: [CSV.Record]
        switch CSV.parse(csv) {
        case .success(let r): records = r
        case .failure(let e): throw ValidationProblems(["line \(e.line): malformed CSV: \(e.message)"])
        }
        guard let header = records.first else { throw UserError("the file is empty; expected the header rep,kind,at,note,value") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let missing = ["rep", "kind", "at"].filter { !names.contains($0) }
        guard missing.isEmpty else {
            throw UserError("line \(header.line): the header lacks \(missing.joined(separator: ", ")); expected rep,kind,at,note,value")
        }
        var rows: [ImportedActivity] = []
        var problems: [String] = []
        for record in records.dropFirst() {
            func field(_ name: String) -> String {
                guard let i = names.firstIndex(of: name), i < record.fields.count else { return "" }
                return record.fields[i].trimmingCharacters(in: .whitespaces)
            }
            let line = "line \(record.line)"
            guard let stored = people[field("rep")] else {
                problems.append("\(line): rep '\(shown(field("rep"), 40))' is not an active person on the roster")
                continue
            }
            let person = stored.person
            let personID = stored.id
            let type = field("kind")
            guard let kind = config.importKinds[type.lowercased()] ?? (config.kinds[type] != nil ? type : nil) else {
                problems.append(
                    "\(line): kind '\(shown(type, 40))' is neither a kind nor mapped in [import.kinds]; kinds: "
                        + config.kinds.keys.sorted().joined(separator: ", ")
                )
                continue
            }
            let zone = config.zone(of: person)
            guard let at = ActivityTime.parseISO8601(field("at")) ?? Self.localDateTime(field("at"), zone: zone) else {
                problems.append("\(line): at '\(shown(field("at"), 40))' is not a time like 2026-03-09T15:00:00Z or 2026-03-09 15:00")
                continue
            }
            if at > now.addingTimeInterval(300) { problems.append("\(line): at \(field("at")) is in the future") }
            let note = field("note")
            if let problem = ActivityLimits.noteProblem(note) { problems.append("\(line): the note \(problem)") }
            var value: Double? = nil
            if !field("value").isEmpty {
                value = Double(field("value"))
                if value.map({ !$0.isFinite || $0 < 0 }) ?? true {
                    problems.append("\(line): value '\(shown(field("value"), 20))' is not an amount")
                }
            }
            let identity = "\(person.handle)|\(kind)|\(Int64(at.timeIntervalSince1970))|\(note)|\(value.map { String($0) } ?? "")"
            let digest = SHA256.hash(data: Data(identity.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
            rows.append(
                ImportedActivity(
                    personID: personID,
                    kind: kind,
                    note: note.isEmpty ? nil : note,
                    value: value,
                    occurredAt: at,
                    clientID: "import-\(digest)"
                )
            )
        }
        guard problems.isEmpty else { throw ValidationProblems(problems) }
        let added = try await store.importActivities(rows, actor: identity.actor, now: now)
        defer { replan.ring() }
        return ImportResponse(rows: rows.count, added: added, alreadyPresent: rows.count - added, reps: Set(rows.map(\.personID)).count)
    }

    func localDate(_ text: String?, default value: LocalDate) throws -> LocalDate {
        guard let text else { return value }
        return try LocalDate.parse(text, for: "--date")
    }

    /// `2026-03-09 15:00` or `2026-03-09T15:00[:SS]` without an offset: wall time in the rep's zone.
    static func localDateTime(_ text: String, zone: Zone) -> Date? {
        let parts = text.replacingOccurrences(of: "T", with: " ").split(separator: " ")
        guard parts.count == 2, let date = LocalDate(input: parts[0]) else { return nil }
        let clock = parts[1].split(separator: ":")
        guard clock.count >= 2, let time = LocalTime("\(clock[0]):\(clock[1])") else { return nil }
        let seconds = clock.count > 2 ? Double(clock[2]) ?? 0 : 0
        return zone.instant(date, time).addingTimeInterval(seconds)
    }
}
