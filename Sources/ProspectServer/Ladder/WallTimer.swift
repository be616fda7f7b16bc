import Dispatch
import Foundation

/// One Dispatch wall-clock timer: it fires at a wall time, so a suspend or a clock jump past the
/// deadline fires it at once, and it costs nothing while it waits. Disarmed, no timer exists at
/// all (libdispatch re-checks a timer parked at `distantFuture` every second).
final class WallTimer: @unchecked Sendable {
    private let queue = DispatchQueue(label: "prospectd.wall-timer")
    private let onFire: @Sendable () -> Void
    // Only touched on `queue`.
    private var source: (any DispatchSourceTimer)?

    init(onFire: @escaping @Sendable () -> Void) {
        self.onFire = onFire
    }

    /// Arms the timer for `date` (wall time), replacing any earlier arming.
    func arm(at date: Date) {
        let seconds = max(0, date.timeIntervalSince1970)
        var spec = timespec()
        spec.tv_sec = Int(seconds.rounded(.down))
        spec.tv_nsec = Int((seconds - seconds.rounded(.down)) * 1_000_000_000)
        let deadline = DispatchWallTime(timespec: spec)
        queue.sync {
            source?.cancel()
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler(handler: onFire)
            timer.schedule(wallDeadline: deadline, repeating: .never, leeway: .milliseconds(100))
            timer.activate()
            source = timer
        }
    }

    func disarm() {
        queue.sync {
            source?.cancel()
            source = nil
        }
    }

    deinit { source?.cancel() }
}
