import Foundation

/// One step of the escalation ladder (`[[ladder]]`).
public struct LadderStep: Sendable, Hashable {
    /// When the step is due on a workday, in the rep's zone.
    public enum At: Sendable, Hashable {
        case time(LocalTime)
        case endOfDay
    }

    /// Who hears about it.
    public enum Audience: String, Sendable, CaseIterable, Codable {
        case rep
        case manager
        case managersManager = "manager.manager"
    }

    public var name: String
    public var at: At
    public var audience: Audience
    /// Only on the N-th or later consecutive missed workday.
    public var afterMisses: Int?
    public var channels: [String]
    /// `unless = "acknowledged"`: a take-stock step about each manager of reps, due in the
    /// manager's zone on their workdays; it fires unless they ran `prospect team --ack` that day,
    /// and its audience counts from the manager (`manager` is the manager's manager).
    public var unlessAcknowledged: Bool

    public init(name: String, at: At, audience: Audience, afterMisses: Int? = nil, channels: [String], unlessAcknowledged: Bool = false) {
        self.name = name
        self.at = at
        self.audience = audience
        self.afterMisses = afterMisses
        self.channels = channels
        self.unlessAcknowledged = unlessAcknowledged
    }

    /// `reminder` when it goes to the rep, `escalation` otherwise (the contract's `type`).
    public var deliveryType: DeliveryType { audience == .rep ? .reminder : .escalation }
}

/// The verdict recorded at a workday's end.
public enum Verdict: String, Sendable, Codable, CaseIterable {
    case met
    case missed
    case metLate = "met-late"
}

/// Something that comes due for one rep on one local date.
public struct DueEvent: Sendable, Hashable, Comparable {
    /// What comes due. At one instant the verdict comes first, then steps in ladder order,
    /// so an end-of-day `after_misses` step sees the day's own verdict.
    public enum Action: Sendable, Hashable, Comparable {
        case verdict
        case step(Int)
        /// A take-stock step (`unless = "acknowledged"`) about the manager in `repID`.
        case takeStock(Int)
        /// A digest for the manager in `repID`.
        case digest(DigestKind)
    }

    public var instant: Date
    public var repID: Int64
    public var date: LocalDate
    public var action: Action

    public init(instant: Date, repID: Int64, date: LocalDate, action: Action) {
        self.instant = instant
        self.repID = repID
        self.date = date
        self.action = action
    }

    public static func < (a: DueEvent, b: DueEvent) -> Bool {
        (a.instant, a.action, a.repID) < (b.instant, b.action, b.repID)
    }
}

/// The two digests: daily on the manager's workdays, weekly on a set weekday.
public enum DigestKind: String, Sendable, Hashable, Comparable, Codable {
    case daily, weekly

    public static func < (a: DigestKind, b: DigestKind) -> Bool { a == .daily && b == .weekly }
}

/// Pure ladder logic: when things come due, and whether a step fires.
public enum Ladder {
    /// The instant a step is due on `date`.
    public static func instant(of step: LadderStep, on date: LocalDate, calendar: WorkCalendar, rule: Rule) -> Date {
        switch step.at {
        case .time(let time): calendar.zone.instant(date, time)
        case .endOfDay: calendar.deadline(of: date, rule: rule)
        }
    }

    /// Everything due for one rep on `date`: nothing on a non-workday; else each step and the verdict.
    public static func events(
        repID: Int64,
        on date: LocalDate,
        calendar: WorkCalendar,
        rule: Rule,
        ladder: [LadderStep]
    ) -> [DueEvent] {
        guard calendar.isWorkday(date) else { return [] }
        var events = [DueEvent(instant: calendar.deadline(of: date, rule: rule), repID: repID, date: date, action: .verdict)]
        for (index, step) in ladder.enumerated() where !step.unlessAcknowledged {
            events.append(
                DueEvent(
                    instant: instant(of: step, on: date, calendar: calendar, rule: rule),
                    repID: repID,
                    date: date,
                    action: .step(index)
                )
            )
        }
        return events
    }

    /// Every event of one rep due in `range` (half-open), in order.
    public static func events(
        repID: Int64,
        in range: Range<Date>,
        calendar: WorkCalendar,
        rule: Rule,
        ladder: [LadderStep]
    ) -> [DueEvent] {
        events(in: range, zone: calendar.zone) { events(repID: repID, on: $0, calendar: calendar, rule: rule, ladder: ladder) }
    }

