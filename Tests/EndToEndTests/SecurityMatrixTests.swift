import Foundation
import Testing

/// Every API route × every identity → allowed or refused, over TCP with real tokens; then no
/// secret in the log or the database, and token guessing slowed down.
@Suite(.serialized) struct SecurityMatrixTests {
    /// The identities, in the order of each row's expected codes.
    static let identities = ["self", "other rep", "manager", "other manager", "admin", "none", "revoked", "deactivated"]

    struct Row {
        var method: String
        var path: String
        var body: String?
        var contentType = "application/json"
        /// Expected HTTP status per identity, in `identities` order.
        var expected: [Int]
    }

    // alice is "self" (a rep of carol); bob is another rep of carol; erin manages dave elsewhere.
    static let rows: [Row] = [
        Row(method: "GET", path: "/v1/whoami", expected: [200, 200, 200, 200, 200, 401, 401, 401]),
        Row(method: "GET", path: "/v1/kinds", expected: [200, 200, 200, 200, 200, 401, 401, 401]),
        Row(method: "GET", path: "/v1/status?rep=alice", expected: [200, 403, 200, 403, 200, 401, 401, 401]),
        Row(method: "GET", path: "/v1/history?rep=alice", expected: [200, 403, 200, 403, 200, 401, 401, 401]),
        Row(method: "GET", path: "/v1/schedule?rep=alice", expected: [200, 403, 200, 403, 200, 401, 401, 401]),
        Row(
            method: "POST",
            path: "/v1/away",
            body: #"{"rep":"alice","from":"2026-04-{day}","to":"2026-04-{day}"}"#,
            expected: [201, 403, 201, 403, 201, 401, 401, 401]
        ),
        Row(
            method: "POST",
            path: "/v1/pipeline",
            body: #"{"rep":"alice","open_deals":2,"value":1000}"#,
            expected: [201, 403, 201, 403, 201, 401, 401, 401]
        ),
        Row(
            method: "POST",
            path: "/v1/activities",
            body: #"{"kind":"call","client_id":"matrix-{n}"}"#,
            expected: [201, 201, 201, 201, 201, 401, 401, 401]
        ),
        Row(method: "POST", path: "/v1/undo", expected: [200, 200, 200, 200, 200, 401, 401, 401]),
        Row(method: "GET", path: "/v1/team", expected: [403, 403, 200, 200, 200, 401, 401, 401]),
        Row(method: "GET", path: "/v1/team?manager=carol", expected: [403, 403, 200, 403, 200, 401, 401, 401]),
        Row(method: "POST", path: "/v1/team/ack", expected: [403, 403, 201, 201, 201, 401, 401, 401]),
        Row(method: "GET", path: "/v1/report?period=week&manager=carol", expected: [403, 403, 200, 403, 200, 401, 401, 401]),
        // Everyone may list the people they may see (checked below): themself, and their reports.
        Row(method: "GET", path: "/v1/people", expected: [200, 200, 200, 200, 200, 401, 401, 401]),
        Row(
            method: "POST",
            path: "/v1/people",
            body: #"{"handle":"new-{n}","name":"New","email":"new@example.com","timezone":"UTC"}"#,
            expected: [403, 403, 403, 403, 201, 401, 401, 401]
        ),
        Row(method: "PATCH", path: "/v1/people/zed", body: #"{"name":"Zed Z"}"#, expected: [403, 403, 403, 403, 200, 401, 401, 401]),
        Row(method: "POST", path: "/v1/people/zed/deactivate", expected: [403, 403, 403, 403, 200, 401, 401, 401]),
        Row(method: "GET", path: "/v1/roster", expected: [403, 403, 403, 403, 200, 401, 401, 401]),
        Row(
            method: "POST",
            path: "/v1/roster",
            body: "handle,name,email\nzed,Zed,zed@example.com\n",
            contentType: "text/csv",
            expected: [403, 403, 403, 403, 200, 401, 401, 401]
        ),
        Row(method: "POST", path: "/v1/tokens/zed", expected: [403, 403, 403, 403, 201, 401, 401, 401]),
        Row(method: "DELETE", path: "/v1/tokens/zed", expected: [403, 403, 403, 403, 200, 401, 401, 401]),
        Row(method: "POST", path: "/v1/channels/journal/test", body: #"{"to":"carol"}"#, expected: [403, 403, 403, 403, 200, 401, 401, 401]),
        Row(
            method: "POST",
            path: "/v1/import/activities",
            body: "rep,kind,at\n",
            contentType: "text/csv",
            expected: [403, 403, 403, 403, 200, 401, 401, 401]
        ),
        Row(method: "GET", path: "/v1/outbox", expected: [403, 403, 403, 403, 200, 401, 401, 401]),
        Row(method: "GET", path: "/v1/outbox?state=failed&since=2026-01-01", expected: [403, 403, 403, 403, 200, 401, 401, 401]),
        Row(method: "GET", path: "/v1/outbox/999999", expected: [403, 403, 403, 403, 404, 401, 401, 401]),
        Row(method: "POST", path: "/v1/outbox/retry", expected: [403, 403, 403, 403, 200, 401, 401, 401]),
        Row(method: "POST", path: "/v1/outbox/999999/retry", expected: [403, 403, 403, 403, 404, 401, 401, 401]),
        Row(method: "POST", path: "/v1/outbox/999999/cancel", expected: [403, 403, 403, 403, 404, 401, 401, 401]),
        Row(method: "POST", path: "/v1/people/nobody-{n}/forget", expected: [403, 403, 403, 403, 404, 401, 401, 401]),
        Row(method: "POST", path: "/v1/sources/src-{n}", expected: [403, 403, 403, 403, 201, 401, 401, 401]),
        Row(method: "DELETE", path: "/v1/sources/nosuch", expected: [403, 403, 403, 403, 404, 401, 401, 401]),
        // A person's token, whoever's, is not a source's.
        Row(
            method: "POST",
            path: "/v1/sources/crm/activities",
            body: #"{"id":"m-{n}","rep":"alice","kind":"call","at":"2026-03-11T12:00:00Z"}"#,
            expected: [401, 401, 401, 401, 401, 401, 401, 401]
        ),
        Row(method: "POST", path: "/v1/links/rotate", expected: [403, 403, 403, 403, 200, 401, 401, 401]),
        // A one-tap link is its own credential: no token makes a forged one work (an HTML page, not JSON).
        Row(method: "GET", path: "/l/alice/2026-03-11/\(String(repeating: "A", count: 43))", expected: [403, 403, 403, 403, 403, 403, 403, 403]),
        Row(
            method: "POST",
            path: "/l/alice/2026-03-11/\(String(repeating: "A", count: 43))",
            body: "kind=call&client_id=link-matrix{n}0000000000",
            contentType: "application/x-www-form-urlencoded",
            expected: [403, 403, 403, 403, 403, 403, 403, 403]
        ),
    ]

    /// One request with curl: the status code and the body.
    static func request(_ daemon: DaemonUnderTest, _ row: Row, token: String?, n: Int) throws -> (Int, String) {
        var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", row.method]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        if let body = row.body {
            let day = n % 28 + 1
            let filled = body.replacingOccurrences(of: "{n}", with: String(n))
                .replacingOccurrences(of: "{day}", with: day < 10 ? "0\(day)" : String(day))
            arguments += ["-H", "Content-Type: \(row.contentType)", "--data-binary", filled]
        }
        let out = try run("/usr/bin/curl", arguments + [daemon.server + row.path])
        let lines = out.out.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? -1, lines.dropLast().joined(separator: "\n"))
    }

