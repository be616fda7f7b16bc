import Foundation
import ProspectTestSupport
import Testing

/// Every refusal of the foundation issue: one line naming the problem and the fix, the contract's
/// exit code, and nothing written.
@Suite struct RefusalTests {
    /// On both backends: a refusal writes nothing on either.
    @Test(arguments: TestBackend.allCases) func badInputIsRefusedWithOneClearLineAndChangesNothing(backend: TestBackend) throws {
        let daemon = try DaemonUnderTest(backend: backend)
        try daemon.start()
        let csv = daemon.folder.appendingPathComponent("roster.csv").path
        try roster().write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "roster", "import", csv]).code == 0)
        let alice = try daemon.prospect(["admin", "token", "issue", "alice"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try daemon.prospect(["log", "call", "--at", "08:00"], token: alice).code == 0)

        func snapshot() throws -> String {
            try daemon.prospect(["admin", "roster", "export"]).out + (try daemon.prospect(["history", "--rep", "alice", "--json"]).out)
        }
        let before = try snapshot()

        // (arguments, via token?, exit code, the exact stderr)
        let longNote = String(repeating: "x", count: 1001)
        let cases: [([String], Bool, Int32, String)] = [
            (["log", "cal"], true, 1, "prospect: unknown kind 'cal'; valid kinds: call, email, referral, won"),
            (["log", "call", "--note", "  "], true, 1, "prospect: --note is empty; write what you did, or leave --note out"),
            (["log", "call", "--note", longNote], true, 1, "prospect: --note has 1001 characters; keep it to 1000"),
            (
                ["log", "call", "--note", "bell\u{07}"], true, 1,
                "prospect: --note contains control characters or text-direction overrides; use plain text"
            ),
            (
                ["log", "call", "--at", "25:00"], true, 1,
                "prospect: --at '25:00' is not a time: use HH:MM (today), 'yesterday HH:MM', or 2026-03-09T15:00:00Z"
            ),
            (["log", "call", "--at", "2026-03-11T14:00:00Z"], true, 1, "prospect: --at lies in the future; log an action once it has happened"),
            (
                ["log", "call", "--at", "2026-03-09T15:00:00Z"], true, 1,
                "prospect: too late to log for 2026-03-09: a day stays open until 10:00 on the next workday (2026-03-10); log it for today instead, without --at"
            ),
            (["log", "call", "--value=-5"], true, 1, "prospect: --value must be a non-negative amount up to 1000000000000"),
            (["status", "--rep", "dave"], true, 1, "prospect: you may only see your own records or those of people who report to you"),
            (["away", "--from", "2026-03-20", "--to", "2026-03-19"], true, 1, "prospect: --from 2026-03-20 is after --to 2026-03-19; swap them"),
            (["away", "--from", "2026-02-30", "--to", "2026-03-02"], true, 1, "prospect: --from '2026-02-30' is not a date; use YYYY-MM-DD"),
            (
                ["admin", "rep", "add", "zed", "--name", "Z", "--email", "z@example.com", "--timezone", "UTC"], true, 1,
                "prospect: only admins may do this; ask an admin"
            ),
            (
                ["admin", "rep", "add", "alice", "--name", "A", "--email", "a@example.com", "--timezone", "UTC"], false, 1,
                "prospect: handle 'alice' is taken; pick another, or use 'admin rep update'"
            ),
            (
                ["admin", "rep", "add", "zed", "--name", "Z", "--email", "z@example.com", "--timezone", "Mars/Base"], false, 1,
                "prospect: time zone 'Mars/Base' is unknown: use an IANA name like Europe/Copenhagen"
            ),
            (
                ["admin", "rep", "add", "zed", "--name", "Z", "--email", "z@example.com", "--timezone", "UTC", "--manager", "nobody"], false, 1,
                "prospect: manager 'nobody' is not on the roster; add them first"
            ),
            (
                ["admin", "rep", "add", "zed", "--name", "Z", "--email", "z@example.com", "--timezone", "UTC", "--calendar", "mars"], false, 1,
                "prospect: calendar 'mars' is not in the configuration; defined calendars: default"
            ),
            (
                ["admin", "rep", "update", "carol", "--manager", "alice"], false, 1,
                "prospect: managers would form a cycle (alice -> carol -> alice); every chain must end at someone without a manager"
            ),
            (
                ["admin", "rep", "update", "nobody", "--name", "N"], false, 1,
                "prospect: no one on the roster has handle 'nobody'; see 'prospect admin rep list'"
            ),
            (["admin", "token", "issue", "nobody"], false, 1, "prospect: no one on the roster has handle 'nobody'; see 'prospect admin rep list'"),
            (["admin", "roster", "import", "/nonexistent/roster.csv"], false, 1, "prospect: cannot read /nonexistent/roster.csv: no such file"),
        ]
        for (arguments, viaToken, code, message) in cases {
            let outcome = viaToken ? try daemon.prospect(arguments, token: alice) : try daemon.prospect(arguments)
            #expect(outcome.code == code, "\(arguments): \(outcome)")
            #expect(outcome.err == message + "\n", "\(arguments)")
            #expect(outcome.out.isEmpty, "\(arguments)")
        }

        // Usage errors exit 2.
        for arguments in [["log"], ["log", "call", "--value", "abc"], ["history", "--days", "0"], ["frobnicate"]] {
            let outcome = try daemon.prospect(arguments, token: alice)
            #expect(outcome.code == 2, "\(arguments): \(outcome)")
        }

        // A malformed roster: every bad row with its line, nothing imported.
        let bad = daemon.folder.appendingPathComponent("bad.csv").path
        try """
        handle,name,email,timezone,manager
        zoe,Zoe,zoe@example.com,UTC,carol
        yan,Yan,not-an-email,Mars/Base,
        xia,Xia,xia@example.com,UTC,ghost

        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try daemon.prospect(["admin", "roster", "import", bad])
        #expect(refused.code == 1)
        #expect(
            refused.err == """
                prospect: \(bad): line 3: email is not an address like name@example.com
                prospect: \(bad): line 3: time zone 'Mars/Base' is unknown: use an IANA name like Europe/Copenhagen
                prospect: Nothing was imported.

                """
        )
        let ghost = daemon.folder.appendingPathComponent("ghost.csv").path
        try "handle,name,email,manager\nzoe,Zoe,zoe@example.com,carol\nxia,Xia,xia@example.com,ghost\n".write(
            toFile: ghost,
            atomically: true,
            encoding: .utf8
        )
        let ghostly = try daemon.prospect(["admin", "roster", "import", ghost])
        #expect(
            ghostly.err == "prospect: \(ghost): line 3: manager 'ghost' is neither in the file nor on the roster\nprospect: Nothing was imported.\n"
        )
        let unclosed = daemon.folder.appendingPathComponent("unclosed.csv").path
        try "handle,name,email\nzoe,\"Zoe,zoe@example.com\n".write(toFile: unclosed, atomically: true, encoding: .utf8)
        let broken = try daemon.prospect(["admin", "roster", "import", unclosed])
        #expect(broken.err == "prospect: \(unclosed): line 2: malformed CSV: a quoted field is never closed\nprospect: Nothing was imported.\n")

        #expect(try snapshot() == before, "a refused command changed the stored data")
        #expect(daemon.stop() == 0)
    }

    @Test func anUnreachableDaemonExitsThreeNamingTheSocket() throws {
        let cli = binaries.appendingPathComponent("prospect").path
        let outcome = try run(cli, ["status", "--socket", "/tmp/no-such-prospectd.sock"])
        #expect(outcome.code == 3)
        #expect(outcome.err.hasPrefix("prospect: cannot reach prospectd at /tmp/no-such-prospectd.sock:"), "\(outcome)")
        let viaEnvironment = try run(cli, ["log", "call"], environment: ["PROSPECT_SOCKET": "/tmp/no-such-prospectd.sock"])
        #expect(viaEnvironment.code == 3 && viaEnvironment.err.contains("/tmp/no-such-prospectd.sock"))
        let tcp = try run(cli, ["kinds", "--server", "http://127.0.0.1:\(freePort())"])
        #expect(tcp.code == 3, "\(tcp)")
    }
}
