import Foundation
import ProspectConfig
import ProspectCore
import ProspectMessages
import ProspectStore

/// The managers' half: daily and weekly digests, take-stock steps and the sales-trap alarm.
extension Engine {
    /// Digests and take-stock steps of one manager due in `range`, in the manager's zone.
    static func managerEvents(_ manager: EngineRoster.Manager, config: Config, in range: Range<Date>) -> [DueEvent] {
        let zone = manager.calendar.zone
        return Ladder.events(in: range, zone: zone) { date in
            var out: [DueEvent] = []
            let workday = manager.calendar.isWorkday(date)
            if let digest = config.digest {
                if let daily = digest.dailyAt, workday {
                    out.append(DueEvent(instant: zone.instant(date, daily), repID: manager.id, date: date, action: .digest(.daily)))
                }
                if let weekly = digest.weeklyAt, date.weekday == weekly.day {
                    out.append(DueEvent(instant: zone.instant(date, weekly.time), repID: manager.id, date: date, action: .digest(.weekly)))
                }
            }
            for (index, step) in config.ladder.enumerated() where step.unlessAcknowledged && workday {
                out.append(
                    DueEvent(
                        instant: Ladder.instant(of: step, on: date, calendar: manager.calendar, rule: config.rule),
                        repID: manager.id,
                        date: date,
                        action: .takeStock(index)
                    )
                )
            }
            return out
        }
    }

    /// How far back a report reads: the streak's reach, and two alarm windows.
    static func historyStart(before date: LocalDate, config: Config) -> LocalDate {
        date.adding(days: -max(DayEvaluator.lookBackDays, 2 * config.alarm.windowDays) - 2)
    }

    /// The histories of `repIDs` from what the Store read.
    static func histories(
        _ repIDs: [Int64],
        activities: [Int64: [ActivityRecord]],
        snapshots: [Int64: [PipelineSnapshot]],
        roster: EngineRoster
    ) -> [Int64: RepHistory] {
        var out: [Int64: RepHistory] = [:]
        for id in repIDs {
            guard let rep = roster.rep(id), let person = roster.people[id] else { continue }
            out[id] = RepHistory(
                person: person,
                calendar: rep.calendar,
                activities: activities[id] ?? [],
                snapshots: snapshots[id] ?? [],
                firstDay: rep.firstDay
            )
        }
        return out
    }

    /// What the managers' events need read: the histories digests report on, acknowledgements
    /// of take-stock steps (added by ``request(for:roster:config:now:)``), and the alarms of each
    /// daily digest's reps within the alarm's window.
    static func managerRequest(for events: [DueEvent], roster: EngineRoster, config: Config, into request: inout DecisionRequest) {
        var repIDs: [Int64] = []
        for event in events {
            guard case .digest(let kind) = event.action, let manager = roster.manager(event.repID) else { continue }
            repIDs += manager.reps
            if kind == .daily, !config.alarm.channels.isEmpty {
                let windowStart = event.date.adding(days: -(config.alarm.windowDays - 1))
                request.alarmWindows += manager.reps.map { DayKey(personID: $0, date: windowStart) }
            }
        }
        let digestDates = events.compactMap { e -> LocalDate? in if case .digest = e.action { e.date } else { nil } }
        if let latest = digestDates.max() {
            request.histories = (repIDs, Zone.utc.startOfDay(historyStart(before: latest, config: config)))
        }
    }

    /// The report a digest carries: the manager's direct reps on the day, with the week so far.
    static func digestReport(
        _ kind: DigestKind,
        manager: EngineRoster.Manager,
        date: LocalDate,
        at instant: Date,
        histories: [Int64: RepHistory],
        roster: EngineRoster,
        config: Config
    ) -> TeamReport? {
        guard let person = roster.people[manager.id] else { return nil }
        let monday = date.weekStart
        return TeamReport.build(
            kind: kind == .daily ? .daily : .weekly,
            manager: person,
            managerZone: manager.calendar.zone,
            reps: manager.reps.compactMap { histories[$0] },
            from: monday,
            to: date,
            now: instant,
            rule: config.rule,
            kinds: config.kinds,
            alarm: config.alarm
        )
    }

