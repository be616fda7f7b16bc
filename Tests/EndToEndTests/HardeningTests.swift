import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What a hostile or careless user found, each with the real binaries (issue "Hardening"). The
/// connection flood, the hung command channel and two daemons on one database are in
/// scripts/reliability (`flood`, `hung-command`, `two-daemons`, `first-start-full`).
@Suite(.serialized) struct HardeningTests {
    /// Carol manages Ann; the test's own user is Ann on the socket, and an admin (it runs the daemon).
    func team() throws -> DaemonUnderTest {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        try daemon.importCarolAndAnn()
        return daemon
    }

    func curl(_ daemon: DaemonUnderTest, _ path: String) throws -> (status: String, body: String) {
        let out = try run("/usr/bin/curl", ["-s", "--unix-socket", daemon.socket, "-w", "\n%{http_code}", "http://localhost\(path)"])
        let lines = out.out.split(separator: "\n", omittingEmptySubsequences: false)
        return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
    }

    /// 1. `report --month --date 9999-12-15` crashed the daemon on a force-unwrap of year 10000.
    @Test func datesOutsideTheSupportedRangeAreRefusedAndTheDaemonLives() throws {
        let daemon = try team()
        for path in [
            "/v1/report?period=month&date=9999-12-15&manager=carol", "/v1/team?date=9999-12-31&manager=carol", "/v1/schedule?date=0001-01-01",
        ] {
            let answer = try curl(daemon, path)
            #expect(answer.status == "400", "\(path): \(answer)")
            #expect(answer.body.contains("outside the dates prospectd accepts; use a date from 2000-01-01 to 2199-12-31"), "\(answer.body)")
        }
        let cli = try daemon.prospect(["report", "--month", "--date", "9999-12-15", "--manager", "carol"])
        #expect(cli.code == 2, "refused before it is sent, as a usage error")
        #expect(cli.err.hasPrefix("Error: --date '9999-12-15' is outside the dates prospectd accepts; use a date from 2000-01-01 to 2199-12-31\n"))
        let december = try curl(daemon, "/v1/report?period=month&date=2199-12-15&manager=carol")
        #expect(december.status == "400" && december.body.contains("has not begun yet"), "the last supported month works: \(december)")
        #expect(daemon.process?.isRunning == true, "the daemon is still up")
        #expect(try daemon.prospect(["status"]).code == 0)
    }

    /// 5. A socket path equal to the database deleted the roster.
    @Test func aSocketPathThatIsNotASocketIsRefusedAndNothingIsDeleted() throws {
        let daemon = try team()
        daemon.stop()
        let size = try FileManager.default.attributesOfItem(atPath: daemon.database)[.size] as? Int
        let config = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        let bad = config.replacingOccurrences(of: "socket   = \"\(daemon.socket)\"", with: "socket   = \"\(daemon.database)\"")
        try bad.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let check = try run(binaries.appendingPathComponent("prospectd").path, ["check-config", "--config", daemon.configPath])
        #expect(check.code == 1)
        #expect(check.err.contains("daemon.socket: \(daemon.database) is the database or one of its files"), "\(check)")
        let started = try run(binaries.appendingPathComponent("prospectd").path, ["run", "--config", daemon.configPath], timeout: 20)
        #expect(started.code == 1, "\(started)")
        #expect(try FileManager.default.attributesOfItem(atPath: daemon.database)[.size] as? Int == size, "the database is untouched")

        let notes = daemon.folder.appendingPathComponent("notes.txt").path
        try "keep me".write(toFile: notes, atomically: true, encoding: .utf8)
        try config.replacingOccurrences(of: "socket   = \"\(daemon.socket)\"", with: "socket   = \"\(notes)\"")
            .write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let checkFile = try run(binaries.appendingPathComponent("prospectd").path, ["check-config", "--config", daemon.configPath])
        #expect(checkFile.code == 1)
        #expect(checkFile.err.contains("\(notes) is a file, not a socket"), "\(checkFile)")
        #expect(try String(contentsOfFile: notes, encoding: .utf8) == "keep me")
    }

