import Foundation
import ProspectConfig
import ProspectCore
import ProspectMessages
import ProspectStore

/// One decided delivery, as `simulate` prints it (one line per channel).
public struct Delivery: Sendable, Hashable, Encodable {
    public var at: Date
    public var localDate: LocalDate
    public var type: DeliveryType
    public var step: String
    /// Nil for digests.
    public var rep: String?
    public var recipient: String
    public var channel: String

    enum CodingKeys: String, CodingKey {
        case at, type, step, rep, recipient, channel
        case localDate = "local_date"
    }

    /// One JSON object on one line, fields in the contract's order.
    public var jsonLine: String {
        let quoted = JSONText.quoted
        let instant = JSONText.iso8601(at)
        return "{\"at\":\(quoted(instant)),\"local_date\":\(quoted(localDate.description)),\"type\":\(quoted(type.rawValue)),"
            + "\"step\":\(quoted(step)),\"rep\":\(rep.map(quoted) ?? "null"),\"recipient\":\(quoted(recipient)),"
            + "\"channel\":\(quoted(channel))}"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        try c.encode(localDate, forKey: .localDate)
        try c.encode(type, forKey: .type)
        try c.encode(step, forKey: .step)
        try c.encode(rep, forKey: .rep)  // null for digests, as the contract shows
        try c.encode(recipient, forKey: .recipient)
        try c.encode(channel, forKey: .channel)
    }
}

/// What one pass of the engine decided, as applied: only what was new.
public struct Decisions: Sendable {
    public var deliveries: [Delivery] = []
    public var verdicts: [(rep: String, date: LocalDate, verdict: Verdict)] = []
    /// Steps that fired but had no one to tell (a rep without a manager for a `manager` step).
    public var unaddressed: [String] = []

    /// The applied plan, with people's handles from the roster.
    init(_ applied: Plan, roster: EngineRoster) {
        deliveries = applied.outbox.map { entry in
            Delivery(
                at: entry.dueAt,
                localDate: entry.date,
                type: entry.type,
                step: entry.subject.name,
                rep: entry.type == .digest ? nil : roster.people[entry.personID]?.handle,
                recipient: roster.people[entry.recipientID]?.handle ?? "",
                channel: entry.channel
            )
        }
        verdicts = applied.verdicts.compactMap { v in roster.rep(v.personID).map { ($0.handle, v.date, v.verdict) } }
        unaddressed = applied.unaddressed
    }
}

extension Plan {
    /// One outbox entry per channel of a delivery.
    mutating func enqueue(
        channels: [String],
        personID: Int64,
        date: LocalDate,
        subject: OutboxSubject,
        recipientID: Int64,
        type: DeliveryType,
        dueAt: Date,
        payload: String
    ) {
        outbox += channels.map { channel in
            OutboxEntry(
                personID: personID,
                date: date,
                subject: subject,
                channel: channel,
                recipientID: recipientID,
                type: type,
                dueAt: dueAt,
                payload: payload
            )
        }
    }
}

/// The ladder engine: decides, for events that have come due, which verdicts to record and which
/// deliveries to make; each decision is written with its outbox rows in one transaction.
public struct Engine: Sendable {
    public let store: Store

    /// A reminder processed later than this after its due time is "caught up", not on time.
    public static let lateness: TimeInterval = 5 * 60

    /// How long the daemon rests between two slices of a pass, as a share of the slice just
    /// decided: on two cores, a rep's log then finds a core free, not just the writer. Nil for
    /// `simulate` and benchmarks of the engine alone.
    public var rest: Double? = nil

    public init(store: Store, rest: Double? = nil) {
        self.store = store
        self.rest = rest
    }

    /// Every event due in `range`, across the roster, in order.
    public static func events(roster: EngineRoster, config: Config, in range: Range<Date>) -> [DueEvent] {
        let byZone = Dictionary(grouping: roster.reps, by: \.calendar.zone.identifier)
        return
            (byZone.values.flatMap { reps in
                Ladder.events(
                    reps: reps.map { ($0.id, $0.calendar) },
                    zone: reps[0].calendar.zone,
                    in: range,
                    rule: config.rule,
                    ladder: config.ladder
                )
            } + roster.managers.flatMap { managerEvents($0, config: config, in: range) }).sorted()
    }

