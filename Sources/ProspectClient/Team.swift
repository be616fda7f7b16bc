import ArgumentParser
import Foundation
import ProspectAPI
import ProspectCore

/// Which manager's team: one's own, or (admins) another's.
struct TeamOptions: ParsableArguments {
    @Option(name: .long, help: "Another manager's handle (admins).") var manager: String?
}

struct Team: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "team",
        abstract: "Take stock: every rep under you on one day, with streaks, trends and the sales-trap alarm.",
        discussion: "With --ack, record that you reviewed the team today (a take-stock ladder step waits for it)."
    )

    @Option(name: .long, help: "The day, YYYY-MM-DD (default: today in your zone).") var date: String?
    @Flag(name: .long, help: "Record that you took stock today.") var ack = false
    @OptionGroup var team: TeamOptions
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let date, case .failure(let error) = Result(catching: { try LocalDate.parse(date, for: "--date") }) {
            throw ValidationError("\(error)")
        }
        if ack && (date != nil || team.manager != nil) { throw ValidationError("--ack records today for yourself; leave out --date and --manager") }
    }

    func run() async throws {
        let client = try connection.client()
        let report = try await client.get(TeamReport.self, path("/v1/team", ["date": date, "manager": team.manager]))
        var acknowledged: AckResponse? = nil
        if ack { acknowledged = try await client.post(AckResponse.self, "/v1/team/ack", [String: String]()) }
        if json { return printJSON(report) }
        for line in Format.team(report, style: .current) { print(line) }
        if let acknowledged {
            print("\nTaken stock of \(acknowledged.date) at \(Format.localTime(acknowledged.at, zone: report.timezone)).")
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A week's or a month's report on the reps under you: grid, totals, trend, reps at risk, best streaks."
    )

    @Flag(name: .long, help: "The week (Monday to Sunday) containing --date.") var week = false
    @Flag(name: .long, help: "The month containing --date.") var month = false
    @Option(name: .long, help: "A day in the period, YYYY-MM-DD (default: today).") var date: String?
    @Option(name: .long, help: "text, html or json.") var format = ReportFormat.text
    @OptionGroup var team: TeamOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if week && month { throw ValidationError("pass either --week or --month, not both") }
        if let date, case .failure(let error) = Result(catching: { try LocalDate.parse(date, for: "--date") }) {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        let route = path(
            "/v1/report",
            [
                "period": (month ? ReportPeriod.month : .week).rawValue, "format": (format == .text ? .json : format).rawValue, "date": date,
                "manager": team.manager,
            ]
        )
        let client = try connection.client()
        switch format {
        case .json: printJSON(try await client.get(TeamReport.self, route))
        case .html: FileHandle.standardOutput.write(try await client.send(.GET, route))
        case .text: for line in Format.team(try await client.get(TeamReport.self, route), style: .current) { print(line) }
        }
    }
}

struct Pipeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Record your open pipeline; the sales-trap alarm compares it over time.",
        subcommands: [PipelineSet.self]
    )
}

struct PipelineSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Record how many deals are open and what they are worth.")

    @Option(name: .long, help: "How many deals are open.") var openDeals: Int
    @Option(name: .long, help: "What they are worth together, e.g. 240000.") var value: Double
    @Option(name: .long, help: "Someone who reports to you (managers, admins).") var rep: String?
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if openDeals < 0 { throw ValidationError("--open-deals cannot be negative") }
        if !value.isFinite || value < 0 { throw ValidationError("--value must be an amount of 0 or more") }
    }

    func run() async throws {
        let result = try await connection.client().post(
            PipelineResponse.self,
            "/v1/pipeline",
            PipelineRequest(rep: rep, openDeals: openDeals, value: value)
        )
        if json { return printJSON(result) }
        print(
            "Pipeline of \(result.rep): \(Format.plural(result.snapshot.openDeals, "open deal")) worth \(SalesTrapAlarm.amount(result.snapshot.value))."
        )
    }
}

struct ImportCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import activities from a CRM export.",
        subcommands: [ImportActivities.self]
    )
}