    /// 6. The CLI retried for 0.45 s: a log whose answer was lost in a restart exited 3 although
    /// the daemon had stored it. Here a stand-in takes the request and dies without answering;
    /// the real daemon comes up two seconds later on the same socket, and the same request
    /// (same client_id) is logged once.
    @Test func aLogWhoseAnswerIsLostIsRetriedAcrossARestart() throws {
        let daemon = try team()
        daemon.stop()
        let stand = try startPython([
            "-c",
            """
            import socket, os, sys, time
            path = sys.argv[1]
            s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(1); os.chmod(path, 0o666)
            c, _ = s.accept(); c.recv(65536); c.close(); s.close(); os.unlink(path)
            """,
            daemon.socket,
        ])
        try poll(timeout: 10, "the stand-in did not listen") { FileManager.default.fileExists(atPath: daemon.socket) }
        let restarted = try DaemonUnderTest(reusing: daemon, clock: daemon.clock)
        let errURL = daemon.folder.appendingPathComponent("log.err")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let cli = try Child(
            binaries.appendingPathComponent("prospect").path,
            ["log", "call", "--socket", daemon.socket],
            stdout: .null,
            stderr: .file(errURL.path)
        )
        waitForExit(stand)
        usleep(2_000_000)
        try restarted.start()
        waitForExit(cli, timeout: 40)
        let err = try String(contentsOf: errURL, encoding: .utf8)
        #expect(cli.terminationStatus == 0, "\(err)")
        #expect(err.contains("retrying the same request for up to 30 s"), "\(err)")
        let history = try decodeJSON(try restarted.prospect(["history", "--json"]).out)
        #expect((history["activities"] as? [Any])?.count == 1, "logged once")
        restarted.stop()
    }

    /// 7. A CRM-imported note carried terminal escapes, and `history` printed them raw.
    @Test func terminalEscapesAreRefusedOnImportAndNeverPrinted() throws {
        let daemon = try team()
        let csv = daemon.folder.appendingPathComponent("crm.csv").path
        try "rep,kind,at,note\nann,call,2026-03-11T09:00:00Z,\"hi \u{1B}]0;pwned\u{07}\u{1B}[2J\"\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let refused = try daemon.prospect(["admin", "import", "activities", csv])
        #expect(refused.code == 1)
        #expect(refused.err.contains("line 2: the note contains control characters or text-direction overrides; use plain text"), "\(refused)")
        // Data stored before this check (or written by hand) is still printed escaped.
        try "rep,kind,at,note\nann,call,2026-03-11T09:00:00Z,plain\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "import", "activities", csv]).code == 0)
        let sql = "UPDATE activity SET note = 'hi ' || char(27) || ']0;pwned' || char(7) || char(27) || '[2J' || char(155) || 'x'"
        #expect(try run("/usr/bin/sqlite3", [daemon.database, sql]).code == 0)
        let history = try daemon.prospect(["history", "--rep", "ann", "--days", "3"])
        #expect(history.code == 0, "\(history)")
        #expect(!history.out.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B }, "\(history.out)")
        #expect(history.out.contains("hi \\u{1B}]0;pwned\\u{07}\\u{1B}[2J\\u{009B}x"), "\(history.out)")
        let json = try daemon.prospect(["history", "--rep", "ann", "--days", "3", "--json"])
        #expect(!json.out.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B })
        let decoded = try decodeJSON(json.out)
        let notes = (decoded["activities"] as? [[String: Any]])?.compactMap { $0["note"] as? String }
        #expect(notes == ["hi \u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}x"], "the JSON still decodes to the stored text")
    }