    /// Loads the roster as the engine needs it, with time off as far back as a streak or a run
    /// of misses looks; `firstDay` puts every rep's first day on record there (`simulate`).
    public func roster(config: Config, now: Date, firstDay: LocalDate? = nil) async throws -> EngineRoster {
        let since = Zone.utc.localDate(of: now).adding(days: -DayEvaluator.lookBackDays - 2)
        return EngineRoster(try await store.roster(timeOffSince: since), config: config, firstDay: firstDay)
    }

    /// The instant the engine has processed up to, if it ever ran on this database.
    public func cursor() async throws -> Date? { try await store.ladderCursor() }

    /// How long one transaction of a pass should hold the writer: a due step for 100,000 reps
    /// is many short transactions, so a rep logging meanwhile waits a few milliseconds, not for
    /// the whole step.
    public static let sliceBudget: Duration = .milliseconds(5)
    /// The events of the first transaction of a pass, and the bounds of any.
    static let firstSlice = 200
    static let sliceBounds = 20...5_000

    /// Decides `events` (all due at or before `now`) and moves the cursor to `now`: slice by
    /// slice, in order, the Store reads the counts a slice needs, ``decide(_:inputs:roster:config:now:)``
    /// turns them into a plan, and the Store applies it, in one transaction. Each slice holds as
    /// many events as fit ``sliceBudget`` at the pace of the one before. A step and its outbox
    /// rows are always in one slice; the cursor moves with the last. A pass cut short (a crash)
    /// is repeated from the cursor, and the outbox's and the verdicts' unique keys make the
    /// repeat add only what is missing.
    ///
    /// Of reminders more than `lateness` overdue (downtime, suspend), only the latest per rep and day
    /// is sent, and only while that day's end has not passed. Escalations and verdicts are always
    /// decided.
    public func process(_ events: [DueEvent], roster: EngineRoster, config: Config, now: Date) async throws -> Decisions {
        let filtered = Self.catchUpFilter(events, roster: roster, config: config, now: now)
        var applied = Plan()
        var position = 0
        var size = Self.firstSlice
        repeat {
            let slice = Array(filtered[position..<min(position + size, filtered.count)])
            position += slice.count
            let last = position >= filtered.count
            let request = Self.request(for: slice, roster: roster, config: config, now: now)
            let started = ContinuousClock.now
            // Only the last slice waits for the disk; it makes the others durable with it.
            let done = try await store.decide(request, durable: last) { inputs in
                var plan = Self.decide(slice, inputs: inputs, roster: roster, config: config, now: now)
                plan.cursor = last ? now : nil
                return plan
            }
            let took = ContinuousClock.now - started
            size = Self.nextSlice(after: slice.count, took: took)
            if let rest, !last { try await Task.sleep(for: took * rest) }
            applied.verdicts += done.verdicts
            applied.outbox += done.outbox
            applied.unaddressed += done.unaddressed
        } while position < filtered.count
        return Decisions(applied, roster: roster)
    }

    /// The events of the next slice: as many as ``sliceBudget`` held at the pace of the last,
    /// growing at most fourfold at a time.
    static func nextSlice(after count: Int, took: Duration) -> Int {
        let paced = took > .zero ? Int(Double(count) * (sliceBudget / took)) : count * 4
        return min(max(min(paced, count * 4), sliceBounds.lowerBound), sliceBounds.upperBound)
    }

