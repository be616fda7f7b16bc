import Foundation
import Hummingbird
import ProspectAPI
import ProspectConfig
import ProspectCore
import ProspectStore

extension Handlers {
    /// Checks what depends on the configuration: the calendar a person names must exist.
    func checkAgainstConfig(_ person: Person) throws {
        let config = config.current
        if let calendar = person.calendar, config.calendars[calendar] == nil {
            let defined = config.calendars.keys.sorted()
            throw UserError(
                "calendar '\(calendar)' is not in the configuration; "
                    + (defined.isEmpty ? "define [calendars.\(calendar)] first" : "defined calendars: \(defined.joined(separator: ", "))")
            )
        }
    }

    /// The person a draft describes, or every problem with it in one refusal.
    func validated(_ draft: PersonDraft) throws -> Person {
        switch draft.validated() {
        case .success(let person): return person
        case .failure(let problems): throw UserError(problems.problems.joined(separator: "; "))
        }
    }

    func listPeople(includeInactive: Bool, _ context: AppContext) async throws -> PeopleResponse {
        if context.identity?.admin == true {
            return PeopleResponse(people: try await store.people(includeInactive: includeInactive))
        }
        // Managers see their own reports; reps see themselves.
        let me = try me(context)
        let visible = try await store.reports(of: me.id).union([me.person.handle])
        return PeopleResponse(people: try await store.people(includeInactive: includeInactive).filter { visible.contains($0.handle) })
    }

    func addPerson(_ draft: PersonDraft, _ context: AppContext) async throws -> Person {
        let identity = try requireAdmin(context)
        let person = try validated(draft)
        try checkAgainstConfig(person)
        defer { replan.ring() }
        return try await store.addPerson(person, actor: identity.actor, now: clock.now)
    }

    func updatePerson(handle: String, _ update: PersonUpdate, _ context: AppContext) async throws -> Person {
        let identity = try requireAdmin(context)
        guard !update.isEmpty else { throw UserError("nothing to change; pass at least one of --name, --email, --timezone, ...") }
        guard let existing = try await store.person(handle: handle) else {
            throw UserError.noSuchHandle(handle)
        }
        let p = existing.person
        func merged(_ new: String?, _ old: String?) -> String? {
            guard let new else { return old }
            return new.isEmpty ? nil : new
        }
        let draft = PersonDraft(
            handle: p.handle,
            name: update.name ?? p.name,
            email: update.email ?? p.email,
            timezone: merged(update.timezone, p.timezone.isEmpty ? nil : p.timezone),
            manager: merged(update.manager, p.manager),
            role: update.role ?? p.role.rawValue,
            unixUser: merged(update.unixUser, p.unixUser),
            workdays: merged(update.workdays, p.workdays.map { Weekday.format($0) }),
            calendar: merged(update.calendar, p.calendar),
            slack: merged(update.slack, p.slack),
            ntfyTopic: merged(update.ntfyTopic, p.ntfyTopic)
        )
        var person = try validated(draft)
        person.active = true
        try checkAgainstConfig(person)
        defer { replan.ring() }
        return try await store.updatePerson(person, actor: identity.actor, now: clock.now)
    }

    func deactivate(handle: String, _ context: AppContext) async throws -> Person {
        let identity = try requireAdmin(context)
        defer { replan.ring() }
        return try await store.deactivate(handle: handle, actor: identity.actor, now: clock.now)
    }

    /// `prospect admin rep forget`: personal data erased, counts kept.
    func forget(handle: String, _ context: AppContext) async throws -> Person {
        let identity = try requireAdmin(context)
        defer { replan.ring() }
        let person = try await store.forgetPerson(handle: handle, actor: identity.actor, now: clock.now)
        logger.notice("a person was forgotten", metadata: ["as": "\(person.handle)"])
        return person
    }

    func importRoster(csv: String, _ context: AppContext) async throws -> RosterImportResponse {
        let identity = try requireAdmin(context)
        let rows: [RosterCSV.Row]
        switch RosterCSV.parse(csv) {
        case .success(let r): rows = r
        case .failure(let problems): throw problems
        }
        var problems: [String] = []
        for row in rows {
            do { try checkAgainstConfig(row.person) } catch { problems.append("line \(row.line): \(error)") }
        }
        if let cycle = managerCycle(
            in: Dictionary(uniqueKeysWithValues: rows.compactMap { row in row.person.manager.map { (row.person.handle, $0) } })
        ) {
            problems.append("managers form a cycle (\(cycle.joined(separator: " -> "))); every chain must end at someone without a manager")
        }
        guard problems.isEmpty else { throw ValidationProblems(problems) }
        let result = try await store.importRoster(rows, actor: identity.actor, now: clock.now)
        replan.ring()
        return RosterImportResponse(created: result.created, updated: result.updated, unchanged: result.unchanged)
    }

    func exportRoster(_ context: AppContext) async throws -> String {
        _ = try requireAdmin(context)
        return RosterCSV.render(try await store.people(includeInactive: false))
    }

    func issueToken(handle: String, _ context: AppContext) async throws -> TokenResponse {
        let identity = try requireAdmin(context)
        let token = try await store.issueToken(handle: handle, actor: identity.actor, now: clock.now)
        logger.notice("token issued", metadata: ["rep": "\(handle)", "by": "\(identity.actor)"])
        return TokenResponse(rep: handle, token: token)
    }

    func revokeTokens(handle: String, _ context: AppContext) async throws -> RevokeResponse {
        let identity = try requireAdmin(context)
        let count = try await store.revokeTokens(handle: handle, actor: identity.actor, now: clock.now)
        logger.notice("tokens revoked", metadata: ["rep": "\(handle)", "count": "\(count)", "by": "\(identity.actor)"])
        return RevokeResponse(rep: handle, revoked: count)
    }
}
