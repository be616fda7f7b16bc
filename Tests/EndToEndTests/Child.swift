import Foundation
import ProspectServer

#if canImport(Glibc)
import Glibc
#endif

/// A program the tests start: the daemon, the CLI, a Python fixture, a shell.
///
/// Not Foundation's `Process`: on Linux its `run()` reads each `/proc/self/fd` entry's whole
/// 256-byte `d_name` and, when an entry ends glibc's buffer next to an unmapped page, crashes
/// the test process (swift-corelibs-foundation PR 5472, unfixed in 6.3.1). One such crash in CI
/// took the whole run with it. This spawns with the daemon's own `ChildProcess.spawn` and closes every inherited file
/// descriptor past stderr in the child. Its streams go to /dev/null unless told otherwise: a
/// fixture that outlived a crashed test process while holding `swift test`'s stdout would keep
/// the run waiting for ever.
final class Child: @unchecked Sendable {
    /// Where one of the child's standard streams goes.
    enum Stream {
        case inherit
        case null
        /// Appended to the file, which must exist.
        case file(String)
    }

    let processIdentifier: pid_t
    /// What it wrote to stdout so far, when that goes to a file.
    var output: String {
        guard case .file(let path) = stdout else { return "" }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
    private let stdout: Stream
    private let lock = NSLock()
    private var status: Int32?

    init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        stdin: Stream = .null,
        stdout: Stream = .null,
        stderr: Stream = .null
    ) throws {
        let env = environment ?? ProcessInfo.processInfo.environment
        let pid = try ChildProcess.spawn(executable, arguments, environment: env, ownGroup: false) { actions in
            if let closeFrom = Child.closeFrom { _ = closeFrom(&actions, 3) }
            func redirect(_ stream: Stream, to fd: Int32, flags: Int32) {
                switch stream {
                case .inherit: break
                case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", flags, 0)
                case .file(let path): posix_spawn_file_actions_addopen(&actions, fd, path, flags, 0)
                }
            }
            redirect(stdin, to: 0, flags: O_RDONLY)
            redirect(stdout, to: 1, flags: O_WRONLY | O_APPEND)
            if case .file(let errPath) = stderr, case .file(let outPath) = stdout, errPath == outPath {
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            } else {
                redirect(stderr, to: 2, flags: O_WRONLY | O_APPEND)
            }
        }
        processIdentifier = pid
        self.stdout = stdout
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift does not import.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Whether it still runs; reaps it once it has ended.
    var isRunning: Bool {
        lock.withLock {
            guard status == nil else { return false }
            var raw: Int32 = 0
            let reaped = waitpid(processIdentifier, &raw, WNOHANG)
            if reaped == processIdentifier {
                status = raw
            } else if reaped < 0 && errno == ECHILD {
                status = -1
            }
            return status == nil
        }
    }

    /// The exit code, or the signal's number for a program a signal ended (as `Process` gave it);
    /// -1 while it runs.
    var terminationStatus: Int32 {
        guard !isRunning, let raw = lock.withLock({ status }) else { return -1 }
        guard raw >= 0 else { return -1 }
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : signal
    }

    func terminate() { kill(processIdentifier, SIGTERM) }

    /// Polls until it has gone, or `timeout` passed.
    func wait(timeout: TimeInterval = 30) {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(5_000) }
    }
}
