import Foundation
import ProspectTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Reps and managers as real Unix users over the socket; the daemon's clock starts on
/// Wednesday 2026-03-11 13:00Z (09:00 in New York, 18:30 in Kolkata, 14:00 in Copenhagen).
@Suite(.serialized) struct RepFlowTests {
    @Test(.enabled(if: getuid() == 0, "creates throwaway Unix users, so it needs root (CI runs as root)"), arguments: TestBackend.allCases)
    func repsLogUndoAndReadTheirDayOverTheSocketAsThemselves(backend: TestBackend) throws {
        let alice = try UnixUser.create("alice")
        let bob = try UnixUser.create("bob")
        let carol = try UnixUser.create("carol")
        let stranger = try UnixUser.create("zed")
        defer { for user in [alice, bob, carol, stranger] { user.delete() } }
        let daemon = try DaemonUnderTest(backend: backend)
        try daemon.start()

        // Given the roster, imported by root (an admin by uid).
        let csv = daemon.folder.appendingPathComponent("roster.csv").path
        try roster(alice: alice.name, bob: bob.name, carol: carol.name).write(toFile: csv, atomically: true, encoding: .utf8)
        let imported = try daemon.prospect(["admin", "roster", "import", csv])
        #expect(imported.code == 0, "\(imported)")
        #expect(imported.lines == ["Imported \(csv): 5 added, 0 updated, 0 unchanged."])

        // When Alice logs a call at 08:30 her time, she hears that today is met.
        let logged = try daemon.prospect(["log", "call", "--note", "Called Acme about Q3", "--at", "08:30"], as: alice)
        #expect(logged.code == 0, "\(logged)")
        #expect(logged.lines.count == 4, "\(logged)")
        #expect(logged.lines.first == "Logged call at 08:30.")
        #expect(logged.lines.dropFirst().first == "Today (Wednesday 2026-03-11): 1 of 1: met.")
        #expect(logged.lines.dropFirst(2).first?.hasSuffix("m left until 17:30 America/New_York.") == true, "\(logged)")
        #expect(logged.lines.last == "Streak: 1 workday met in a row.")

        let status = try decodeJSON(try daemon.prospect(["status", "--json"], as: alice).out)
        #expect(status["rep"] as? String == "alice")
        #expect(status["date"] as? String == "2026-03-11")
        #expect(status["count"] as? Int == 1 && status["minimum"] as? Int == 1 && status["met"] as? Bool == true)
        #expect(status["deadline"] as? String == "2026-03-11T21:30:00Z")
        #expect(status["streak"] as? Int == 1)

        // Yesterday may still be logged before 10:00: it turns Tuesday into met-late and lengthens the streak.
        let late = try daemon.prospect(["log", "email", "--at", "yesterday 16:00"], as: alice)
        #expect(late.lines.first == "Logged email at 16:00 on 2026-03-10.", "\(late)")
        #expect(late.lines.last == "Streak: 2 workdays met in a row.")
        let history = try decodeJSON(try daemon.prospect(["history", "--days", "7", "--json"], as: alice).out)
        let days = (history["days"] as? [[String: Any]] ?? []).map { "\($0["date"]!) \($0["state"]!) \($0["count"]!)" }
        #expect(days == ["2026-03-10 met-late 1", "2026-03-11 met 1"])
        #expect((history["activities"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["call", "email"])
        let heatmap = try daemon.prospect(["history"], as: alice)
        #expect(heatmap.lines.first == "alice: last 2 days (America/New_York): 2 of 2 workdays met; streak 2.")
        #expect(heatmap.lines.contains("Tue  ▣") && heatmap.lines.contains("Wed  ■"), "\(heatmap)")

        // Undo removes the last logged action only.
        let undone = try daemon.prospect(["undo"], as: alice)
        #expect(undone.lines.first?.hasPrefix("Removed email logged at ") == true, "\(undone)")
        #expect(undone.lines.last == "Streak: 1 workday met in a row.")

        // Bob in Kolkata is past his deadline (17:30 there): his call counts as met late.
        let bobLog = try daemon.prospect(["log", "call"], as: bob)
        #expect(
            bobLog.lines == [
                "Logged call at 18:30.", "Today (Wednesday 2026-03-11): 1 of 1: met (late).",
                "The deadline (17:30 Asia/Kolkata) has passed.", "Streak: 1 workday met in a row.",
            ],
            "\(bobLog)"
        )

