import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program the way a delivery may: in a process group of its own, with the signal mask
/// and dispositions reset (the daemon blocks SIGTERM for its own handling), stdin from a file,
/// stdout discarded and at most `keep` bytes of stderr kept. At the deadline, or as soon as the
/// program itself ends, the whole group is killed, so a background child that holds the pipes
/// (`sleep 120 & exit 0`) can neither outlive it nor stall the caller.
public struct ChildProcess {
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
    }

    struct Result {
        var ending: Ending
        /// The first `keep` bytes of stderr.
        var stderr: String
        /// How many bytes of stderr were dropped past `keep`.
        var dropped: Int
    }

    let path: String
    let arguments: [String]
    let environment: [String: String]
    let stdinFile: String
    let timeout: Duration
    var keep = 64 * 1024

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    func run() async throws -> Result {
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw SpawnError(description: "pipe: \(errorText())") }
        let (readEnd, writeEnd) = (pipeFDs[0], pipeFDs[1])
        // Nothing is read to the end (EOF), so a copy of the write end in another child is harmless.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        defer { close(readEnd) }

        let spawned = Swift.Result {
            try Self.spawn(path, arguments, environment: environment, ownGroup: true) { actions in
                posix_spawn_file_actions_addopen(&actions, 0, stdinFile, O_RDONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
            }
        }
        close(writeEnd)
        let pid = try spawned.get()

        var kept: [UInt8] = []
        var dropped = 0
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        func drain() {
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                guard n > 0 else { return }
                let room = max(0, keep - kept.count)
                kept += buffer[0..<min(n, room)]
                dropped += max(0, n - room)
            }
        }

        let deadline = ContinuousClock.now.advanced(by: timeout)
        var status: Int32 = 0
        var ending: Ending?
        while ending == nil {
            drain()
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                ending = Self.ending(status)
            } else if reaped < 0 && errno != EINTR {
                ending = .exited(-1)
            } else if ContinuousClock.now >= deadline || Task.isCancelled {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                ending = .timedOut
            } else {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        // Whatever the program left behind in its group goes with it; what it wrote is read
        // once more without waiting for the pipe's other holders.
        kill(-pid, SIGKILL)
        drain()
        return Result(ending: ending ?? .timedOut, stderr: String(decoding: kept, as: UTF8.self), dropped: dropped)
    }

    /// Starts `path` with `posix_spawn`, the signal mask emptied and the dispositions a daemon
    /// changes reset; `ownGroup` puts it in a process group of its own. `actions` set up its
    /// file descriptors. Not Foundation's `Process`, whose `run()` on Linux can crash
    /// (swift-corelibs-foundation PR 5472, an over-read of `/proc/self/fd` entries).
    public static func spawn(
        _ path: String,
        _ arguments: [String],
        environment: [String: String],
        ownGroup: Bool,
        actions setUp: (inout posix_spawn_file_actions_t) -> Void
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        setUp(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw SpawnError(description: String(cString: strerror(spawned))) }
        return pid
    }

    static func ending(_ status: Int32) -> Ending {
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as functions.
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }

    func errorText() -> String { String(cString: strerror(errno)) }
}
