import Foundation
import ProspectTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// An operator's tools end to end, with the real binaries: the outbox in view, backup while reps
/// log, erasure.
@Suite(.serialized) struct OperationsTests {
    /// A daemon on Monday 2026-03-09 just before 14:00, a webhook step at 14:00 for Ben and a
    /// receiver that refuses (400, not retried) for its first seconds.
    /// On both backends: the same flow, the same answers.
    @Test(arguments: TestBackend.allCases) func aRefusedDeliveryIsListedWithItsErrorRetriedAndDeliveredOnce(backend: TestBackend) throws {
        let receiverPort = freePort()
        let daemon = try DaemonUnderTest(clock: "2026-03-09T13:59:50Z", backend: backend)
        let secret = daemon.folder.appendingPathComponent("hook.secret").path
        try "whsec_\(Data((0..<24).map { UInt8($0 * 5 % 256) }).base64EncodedString())\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try daemon.writeConfig(
            """
            [[ladder]]
            name = "nudge"
            at = "14:00"
            channels = ["hook", "journal"]
            [channels.hook]
            type = "webhook"
            url = "http://127.0.0.1:\(receiverPort)/prospectd"
            secret_file = "\(secret)"
            [channels.journal]
            type = "log"
            """
        )
        let receiver = Receiver(port: receiverPort, log: daemon.folder.appendingPathComponent("received.jsonl").path)
        let recovers = Date().addingTimeInterval(20)
        try receiver.start(secretFile: secret, failUntil: recovers, failStatus: 400)
        try daemon.start()
        let roster = daemon.folder.appendingPathComponent("roster.csv").path
        try "handle,name,email,timezone,manager,role\nben,Ben,ben@example.com,UTC,,rep\n".write(toFile: roster, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "roster", "import", roster]).code == 0)

        // When the receiver refuses the 14:00 nudge,
        try receiver.waitFor(requests: 1)
        try poll(timeout: 20, "the refused row never showed as failed") {
            (try? daemon.prospect(["admin", "outbox", "list", "--state", "failed"]).out.contains("nudge")) == true
        }
        // then the operator finds it, with its error and every attempt,
        let failed = try decodeJSON(try daemon.prospect(["admin", "outbox", "list", "--state", "failed", "--json"]).out)
        let rows = failed["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 1, "\(failed)")
        let row = try #require(rows.first)
        #expect(row["rep"] as? String == "ben" && row["recipient"] as? String == "ben" && row["channel"] as? String == "hook")
        #expect(row["type"] as? String == "reminder" && row["step"] as? String == "nudge" && row["state"] as? String == "failed")
        #expect((row["last_error"] as? String ?? "").contains("answered 400"), "\(row)")
        let id = try #require(row["id"] as? Int)
        let shown = try daemon.prospect(["admin", "outbox", "show", String(id)])
        #expect(shown.code == 0 && shown.out.contains("attempt ") && shown.out.contains("answered 400"), "\(shown)")
        let sent = try daemon.prospect(["admin", "outbox", "list", "--state", "sent", "--json"])
        #expect((try decodeJSON(sent.out)["rows"] as? [[String: Any]])?.map { $0["channel"] as? String } == ["journal"], "\(sent)")
        // and a rep may not look.
        let rep = try daemon.prospect(["admin", "token", "issue", "ben"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = try daemon.prospect(["admin", "outbox", "list"], token: rep)
        #expect(refused.code == 1 && refused.err.contains("only admins"), "\(refused)")

        // When the receiver has recovered and the operator retries the row,
        while Date() < recovers { usleep(200_000) }
        let retried = try daemon.prospect(["admin", "outbox", "retry", String(id)])
        #expect(retried.code == 0 && retried.out.contains("Queued again"), "\(retried)")
        // then it is delivered once, under the message id of the refused attempt.
        try receiver.waitFor(accepted: 1)
        sleep(2)
        let accepted = receiver.requests.filter { $0["status"] as? Int == 204 }
        let refusedIDs = Set(receiver.requests.filter { $0["status"] as? Int == 400 }.compactMap { $0["id"] as? String })
        #expect(accepted.count == 1 && refusedIDs.contains(accepted[0]["id"] as? String ?? "-"), "\(receiver.requests)")
        let after = try decodeJSON(try daemon.prospect(["admin", "outbox", "show", String(id), "--json"]).out)
        #expect(after["state"] as? String == "sent" && (after["attempts"] as? [[String: Any]])?.count == 2, "\(after)")

        // A sent row cannot be cancelled or retried: a clear refusal, nothing changed.
        let cancel = try daemon.prospect(["admin", "outbox", "cancel", String(id)])
        #expect(cancel.code == 1 && cancel.err.contains("only a pending or failed row can be cancelled"), "\(cancel)")
        let again = try daemon.prospect(["admin", "outbox", "retry", String(id)])
        #expect(again.code == 1 && again.err.contains("is sent"), "\(again)")
        let missing = try daemon.prospect(["admin", "outbox", "show", "999999"])
        #expect(missing.code == 1 && missing.err.contains("no outbox row 999999"), "\(missing)")
        #expect(daemon.stop() == 0)
    }

    /// `prospectd backup` while eight clients log: the copy opens, passes integrity_check, and
    /// holds every activity acknowledged before the backup began.
    @Test func aBackupWhileRepsLogHoldsEveryAcknowledgedActivity() throws {
        let daemon = try DaemonUnderTest(clock: "2026-03-09T10:00:00Z")
        try daemon.start()
        let roster = daemon.folder.appendingPathComponent("roster.csv").path
        let reps = (0..<8).map { "rep\($0)" }
        try ("handle,name,email,timezone,manager,role\n" + reps.map { "\($0),Rep \($0),\($0)@example.com,UTC,,rep\n" }.joined())
            .write(toFile: roster, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "roster", "import", roster]).code == 0)
        let tokens = try reps.map { try daemon.prospect(["admin", "token", "issue", $0]).out.trimmingCharacters(in: .whitespacesAndNewlines) }

        // Eight clients, each a shell loop of `prospect log` (spawned by bash, not by this
        // process): every acknowledged log is a line "UNIX_TIME JSON" in acks.txt.
        let acks = daemon.folder.appendingPathComponent("acks.txt").path
        let cli = binaries.appendingPathComponent("prospect").path
        let loops = tokens.map { token in
            "(for i in $(seq 25); do out=$(PROSPECT_TOKEN=\(token) \(cli) log call --json --server \(daemon.server)) "
                + "&& echo \"$(date +%s.%N) $out\" >> \(acks); done) &"
        }
        let clients = try Child("/bin/bash", ["-c", loops.joined(separator: "\n") + "\nwait"])
        func acknowledged() -> [(id: Int, at: Double)] {
            ((try? String(contentsOfFile: acks, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, let at = Double(parts[0]),
                    let activity = (try? decodeJSON(String(parts[1])))?["activity"] as? [String: Any], let id = activity["id"] as? Int
                else { return nil }
                return (id, at)
            }
        }
        try poll(timeout: 60, "the clients did not get going") { acknowledged().count >= 40 }
        let began = Date().timeIntervalSince1970
        let copy = daemon.folder.appendingPathComponent("backup.sqlite").path
        let backup = try run(binaries.appendingPathComponent("prospectd").path, ["backup", "--config", daemon.configPath, "--to", copy])
        waitForExit(clients, timeout: 120)

        let all = acknowledged()
        let before = all.filter { $0.at < began }.map(\.id)
        #expect(before.count >= 40 && all.count > before.count, "logging went on during the backup: \(before.count) before, \(all.count) in all")
        #expect(backup.code == 0 && backup.out.contains("integrity ok"), "\(backup)")

        let check = try run("/usr/bin/sqlite3", [copy, "PRAGMA integrity_check; SELECT id FROM activity;"])
        let lines = check.lines
        #expect(check.code == 0 && lines.first == "ok", "\(check)")
        let inCopy = Set(lines.dropFirst().compactMap { Int($0) })
        let lost = before.filter { !inCopy.contains($0) }
        #expect(lost.isEmpty, "acknowledged before the backup but not in it: \(lost)")

        // A backup onto the live database, or into a folder that is not there: one line, exit 1.
        let live = try run(binaries.appendingPathComponent("prospectd").path, ["backup", "--config", daemon.configPath, "--to", daemon.database])
        #expect(live.code == 1 && live.err.contains("it is the live database"), "\(live)")
        let nowhere = try run(
            binaries.appendingPathComponent("prospectd").path,
            ["backup", "--config", daemon.configPath, "--to", "/nonexistent/x.sqlite"]
        )
        #expect(nowhere.code == 1 && nowhere.err.contains("does not exist"), "\(nowhere)")
        #expect(daemon.stop() == 0)
    }

    /// `prospect admin rep forget`: no trace of the name or email in the database files, the
    /// team's figures unchanged, refused for the last admin.
    @Test func forgettingAPersonLeavesNoTraceAndKeepsTheTeamsCounts() throws {
        let daemon = try DaemonUnderTest(clock: "2026-03-11T12:59:40Z")
        try daemon.writeConfig(
            """
            [[ladder]]
            name = "nudge"
            at = "13:00"
            channels = ["journal"]
            [channels.journal]
            type = "log"
            """
        )
        try daemon.start()
        try daemon.importCarolAndAnn()
        let name = "Zebedee Quuxington"
        let email = "zebedee.quux@example.org"
        #expect(
            try daemon.prospect([
                "admin", "rep", "add", "zeb", "--name", name, "--email", email, "--timezone", "UTC", "--manager", "carol",
            ]).code == 0
        )
        let zeb = try daemon.prospect(["admin", "token", "issue", "zeb"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        // A note, time off and a reminder (which names them) before the forgetting; then the day is met.
        #expect(try daemon.prospect(["log", "won", "--note", "Lunch with \(name)'s cousin"], token: zeb).code == 0)
        #expect(
            try daemon.prospect(["away", "--from", "2026-03-12", "--to", "2026-03-12", "--reason", "\(name) at the dentist"], token: zeb).code == 0
        )
        try daemon.waitForLog("rep=zeb step=nudge")
        #expect(try daemon.prospect(["log", "email", "--note", "wrote from \(email)"], token: zeb).code == 0)
        let teamBefore = try decodeJSON(try daemon.prospect(["team", "--manager", "carol", "--json"]).out)

        let forgot = try daemon.prospect(["admin", "rep", "forget", "zeb"])
        #expect(forgot.code == 0 && forgot.out.contains("Forgot zeb"), "\(forgot)")
        let teamAfter = try decodeJSON(try daemon.prospect(["team", "--manager", "carol", "--json"]).out)
        func counts(_ team: [String: Any]) -> [String] {
            (team["reps"] as? [[String: Any]] ?? []).map { "\($0["state"] ?? "") \($0["count"] ?? "") \($0["streak"] ?? "")" }.sorted()
        }
        #expect(counts(teamBefore) == counts(teamAfter) && !counts(teamBefore).isEmpty, "\(teamBefore) vs \(teamAfter)")
        #expect(try daemon.prospect(["log", "call"], token: zeb).code != 0, "the token is gone")
        // Only the messages that named them are blanked: Ann's nudge is intact.
        let payloads = try run(
            "/usr/bin/sqlite3",
            [daemon.database, "SELECT r.handle, o.payload = '{}' FROM outbox o JOIN person r ON r.id = o.person_id ORDER BY r.handle"]
        )
        #expect(payloads.lines.contains("ann|0") && payloads.lines.contains { $0.hasPrefix("forgotten-") && $0.hasSuffix("|1") }, "\(payloads)")
        #expect(try daemon.prospect(["admin", "rep", "list"]).out.contains(name) == false)

        // No trace in the files, the WAL included (read while the daemon runs).
        for suffix in ["", "-wal"] {
            let path = daemon.database + suffix
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            for needle in [name, email, "Zebedee", "zebedee"] {
                #expect(bytes.range(of: Data(needle.utf8)) == nil, "'\(needle)' is still in \(path)")
            }
        }
        #expect(daemon.stop() == 0)
        for suffix in ["", "-wal"] {
            guard let bytes = FileManager.default.contents(atPath: daemon.database + suffix) else { continue }
            #expect(bytes.range(of: Data(email.utf8)) == nil, "the email is in \(daemon.database + suffix) after a clean stop")
        }
    }

    /// `/metrics` after a morning of logging and a 14:00 step: the counts are the day's, in
    /// Prometheus' text format, with no handle in any label.
    @Test(arguments: TestBackend.allCases) func metricsCarryTheDaysCounts(backend: TestBackend) throws {
        let metricsPort = freePort()
        let daemon = try DaemonUnderTest(clock: "2026-03-09T13:59:45Z", backend: backend)
        try daemon.writeConfig(
            """
            [[ladder]]
            name = "nudge"
            at = "14:00"
            channels = ["journal"]
            [channels.journal]
            type = "log"
            """,
            daemonExtra: "metrics_listen = \"127.0.0.1:\(metricsPort)\""
        )
        try daemon.start()
        let roster = daemon.folder.appendingPathComponent("roster.csv").path
        try
            "handle,name,email,timezone,manager,role\nann,Ann,ann@example.com,UTC,,rep\nben,Ben,ben@example.com,UTC,,rep\ncyd,Cyd,cyd@example.com,UTC,,rep\n"
            .write(toFile: roster, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "roster", "import", roster]).code == 0)
        let ann = try daemon.prospect(["admin", "token", "issue", "ann"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let cyd = try daemon.prospect(["admin", "token", "issue", "cyd"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try daemon.prospect(["log", "call"], token: ann).code == 0)
        #expect(try daemon.prospect(["log", "email"], token: ann).code == 0)
        #expect(try daemon.prospect(["log", "call"], token: cyd).code == 0)
        #expect(try daemon.prospect(["log", "bogus"], token: cyd).code == 1)
        try daemon.waitForLog("rep=ben step=nudge")
        try daemon.waitForLog("delivered channel=journal")

        let scraped = try run("/usr/bin/curl", ["-s", "-D", "-", "http://127.0.0.1:\(metricsPort)/metrics"])
        #expect(scraped.code == 0 && scraped.out.contains("text/plain; version=0.0.4"), "\(scraped)")
        let lines = Set(scraped.lines)
        func value(_ series: String) -> Double? {
            lines.first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(value(#"prospectd_activities_logged_total{kind="call"}"#) == 2, "\(scraped.out)")
        #expect(value(#"prospectd_activities_logged_total{kind="email"}"#) == 1)
        #expect(value(#"prospectd_decisions_total{type="reminder"}"#) == 1)
        #expect(value(#"prospectd_deliveries_total{channel="journal",type="reminder",outcome="delivered"}"#) == 1)
        #expect(value(#"prospectd_outbox_rows{state="sent"}"#) == 1 && value(#"prospectd_outbox_rows{state="pending"}"#) == 0)
        #expect(value("prospectd_outbox_oldest_pending_seconds") == 0)
        #expect(value(#"prospectd_http_requests_total{route="/v1/activities",code="201"}"#) == 3)
        #expect(
            lines.contains { $0.hasPrefix(#"prospectd_http_requests_total{route="/v1/activities",code="4"#) && $0.hasSuffix(" 1") },
            "the refused log is counted with its 4xx code"
        )
        #expect(value("prospectd_leader") == 1)
        #expect(lines.contains { $0.hasPrefix("prospectd_build_info{version=") })
        #expect(lines.contains { $0.hasPrefix("prospectd_ladder_pass_seconds_count") })
        #expect(lines.contains { $0.hasPrefix(#"prospectd_delivery_seconds_bucket{channel="journal""#) })
        #expect(lines.contains { $0.hasPrefix(#"prospectd_http_request_seconds_count{route="/v1/activities"}"#) })
        for handle in ["ann", "ben", "cyd", "Ann", "Ben"] {
            #expect(!scraped.out.contains("\"\(handle)\""), "a label carries \(handle)")
        }
        let other = try run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(metricsPort)/v1/whoami"])
        #expect(other.out == "404", "the metrics port serves nothing else: \(other)")
        #expect(daemon.stop() == 0)
    }

    @Test func theLastAdminCannotBeForgotten() throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        #expect(
            try daemon.prospect(["admin", "rep", "add", "ada", "--name", "Ada", "--email", "ada@example.com", "--timezone", "UTC", "--role", "admin"])
                .code == 0
        )
        let refused = try daemon.prospect(["admin", "rep", "forget", "ada"])
        #expect(refused.code == 1 && refused.err.contains("is the last admin"), "\(refused)")
        #expect(try daemon.prospect(["admin", "rep", "list"]).out.contains("ada: Ada <ada@example.com>"))
        let unknown = try daemon.prospect(["admin", "rep", "forget", "nobody"])
        #expect(unknown.code == 1, "\(unknown)")
        #expect(daemon.stop() == 0)
    }
}
