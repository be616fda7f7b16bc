import Foundation
import ProspectTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Where the built `prospectd` and `prospect` binaries are.
let binaries: URL = {
    if let dir = ProcessInfo.processInfo.environment["PROSPECT_BIN_DIR"] { return URL(fileURLWithPath: dir) }
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        Bundle.main.bundleURL.deletingLastPathComponent(),
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("prospectd").path) }
        ?? candidates.last!
}()

/// What a finished process left behind.
struct Outcome: CustomStringConvertible {
    var code: Int32
    var out: String
    var err: String

    var lines: [String] { out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
    var description: String { "exit \(code)\nstdout: \(out)\nstderr: \(err)" }
}

/// Runs a program to completion, capturing its output through files (no pipe deadlocks).
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> Outcome {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pd-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let outURL = folder.appendingPathComponent("out")
    let errURL = folder.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    env.removeValue(forKey: "PROSPECT_SOCKET")
    env.removeValue(forKey: "PROSPECT_TOKEN")
    env.removeValue(forKey: "PROSPECT_SERVER")
    env.merge(environment) { $1 }
    let process = try Child(executable, arguments, environment: env, stdout: .file(outURL.path), stderr: .file(errURL.path))
    process.wait(timeout: timeout)
    if process.isRunning {
        process.terminate()
        process.wait()
    }
    return Outcome(
        code: process.terminationStatus,
        out: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
        err: (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    )
}

/// A test server of `Tests/Fixtures/`, started with python3; stop it with SIGTERM. What it
/// prints goes to a file in the temporary folder (`Child.output`).
func startPython(_ arguments: [String]) throws -> Child {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("pd-fixture-\(UUID().uuidString.prefix(8)).log").path
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    return try Child("/usr/bin/env", ["python3"] + arguments, stdout: .file(log), stderr: .file(log))
}

/// Polls `done` every 100 ms until it holds, or fails with `failure` after `timeout`.
func poll(timeout: TimeInterval, _ failure: @autoclosure () -> String, until done: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if done() { return }
        usleep(100_000)
    }
    throw HarnessError(failure())
}

/// A test server of `Tests/Fixtures/` (the SMTP and webhook receivers).
func fixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/\(name)").path
}

/// Polls until a process has gone.
func waitForExit(_ process: Child, timeout: TimeInterval = 30) {
    process.wait(timeout: timeout)
}

/// A throwaway Unix account to act as a rep over the socket; needs root (CI runs as root).
struct UnixUser {
    let name: String

    static func create(_ role: String) throws -> UnixUser {
        let name = "pdt\(getpid() % 100_000)\(role)"
        _ = try run("/usr/sbin/userdel", [name])
        let made = try run("/usr/sbin/useradd", ["-M", "-N", "-s", "/usr/sbin/nologin", name])
        guard made.code == 0 else { throw HarnessError("useradd \(name) failed: \(made)") }
        return UnixUser(name: name)
    }

    func delete() { _ = try? run("/usr/sbin/userdel", [name]) }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A free TCP port on loopback.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A real `prospectd` on a temporary folder, socket and loopback port.
final class DaemonUnderTest {
    let folder: URL
    let port: Int
    let configPath: String
    let logPath: String
    var process: Child?

    var socket: String { folder.appendingPathComponent("prospectd.sock").path }
    /// The SQLite file, or the PostgreSQL URL (`backend`).
    let database: String
    let databasePasswordFile: String?
    let backend: TestBackend
    var server: String { "http://127.0.0.1:\(port)" }