    /// What deciding `events` needs read: each rep's day counted, the history of reps with an
    /// `after_misses` step, the reports of digests, acknowledgements and recent alarms.
    static func request(for events: [DueEvent], roster: EngineRoster, config: Config, now: Date) -> DecisionRequest {
        var request = DecisionRequest(now: now, countingKinds: config.rule.countingKinds)
        var afterMisses: Set<Int64> = []
        // A day's bounds and deadline depend on the zone and the date alone: worked out once.
        var windows: [String: [LocalDate: (bounds: Range<Date>, deadline: Date)]] = [:]
        for event in events {
            switch event.action {
            case .verdict, .step:
                guard let rep = roster.rep(event.repID) else { continue }
                let calendar = rep.calendar
                let window =
                    windows[calendar.zone.identifier]?[event.date]
                    ?? (calendar.bounds(of: event.date), calendar.deadline(of: event.date, rule: config.rule))
                windows[calendar.zone.identifier, default: [:]][event.date] = window
                request.days.append(
                    DayWindow(personID: rep.id, date: event.date, bounds: window.bounds, deadline: window.deadline)
                )
                if case .step(let i) = event.action, config.ladder[i].afterMisses != nil { afterMisses.insert(rep.id) }
            case .takeStock:
                request.acknowledgements.append(AcknowledgementQuery(personID: event.repID, date: event.date, by: event.instant))
            case .digest: continue
            }
        }
        if !afterMisses.isEmpty, let earliest = events.map(\.date).min() {
            let longest = config.ladder.compactMap(\.afterMisses).max() ?? 1
            // Enough calendar days to cover `longest` workdays even across long holidays.
            request.judged = (afterMisses.sorted(), Zone.utc.startOfDay(earliest.adding(days: -(longest * 7 + 31))))
            let minimum = config.rule.minimumActions
            request.judgedIf = { Ladder.mayFire(count: $0.byNow, minimum: minimum) }
        }
        managerRequest(for: events, roster: roster, config: config, into: &request)
        return request
    }

    /// The plan for `events` from what the Store read: pure, so a second backend, `simulate`
    /// and the daemon decide alike.
    static func decide(_ events: [DueEvent], inputs: DecisionInputs, roster: EngineRoster, config: Config, now: Date) -> Plan {
        var plan = Plan()
        plan.cursor = now
        // A run of misses is judged from the data, like every view.
        var judged: [Int64: DayEvaluator] = [:]
        func misses(of rep: EngineRoster.Rep, before date: LocalDate) -> Int {
            if judged[rep.id] == nil {
                let times = inputs.countingTimes[rep.id] ?? []
                judged[rep.id] = DayEvaluator(calendar: rep.calendar, rule: config.rule, activities: times, firstDay: rep.firstDay)
            }
            return judged[rep.id]!.missesBefore(date, now: now)
        }
        for event in events {
            guard let rep = roster.rep(event.repID), let count = inputs.counts[DayKey(personID: event.repID, date: event.date)] else {
                continue
            }
            switch event.action {
            case .verdict:
                let verdict = DayEvaluator.verdict(countByDeadline: count.byDeadline, countByNow: count.byNow, minimum: config.rule.minimumActions)
                plan.verdicts.append(VerdictRecord(personID: rep.id, date: event.date, verdict: verdict))
            case .step(let index):
                let step = config.ladder[index]
                // Walked back only when the step asks for it: a met day needs no run of misses.
                let minimum = config.rule.minimumActions
                let misses =
                    step.afterMisses != nil && Ladder.mayFire(count: count.byNow, minimum: minimum) ? misses(of: rep, before: event.date) : 0
                guard Ladder.fires(step, count: count.byNow, minimum: minimum, missesBefore: misses) else { continue }
                guard let recipientID = roster.recipient(of: step.audience, for: rep.id), let recipient = roster.people[recipientID]
                else {
                    plan.unaddressed.append("\(rep.handle) \(event.date) \(step.name): no \(step.audience.rawValue) on the roster")
                    continue
                }
                let payload = Self.notice(
                    step: step,
                    rep: rep,
                    recipient: recipient,
                    roster: roster,
                    date: event.date,
                    count: count.byNow,
                    misses: misses + 1,
                    config: config,
                    dueAt: event.instant
                ).json()
                plan.enqueue(
                    channels: step.channels,
                    personID: rep.id,
                    date: event.date,
                    subject: .step(step.name),
                    recipientID: recipientID,
                    type: step.deliveryType,
                    dueAt: event.instant,
                    payload: payload
                )
            case .takeStock, .digest: continue
            }
        }
        decideManagerEvents(events, inputs: inputs, roster: roster, config: config, into: &plan)
        return plan
    }

