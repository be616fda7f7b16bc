import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a file beside what one daemon owns (its database, its socket),
/// with the holder's PID inside. Taken before anything else is touched and held for the life
/// of the process: the kernel releases it when the process ends, however it ends, so a
/// `kill -9` leaves no stale lock, and two daemons started at once cannot both get it.
public final class InstanceLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock at `path`, or says which process holds it.
    /// - Parameter what: what the lock guards, for the message ("the database /var/lib/…").
    public init(path: String, guarding what: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw DaemonError("cannot open the lock file \(path) for \(what): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let holder = Self.pid(in: fd)
            close(fd)
            guard reason == EWOULDBLOCK else {
                throw DaemonError("cannot lock \(path) for \(what): \(String(cString: strerror(reason)))")
            }
            let who = holder.map { "prospectd (PID \($0))" } ?? "another prospectd"
            throw DaemonError("\(who) already holds \(what) (lock \(path)); stop it first, or give this one its own")
        }
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        descriptor = fd
    }

    /// The PID written by the holder, if it reads as one.
    private static func pid(in fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count - 1, 0)
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit { close(descriptor) }
}
