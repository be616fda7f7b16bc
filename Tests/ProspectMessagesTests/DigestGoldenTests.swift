import Foundation
import ProspectConfig
import ProspectCore
import Testing

@testable import ProspectMessages

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Digests for a fixed team, compared word for word with the files in `Golden/`.
/// `UPDATE_GOLDEN=1 swift test --filter DigestGoldenTests` rewrites them after a deliberate change.
@Suite struct DigestGoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    let config = try! ConfigLoader.parse(
        """
        [rule]
        counting_kinds = ["call", "email"]
        timezone = "UTC"
        [kinds.call]
        label = "Cold call"
        [kinds.email]
        label = "Email"
        [kinds.won]
        label = "Closed-won deal"
        category = "closing"
        """,
        source: "golden.toml"
    )

    /// Carol manages Dana (steady), Eli (closing while his pipeline drains) and Fay (two misses).
    func report(_ kind: TeamReport.Kind) -> TeamReport {
        let utc = Zone.utc
        let friday = LocalDate("2026-03-13")!
        let calendar = WorkCalendar(zone: utc, workdays: Weekday.weekdays)
        func at(_ date: LocalDate, _ hour: Int) -> Date { utc.instant(date, LocalTime(hour: hour, minute: 0)!) }
        func workdays(back days: Int) -> [LocalDate] {
            (0..<days).map { friday.adding(days: -$0) }.filter { calendar.isWorkday($0) }
        }
        let firstDay = friday.adding(days: -59)
        let dana = RepHistory(
            person: Person(handle: "dana", name: "Dana Doe", email: "dana@example.com", timezone: "UTC", manager: "carol"),
            calendar: calendar,
            activities: workdays(back: 40).flatMap { [ActivityRecord(kind: "call", occurredAt: at($0, 9), loggedAt: at($0, 9))] }
                + [ActivityRecord(kind: "email", occurredAt: at(friday, 11), loggedAt: at(friday, 11))],
            snapshots: [],
            firstDay: firstDay
        )
        let eli = RepHistory(
            person: Person(handle: "eli", name: "Eli Ek", email: "eli@example.com", timezone: "UTC", manager: "carol"),
            calendar: calendar,
            activities: workdays(back: 56).filter { $0 < friday.adding(days: -27) }.map {
                ActivityRecord(kind: "call", occurredAt: at($0, 10), loggedAt: at($0, 10))
            } + workdays(back: 7).map { ActivityRecord(kind: "email", occurredAt: at($0, 10), loggedAt: at($0, 10)) } + [
                ActivityRecord(kind: "won", occurredAt: at(friday.adding(days: -3), 15), loggedAt: at(friday.adding(days: -3), 15), value: 50_000),
                ActivityRecord(kind: "won", occurredAt: at(friday.adding(days: -10), 15), loggedAt: at(friday.adding(days: -10), 15), value: 20_000),
                ActivityRecord(kind: "won", occurredAt: at(friday.adding(days: -20), 15), loggedAt: at(friday.adding(days: -20), 15), value: 14_000),
            ],
            snapshots: [
                PipelineSnapshot(at: at(friday.adding(days: -40), 12), openDeals: 12, value: 240_000),
                PipelineSnapshot(at: at(friday.adding(days: -2), 12), openDeals: 7, value: 156_000),
            ],
            firstDay: firstDay
        )
        let fay = RepHistory(
            person: Person(handle: "fay", name: "Fay Fox", email: "fay@example.com", timezone: "UTC", manager: "carol"),
            calendar: calendar,
            activities: workdays(back: 30).filter { $0 < friday.adding(days: -1) }.map {
                ActivityRecord(kind: "call", occurredAt: at($0, 16), loggedAt: at($0, 16))
            },
            snapshots: [],
            firstDay: firstDay
        )
        let carol = Person(handle: "carol", name: "Carol Manager", email: "carol@example.com", timezone: "UTC", role: .manager)
        return TeamReport.build(
            kind: kind,
            manager: carol,
            managerZone: utc,
            reps: [dana, eli, fay],
            from: LocalDate("2026-03-09")!,
            to: friday,
            now: at(friday, 18),
            rule: config.rule,
            kinds: config.kinds,
            alarm: config.alarm
        )
    }

    func check(_ name: String, _ text: String) throws {
        let file = Self.folder.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(text == golden, "\(name) differs from its golden file; UPDATE_GOLDEN=1 rewrites it")
    }

    @Test(arguments: [TeamReport.Kind.daily, .weekly])
    func aDigestReadsExactlyAsItsGoldenFile(_ kind: TeamReport.Kind) throws {
        let carol = Person(handle: "carol", name: "Carol Manager", email: "carol@example.com", timezone: "UTC", role: .manager)
        let message = MessageTemplates.builtIn.render(
            kind == .daily ? .daily : .weekly,
            DigestVariables.of(report(kind), recipient: carol, channel: "email")
        )
        try check("\(kind.rawValue).txt", "Subject: \(message.subject)\n\n\(message.text)")
        try check("\(kind.rawValue).html", message.html)
        try check("\(kind.rawValue).chat.txt", message.chat + "\n")
        // Well-formed: it parses as XML once the doctype is set aside.
        let body = message.html.replacingOccurrences(of: "<!DOCTYPE html>\n", with: "")
        let parser = XMLParser(data: Data(body.utf8))
        #expect(parser.parse(), "\(kind) HTML is not well-formed: \(String(describing: parser.parserError))")
        #expect(!message.html.contains("src="), "no remote images")
        #expect(!message.html.contains("<style"), "inline styles only")
    }

    @Test func theFixedTeamHasTheFiguresTheGoldenFilesShow() {
        let daily = report(.daily)
        #expect(daily.reps.map(\.state) == [.met, .met, .missed])
        #expect(daily.reps.map(\.streak) == [30, 5, 0], "Dana logged on each of the 30 workdays since Monday 2 February")
        #expect(daily.reps[1].alarm?.reasons == ["pipeline", "prospecting"])
        #expect(daily.reps[2].missesInARow == 2)
        #expect(daily.atRisk.map(\.handle) == ["fay"])
    }
}
