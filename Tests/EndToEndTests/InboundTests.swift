import Foundation
import ProspectTestSupport
import Synchronization
import Testing

/// Activities pushed in by a CRM's webhook, over TCP with a source token, end to end.
@Suite(.serialized) struct InboundTests {
    func post(_ daemon: DaemonUnderTest, _ name: String, token: String, _ body: String) throws -> (code: Int, body: String) {
        try Self.post(server: daemon.server, folder: daemon.folder, name, token: token, body)
    }

    static func post(server: String, folder: URL, _ name: String, token: String, _ body: String) throws -> (code: Int, body: String) {
        let file = folder.appendingPathComponent("push-\(UUID().uuidString.prefix(6)).json").path
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        let out = try run(
            "/usr/bin/curl",
            [
                "-s", "-w", "\n%{http_code}", "-X", "POST", "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json",
                "--data-binary", "@\(file)", "\(server)/v1/sources/\(name)/activities",
            ]
        )
        let lines = out.out.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    func count(_ daemon: DaemonUnderTest) throws -> Int? {
        try decodeJSON(try daemon.prospect(["status", "--rep", "ann", "--json"]).out)["count"] as? Int
    }

    /// On both backends: the same flow, the same answers.
    @Test(arguments: TestBackend.allCases) func pushedActivitiesAreLoggedOnceAndABadPushWritesNothing(backend: TestBackend) throws {
        let daemon = try DaemonUnderTest(backend: backend)
        try daemon.writeConfig(
            """
            [import.kinds]
            "phone call" = "call"
            """
        )
        try daemon.start()
        #expect(try daemon.prospect(["admin", "rep", "add", "ann", "--name", "Ann", "--email", "Ann@Example.com", "--timezone", "UTC"]).code == 0)
        let added = try daemon.prospect(["admin", "source", "add", "hubspot"])
        #expect(added.code == 0 && added.out.hasPrefix("pds_") && added.err.contains("shown once"), "\(added)")
        let token = added.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let again = try daemon.prospect(["admin", "source", "add", "hubspot"])
        #expect(again.code == 1 && again.err.contains("revoke it first"), "\(again)")

        // One activity by handle and kind: logged, counted, once however often it is pushed.
        let one = #"{"id":"crm-1","rep":"ann","kind":"call","at":"2026-03-11T12:00:00Z","note":"From the CRM"}"#
        let first = try post(daemon, "hubspot", token: token, one)
        #expect(first.code == 201 && first.body.contains(#""added":1"#), "\(first)")
        let repeated = try post(daemon, "hubspot", token: token, one)
        #expect(repeated.code == 200 && repeated.body.contains(#""already_present":1"#) && repeated.body.contains(#""added":0"#), "\(repeated)")
        #expect(try count(daemon) == 1)

        // An array, the rep by email (any case) and the CRM's own type mapped through [import.kinds].
        let many =
            #"[{"id":"crm-2","email":"ann@example.com","type":"Phone Call","at":"2026-03-11T12:30:00Z"},{"id":"crm-1","rep":"ann","kind":"call","at":"2026-03-11T12:00:00Z"}]"#
        let both = try post(daemon, "hubspot", token: token, many)
        #expect(both.code == 201 && both.body.contains(#""added":1"#) && both.body.contains(#""already_present":1"#), "\(both)")
        #expect(try count(daemon) == 2)

        // A push with one bad activity is refused whole (422, the reasons) and writes nothing.
        let bad =
            #"[{"id":"crm-3","rep":"ann","kind":"call","at":"2026-03-11T12:40:00Z"},{"id":"crm-4","rep":"nobody","kind":"call","at":"2026-03-11T12:41:00Z"},{"id":"crm-5","rep":"ann","type":"Fax","at":"2026-03-11T12:42:00Z"},{"id":"crm-6","rep":"ann","kind":"call","at":"2026-03-12T12:00:00Z"}]"#
        let refused = try post(daemon, "hubspot", token: token, bad)
        #expect(refused.code == 422, "\(refused)")
        #expect(refused.body.contains("activity 2 (id 'crm-4'): no active rep 'nobody'"), "\(refused)")
        #expect(refused.body.contains("the type 'Fax' is not mapped"), "\(refused)")
        #expect(refused.body.contains("activity 4 (id 'crm-6')"), "a future time is refused as prospect log refuses it: \(refused)")
        #expect(try count(daemon) == 2, "nothing of the refused push was written")
        let missing = try post(daemon, "hubspot", token: token, #"{"rep":"ann","kind":"call","at":"2026-03-11T12:00:00Z"}"#)
        #expect(missing.code == 422 && missing.body.contains("'id' is missing"), "\(missing)")
        let notJSON = try post(daemon, "hubspot", token: token, "rep=ann")
        #expect(notJSON.code == 400 && notJSON.body.contains("not JSON"), "\(notJSON)")
        let huge = try post(daemon, "hubspot", token: token, "[" + String(repeating: " ", count: 1 << 21) + "]")
        #expect(huge.code == 400 && huge.body.contains("larger than 1 MiB"), "\(huge.code)")

        // Pushes that arrive at once share commits, each in a savepoint of its own: eight ids, each
        // pushed twice concurrently, are added once each and found present once each.
        let answers = Mutex([(code: Int, body: String)]())
        let (server, folder) = (daemon.server, daemon.folder)
        DispatchQueue.concurrentPerform(iterations: 16) { k in
            let body = #"{"id":"crm-burst-\#(k % 8)","rep":"ann","kind":"call","at":"2026-03-11T12:1\#(k % 8):00Z"}"#
            let answer = (try? Self.post(server: server, folder: folder, "hubspot", token: token, body)) ?? (0, "")
            answers.withLock { $0.append(answer) }
        }
        let burst = answers.withLock { $0 }
        #expect(burst.filter { $0.code == 201 && $0.body.contains(#""added":1"#) }.count == 8, "\(burst)")
        #expect(burst.filter { $0.code == 200 && $0.body.contains(#""already_present":1"#) }.count == 8, "\(burst)")
        #expect(try count(daemon) == 10)

        // Time off moves a day's grace to the next workday, as for `prospect log`: on Wednesday a
        // push for Monday is on time for a rep away Tuesday and Wednesday, and late for one who was not.
        #expect(try daemon.prospect(["admin", "rep", "add", "bo", "--name", "Bo", "--email", "bo@example.com", "--timezone", "UTC"]).code == 0)
        #expect(try daemon.prospect(["away", "--rep", "ann", "--from", "2026-03-10", "--to", "2026-03-11"]).code == 0)
        let monday = #"{"id":"crm-monday-REP","rep":"REP","kind":"call","at":"2026-03-09T12:00:00Z"}"#
        let away = try post(daemon, "hubspot", token: token, monday.replacingOccurrences(of: "REP", with: "ann"))
        #expect(away.code == 201, "\(away)")
        let notAway = try post(daemon, "hubspot", token: token, monday.replacingOccurrences(of: "REP", with: "bo"))
        #expect(notAway.code == 422 && notAway.body.contains("activity 1 (id 'crm-monday-bo')"), "\(notAway)")

        // Only the source's own token opens its route, and it opens nothing else.
        let person = try daemon.prospect(["admin", "token", "issue", "ann"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try post(daemon, "hubspot", token: person, one).code == 401)
        #expect(try post(daemon, "hubspot", token: "pds_guess", one).code == 401)
        let elsewhere = try run(
            "/usr/bin/curl",
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)", "\(daemon.server)/v1/status"]
        )
        #expect(elsewhere.out == "401", "\(elsewhere)")
        #expect(try daemon.prospect(["admin", "source", "add", "salesforce"]).code == 0)
        #expect(try post(daemon, "salesforce", token: token, one).code == 403, "hubspot's token does not speak for salesforce")

        // Revoked: refused; renewed: the old ids are still known.
        #expect(try daemon.prospect(["admin", "source", "revoke", "hubspot"]).out.contains("Revoked"))
        #expect(try post(daemon, "hubspot", token: token, one).code == 401)
        let renewed = try daemon.prospect(["admin", "source", "add", "hubspot"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let afterRenewal = try post(daemon, "hubspot", token: renewed, one)
        #expect(afterRenewal.code == 200 && afterRenewal.body.contains(#""already_present":1"#), "\(afterRenewal)")
        #expect(!daemon.log.contains(token) && !daemon.log.contains(renewed), "no source token in the log")
        #expect(daemon.stop() == 0)
    }
}
