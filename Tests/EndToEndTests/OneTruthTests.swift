import Foundation
import Testing

/// The reproductions of "One truth of a day": one UTC rep on a Monday-to-Friday week, Carol her
/// manager; `team`, `report`, `status` and `history` must say the same of the same day. The rep
/// joins on Monday 9 March 2026; activities come in through the CRM import, each logged when it
/// happened, and the daemon is restarted with its clock on the day each view is asked on.
@Suite(.serialized) struct OneTruthTests {
    final class Week {
        let daemon: DaemonUnderTest
        var current: DaemonUnderTest

        init(ladder: String = "") throws {
            daemon = try DaemonUnderTest(clock: "2026-03-09T08:00:00Z", extraConfig: ladder)
            try daemon.start()
            current = daemon
            try daemon.importCarolAndAnn()
        }

        /// The daemon restarted with its clock at `clock`.
        func at(_ clock: String) throws -> DaemonUnderTest {
            current.stop()
            let next = try DaemonUnderTest(reusing: daemon, clock: clock)
            try next.start()
            current = next
            return next
        }

        func calls(_ days: [String], on d: DaemonUnderTest) throws {
            let csv = daemon.folder.appendingPathComponent("crm-\(UUID().uuidString.prefix(4)).csv").path
            try (["rep,kind,at"] + days.map { "ann,call,\($0)T09:00:00Z" }).joined(separator: "\n").appending("\n")
                .write(toFile: csv, atomically: true, encoding: .utf8)
            let imported = try d.prospect(["admin", "import", "activities", csv])
            #expect(imported.code == 0, "\(imported)")
        }

        func team(_ d: DaemonUnderTest, date: String) throws -> [String: Any] {
            let out = try d.prospect(["team", "--manager", "carol", "--date", date, "--json"])
            #expect(out.code == 0, "\(out)")
            return try decodeJSON(out.out)
        }

        func report(_ d: DaemonUnderTest, date: String) throws -> [String: Any] {
            let out = try d.prospect(["report", "--week", "--manager", "carol", "--date", date, "--format", "json"])
            #expect(out.code == 0, "\(out)")
            return try decodeJSON(out.out)
        }

        func status(_ d: DaemonUnderTest) throws -> [String: Any] { try decodeJSON(try d.prospect(["status", "--json"]).out) }

        func history(_ d: DaemonUnderTest) throws -> [String: String] {
            let json = try decodeJSON(try d.prospect(["history", "--days", "14", "--json"]).out)
            var out: [String: String] = [:]
            for day in json["days"] as? [[String: Any]] ?? [] { out[day["date"] as? String ?? ""] = day["state"] as? String }
            return out
        }

        deinit {
            current.stop()
            daemon.keepFolder = false
        }
    }

    static func line(_ report: [String: Any]) -> [String: Any] { (report["reps"] as? [[String: Any]])?.first ?? [:] }

    static func cells(_ report: [String: Any]) -> [String: String] {
        var out: [String: String] = [:]
        for cell in line(report)["days"] as? [[String: Any]] ?? [] { out[cell["date"] as? String ?? ""] = cell["state"] as? String }
        return out
    }

    /// 1. A missed day showed the streak of the days before it.
    @Test func aMissedDaysStreakIsZeroInEveryView() throws {
        let week = try Week()
        let thursday = try week.at("2026-03-12T12:00:00Z")
        try week.calls(["2026-03-09", "2026-03-10"], on: thursday)
        let wednesday = Self.line(try week.team(thursday, date: "2026-03-11"))
        #expect(wednesday["state"] as? String == "missed")
        #expect(wednesday["streak"] as? Int == 0, "\(wednesday)")
        #expect(try week.status(thursday)["streak"] as? Int == 0)
        #expect(try week.history(thursday)["2026-03-11"] == "missed")
        #expect(Self.cells(try week.report(thursday, date: "2026-03-11"))["2026-03-11"] == "missed")
    }

    /// 2. Time off that ended more than three days before the period was forgotten.
    @Test func timeOffIsRememberedByEveryView() throws {
        let week = try Week()
        let monday = try week.at("2026-03-16T12:00:00Z")
        #expect(try monday.prospect(["away", "--from", "2026-03-10", "--to", "2026-03-11"]).code == 0)
        try week.calls(["2026-03-09", "2026-03-10", "2026-03-12", "2026-03-13", "2026-03-16"], on: monday)
        let team16 = try week.team(monday, date: "2026-03-16")
        let team13 = try week.team(monday, date: "2026-03-13")
        #expect(Self.cells(team16)["2026-03-10"] == "off", "\(Self.cells(team16))")
        #expect(Self.cells(team13)["2026-03-10"] == "off")
        let status = try week.status(monday)
        #expect(status["streak"] as? Int == 4)
        #expect(Self.line(team16)["streak"] as? Int == status["streak"] as? Int)
        #expect(try week.history(monday)["2026-03-10"] == "off")
    }

    /// 3. A missed workday showed `off` in team and report when no verdict was recorded: without
    /// a `[[ladder]]`, and after more than a day of downtime.
    @Test(arguments: [false, true])
    func aMissedWorkdayIsMissedWithoutARecordedVerdict(withLadder: Bool) throws {
        let ladder = withLadder ? "[[ladder]]\nname = \"nudge\"\nat = \"14:00\"\nchannels = [\"journal\"]\n[channels.journal]\ntype = \"log\"\n" : ""
        let week = try Week(ladder: ladder)
        // Down from Monday morning to Friday noon: four days without a verdict.
        let friday = try week.at("2026-03-13T12:00:00Z")
        try week.calls(["2026-03-09", "2026-03-11"], on: friday)
        let team = try week.team(friday, date: "2026-03-12")
        #expect(Self.line(team)["state"] as? String == "missed", "\(Self.line(team))")
        #expect((team["team"] as? [String: Any])?["workdays_today"] as? Int == 1)
        let report = try week.report(friday, date: "2026-03-12")
        #expect(Self.cells(report)["2026-03-10"] == "missed" && Self.cells(report)["2026-03-12"] == "missed", "\(Self.cells(report))")
        #expect((report["team"] as? [String: Any])?["workdays_in_period"] as? Int == 5, "\(report["team"] ?? "")")
        let history = try week.history(friday)
        for day in ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12"] { #expect(history[day] == Self.cells(report)[day], "\(day)") }
        // On start the daemon recorded the verdicts of the days it was down for, and sent nothing.
        // (The calls came in after that start, so the record says what the daemon saw then.)
        let verdicts = try run("/usr/bin/sqlite3", [week.daemon.database, "SELECT date || ' ' || verdict FROM verdict ORDER BY date"])
        #expect(verdicts.lines == ["2026-03-09 missed", "2026-03-10 missed", "2026-03-11 missed", "2026-03-12 missed"], "\(verdicts)")
        #expect(try run("/usr/bin/sqlite3", [week.daemon.database, "SELECT count(*) FROM outbox"]).lines == ["0"])
        #expect(friday.log.contains("recorded the verdicts of days the daemon did not see end"), "\(friday.log)")
    }
}