    @Test func everyRouteAgainstEveryIdentity() throws {
        let daemon = try DaemonUnderTest()
        try daemon.writeConfig(
            "[channels.journal]\ntype = \"log\"\n",
            daemonExtra: "token_failure_limit = 100000\npublic_url = \"https://prospect.example.com\""
        )
        try daemon.start()
        let roster = daemon.folder.appendingPathComponent("roster.csv").path
        try """
        handle,name,email,timezone,manager,role
        carol,Carol Manager,carol@example.com,UTC,,manager
        alice,Alice Rep,alice@example.com,UTC,carol,rep
        bob,Bob Rep,bob@example.com,UTC,carol,rep
        erin,Erin Other,erin@example.com,UTC,,manager
        dave,Dave Rep,dave@example.com,UTC,erin,rep
        ada,Ada Admin,ada@example.com,UTC,,admin
        zed,Zed Spare,zed@example.com,UTC,,rep

        """.write(toFile: roster, atomically: true, encoding: .utf8)
        #expect(try daemon.prospect(["admin", "roster", "import", roster]).code == 0)
        func issue(_ handle: String) throws -> String {
            try daemon.prospect(["admin", "token", "issue", handle]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let revoked = try issue("alice")
        #expect(try daemon.prospect(["admin", "token", "revoke", "alice"]).code == 0)
        let deactivated = try issue("dave")
        #expect(try daemon.prospect(["admin", "rep", "deactivate", "dave"]).code == 0)
        let tokens: [String?] = [
            try issue("alice"), try issue("bob"), try issue("carol"), try issue("erin"), try issue("ada"), nil, revoked, deactivated,
        ]

        var mismatches: [String] = []
        var table = ["| route | " + Self.identities.joined(separator: " | ") + " |"]
        for (r, row) in Self.rows.enumerated() {
            var cells: [String] = []
            for (i, token) in tokens.enumerated() {
                let (status, body) = try Self.request(daemon, row, token: token, n: r * 10 + i + 1)
                cells.append(String(status))
                if status != row.expected[i] {
                    mismatches.append("\(row.method) \(row.path) as \(Self.identities[i]): \(status), expected \(row.expected[i]): \(body)")
                }
                if status >= 400, row.path.hasPrefix("/l/") {
                    if !body.hasPrefix("<!DOCTYPE html>") { mismatches.append("\(row.method) \(row.path): not an HTML page: \(body)") }
                } else if status >= 400 {
                    // Every refusal is a JSON error body with a message.
                    let error = try? decodeJSON(body)
                    if error?["error"] as? String == nil {
                        mismatches.append("\(row.method) \(row.path) as \(Self.identities[i]): no JSON error body: \(body)")
                    }
                }
            }
            table.append("| \(row.method) \(row.path) | " + cells.joined(separator: " | ") + " |")
        }
        #expect(mismatches == [], "\(mismatches.joined(separator: "\n"))\n\(table.joined(separator: "\n"))")

        // Listing people shows only whom one may see.
        func listed(_ token: String?) throws -> [String] {
            let (_, body) = try Self.request(daemon, Row(method: "GET", path: "/v1/people", expected: []), token: token, n: 0)
            return (try decodeJSON(body)["people"] as? [[String: Any]] ?? []).compactMap { $0["handle"] as? String }.sorted()
        }
        #expect(try listed(tokens[0]) == ["alice"])
        #expect(try listed(tokens[2]) == ["alice", "bob", "carol"])
        #expect(try listed(tokens[3]) == ["erin"], "dave is deactivated; carol's team is not erin's")
        #expect(try listed(tokens[4]).contains("zed"))

        // No token in plaintext in the log or anywhere in the database files.
        #expect(daemon.stop() == 0)
        var haystack = Data(daemon.log.utf8)
        for suffix in ["", "-wal", "-shm"] {
            haystack.append((try? Data(contentsOf: URL(fileURLWithPath: daemon.database + suffix))) ?? Data())
        }
        for token in tokens.compactMap({ $0 }) {
            #expect(haystack.range(of: Data(token.utf8)) == nil, "a token is stored or logged in plaintext")
        }
    }

    @Test func guessingTokensIsSlowedDownPerAddress() throws {
        let daemon = try DaemonUnderTest()
        try daemon.writeConfig("", daemonExtra: "token_failure_limit = 5")
        try daemon.start()
        #expect(try daemon.prospect(["admin", "rep", "add", "ann", "--name", "Ann", "--email", "a@example.com", "--timezone", "UTC"]).code == 0)
        let good = try daemon.prospect(["admin", "token", "issue", "ann"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let whoami = Row(method: "GET", path: "/v1/whoami", expected: [])
        for n in 0..<5 { #expect(try Self.request(daemon, whoami, token: "pd_guess\(n)", n: n).0 == 401) }
        let (blocked, body) = try Self.request(daemon, whoami, token: good, n: 0)
        #expect(blocked == 429, "even a good token waits once the address is blocked")
        #expect(body.contains("too many failed token attempts from this address; try again in"), "\(body)")
        let headers = try run(
            "/usr/bin/curl",
            ["-s", "-D", "-", "-o", "/dev/null", "-H", "Authorization: Bearer \(good)", daemon.server + "/v1/whoami"]
        )
        #expect(headers.out.lowercased().contains("retry-after: "), "\(headers)")
        // The Unix socket is not rate-limited: the local admin can still work.
        #expect(try daemon.prospect(["admin", "rep", "list"]).code == 0)
        #expect(daemon.stop() == 0)
    }
}
