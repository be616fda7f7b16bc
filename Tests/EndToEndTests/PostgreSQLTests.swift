import Foundation
import ProspectTestSupport
import Testing

/// An installation moved from SQLite to PostgreSQL (`prospectd migrate-db`): every row once, and
/// `simulate` and the manager views give the same answers on either backend.
@Suite(.serialized) struct PostgreSQLMoveTests {
    static let ladder = """
        [[ladder]]
        name = "nudge"
        at = "14:00"
        channels = ["journal"]
        [[ladder]]
        name = "heads-up"
        at = "15:00"
        audience = "manager"
        channels = ["journal"]
        [channels.journal]
        type = "log"
        """

    @Test func migrateDBCopiesEveryRowOnceAndEveryViewAgrees() throws {
        let prospectd = binaries.appendingPathComponent("prospectd").path
        let clock = "2026-03-11T13:00:00Z"
        let daemon = try DaemonUnderTest(clock: clock)
        try daemon.writeConfig(Self.ladder)
        try daemon.start()
        let roster = daemon.folder.appendingPathComponent("roster.csv").path
        try """
        handle,name,email,timezone,manager,role
        boss,Boss,boss@example.com,UTC,,manager
        ann,Ann,ann@example.com,Europe/Berlin,boss,rep
        ben,Ben,ben@example.com,UTC,boss,rep
        """.write(toFile: roster, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "roster", "import", roster]).code == 0)
        var token: [String: String] = [:]
        for rep in ["ann", "ben"] {
            token[rep] = try daemon.prospect(["admin", "token", "issue", rep]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        for (rep, kind, at) in [("ann", "call", "08:00"), ("ann", "email", "09:30"), ("ben", "call", "10:00")] {
            let logged = try daemon.prospect(["log", kind, "--at", at, "--note", "Acme"], token: token[rep])
            #expect(logged.code == 0, "\(logged)")
        }
        #expect(try daemon.prospect(["pipeline", "set", "--open-deals", "4", "--value", "12000"], token: token["ben"]).code == 0)
        let views = [
            ["team", "--manager", "boss", "--json"], ["report", "--week", "--date", "2026-03-11", "--manager", "boss", "--format", "json"],
            ["history", "--rep", "ann", "--days", "7", "--json"], ["status", "--rep", "ben", "--json"],
        ]
        let before = try views.map { try daemon.prospect($0) }
        #expect(before.allSatisfy { $0.code == 0 && !$0.out.isEmpty }, "\(before)")

        // While the daemon holds the file, nothing is copied: it names the holder.
        let target = try TestDatabase.make(.postgresql, in: daemon.folder)
        let move = ["migrate-db", "--config", daemon.configPath, "--to", target.database, "--password-file", target.passwordFile!]
        let refused = try run(prospectd, move)
        #expect(refused.code == 1 && refused.err.contains("already holds the database \(daemon.database)"), "\(refused)")
        #expect(daemon.stop() == 0)

        let simulate = ["simulate", "--config", daemon.configPath, "--from", "2026-03-09", "--to", "2026-03-13"]
        let fromFile = try run(prospectd, simulate + ["--db", daemon.database])
        #expect(fromFile.code == 0 && fromFile.out.contains("\"step\":\"heads-up\""), "\(fromFile)")

        // The copy: every table's rows, counted on both sides.
        let moved = try run(prospectd, move)
        #expect(moved.code == 0 && moved.out.contains("counts verified"), "\(moved)")
        #expect(moved.out.contains("person: 3\n") && moved.out.contains("activity: 3\n") && moved.out.contains("pipeline_snapshot: 1\n"), "\(moved)")
        // A second copy into the same, now non-empty, database is refused and adds nothing.
        let again = try run(prospectd, move)
        #expect(again.code == 1 && again.err.contains("it is not empty (person has 3 rows)"), "\(again)")

        // simulate reads the PostgreSQL database as it read the file, and changes nothing there.
        let fromURL = try run(prospectd, simulate + ["--db", target.database, "--db-password-file", target.passwordFile!])
        #expect(fromURL.code == 0 && fromURL.out == fromFile.out, "\(fromURL)")
        #expect(try run(prospectd, simulate + ["--db", target.database, "--db-password-file", target.passwordFile!]).out == fromFile.out)

        // A daemon on the copy answers every view as the one on the file did.
        let onPostgreSQL = try DaemonUnderTest(clock: clock, existing: target)
        try onPostgreSQL.writeConfig(Self.ladder)
        try onPostgreSQL.start()
        let health = try onPostgreSQL.prospectHealth()
        #expect(health.contains("\"database\":\"postgresql\"") && health.contains("\"role\":\"leader\""), "\(health)")
        let after = try views.map { try onPostgreSQL.prospect($0) }
        for (view, (a, b)) in zip(views, zip(before, after)) {
            #expect(a.out == b.out, "\(view.joined(separator: " ")): SQLite said \(a.out), PostgreSQL said \(b.out)")
        }
        // New rows get ids after the copied ones.
        #expect(try onPostgreSQL.prospect(["log", "call", "--note", "new"], token: token["ben"]).code == 0)
        #expect(try onPostgreSQL.prospect(["status", "--rep", "ben"]).out.contains("2 of 1"))
        #expect(onPostgreSQL.stop() == 0)
    }
}

extension DaemonUnderTest {
    /// `GET /v1/health` over the socket, with no identity.
    func prospectHealth() throws -> String {
        try run("/usr/bin/curl", ["-s", "--unix-socket", socket, "http://localhost/v1/health"]).out
    }
}
