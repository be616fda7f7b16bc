import Foundation
import GRDB
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

    /// The histories of `repIDs` for reports ending on or before `date`.
    static func histories(
        _ db: Database,
        repIDs: [Int64],
        roster: EngineRoster,
        config: Config,
        until date: LocalDate
    )
        throws -> [Int64: RepHistory]
    {
        let since = Zone.utc.startOfDay(historyStart(before: date, config: config))
        let (activities, snapshots) = try Store.histories(db, repIDs: repIDs, since: since)
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

    /// Decides digests, take-stock steps and sales-trap alarms inside the engine's transaction.
    static func decideManagerEvents(
        _ db: Database,
        _ events: [DueEvent],
        roster: EngineRoster,
        config: Config,
        now: Date,
        into decisions: inout Decisions
    ) throws {
        guard !events.isEmpty else { return }
        let managers = Dictionary(uniqueKeysWithValues: roster.managers.map { ($0.id, $0) })
        let digestEvents = events.filter { if case .digest = $0.action { true } else { false } }
        var histories: [Int64: RepHistory] = [:]
        if let latest = digestEvents.map(\.date).max() {
            let repIDs = digestEvents.flatMap { managers[$0.repID]?.reps ?? [] }
            histories = try Self.histories(db, repIDs: repIDs, roster: roster, config: config, until: latest)
        }
        for event in events {
            guard let manager = managers[event.repID], let person = roster.people[manager.id] else { continue }
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
                try enqueue(
                    db,
                    personID: manager.id,
                    rep: nil,
                    recipient: (manager.id, manager.handle),
                    type: .digest,
                    subject: .digest(kind.rawValue),
                    date: event.date,
                    dueAt: event.instant,
                    payload: payload,
                    channels: digest.channels,
                    now: now,
                    into: &decisions
                )
                if kind == .daily, !config.alarm.channels.isEmpty {
                    try raiseAlarms(
                        db,
                        report: report,
                        manager: manager,
                        managerPerson: person,
                        event: event,
                        roster: roster,
                        config: config,
                        now: now,
                        into: &decisions
                    )
                }
            case .takeStock(let index):
                let step = config.ladder[index]
                guard !(try Store.acknowledged(db, personID: manager.id, date: event.date, by: event.instant)) else { continue }
                guard let recipientID = roster.recipient(of: step.audience, for: manager.id), let recipient = roster.people[recipientID] else {
                    decisions.unaddressed.append("\(manager.handle) \(event.date) \(step.name): no one above \(manager.handle) on the roster")
                    continue
                }
                let notice = Notice(
                    type: "take-stock",
                    step: step.name,
                    audience: step.audience.rawValue,
                    rep: manager.handle,
                    repName: person.name,
                    repSlack: person.slack,
                    manager: recipient.handle,
                    managerName: recipient.name,
                    recipient: recipient.handle,
                    day: event.date,
                    status: "pending",
                    count: 0,
                    minimum: 1,
                    deadline: event.instant,
                    dueAt: event.instant,
                    consecutiveMisses: 0,
                    timezone: manager.calendar.zone.identifier
                )
                try enqueue(
                    db,
                    personID: manager.id,
                    rep: manager.handle,
                    recipient: (recipientID, recipient.handle),
                    type: .escalation,
                    subject: .step(step.name),
                    date: event.date,
                    dueAt: event.instant,
                    payload: notice.json(),
                    channels: step.channels,
                    now: now,
                    into: &decisions
                )
            default: continue
            }
        }
    }

    /// The sales-trap alarm as its own message to the manager, at most once per window and rep.
    static func raiseAlarms(
        _ db: Database,
        report: TeamReport,
        manager: EngineRoster.Manager,
        managerPerson: Person,
        event: DueEvent,
        roster: EngineRoster,
        config: Config,
        now: Date,
        into decisions: inout Decisions
    ) throws {
        let handles = Dictionary(uniqueKeysWithValues: manager.reps.compactMap { id in roster.people[id].map { ($0.handle, id) } })
        for line in report.reps {
            guard let alarm = line.alarm, let repID = handles[line.handle] else { continue }
            let windowStart = event.date.adding(days: -(config.alarm.windowDays - 1))
            let recent = try Bool.fetchOne(
                db,
                sql: "SELECT 1 FROM outbox WHERE person_id = ? AND step = ? AND date >= ? LIMIT 1",
                arguments: [repID, OutboxSubject.salesTrap.key, windowStart.description]
            )
            guard recent != true else { continue }
            let payload = AlarmPayload(
                rep: line.handle,
                repName: line.name,
                manager: managerPerson.handle,
                managerName: managerPerson.name,
                day: event.date,
                summary: alarm.summary,
                alarm: alarm
            ).json()
            try enqueue(
                db,
                personID: repID,
                rep: line.handle,
                recipient: (manager.id, manager.handle),
                type: .escalation,
                subject: .salesTrap,
                date: event.date,
                dueAt: event.instant,
                payload: payload,
                channels: config.alarm.channels,
                now: now,
                into: &decisions
            )
        }
    }

    /// One outbox row per channel, each a delivery for `simulate` unless that (person, day, step,
    /// channel) was decided before.
    static func enqueue(
        _ db: Database,
        personID: Int64,
        rep: String?,
        recipient: (id: Int64, handle: String),
        type: DeliveryType,
        subject: OutboxSubject,
        date: LocalDate,
        dueAt: Date,
        payload: String,
        channels: [String],
        now: Date,
        into decisions: inout Decisions
    ) throws {
        for channel in channels {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO outbox (person_id, date, step, channel, recipient_id, type, due_at, payload,
                        message_id, next_attempt_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    personID, date.description, subject.key, channel, recipient.id, type.rawValue, Int64(dueAt.timeIntervalSince1970), payload,
                    "msg_" + UUID().uuidString.lowercased(), Int64(now.timeIntervalSince1970), Int64(now.timeIntervalSince1970),
                ]
            )
            guard db.changesCount > 0 else { continue }
            decisions.deliveries.append(
                Delivery(at: dueAt, localDate: date, type: type, step: subject.name, rep: rep, recipient: recipient.handle, channel: channel)
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
        try await store.read { db in
            let roster = try EngineRoster.load(db, config: config, since: Self.historyStart(before: from, config: config))
            guard let manager = roster.people[managerID] else { return nil }
            let histories = try Self.histories(db, repIDs: repIDs, roster: roster, config: config, until: to)
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
}