    /// 8, 10, 12. Formulas in names, addresses that are options, and Excel's BOM with CRLF.
    @Test func rosterFilesAreReadAsExcelWritesThemAndExportedSafely() throws {
        let daemon = try team()
        let csv = daemon.folder.appendingPathComponent("excel.csv").path
        let rows = [
            "handle,name,email,timezone",
            "eve,=cmd|' /C calc'!A0,eve@example.com,UTC",
            "sum,+SUM(A1:A9),sum@example.com,UTC",
            "link,\"@HYPERLINK(\"\"http://x\"\")\",link@example.com,UTC",
            "neg,-2+3,neg@example.com,UTC",
        ]
        try Data(([0xEF, 0xBB, 0xBF] as [UInt8]) + Array((rows.joined(separator: "\r\n") + "\r\n").utf8)).write(to: URL(fileURLWithPath: csv))
        let imported = try daemon.prospect(["admin", "roster", "import", csv])
        #expect(imported.code == 0, "a BOM and CRLF are read: \(imported)")
        let exported = try daemon.prospect(["admin", "roster", "export"]).out
        for expected in ["eve,'=cmd|' /C calc'!A0,", "sum,'+SUM(A1:A9),", "link,\"'@HYPERLINK(\"\"http://x\"\")\",", "neg,'-2+3,"] {
            #expect(exported.contains(expected), "\(expected) in \(exported)")
        }
        for address in ["-oQ/tmp/x@example.com", "a..b@example.com", "a@b", "a b@example.com", "\"q\"@example.com"] {
            let added = try daemon.prospect(["admin", "rep", "add", "mal", "--name", "M", "--email=\(address)", "--timezone", "UTC"])
            #expect(added.code == 1, "\(address): \(added)")
        }
    }

    /// 11. At --log-level debug, ServiceLifecycle logged each service's fields: the environment.
    @Test func theEnvironmentIsInNoLogAtDebug() throws {
        let daemon = try DaemonUnderTest()
        try daemon.start(environment: ["LOG_LEVEL": "debug", "SMTP_PASSWORD_FOR_TEST": "hunter2-do-not-log"])
        daemon.stop()
        #expect(daemon.log.contains("OutboxWorker"), "debug logging was on")
        #expect(!daemon.log.contains("hunter2-do-not-log"), "\(daemon.log)")
        #expect(!daemon.log.contains("SMTP_PASSWORD_FOR_TEST"))
    }