    /// Decides digests, take-stock steps and sales-trap alarms.
    static func decideManagerEvents(
        _ events: [DueEvent],
        inputs: DecisionInputs,
        roster: EngineRoster,
        config: Config,
        into plan: inout Plan
    ) {
        var histories: [Int64: RepHistory] = [:]
        if events.contains(where: { if case .digest = $0.action { true } else { false } }) {
            let repIDs = events.flatMap { roster.manager($0.repID)?.reps ?? [] }
            histories = Self.histories(repIDs, activities: inputs.activities, snapshots: inputs.snapshots, roster: roster)
        }
        // An alarm decided in this pass counts for the next digest of the same pass.
        var alarmed = inputs.alarmed
        for event in events {
            guard let manager = roster.manager(event.repID), let person = roster.people[manager.id] else { continue }
            switch event.action {
            case .digest(let kind):
                guard let digest = config.digest,
                    let report = digestReport(
                        kind,
                        manager: manager,
                        date: event.date,
                        at: event.instant,
                        histories: histories,
                        roster: roster,
                        config: config
                    )
                else { continue }
                let payload = DigestPayload(step: kind.rawValue, report: report).json()
                plan.enqueue(
                    channels: digest.channels,
                    personID: manager.id,
                    date: event.date,
                    subject: .digest(kind.rawValue),
                    recipientID: manager.id,
                    type: .digest,
                    dueAt: event.instant,
                    payload: payload
                )
                if kind == .daily, !config.alarm.channels.isEmpty {
                    raiseAlarms(
                        report: report,
                        manager: manager,
                        managerPerson: person,
                        event: event,
                        roster: roster,
                        config: config,
                        alarmed: &alarmed,
                        into: &plan
                    )
                }
            case .takeStock(let index):
                let step = config.ladder[index]
                guard !inputs.acknowledged.contains(AcknowledgementQuery(personID: manager.id, date: event.date, by: event.instant)) else {
                    continue
                }
                guard let recipientID = roster.recipient(of: step.audience, for: manager.id), let recipient = roster.people[recipientID] else {
                    plan.unaddressed.append("\(manager.handle) \(event.date) \(step.name): no one above \(manager.handle) on the roster")
                    continue
                }
                let notice = Notice(
                    type: .takeStock,
                    step: step.name,
                    audience: step.audience,
                    rep: manager.handle,
                    repName: person.name,
                    repSlack: person.slack,
                    manager: recipient.handle,
                    managerName: recipient.name,
                    recipient: recipient.handle,
                    day: event.date,
                    status: .pending,
                    count: 0,
                    minimum: 1,
                    deadline: event.instant,
                    dueAt: event.instant,
                    consecutiveMisses: 0,
                    timezone: manager.calendar.zone.identifier
                )
                let payload = notice.json()
                plan.enqueue(
                    channels: step.channels,
                    personID: manager.id,
                    date: event.date,
                    subject: .step(step.name),
                    recipientID: recipientID,
                    type: .escalation,
                    dueAt: event.instant,
                    payload: payload
                )
            default: continue
            }
        }
    }

    /// The sales-trap alarm as its own message to the manager, at most once per window and rep.
    static func raiseAlarms(
        report: TeamReport,
        manager: EngineRoster.Manager,
        managerPerson: Person,
        event: DueEvent,
        roster: EngineRoster,
        config: Config,
        alarmed: inout Set<Int64>,
        into plan: inout Plan
    ) {
        let handles = Dictionary(uniqueKeysWithValues: manager.reps.compactMap { id in roster.people[id].map { ($0.handle, id) } })
        for line in report.reps {
            guard let alarm = line.alarm, let repID = handles[line.handle], !alarmed.contains(repID) else { continue }
            alarmed.insert(repID)
            let payload = AlarmPayload(
                rep: line.handle,
                repName: line.name,
                manager: managerPerson.handle,
                managerName: managerPerson.name,
                day: event.date,
                summary: alarm.summary,
                alarm: alarm
            ).json()
            plan.enqueue(
                channels: config.alarm.channels,
                personID: repID,
                date: event.date,
                subject: .salesTrap,
                recipientID: manager.id,
                type: .escalation,
                dueAt: event.instant,
                payload: payload
            )
        }
    }
}

extension Engine {
    /// A report over `from...to` for a manager and the reps given (`prospect team`, `prospect report`).
    public func report(
        kind: TeamReport.Kind,
        managerID: Int64,
        repIDs: [Int64],
        from: LocalDate,
        to: LocalDate,
        now: Date,
        config: Config
    ) async throws -> TeamReport? {
        let roster = EngineRoster(try await store.roster(timeOffSince: Self.historyStart(before: from, config: config)), config: config)
        guard let manager = roster.people[managerID] else { return nil }
        let since = Zone.utc.startOfDay(Self.historyStart(before: to, config: config))
        let (activities, snapshots) = try await store.histories(repIDs: repIDs, since: since)
        let histories = Self.histories(repIDs, activities: activities, snapshots: snapshots, roster: roster)
        return TeamReport.build(
            kind: kind,
            manager: manager,
            managerZone: config.zone(of: manager),
            reps: repIDs.compactMap { histories[$0] },
            from: from,
            to: to,
            now: now,
            rule: config.rule,
            kinds: config.kinds,
            alarm: config.alarm
        )
    }
}
