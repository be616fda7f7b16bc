import Foundation
import Testing

/// The CLI under odd Unicode, control characters and huge values: a clear one-line error with
/// the contract's exit code, and nothing written.
@Suite(.serialized) struct OddInputTests {
    @Test func oddArgumentsAreRefusedOnOneLineAndWriteNothing() throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        #expect(try daemon.prospect(["admin", "rep", "add", "ann", "--name", "Ann", "--email", "ann@example.com", "--timezone", "UTC"]).code == 0)
        let token = try daemon.prospect(["admin", "token", "issue", "ann"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        func state() throws -> String {
            let people = try daemon.prospect(["admin", "rep", "list", "--all", "--json"]).out
            let history = try daemon.prospect(["history", "--rep", "ann", "--json"]).out
            let count = (try decodeJSON(history)["activities"] as? [Any])?.count ?? -1
            return "\(people)|\(count)"
        }
        let before = try state()
        let huge = String(repeating: "9", count: 5_000)
        let cases: [(args: [String], code: Int32, message: String)] = [
            (["log", "call", "--note", String(repeating: "x", count: 1_001)], 1, "prospect: --note has 1001 characters; keep it to 1000"),
            (
                ["log", "call", "--note", "bell\u{07} esc\u{1B}[31mred"], 1,
                "prospect: --note contains control characters or text-direction overrides; use plain text"
            ),
            (
                ["log", "call", "--note", "invoice\u{202E}fdp.exe"], 1,
                "prospect: --note contains control characters or text-direction overrides; use plain text"
            ),
            (["log", "ca\u{200B}ll"], 1, "prospect: unknown kind 'ca\\u{200B}ll'; valid kinds: call, email, referral, won"),
            (["log", "call\nemail"], 1, "prospect: unknown kind 'call\\nemail'; valid kinds: call, email, referral, won"),
            (["log", "call", "--value", "1e308"], 1, "prospect: --value must be a non-negative amount up to 1000000000000"),
            (["log", "call", "--value", "nan"], 1, "prospect: --value must be a non-negative amount up to 1000000000000"),
            (["log", "call", "--value=-inf"], 1, "prospect: --value must be a non-negative amount up to 1000000000000"),
            (
                ["log", "call", "--at", "２０２６-03-11T10:00:00Z"], 1,
                "prospect: --at '２０２６-03-11T10:00:00Z' is not a time: use HH:MM (today), 'yesterday HH:MM', or 2026-03-09T15:00:00Z"
            ),
            (
                ["log", "call", "--at", huge], 1,
                "prospect: --at '\(String(repeating: "9", count: 40))…' is not a time: use HH:MM (today), 'yesterday HH:MM', or 2026-03-09T15:00:00Z"
            ),
            (["history", "--days", huge], 2, "Error: The value '\(huge)' is invalid for '--days <days>'"),
            (["away", "--from", "2026-02-30", "--to", "2026-03-01"], 1, "prospect: --from '2026-02-30' is not a date; use YYYY-MM-DD"),
            (
                ["admin", "rep", "add", "bad\nname", "--name", "X", "--email", "x@example.com", "--timezone", "UTC"], 1,
                "prospect: handle 'bad\\nname' is not valid: use 1-32 lowercase letters, digits, '.', '_' or '-'"
            ),
            (
                ["admin", "rep", "add", "mallory", "--name", "Mallory\u{202E}gnp.exe", "--email", "m@example.com", "--timezone", "UTC"], 1,
                "prospect: name must be 1-100 characters without control characters or text-direction overrides"
            ),
            (
                ["admin", "rep", "add", "tz", "--name", "T", "--email", "t@example.com", "--timezone", "Europe/\u{07}Nowhere"], 1,
                "prospect: time zone 'Europe/\\u{07}Nowhere' is unknown: use an IANA name like Europe/Copenhagen"
            ),
            (
                ["admin", "rep", "add", String(repeating: "a", count: 100_000), "--name", "A", "--email", "a@example.com", "--timezone", "UTC"], 1,
                "prospect: handle '\(String(repeating: "a", count: 40))…' is not valid: use 1-32 lowercase letters, digits, '.', '_' or '-'"
            ),
        ]
        for c in cases {
            let out: Outcome
            if c.args.first == "admin" || c.args.first == "history" {
                out = try daemon.prospect(c.args)
            } else {
                out = try daemon.prospect(c.args, token: token)
            }
            let firstLine = out.err.split(separator: "\n").first.map(String.init) ?? ""
            #expect(out.code == c.code, "\(c.args.map { String($0.prefix(30)) }): \(out)")
            #expect(firstLine == c.message, "\(c.args.map { String($0.prefix(30)) })")
            if c.code == 1 { #expect(out.err.split(separator: "\n").count == 1, "one line: \(out.err)") }
        }
        #expect(try state() == before, "nothing was written")
        #expect(daemon.stop() == 0)
    }
}