    /// Every event due in `range` for reps who share `zone`: an event's instant depends on the
    /// zone, the date and the step alone, so they are worked out once for the zone (a due step
    /// of 100,000 reps in one zone is three instants, not 300,000), and each rep keeps those
    /// on its own workdays. The same events as ``events(repID:in:calendar:rule:ladder:)`` per rep.
    public static func events(
        reps: [(id: Int64, calendar: WorkCalendar)],
        zone: Zone,
        in range: Range<Date>,
        rule: Rule,
        ladder: [LadderStep]
    ) -> [DueEvent] {
        let everyDay = WorkCalendar(zone: zone, workdays: Set(Weekday.allCases))
        let shared = events(repID: 0, in: range, calendar: everyDay, rule: rule, ladder: ladder)
        guard !shared.isEmpty else { return [] }
        var out: [DueEvent] = []
        out.reserveCapacity(reps.count * shared.count)
        for rep in reps {
            var workday: (date: LocalDate, is: Bool)? = nil
            for var event in shared {
                if workday?.date != event.date { workday = (event.date, rep.calendar.isWorkday(event.date)) }
                guard workday?.is == true else { continue }
                event.repID = rep.id
                out.append(event)
            }
        }
        return out
    }

    /// The events `forDate` gives for each local date of `zone` that can have one in `range`,
    /// kept when they fall in it, in order. A local date's events can fall up to a day either side
    /// of its UTC date (far zones, late steps).
    public static func events(in range: Range<Date>, zone: Zone, _ forDate: (LocalDate) -> [DueEvent]) -> [DueEvent] {
        let last = zone.localDate(of: range.upperBound).adding(days: 1)
        var out: [DueEvent] = []
        var date = zone.localDate(of: range.lowerBound).adding(days: -1)
        while date <= last {
            out += forDate(date).filter { range.contains($0.instant) }
            date = date.adding(days: 1)
        }
        return out.sorted()
    }

    /// Whether a step may fire on a day with `count` counting activities: not once the rule is
    /// met. What the engine reads for `after_misses` is read only for such days.
    public static func mayFire(count: Int, minimum: Int) -> Bool { count < minimum }

    /// Whether a step fires: the rule is not met at its instant, and for `after_misses = N`, the day
    /// (missed so far) is the N-th or later consecutive missed workday.
    public static func fires(_ step: LadderStep, count: Int, minimum: Int, missesBefore: Int) -> Bool {
        guard mayFire(count: count, minimum: minimum) else { return false }
        if let n = step.afterMisses { return missesBefore + 1 >= n }
        return true
    }
}

/// What an outbox row is about, and so its part of the outbox's unique key (rep or manager,
/// date, key, channel). Ladder steps are keyed by their names, which cannot contain `:`; digests
/// and alarms by `digest:daily`, `digest:weekly` and `alarm:sales-trap`, so no step name can make
/// a step share a key, a template or a check with them.
public enum OutboxSubject: Hashable, Sendable {
    /// A ladder step, by name (take-stock steps too).
    case step(String)
    /// A daily or weekly digest: `daily` or `weekly`.
    case digest(String)
    /// The sales-trap alarm as its own message.
    case salesTrap

    /// The stored key.
    public var key: String {
        switch self {
        case .step(let name): name
        case .digest(let kind): "digest:\(kind)"
        case .salesTrap: "alarm:sales-trap"
        }
    }

    /// The name people read (`simulate`, logs, `PROSPECT_STEP`): the step's name, `daily`,
    /// `weekly` or `sales-trap`.
    public var name: String {
        switch self {
        case .step(let name): name
        case .digest(let kind): kind
        case .salesTrap: "sales-trap"
        }
    }

    /// Reads a stored key.
    public init(key: String) {
        if key == "alarm:sales-trap" {
            self = .salesTrap
        } else if key.hasPrefix("digest:") {
            self = .digest(String(key.dropFirst("digest:".count)))
        } else {
            self = .step(key)
        }
    }
}

/// What a decided delivery is, as `simulate` prints it and the outbox stores it: a `reminder` to
/// the rep, an `escalation` to someone above them (take-stock steps and alarms too), a `digest`.
public enum DeliveryType: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case reminder, escalation, digest

    public var description: String { rawValue }
}