    /// 1 (another `!` on user input): `run --dev DIR` wrote DIR into TOML text and force-parsed it,
    /// so a quote in the folder's name crashed the daemon at start.
    @Test func aDevFolderWithQuotesAndBackslashesStarts() throws {
        let folder = "/tmp/pd-e2e-\(UUID().uuidString.prefix(6)) \"quoted\" \\ dir"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = folder + ".log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let process = try Child(binaries.appendingPathComponent("prospectd").path, ["run", "--dev", folder], stderr: .file(log))
        try poll(timeout: 20, "the daemon did not become ready: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")") {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("prospectd ready") || !process.isRunning
        }
        #expect(process.isRunning)
        let status = try run(binaries.appendingPathComponent("prospect").path, ["kinds", "--socket", folder + "/prospectd.sock"])
        #expect(status.code == 0, "\(status)")
        kill(process.processIdentifier, SIGTERM)
        waitForExit(process)
        #expect(process.terminationStatus == 0)
    }

    /// 13. Parallel bad token guesses all passed the check before the first failure was counted.
    @Test func parallelTokenGuessesAreCountedAtOnce() throws {
        let daemon = try DaemonUnderTest()
        try daemon.writeConfig("", daemonExtra: "token_failure_limit = 5")
        try daemon.start()
        let statuses = Mutex([String]())
        let server = daemon.server
        DispatchQueue.concurrentPerform(iterations: 30) { i in
            let out = try? run(
                "/usr/bin/curl",
                ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer guess\(i)", "\(server)/v1/status"]
            )
            statuses.withLock { $0.append(out?.out ?? "") }
        }
        let all = statuses.withLock { $0 }
        #expect(all.filter { $0 == "401" }.count == 5, "\(all.sorted())")
        #expect(all.filter { $0 == "429" }.count == 25)
    }

    /// 15. check-config's warnings reached the journal at info; a failed test message at notice;
    /// and without /proc, `check-config --config F` started the daemon.
    @Test func operatorsReadWarningsAtTheirLevel() throws {
        let daemon = try team()
        daemon.stop()
        try daemon.writeConfig(
            """
            [[ladder]]
            name = "boss"
            at = "17:00"
            audience = "manager.manager"
            channels = ["journal"]
            [channels.journal]
            type = "log"
            """
        )
        let errFile = daemon.folder.appendingPathComponent("stderr").path
        _ = FileManager.default.createFile(atPath: errFile, contents: nil)
        var info = stat()
        stat(errFile, &info)
        let shell = "\(binaries.appendingPathComponent("prospectd").path) check-config --config \(daemon.configPath) 2>>\(errFile)"
        let checked = try run("/bin/sh", ["-c", shell], environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"])
        #expect(checked.code == 0, "\(checked)")
        let stderr = try String(contentsOfFile: errFile, encoding: .utf8)
        #expect(stderr.hasPrefix("<4>warning: ladder step 'boss' will have no one to tell"), "\(stderr)")
        let plain = try run(binaries.appendingPathComponent("prospectd").path, ["check-config", "--config", daemon.configPath])
        #expect(plain.err.hasPrefix("warning: ladder step 'boss'"), "no prefix on a terminal or a file: \(plain)")

        let noProc = try run(
            "/usr/bin/unshare",
            [
                "-m", "--propagation", "private", "/bin/sh", "-c", "umount -l /proc && exec \"$0\" check-config --config \"$1\"",
                binaries.appendingPathComponent("prospectd").path, daemon.configPath,
            ]
        )
        #expect(noProc.code == 1, "\(noProc)")
        // Without /proc a runtime thread now and then traps at start (its backtrace attempt shows
        // on stderr; the cause is not found yet), so the line is looked for, not the whole stderr.
        #expect(
            noProc.err.contains(
                "prospectd: cannot read its command line, because /proc is not mounted; mount it first (in a chroot: mount -t proc proc /proc)\n"
            ),
            "\(noProc)"
        )
    }

    /// 3 (its test-channel side) and 15: a failed test message is a warning with its cause.
    @Test func aFailedTestMessageIsLoggedAsAWarningWithItsCause() throws {
        let daemon = try DaemonUnderTest(
            extraConfig: """
                [channels.mail]
                type = "smtp"
                host = "127.0.0.1"
                port = \(freePort())
                security = "none"
                from = "prospectd <p@example.com>"
                [channels.term]
                type = "command"
                argv = ["/bin/sh", "-c", "kill -TERM $$; sleep 5; exit 0"]
                timeout = 8
                [channels.loud]
                type = "command"
                argv = ["/bin/sh", "-c", "head -c 40000000 /dev/zero | tr '\\\\0' x >&2; exit 3"]
                timeout = 30
                """
        )
        try daemon.start()
        #expect(try daemon.prospect(["admin", "rep", "add", "ann", "--name", "Ann", "--email", "ann@example.com", "--timezone", "UTC"]).code == 0)
        let mail = try daemon.prospect(["admin", "test-channel", "mail", "--to", "ann"])
        #expect(mail.code == 1)
        #expect(mail.err.contains("connection refused (nothing listens there)"), "\(mail)")
        try daemon.waitForLog("<4>test message failed")
        // Children start with SIGTERM deliverable: the shell dies of its own signal at once.
        let started = Date()
        let term = try daemon.prospect(["admin", "test-channel", "term", "--to", "ann"])
        #expect(term.err.contains("was killed by signal 15"), "\(term)")
        #expect(Date().timeIntervalSince(started) < 4)
        // 40 MB on stderr: what is kept is bounded, and so is the daemon's memory.
        func rss() throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(daemon.process?.processIdentifier ?? 0)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        let before = try rss()
        let loud = try daemon.prospect(["admin", "test-channel", "loud", "--to", "ann", "--json"])
        let answer = try decodeJSON(loud.out)
        let error = answer["error"] as? String ?? ""
        #expect(error.hasPrefix("/bin/sh exited with 3: xxxx"), "\(error.prefix(80))")
        #expect(error.count < 1_000)
        #expect(try rss() - before < 30_000, "RSS grew from \(before) kB")
    }
}
