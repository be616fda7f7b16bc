import Foundation
import ProspectAPI
import ProspectConfig
import ProspectCore
import ProspectStore

extension Handlers {
    /// A rep's ladder for one day: when each step comes, and whether it still will.
    func schedule(rep handle: String?, date text: String?, _ context: AppContext) async throws -> ScheduleResponse {
        let rep = try await subject(handle, context)
        let config = config.current
        let now = clock.now
        let zone = config.zone(of: rep.person)
        var date = zone.localDate(of: now)
        if let text {
            date = try LocalDate.parse(text, for: "--date")
        }
        let evaluator = try await evaluator(for: rep, config, now: now)
        let calendar = evaluator.calendar
        let count = evaluator.count(on: date, loggedBy: now)
        let decided = try await store.decidedSteps(repID: rep.id, date: date)
        let misses = evaluator.missesBefore(date, now: now)
        let workday = calendar.isWorkday(date)
        // Who is there to tell: a step for an audience missing from the roster is never sent.
        var manager: StoredPerson? = nil
        if let handle = rep.person.manager { manager = try await store.person(handle: handle) }
        let present: Set<LadderStep.Audience> = Set(
            [.rep] + (manager != nil ? [.manager] : []) + (manager?.person.manager != nil ? [.managersManager] : [])
        )
        let steps = config.ladder.map { step -> ScheduleResponse.Step in
            let at = Ladder.instant(of: step, on: date, calendar: calendar, rule: config.rule)
            let state: ScheduleState
            if decided.contains(step.name) {
                state = .sent
            } else if !present.contains(step.audience) {
                state = .noRecipient
            } else if at <= now {
                state = .skipped
            } else if count >= config.rule.minimumActions {
                state = .notNeeded
            } else if let n = step.afterMisses, misses + 1 < n {
                state = .notYet
            } else {
                state = .willSend
            }
            return ScheduleResponse.Step(
                name: step.name,
                at: at,
                localTime: zone.localTime(of: at).description,
                audience: step.audience,
                type: step.deliveryType,
                state: workday ? state : .off
            )
        }
        return ScheduleResponse(
            rep: rep.person.handle,
            date: date,
            timezone: zone.identifier,
            workday: workday,
            count: count,
            minimum: config.rule.minimumActions,
            steps: steps
        )
    }
}
