import Dispatch
import Foundation

/// One Dispatch wall-clock timer: it fires at a wall time, so a suspend or a clock jump past the
/// deadline fires it at once, and it costs nothing while it waits.
final class WallTimer: @unchecked Sendable {
    // Only touched on `queue`.
    private let source: any DispatchSourceTimer
    private let queue = DispatchQueue(label: "prospectd.wall-timer")

    init(onFire: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: queue)
        source.setEventHandler(handler: onFire)
        source.schedule(wallDeadline: .distantFuture)
        source.activate()
    }

    /// Arms the timer for `date` (wall time), replacing any earlier arming.
    func arm(at date: Date) {
        let seconds = max(0, date.timeIntervalSince1970)
        var spec = timespec()
        spec.tv_sec = Int(seconds.rounded(.down))
        spec.tv_nsec = Int((seconds - seconds.rounded(.down)) * 1_000_000_000)
        let deadline = DispatchWallTime(timespec: spec)
        queue.sync { source.schedule(wallDeadline: deadline, repeating: .never, leeway: .milliseconds(100)) }
    }

    func disarm() {
        queue.sync { source.schedule(wallDeadline: .distantFuture) }
    }

    deinit { source.cancel() }
}
