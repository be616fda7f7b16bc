import ArgumentParser
import Foundation
import ProspectAPI
import ProspectCommandLine
import ProspectCore

/// The `prospect` command line.
public struct Prospect: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "prospect",
        abstract: "Log pipeline-building actions and see where you stand.",
        discussion: """
            The rule: at least one pipeline-building action (a cold call, an email to a prospect or a lost deal,
            a referral ask, a call to an inbound lead, qualifying an opportunity) before the end of every workday.
            """,
        version: Build.version,
        subcommands: [
            Log.self, Status.self, History.self, Undo.self, Away.self, Kinds.self, Schedule.self, Team.self, Report.self,
            Pipeline.self, Admin.self,
        ]
    )

    public init() {}

    /// Runs the CLI with the contract's exit codes: 0 ok, 1 refused, 2 usage, 3 unreachable.
    public static func runMain() async {
        await mainWithContractExitCodes(quickRoot: QuickProspect.self) { error in
            guard let error = error as? CLIError else { return nil }
            let lines = error.description.split(separator: "\n").map { "prospect: \(TerminalText.safe(String($0)))\n" }
            return (lines.joined(), error.exitCode)
        }
    }
}

/// `prospect log` and `prospect status` without ArgumentParser's try for a completion script (see ``QuickRoot``).
struct QuickProspect: QuickRoot {
    static let configuration = CommandConfiguration(commandName: "prospect", _superCommandName: "prospect", subcommands: [Log.self, Status.self])
}

/// How to reach the daemon; every command has these.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's Unix socket (default: $PROSPECT_SOCKET, then /run/prospectd/prospectd.sock).")
    var socket: String?

    @Option(name: .long, help: "The daemon's TCP API, like https://prospect.example.com:8787; the token comes from $PROSPECT_TOKEN.")
    var server: String?

    @Option(name: .long, help: "A CA certificate (PEM) the server's HTTPS certificate may chain to (a private CA).")
    var caFile: String?

    func client() throws -> Client {
        Client(endpoint: try Endpoint.resolve(socket: socket, server: server, caFile: caFile, environment: ProcessInfo.processInfo.environment))
    }
}

struct Log: AsyncParsableCommand {
    /// How long a log whose answer was lost is retried: systemd's RestartSec=5s, the start, and room.
    static let retrySeconds: Int64 = 30

    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Log an action you did (see 'prospect kinds').",
        discussion: """
            --at takes 2026-03-09T15:00:00Z (or an offset), HH:MM (today, your zone) or 'yesterday HH:MM'.
            Yesterday's action may be logged until late_grace (10:00 by default) on your next workday.
            """
    )

    @Argument(help: "What you did: call, email, referral, inbound, qualify, lost-deal, ...")
    var kind: String

    @Option(name: .long, help: "A short note (up to 1,000 characters).")
    var note: String?

    @Option(name: .long, help: "When it happened (default: now).")
    var at: String?

    @Option(name: .long, help: "An amount, e.g. the deal value for 'won'.")
    var value: Double?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        // JSON cannot carry nan or infinity: refuse them here, as the daemon refuses the rest.
        if let value, !value.isFinite, let problem = ActivityLimits.valueProblem(value) {
            throw CLIError.failure("--value \(problem)")
        }
        let client = try connection.client()
        let request = LogRequest(
            kind: kind.lowercased(),
            note: note,
            at: at,
            value: value,
            clientID: UUID().uuidString.lowercased()
        )
        // Retried with the same client_id, so a lost answer never logs twice. A daemon that
        // never answered is tried three times; one that may have had the request (it died or
        // restarted meanwhile) is tried again for as long as a restart under systemd takes.
        var attempt = 0
        var reached = false
        let deadline = ContinuousClock.now.advanced(by: .seconds(Log.retrySeconds))
        while true {
            let sent = await outcome { () async throws -> ActivityResponse in
                try await client.post(ActivityResponse.self, "/v1/activities", request)
            }
            if case .failure(let error) = sent, ContinuousClock.now < deadline {
                if case .unanswered = error, !reached {
                    reached = true
                    FileHandle.standardError.write(
                        Data(
                            ("prospect: no answer from the daemon (it may be restarting); retrying the same request for up to "
                                + "\(Log.retrySeconds) s, so the action is logged once\n").utf8
                        )
                    )
                }
                if reached, error.exitCode == 3 {
                    try? await Task.sleep(for: .milliseconds(500))
                    continue
                }
                if case .unreachable = error, attempt < 2 {
                    attempt += 1
                    try? await Task.sleep(for: .milliseconds(150 * attempt))
                    continue
                }
            }
            let result = try sent.get()
            do {
                if json { return printJSON(result) }
                let style = Style.current
                let a = result.activity
                let when = Format.localTime(a.occurredAt, zone: result.status.timezone)
                let day = Zone(identifier: result.status.timezone)?.localDate(of: a.occurredAt)
                let dayText = day == result.status.date ? "" : " on \(day?.description ?? "")"
                print("\(result.duplicate ? "Already logged" : "Logged") \(a.kind) at \(when)\(dayText).")
                print(Format.status(result.status, style: style).joined(separator: "\n"))
                return
            }
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Today: done or not, count, deadline, time left, streak."
    )

    @Option(name: .long, help: "Someone who reports to you (managers, admins).")
    var rep: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let status = try await connection.client().get(StatusResponse.self, path("/v1/status", ["rep": rep]))
        if json { return printJSON(status) }
        if rep != nil { print("\(status.rep):") }
        print(Format.status(status, style: .current).joined(separator: "\n"))
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Your last weeks as a heatmap, and your recent actions.")

    @Option(name: .long, help: "How many days back, today included (1-366).")
    var days: Int = 28

    @Option(name: .long, help: "Someone who reports to you (managers, admins).")
    var rep: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (1...366).contains(days) else { throw ValidationError("--days must be between 1 and 366") }
    }

    func run() async throws {
        let history = try await connection.client().get(HistoryResponse.self, path("/v1/history", ["days": String(days), "rep": rep]))
        if json { return printJSON(history) }
        let style = Style.current
        let workdays = history.days.filter { $0.state != .off && $0.state != .pending }
        let met = workdays.filter { $0.state == .met || $0.state == .metLate }.count
        print(
            "\(history.rep): last \(Format.plural(history.days.count, "day")) (\(history.timezone)): \(met) of \(Format.plural(workdays.count, "workday")) met; streak \(history.streak)."
        )
        print(Format.heatmap(history.days, style: style).joined(separator: "\n"))
        if history.activities.isEmpty { return print("No actions logged in this period.") }
        print("")
        let zone = Zone(identifier: history.timezone) ?? .utc
        for a in history.activities.prefix(15) {
            let when = "\(zone.localDate(of: a.occurredAt)) \(zone.localTime(of: a.occurredAt))"
            var line = "\(when)  \(a.kind.padding(toLength: 10, withPad: " ", startingAt: 0))"
            if let value = a.value { line += " \(value.formatted())" }
            if let note = a.note { line += " \(note.split(separator: "\n").first.map(String.init) ?? "")" }
            print(line)
        }
        if history.activities.count > 15 { print(style.dim("… and \(history.activities.count - 15) more (use --json for all)")) }
    }
}