    /// Records the verdict of every past workday since each rep's first day on record (at most
    /// ``DayEvaluator/lookBackDays``) that has none — days the daemon was down for, or ran
    /// without deciding — as the one judgment says, and sends nothing. Decides and applies one
    /// chunk of reps per transaction. Returns how many it recorded.
    public func recordMissedVerdicts(config: Config, now: Date) async throws -> Int {
        let roster = try await roster(config: config, now: now)
        let since = Zone.utc.localDate(of: now).adding(days: -DayEvaluator.lookBackDays)
        var recorded = 0
        for chunk in roster.reps.chunked(into: 2000) {
            var request = DecisionRequest(now: now, countingKinds: config.rule.countingKinds)
            let ids = chunk.map(\.id)
            request.recorded = (ids, since.adding(days: -1))
            request.judged = (ids, Zone.utc.startOfDay(since.adding(days: -2)))
            let applied = try await store.decide(request) { inputs in
                var plan = Plan()
                for rep in chunk {
                    let judged = DayEvaluator(
                        calendar: rep.calendar,
                        rule: config.rule,
                        activities: inputs.countingTimes[rep.id] ?? [],
                        firstDay: rep.firstDay
                    )
                    var day = max(since, judged.firstDay ?? since)
                    let today = rep.calendar.zone.localDate(of: now)
                    while day < today {
                        defer { day = day.adding(days: 1) }
                        guard rep.calendar.isWorkday(day), inputs.recorded[rep.id]?.contains(day) != true,
                            let verdict = Verdict(judged.status(of: day, now: now).state)
                        else { continue }
                        plan.verdicts.append(VerdictRecord(personID: rep.id, date: day, verdict: verdict))
                    }
                }
                return plan
            }
            recorded += applied.verdicts.count
        }
        return recorded
    }

    /// Drops overdue reminders but the latest per rep and day, and those whose day has ended.
    static func catchUpFilter(_ events: [DueEvent], roster: EngineRoster, config: Config, now: Date) -> [DueEvent] {
        var latestLate: [DayKey: Date] = [:]
        func isLateReminder(_ e: DueEvent) -> Bool {
            guard case .step(let i) = e.action, config.ladder[i].audience == .rep else { return false }
            return e.instant < now.addingTimeInterval(-lateness)
        }
        for e in events where isLateReminder(e) {
            let key = DayKey(personID: e.repID, date: e.date)
            latestLate[key] = max(latestLate[key] ?? e.instant, e.instant)
        }
        return events.filter { e in
            guard isLateReminder(e), let rep = roster.rep(e.repID) else { return true }
            return e.instant == latestLate[DayKey(personID: e.repID, date: e.date)]
                && now < rep.calendar.deadline(of: e.date, rule: config.rule)
        }
    }

    /// What a delivery is about, fixed when it is decided; its text is rendered at delivery.
    static func notice(
        step: LadderStep,
        rep: EngineRoster.Rep,
        recipient: Person,
        roster: EngineRoster,
        date: LocalDate,
        count: Int,
        misses: Int,
        config: Config,
        dueAt: Date
    ) -> Notice {
        let deadline = rep.calendar.deadline(of: date, rule: config.rule)
        let person = roster.people[rep.id]
        let manager = roster.managerOf[rep.id].flatMap { roster.people[$0] }
        return Notice(
            type: step.deliveryType == .reminder ? .reminder : .escalation,
            step: step.name,
            audience: step.audience,
            rep: rep.handle,
            repName: person?.name,
            repSlack: person?.slack,
            manager: manager?.handle,
            managerName: manager?.name,
            recipient: recipient.handle,
            day: date,
            status: dueAt >= deadline ? .missed : .pending,
            count: count,
            minimum: config.rule.minimumActions,
            deadline: deadline,
            dueAt: dueAt,
            consecutiveMisses: misses,
            timezone: rep.calendar.zone.identifier
        )
    }
}