        // Access: reps see only themselves; managers see their reports, not other teams.
        let peek = try daemon.prospect(["status", "--rep", "alice"], as: bob)
        #expect(peek.code == 1)
        #expect(peek.err == "prospect: you may only see your own records or those of people who report to you\n")
        let managerView = try daemon.prospect(["status", "--rep", "alice", "--json"], as: carol)
        let viewed = try decodeJSON(managerView.out)
        #expect(managerView.code == 0 && viewed["rep"] as? String == "alice")
        #expect(try daemon.prospect(["history", "--rep", "dave"], as: carol).code == 1)
        let team = try daemon.prospect(["admin", "rep", "list"], as: carol)
        #expect(team.lines.map { String($0.prefix { $0 != ":" }) } == ["alice", "bob", "carol"])
        let notAdmin = try daemon.prospect(["admin", "roster", "export"], as: alice)
        #expect(notAdmin.code == 1 && notAdmin.err == "prospect: only admins may do this; ask an admin\n")
        let nothing = try daemon.prospect(["undo"], as: carol)
        #expect(nothing.code == 1 && nothing.err == "prospect: you have no activity to undo\n")
        let unknown = try daemon.prospect(["status"], as: stranger)
        #expect(unknown.code == 1)
        #expect(unknown.err.contains("your Unix user '\(stranger.name)' is not on the roster"), "\(unknown)")
        let others = try daemon.prospect(["away", "--from", "2026-03-12", "--to", "2026-03-13", "--rep", "bob"], as: alice)
        #expect(others.code == 1, "\(others)")
        let away = try daemon.prospect(["away", "--from", "2026-03-12", "--to", "2026-03-16", "--rep", "bob", "--reason", "Conference"], as: carol)
        #expect(away.lines == ["bob is away 2026-03-12 to 2026-03-16: 3 workdays not enforced."], "\(away)")

        // The roster round-trips.
        let exported = try daemon.prospect(["admin", "roster", "export"])
        #expect(
            exported.out == """
                handle,name,email,timezone,manager,role,unix_user,workdays,calendar,slack,ntfy_topic
                alice,Alice Rep,alice@example.com,America/New_York,carol,rep,\(alice.name),,,,
                bob,Bob Rep,bob@example.com,Asia/Kolkata,carol,rep,\(bob.name),,,,
                carol,Carol Manager,carol@example.com,Europe/Copenhagen,,manager,\(carol.name),,,,
                dave,Dave Rep,dave@example.com,UTC,erin,rep,,mon;tue;wed;thu,,,
                erin,Erin Other,erin@example.com,UTC,,manager,,,,,

                """
        )
        let again = try daemon.prospect(["admin", "roster", "import", csv, "--json"])
        #expect((try decodeJSON(again.out))["unchanged"] as? Int == 5)
        #expect(daemon.stop() == 0)
    }

    @Test func tokensOverTCPIdentifyARepUntilRevoked() throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        let csv = daemon.folder.appendingPathComponent("roster.csv").path
        try roster().write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "roster", "import", csv]).code == 0)
        let issued = try daemon.prospect(["admin", "token", "issue", "dave"])
        let token = issued.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(issued.code == 0 && token.hasPrefix("pd_") && token.count == 46, "\(issued)")
        #expect(!daemon.log.contains(token), "the token must never reach the log")

        let logged = try daemon.prospect(["log", "referral", "--json"], token: token)
        #expect(logged.code == 0, "\(logged)")
        let body = try decodeJSON(logged.out)
        #expect((body["status"] as? [String: Any])?["rep"] as? String == "dave")
        #expect(!logged.out.contains(token))
        #expect(try daemon.prospect(["kinds", "--json"], token: token).code == 0)

        // A client retrying the same request (same client_id) records the action once.
        let retry = [
            "-s", "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json",
            "-d", #"{"kind":"call","client_id":"retry-0000-0001"}"#, "\(daemon.server)/v1/activities",
        ]
        let firstTry = try decodeJSON(try run("/usr/bin/curl", retry).out)
        let secondTry = try decodeJSON(try run("/usr/bin/curl", retry).out)
        #expect(firstTry["duplicate"] as? Bool == false && secondTry["duplicate"] as? Bool == true)
        #expect((secondTry["status"] as? [String: Any])?["count"] as? Int == 2, "referral + one call")
        #expect(
            (firstTry["activity"] as? [String: Any])?["id"] as? Int == (secondTry["activity"] as? [String: Any])?["id"] as? Int
        )

        let none = try daemon.prospect(["status"], token: nil)
        #expect(none.code == 1 && none.err.contains("this API needs a token"), "\(none)")
        let wrong = try daemon.prospect(["status"], token: token + "x")
        #expect(wrong.code == 1 && wrong.err.contains("the token is not valid"), "\(wrong)")
        #expect(try daemon.prospect(["admin", "token", "revoke", "dave"]).lines == ["Revoked 1 token of dave."])
        let revoked = try daemon.prospect(["status"], token: token)
        #expect(revoked.code == 1 && revoked.err.contains("the token is not valid"), "\(revoked)")
        // A deactivated person's tokens die with them.
        let second = try daemon.prospect(["admin", "token", "issue", "dave"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try daemon.prospect(["status"], token: second).code == 0)
        #expect(try daemon.prospect(["admin", "rep", "deactivate", "dave"]).code == 0)
        #expect(try daemon.prospect(["status"], token: second).code == 1)
        #expect(daemon.stop() == 0)
    }
}