    /// - Parameter clock: the instant the daemon's clock starts at.
    /// - Parameter backend: SQLite in the folder, or a new database on the tests' PostgreSQL cluster.
    /// - Parameter existing: a PostgreSQL database made already (``TestDatabase``), instead of a new one.
    init(clock: String = "2026-03-11T13:00:00Z", extraConfig: String = "", backend: TestBackend = .sqlite, existing: TestDatabase? = nil) throws {
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("pd-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        self.backend = existing == nil ? backend : .postgresql
        if let existing {
            database = existing.database
            databasePasswordFile = existing.passwordFile
        } else if backend == .sqlite {
            database = folder.appendingPathComponent("prospectd.sqlite").path
            databasePasswordFile = nil
        } else {
            let made = try TestDatabase.make(backend, in: folder)
            database = made.database
            databasePasswordFile = made.passwordFile
        }
        port = freePort()
        configPath = folder.appendingPathComponent("prospectd.toml").path
        logPath = folder.appendingPathComponent("daemon.log").path
        self.clock = clock
        try writeConfig(extraConfig)
    }

    let clock: String

    /// A second daemon on the same folder, database and configuration (a restart).
    init(reusing other: DaemonUnderTest, clock: String) throws {
        folder = other.folder
        port = other.port
        configPath = other.configPath
        database = other.database
        databasePasswordFile = other.databasePasswordFile
        backend = other.backend
        logPath = other.folder.appendingPathComponent("daemon-\(UUID().uuidString.prefix(4)).log").path
        self.clock = clock
        other.keepFolder = true
    }

    /// Set when a restarted daemon took over the folder.
    var keepFolder = false

    /// Writes the configuration, with `extra` appended (ladder, channels, ...).
    func writeConfig(_ extra: String, kinds: String = DaemonUnderTest.kinds, daemonExtra: String = "") throws {
        let text = """
            [daemon]
            database = "\(database)"
            \(databasePasswordFile.map { "database_password_file = \"\($0)\"" } ?? "")
            socket   = "\(socket)"
            listen   = "127.0.0.1:\(port)"
            \(daemonExtra)

            [rule]
            counting_kinds = ["call", "email", "referral"]
            timezone = "UTC"

            \(kinds)

            [calendars.default]
            holidays = ["2026-12-25"]
            \(extra)
            """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    static let kinds = """
        [kinds.call]
        label = "Cold call"
        [kinds.email]
        label = "Email to a prospect"
        [kinds.referral]
        label = "Referral ask"
        [kinds.won]
        label = "Closed-won deal"
        category = "closing"
        """

    /// Starts the daemon and waits until it says it is ready.
    func start(environment: [String: String] = [:]) throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.merge(environment) { $1 }
        let process = try Child(
            binaries.appendingPathComponent("prospectd").path,
            ["run", "--config", configPath, "--start-clock-at", clock],
            environment: env,
            stdout: .file(logPath),
            stderr: .file(logPath)
        )
        self.process = process
        try waitForLog("prospectd ready")
    }

    func waitForLog(_ text: String, timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if log.contains(text) { return }
            if let process, !process.isRunning { throw HarnessError("prospectd exited \(process.terminationStatus):\n\(log)") }
            usleep(20_000)
        }
        throw HarnessError("timed out waiting for '\(text)' in the daemon log:\n\(log)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) {
        if let process { kill(process.processIdentifier, number) }
    }

    /// SIGKILL, as a crash would, and wait for the process to go.
    func crash() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        waitForExit(process)
    }

    /// SIGTERM and wait; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard let process, process.isRunning else { return process?.terminationStatus ?? -1 }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        waitForExit(process)
        return process.terminationStatus
    }

    /// `prospect ARGS` over the socket, as `user` (via runuser) or as the test's own user.
    func prospect(_ arguments: [String], as user: UnixUser? = nil, environment: [String: String] = [:]) throws -> Outcome {
        let cli = binaries.appendingPathComponent("prospect").path
        let args = arguments + ["--socket", socket]
        if let user {
            return try run("/usr/sbin/runuser", ["-u", user.name, "--", cli] + args, environment: environment)
        }
        return try run(cli, args, environment: environment)
    }

    /// `prospect ARGS` over TCP with a token.
    func prospect(_ arguments: [String], token: String?) throws -> Outcome {
        var env: [String: String] = [:]
        if let token { env["PROSPECT_TOKEN"] = token }
        return try run(binaries.appendingPathComponent("prospect").path, arguments + ["--server", server], environment: env)
    }

    deinit {
        stop()
        if !keepFolder { try? FileManager.default.removeItem(at: folder) }
    }
}

/// The roster of the end-to-end scenarios. Carol manages Alice and Bob; Erin manages Dave.
func roster(alice: String = "", bob: String = "", carol: String = "") -> String {
    """
    handle,name,email,timezone,manager,role,unix_user,workdays,calendar
    carol,Carol Manager,carol@example.com,Europe/Copenhagen,,manager,\(carol),,
    alice,Alice Rep,alice@example.com,America/New_York,carol,rep,\(alice),,
    bob,Bob Rep,bob@example.com,Asia/Kolkata,carol,rep,\(bob),,
    erin,Erin Other,erin@example.com,UTC,,manager,,,
    dave,Dave Rep,dave@example.com,UTC,erin,rep,,mon;tue;wed;thu,

    """
}

extension DaemonUnderTest {
    /// Imports the smallest team: Carol (UTC) manages Ann (UTC), and the test's own Unix user is
    /// Ann on the socket (and an admin, since it runs the daemon).
    func importCarolAndAnn() throws {
        let csv = folder.appendingPathComponent("roster.csv").path
        let me = String(cString: getpwuid(getuid()).pointee.pw_name)
        try """
        handle,name,email,timezone,manager,role,unix_user
        carol,Carol Manager,carol@example.com,UTC,,manager,
        ann,Ann Rep,ann@example.com,UTC,carol,rep,\(me)

        """.write(toFile: csv, atomically: true, encoding: .utf8)
        let imported = try prospect(["admin", "roster", "import", csv])
        guard imported.code == 0 else { throw HarnessError("the roster import failed: \(imported)") }
    }
}

func decodeJSON(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw HarnessError("not a JSON object: \(text)")
    }
    return object
}
