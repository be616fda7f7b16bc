import Foundation
import ProspectTestSupport
import Testing

/// The managers' commands end to end over TCP with tokens: who sees whose team, pipelines,
/// taking stock, reports and the CRM import.
@Suite(.serialized) struct TeamFlowTests {
    /// On both backends: the same flow, the same answers.
    @Test(arguments: TestBackend.allCases) func managersSeeTheirOwnRepsTransitivelyAndNoOneElses(backend: TestBackend) throws {
        let daemon = try DaemonUnderTest(clock: "2026-03-11T13:00:00Z", backend: backend)
        try daemon.start()
        let roster = daemon.folder.appendingPathComponent("roster.csv").path
        try """
        handle,name,email,timezone,manager,role
        vp,Vera Top,vp@example.com,UTC,,manager
        carol,Carol Manager,carol@example.com,Europe/Copenhagen,vp,manager
        alice,Alice Rep,alice@example.com,America/New_York,carol,rep
        bob,Bob Rep,bob@example.com,UTC,carol,rep
        erin,Erin Other,erin@example.com,UTC,,manager
        dave,Dave Rep,dave@example.com,UTC,erin,rep

        """.write(toFile: roster, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "roster", "import", roster]).code == 0)
        var token: [String: String] = [:]
        for handle in ["vp", "carol", "erin", "alice"] {
            token[handle] = try daemon.prospect(["admin", "token", "issue", handle]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func team(_ who: String, _ extra: [String] = []) throws -> [String] {
            let out = try daemon.prospect(["team", "--json"] + extra, token: token[who])
            guard out.code == 0 else { throw HarnessError("\(who): \(out)") }
            return (try decodeJSON(out.out)["reps"] as? [[String: Any]] ?? []).compactMap { $0["handle"] as? String }
        }
        #expect(try team("carol") == ["alice", "bob"])
        #expect(try team("erin") == ["dave"])
        #expect(try team("vp") == ["alice", "bob"], "the VP sees Carol's reps through Carol")

        let peek = try daemon.prospect(["team", "--manager", "erin"], token: token["carol"])
        #expect(peek.code == 1 && peek.err == "prospect: only admins may see another manager's team\n", "\(peek)")
        let rep = try daemon.prospect(["team"], token: token["alice"])
        #expect(rep.code == 1 && rep.err == "prospect: the team view is for managers; see your own day with 'prospect status'\n", "\(rep)")
        let admin = try daemon.prospect(["team", "--manager", "erin", "--json"])
        #expect(admin.code == 0 && admin.out.contains("\"dave\""), "\(admin)")

        // Pipelines: one's own, a manager's report's; never another team's.
        let own = try daemon.prospect(["pipeline", "set", "--open-deals", "4", "--value", "120000"], token: token["alice"])
        #expect(own.out == "Pipeline of alice: 4 open deals worth 120,000.\n", "\(own)")
        #expect(try daemon.prospect(["pipeline", "set", "--open-deals", "1", "--value", "5", "--rep", "bob"], token: token["alice"]).code == 1)
        #expect(try daemon.prospect(["pipeline", "set", "--open-deals", "2", "--value", "9000", "--rep", "bob"], token: token["carol"]).code == 0)
        #expect(try daemon.prospect(["pipeline", "set", "--open-deals", "2", "--value", "9000", "--rep", "bob"], token: token["erin"]).code == 1)
        let negative = try daemon.prospect(["pipeline", "set", "--open-deals", "-1", "--value", "9000"], token: token["alice"])
        #expect(negative.code == 2, "\(negative)")

        // Taking stock.
        let ack = try daemon.prospect(["team", "--ack"], token: token["carol"])
        #expect(ack.code == 0 && ack.out.hasSuffix("Taken stock of 2026-03-11 at 14:00.\n"), "\(ack)")

        // A CRM import: all or nothing, then idempotent.
        let bad = daemon.folder.appendingPathComponent("crm-bad.csv").path
        try "rep,kind,at,note,value\nalice,call,2026-03-10 10:00,Acme,\nghost,call,2026-03-10 10:00,,\nbob,Meeting,2026-03-10T09:00:00Z,,\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try daemon.prospect(["admin", "import", "activities", bad])
        #expect(refused.code == 1)
        #expect(
            refused.err == """
                prospect: \(bad): line 3: rep 'ghost' is not an active person on the roster
                prospect: \(bad): line 4: kind 'Meeting' is neither a kind nor mapped in [import.kinds]; kinds: call, email, referral, won
                prospect: Nothing was imported.

                """,
            "\(refused)"
        )
        let good = daemon.folder.appendingPathComponent("crm.csv").path
        try "rep,kind,at,note,value\nalice,call,2026-03-10 10:00,Acme,\nbob,won,2026-03-09T15:00:00Z,Renewal,42000\n"
            .write(toFile: good, atomically: true, encoding: .utf8)
        #expect(
            try daemon.prospect(["admin", "import", "activities", good]).out == "Imported \(good): 2 rows for 2 reps; 2 added, 0 already there.\n"
        )
        #expect(
            try daemon.prospect(["admin", "import", "activities", good]).out == "Imported \(good): 2 rows for 2 reps; 0 added, 2 already there.\n"
        )
        let history = try decodeJSON(try daemon.prospect(["history", "--rep", "alice", "--json"]).out)
        let imported = (history["activities"] as? [[String: Any]] ?? []).compactMap { $0["note"] as? String }
        #expect(imported == ["Acme"], "\(history)")

        // Reports, in the formats a manager forwards.
        let html = try daemon.prospect(["report", "--week", "--format", "html"], token: token["carol"])
        #expect(html.code == 0 && html.out.hasPrefix("<!DOCTYPE html>") && html.out.contains("Alice Rep"), "\(html)")
        let text = try daemon.prospect(["report", "--month"], token: token["carol"])
        #expect(text.code == 0 && text.out.hasPrefix("Carol Manager's team, 2026-03-01 to 2026-03-11 (Europe/Copenhagen)"), "\(text)")
        #expect(!text.out.contains("Dave"))
        #expect(daemon.stop() == 0)
    }
}
