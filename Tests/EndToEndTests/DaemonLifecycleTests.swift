import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's notify socket.
final class NotifySocket {
    let path: String
    let fd: Int32

    init() throws {
        path = "/tmp/pd-notify-\(UUID().uuidString.prefix(8)).sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, b) in path.utf8.enumerated() { buffer[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw HarnessError("cannot bind \(path)") }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next message, or nil after the timeout.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    deinit {
        close(fd)
        unlink(path)
    }
}

@Suite struct DaemonLifecycleTests {
    @Test func tellsSystemdReadyReloadingAndStoppingAndExitsZeroOnSIGTERM() throws {
        let notify = try NotifySocket()
        let daemon = try DaemonUnderTest()
        try daemon.start(environment: ["NOTIFY_SOCKET": notify.path])
        #expect(notify.receive() == "READY=1\nSTATUS=serving")

        // A broken file on SIGHUP: refused, logged, the running configuration stays.
        try "[rule]\ncounting_kinds = [\"call\"]\n[kinds.call]\nlabel = 1\n".write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let reloading = notify.receive() ?? ""
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="), "\(reloading)")
        #expect(notify.receive() == "READY=1")
        try daemon.waitForLog(
            "configuration reload refused; keeping the running configuration: \(daemon.configPath):4: kinds.call.label: expected a string, found integer"
        )
        #expect(try daemon.prospect(["kinds", "--json"]).out.contains("\"referral\""))

        // A good file on SIGHUP takes effect without a restart.
        try daemon.writeConfig("", kinds: DaemonUnderTest.kinds + "\n[kinds.demo]\nlabel = \"Product demo\"\ncategory = \"advancing\"\n")
        daemon.signal(SIGHUP)
        _ = notify.receive()
        _ = notify.receive()
        try daemon.waitForLog("configuration reloaded")
        let kinds = try daemon.prospect(["kinds"])
        #expect(kinds.lines.contains("demo              Product demo (advancing)"), "\(kinds)")

        #expect(daemon.stop() == 0)
        #expect(notify.receive() == "STOPPING=1")
        #expect(!FileManager.default.fileExists(atPath: daemon.socket), "the socket file is removed on exit")
        #expect(daemon.log.contains("<5>prospectd stopped"))
    }

    @Test func pingsTheWatchdogAtHalfItsInterval() throws {
        let notify = try NotifySocket()
        let daemon = try DaemonUnderTest()
        try daemon.start(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
        #expect(notify.receive() == "READY=1\nSTATUS=serving")
        #expect(notify.receive() == "WATCHDOG=1")
        let start = Date()
        #expect(notify.receive() == "WATCHDOG=1")
        // Pings 200 ms apart; generous bounds for a loaded machine.
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed > 0.1 && elapsed < 5, "\(elapsed)")
        #expect(daemon.stop() == 0)
    }

    @Test func refusesASecondDaemonOnTheSameSocketAndADatabaseThatIsNotOne() throws {
        let first = try DaemonUnderTest()
        try first.start()
        let second = try run(binaries.appendingPathComponent("prospectd").path, ["run", "--config", first.configPath])
        #expect(second.code == 1)
        // The database's lock is taken first; the refusal names the process that holds it.
        let pid = first.process?.processIdentifier ?? 0
        #expect(second.err.contains("prospectd (PID \(pid)) already holds the database \(first.database)"), "\(second)")
        #expect(first.stop() == 0)

        let broken = try DaemonUnderTest()
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: broken.database))
        let refused = try run(binaries.appendingPathComponent("prospectd").path, ["run", "--config", broken.configPath])
        #expect(refused.code == 1)
        #expect(
            refused.err.contains(
                "<2>cannot start: database \(broken.database): it is not a SQLite database; move it aside or set [daemon].database to another file"
            ),
            "\(refused)"
        )
    }

    @Test func checkConfigPassesTheExampleAndListsEveryErrorOfABadFile() throws {
        let prospectd = binaries.appendingPathComponent("prospectd").path
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/prospectd.toml").path
        let ok = try run(prospectd, ["check-config", "--config", example])
        #expect(ok.code == 0, "\(ok)")
        #expect(ok.lines == ["\(example): ok: 8 kinds (6 counting), minimum 1 a day, 3 ladder steps, 6 channels, digests on, built-in templates"])

        let bad = "/tmp/pd-bad-\(UUID().uuidString.prefix(8)).toml"
        defer { unlink(bad) }
        try """
        [rule]
        counting_kinds = ["call"]
        end_of_day = "25:00"

        [kinds.call]
        label = "Cold call"

        [[ladder]]
        name = "nudge"
        at = "14:00"
        channels = ["slak"]
        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try run(prospectd, ["check-config", "--config", bad])
        #expect(refused.code == 1)
        #expect(
            refused.err == """
                \(bad):3: rule.end_of_day: '25:00' is not a time; expected "HH:MM" on a 24-hour clock, like "17:30"
                \(bad):11: ladder[0].channels[0]: names channel 'slak', which is not defined; define it under [channels.slak]
                \(bad): 2 errors

                """
        )
        // A template that does not parse, or names a variable that does not exist, is caught up front.
        let templates = "/tmp/pd-templates-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: templates, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: templates) }
        try "Hi {{rep_first_name}},\n\n{{deadlin}} is near.\n".write(toFile: "\(templates)/reminder.text.mustache", atomically: true, encoding: .utf8)
        try "{{rep_name}} {{#is_missed}}missed\n".write(toFile: "\(templates)/escalation.subject.mustache", atomically: true, encoding: .utf8)
        try "[rule]\ncounting_kinds = [\"call\"]\n[kinds.call]\nlabel = \"Cold call\"\n[templates]\ndirectory = \"\(templates)\"\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let badTemplates = try run(prospectd, ["check-config", "--config", bad])
        #expect(badTemplates.code == 1)
        let lines = badTemplates.err.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(badTemplates)")
        #expect(lines.first?.hasPrefix("\(templates)/escalation.subject.mustache:") == true, "\(badTemplates)")
        #expect(
            lines.dropFirst().first?.hasPrefix("\(templates)/reminder.text.mustache:3: unknown variable 'deadlin'; known:") == true,
            "\(badTemplates)"
        )
        #expect(lines.last == "\(bad): 2 template errors")

        let missing = try run(prospectd, ["check-config", "--config", "/nonexistent.toml"])
        #expect(missing.code == 1 && missing.err.hasPrefix("/nonexistent.toml: does not exist"), "\(missing)")
        #expect(try run(prospectd, ["version"]).out == "prospectd 0.1.0\n")
        #expect(try run(prospectd, ["run", "--bogus"]).code == 2)
    }
}