struct ImportActivities: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activities",
        abstract: "Import a CRM's activities from CSV, all or nothing; importing the same rows again adds nothing.",
        discussion: """
            Header: rep,kind,at,note,value (note and value optional). kind is one of ours or a CRM type mapped in
            [import.kinds]; at is 2026-03-09T15:00:00Z, an offset, or 2026-03-09 15:00 in the rep's zone.
            """
    )

    @Argument(help: "The CSV file.") var file: String
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try connection.client()
        let answer = try await upload(file, to: "/v1/import/activities", client: client)
        let result = try client.decode(ImportResponse.self, answer)
        if json { return printJSON(result) }
        print(
            "Imported \(file): \(Format.plural(result.rows, "row")) for \(Format.plural(result.reps, "rep")); "
                + "\(result.added) added, \(result.alreadyPresent) already there."
        )
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
final class Progress: @unchecked Sendable {
    let label: String
    let total: Int
    let enabled = isatty(2) == 1
    private let lock = NSLock()
    private var shown = -1

    init(label: String, total: Int) {
        self.label = label
        self.total = max(total, 1)
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let percent = min(100, done * 100 / total)
        lock.lock()
        defer { lock.unlock() }
        guard percent != shown else { return }
        shown = percent
        let filled = percent * 30 / 100
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: 30 - filled)
        FileHandle.standardError.write(Data("\r\(label) \(bar) \(percent)%".utf8))
    }

    func finish() {
        guard enabled, shown >= 0 else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

extension Format {
    /// The team view: a line for the team, then a line and a heatmap strip per rep.
    static func team(_ r: TeamReport, style: Style) -> [String] {
        var lines: [String] = []
        let period = r.from == r.to ? "\(weekdayName(r.to)) \(r.to)" : "\(r.from) to \(r.to)"
        lines.append(style.bold("\(r.managerName)'s team, \(period) (\(r.timezone))"))
        if r.from == r.to {
            lines.append(
                "Today \(r.team.metToday) of \(r.team.workdaysToday) met. Actions per week, last five: \(r.team.weeklyActions.map(String.init).joined(separator: " "))."
            )
        } else {
            lines.append(
                "\(r.team.metInPeriod) of \(plural(r.team.workdaysInPeriod, "rep-workday")) met, \(plural(r.team.actionsInPeriod, "action")). "
                    + "Actions per week, last five: \(r.team.weeklyActions.map(String.init).joined(separator: " "))."
            )
        }
        if let alarm = r.team.alarm { lines.append(style.red("Sales-trap alarm for the team: \(alarm.summary).")) }
        if r.reps.isEmpty { lines.append("No reps report to \(r.manager).") }
        let width = max(8, r.reps.map(\.name.count).max() ?? 8)
        for rep in r.reps {
            let kinds = rep.kinds.map { "\($0.kind)×\($0.count)" }.joined(separator: " ")
            let state: String
            switch rep.state {
            case .met: state = style.green("met     ")
            case .metLate: state = style.green("met late")
            case .missed: state = style.red("missed  ")
            case .pending: state = style.yellow("pending ")
            case .off: state = style.dim("off     ")
            }
            let strip = rep.days.map { cell($0.state, count: $0.count, style: style) }.joined()
            var line = "  \(rep.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(state)  \(rep.count)"
            line += "  streak \(rep.streak)".padding(toLength: 12, withPad: " ", startingAt: 0)
            line += "  \(strip)"
            if !kinds.isEmpty { line += "  " + kinds }
            lines.append(line)
            if let alarm = rep.alarm { lines.append("    " + style.red("Sales-trap alarm: \(alarm.summary).")) }
        }
        if !r.atRisk.isEmpty { lines.append("At risk: " + r.atRisk.map { "\($0.name) (\($0.reason))" }.joined(separator: "; ") + ".") }
        if !r.bestStreaks.isEmpty { lines.append("Best streaks: " + r.bestStreaks.map { "\($0.name) \($0.streak)" }.joined(separator: ", ") + ".") }
        lines.append(style.dim("  " + legend))
        return lines
    }
}

extension ReportFormat: ExpressibleByArgument {}