struct Undo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "undo", abstract: "Remove your last logged action (kept in the audit log).")

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await connection.client().post(ActivityResponse.self, "/v1/undo", [String: String]())
        if json { return printJSON(result) }
        let a = result.activity
        print("Removed \(a.kind) logged at \(Format.localTime(a.loggedAt, zone: result.status.timezone)).")
        print(Format.status(result.status, style: .current).joined(separator: "\n"))
    }
}

struct Away: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "away", abstract: "Record time off: those days are not enforced.")

    @Option(name: .long, help: "First day away, YYYY-MM-DD.")
    var from: String

    @Option(name: .long, help: "Last day away, YYYY-MM-DD.")
    var to: String

    @Option(name: .long, help: "Why (optional, up to 200 characters).")
    var reason: String?

    @Option(name: .long, help: "Someone else: managers for their reports, admins for anyone.")
    var rep: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let fromDate = try inputDate(from, for: "--from")
        let toDate = try inputDate(to, for: "--to")
        let result = try await connection.client().post(
            AwayResponse.self,
            "/v1/away",
            AwayRequest(from: fromDate, to: toDate, reason: reason, rep: rep)
        )
        if json { return printJSON(result) }
        print("\(result.rep) is away \(result.from) to \(result.to): \(Format.plural(result.workdays, "workday")) not enforced.")
    }
}

struct Kinds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kinds", abstract: "The kinds of action you can log, and which count.")

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let kinds = try await connection.client().get(KindsResponse.self, "/v1/kinds")
        if json { return printJSON(kinds) }
        let width = kinds.kinds.map(\.name.count).max() ?? 0
        for kind in kinds.kinds {
            let counts = kind.counts ? "counts" : "      "
            print("\(kind.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(counts)  \(kind.label) (\(kind.category.rawValue))")
        }
        print("Each workday needs \(Format.plural(kinds.minimum, "counting action")).")
    }
}

struct Schedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "When today's reminders and escalations would come, and whether they still will."
    )

    @Option(name: .long, help: "Another day, YYYY-MM-DD.")
    var date: String?

    @Option(name: .long, help: "Someone who reports to you (managers, admins).")
    var rep: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let schedule = try await connection.client().get(ScheduleResponse.self, path("/v1/schedule", ["date": date, "rep": rep]))
        if json { return printJSON(schedule) }
        print(Format.schedule(schedule).joined(separator: "\n"))
    }
}
