import Foundation
import ProspectConfig
import ProspectCore

/// What drives ``LadderDriver``: the daemon's wall clock and timers, or `simulate`'s simulated
/// clock. The driver plans and decides; the clock says what time it is and what to plan with.
public protocol LadderClock {
    /// The configuration and roster to plan with now, and whether they may differ from the
    /// last ones (the daemon: always, as the roster and configuration change; `simulate`: never).
    mutating func current() async throws -> (config: Config, roster: EngineRoster, fresh: Bool)
    /// Waits until `instant` (or an earlier wake-up: a roster change) and returns the time it
    /// is then; nil ends the run.
    mutating func wait(until instant: Date) async throws -> Date?
    /// What one pass decided and applied, and how long deciding and applying took.
    mutating func decided(_ decisions: Decisions, in duration: Duration) async
    /// A pass failed; throw to end the run, or return to retry after ``LadderDriver/retryAfter``.
    mutating func failed(_ error: any Error) async throws
}

/// The one loop of the ladder, for the daemon and for `simulate`: plan the due events ahead,
/// wait for the next one, decide everything due up to the time it is then (``Engine/process``,
/// whose last transaction moves the cursor), and repeat.
public struct LadderDriver: Sendable {
    public let engine: Engine
    /// How far ahead one plan looks; past it the driver plans again.
    public var horizon: TimeInterval
    /// How long after a failed pass the next one is tried.
    public static let retryAfter: TimeInterval = 60

    public init(engine: Engine, horizon: TimeInterval) {
        self.engine = engine
        self.horizon = horizon
    }

    /// Runs from `cursor` (everything up to it is decided) at `now` until the clock ends it.
    public func run(from cursor: Date, now: Date, clock: inout some LadderClock) async throws {
        var cursor = cursor
        var now = now
        var plan: LadderPlan? = nil
        while true {
            let next: Date
            do {
                let (config, roster, fresh) = try await clock.current()
                if fresh || plan == nil || plan!.until <= now {
                    // Instants are whole minutes: the millisecond nudge keeps the boundary half-open on the left.
                    let range = cursor.addingTimeInterval(0.001)..<max(now, cursor).addingTimeInterval(horizon)
                    plan = LadderPlan(events: Engine.events(roster: roster, config: config, in: range), until: range.upperBound)
                }
                if now > cursor {
                    let due = plan!.take(through: now)
                    if !due.isEmpty {
                        let start = ContinuousClock.now
                        let decisions = try await engine.process(due, roster: roster, config: config, now: now)
                        await clock.decided(decisions, in: ContinuousClock.now - start)
                    }
                    cursor = now
                }
                next = plan!.next ?? plan!.until
            } catch {
                try await clock.failed(error)
                plan = nil
                next = now.addingTimeInterval(Self.retryAfter)
            }
            guard let woken = try await clock.wait(until: next) else { return }
            now = woken
        }
    }
}

/// The due events of a stretch of time, in order, taken as time passes.
struct LadderPlan {
    var events: [DueEvent]
    /// The end of the stretch planned.
    var until: Date
    var position = 0

    init(events: [DueEvent], until: Date) {
        self.events = events
        self.until = until
    }

    /// The events due at or before `now` not taken yet.
    mutating func take(through now: Date) -> [DueEvent] {
        let start = position
        while position < events.count, events[position].instant <= now { position += 1 }
        return Array(events[start..<position])
    }

    /// The next instant something comes due, if the plan holds one.
    var next: Date? { position < events.count ? events[position].instant : nil }
}
