import Foundation

/// The daemon's one source of "now". Domain code never reads the clock; it is handed `now`.
public protocol WallClock: Sendable {
    var now: Date { get }
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}
    public var now: Date { Date() }
}

/// A clock that starts at a chosen instant and runs at real speed: for end-to-end tests that need
/// a known weekday and hour.
public struct ShiftedClock: WallClock {
    let offset: TimeInterval

    public init(startingAt start: Date) {
        offset = start.timeIntervalSinceNow
    }

    public var now: Date { Date().addingTimeInterval(offset) }
}
