import ArgumentParser
import Foundation
import Logging
import ProspectCommandLine
import ProspectConfig
import ProspectCore
import ProspectEngine
import ProspectMessages
import ProspectServer
import ProspectStore

/// The version `prospectd version` and `prospect --version` report.
let prospectdVersion = Build.version

@main
struct Prospectd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prospectd",
        abstract: "The prospectd daemon: every rep, one pipeline-building action every workday.",
        subcommands: [Run.self, CheckConfig.self, Simulate.self, Backup.self, MigrateDB.self, Version.self],
        defaultSubcommand: Run.self
    )

    static func main() async {
        await mainWithContractExitCodes()
    }
}

/// The default system-wide configuration file.
let systemConfigPath = "/etc/prospectd/prospectd.toml"

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon in the foreground (systemd's ExecStart)."
    )

    @Option(name: .long, help: "The configuration file (default: \(systemConfigPath)).")
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Run on the embedded default configuration, keeping the database and socket in DIR (no root needed).",
            valueName: "DIR"
        )
    )
    var dev: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"

    @Option(name: .long, help: .hidden)
    var startClockAt: String?

    func validate() throws {
        if config != nil && dev != nil { throw ValidationError("pass either --config or --dev, not both") }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error")
        }
        if let start = startClockAt, ActivityTime.parseISO8601(start) == nil {
            throw ValidationError("--start-clock-at needs an ISO 8601 instant like 2026-03-09T08:00:00Z")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel)!
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "prospectd")
        let clock: any WallClock = startClockAt.flatMap(ActivityTime.parseISO8601).map { ShiftedClock(startingAt: $0) } ?? SystemClock()
        let loaded: Config
        let path: String?
        do {
            if let dev {
                let folder = URL(fileURLWithPath: dev).standardizedFileURL.path
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                // The first reminder five minutes from now (UTC wall time, the default's zone), so
                // a newcomer sees the ladder work in the daemon's log.
                let reminder = Zone.utc.localTime(of: clock.now.addingTimeInterval(5 * 60 + 59))
                loaded = ConfigLoader.embeddedDefault(stateDirectory: folder, firstReminder: reminder)
                path = nil
            } else {
                path = config ?? systemConfigPath
                if config == nil, !FileManager.default.fileExists(atPath: systemConfigPath) {
                    fail("no configuration at \(systemConfigPath): pass --config FILE, or --dev DIR to run on the embedded default")
                }
                loaded = try ConfigLoader.load(path: path!)
            }
        } catch let errors as ConfigErrors {
            for error in errors.errors { FileHandle.standardError.write(Data("\(error)\n".utf8)) }
            exitNow(1)
        }
        let templates: MessageTemplates
        switch MessageTemplates.load(directory: loaded.templatesDirectory) {
        case .success(let t): templates = t
        case .failure(let problems):
            for problem in problems.problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
            exitNow(1)
        }
        logger.notice(
            "prospectd \(prospectdVersion) starting",
            metadata: ["config": "\(path ?? "embedded default")", "socket": "\(loaded.daemon.socket)"]
        )
        do {
            try await Daemon(config: loaded, templates: templates, configPath: path, clock: clock, logger: logger).run()
        } catch let error as StoreOpenError {
            logger.critical("cannot start: \(error)")
            exitNow(1)
        } catch let error as DaemonError {
            logger.critical("cannot start: \(error)")
            exitNow(1)
        } catch {
            logger.critical("cannot start: \(error)")
            exitNow(1)
        }
    }

    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("prospectd: \(message)\n".utf8))
        exitNow(1)
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file: exit 0, or print every error and exit 1."
    )

    @Option(name: .long, help: "The configuration file (default: \(systemConfigPath)).")
    var config: String = systemConfigPath

    func run() async throws {
        do {
            let c = try ConfigLoader.load(path: config)
            var templateNote = "built-in templates"
            switch MessageTemplates.load(directory: c.templatesDirectory) {
            case .success(let t):
                if !t.overrides.isEmpty {
                    templateNote = "\(t.overrides.count) template\(t.overrides.count == 1 ? "" : "s") from \(c.templatesDirectory!)"
                }
            case .failure(let problems):
                for problem in problems.problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
                let n = problems.problems.count
                FileHandle.standardError.write(Data("\(config): \(n) template error\(n == 1 ? "" : "s")\n".utf8))
                throw ExitCode(1)
            }
            if let problem = TLSIdentity.problem(in: c.daemon) {
                Diagnostics.write("\(config): \(problem)", level: .error)
                throw ExitCode(1)
            }
            let counting = c.kinds.values.filter(\.counts).count
            var summary = "\(config): ok: \(c.kinds.count) kinds (\(counting) counting), minimum \(c.rule.minimumActions) a day"
            summary +=
                ", \(c.ladder.count) ladder step\(c.ladder.count == 1 ? "" : "s"), \(c.channels.count) channel\(c.channels.count == 1 ? "" : "s")"
            summary += c.digest == nil ? ", no digest" : ", digests on"
            summary += ", \(templateNote)"
            print(summary)
            await warnAboutUnaddressedSteps(c)
        } catch let error as ConfigErrors {
            for problem in error.errors { Diagnostics.write("\(problem)", level: .error) }
            let n = error.errors.count
            Diagnostics.write("\(config): \(n) error\(n == 1 ? "" : "s")", level: .error)
            throw ExitCode(1)
        }
    }
}

extension CheckConfig {
    /// Escalation steps that would find no one to tell: reported now, not discovered at 17:30.
    /// Warnings only (exit 0): a roster gap must not stop the daemon from starting.
    func warnAboutUnaddressedSteps(_ c: Config) async {
        guard c.ladder.contains(where: { $0.audience != .rep }),
            c.daemon.isPostgreSQL || FileManager.default.isReadableFile(atPath: c.daemon.database)
        else { return }
        do {
            let store =
                c.daemon.isPostgreSQL
                ? try await Store.open(
                    database: c.daemon.database,
                    passwordFile: ChannelSettings.filePath(c.daemon.databasePasswordFile, environment: ProcessInfo.processInfo.environment),
                    logger: quietLogger,
                    migrate: false
                )
                : try Store.openReadOnly(path: c.daemon.database)
            let roster = EngineRoster(try await store.roster(timeOffSince: LocalDate(dayNumber: 0)), config: c)
            for step in c.ladder where step.audience != .rep {
                let missing = roster.reps.filter { roster.recipient(of: step.audience, for: $0.id) == nil }.map(\.handle).sorted()
                guard !missing.isEmpty else { continue }
                let who = step.audience == .manager ? "a manager" : "a manager with a manager"
                let list = missing.prefix(10).joined(separator: ", ") + (missing.count > 10 ? ", ..." : "")
                Diagnostics.write(
                    "warning: ladder step '\(step.name)' will have no one to tell for \(missing.count) rep(s) without \(who): "
                        + "\(list); set one with 'prospect admin rep update HANDLE --manager HANDLE'",
                    level: .warning
                )
            }
            await store.close()
        } catch {
            Diagnostics.write("warning: could not read the roster to check managers: \(error)", level: .warning)
        }
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database while the daemon runs, check the copy's integrity, and put it at --to.",
        discussion: """
            Uses SQLite's online backup: one consistent snapshot, without stopping the daemon or the reps logging.
            The copy is written beside --to and renamed into place only once PRAGMA integrity_check says ok, so
            --to is either the previous backup or a whole new one. Run it as a user who can read the database.
            """
    )

    @Option(name: .long, help: "The configuration file (default: \(systemConfigPath)).") var config: String = systemConfigPath
    @Option(name: .long, help: "Where the copy goes (replaced atomically if it exists).") var to: String

    func run() throws {
        let loaded: Config
        do { loaded = try ConfigLoader.load(path: config) } catch let errors as ConfigErrors {
            for error in errors.errors { Diagnostics.write("\(error)", level: .error) }
            throw ExitCode(1)
        }
        let database = loaded.daemon.database
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            Diagnostics.write("prospectd backup: the database is PostgreSQL; back it up with pg_dump", level: .error)
            throw ExitCode(1)
        }
        do {
            let report = try Store.backup(databaseAt: database, to: to)
            print(
                "prospectd backup: \(report.path): \(report.bytes) bytes, integrity ok, in \(String(format: "%.2f", report.seconds)) s"
                    + " (copy \(String(format: "%.2f", report.copySeconds)) s, integrity_check \(String(format: "%.2f", report.checkSeconds)) s)"
            )
        } catch {
            Diagnostics.write("prospectd backup: \(error)", level: .error)
            throw ExitCode(1)
        }
    }
}

/// A logger for the one-shot commands: their output is the contract, so libraries stay quiet.
let quietLogger = Logger(label: "prospectd", factory: { _ in SwiftLogNoOpLogHandler() })

struct MigrateDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-db",
        abstract: "Copy the SQLite database into an empty PostgreSQL database, in one transaction, and verify the counts.",
        discussion: """
            Stop prospectd first (the copy refuses while it holds the database). Every table is copied from one
            snapshot in a single transaction on the target, whose row counts must then equal the source's: all
            or nothing. A target that holds any row is refused. Afterwards set [daemon] database to the URL and
            database_password_file, and start prospectd.
            """
    )

    @Option(name: .long, help: "The configuration file whose SQLite database is copied (default: \(systemConfigPath)).")
    var config: String = systemConfigPath
    @Option(name: .long, help: "The target, postgresql://USER@HOST[:PORT]/DB (an empty database).") var to: String
    @Option(name: .long, help: "The target's password file (default: the configuration's database_password_file).")
    var passwordFile: String?

    func run() async throws {
        let loaded: Config
        do { loaded = try ConfigLoader.load(path: config) } catch let errors as ConfigErrors {
            for error in errors.errors { Diagnostics.write("\(error)", level: .error) }
            throw ExitCode(1)
        }
        func refuse(_ message: String) -> ExitCode {
            Diagnostics.write("prospectd migrate-db: \(message)", level: .error)
            return ExitCode(1)
        }
        let database = loaded.daemon.database
        guard !loaded.daemon.isPostgreSQL else { throw refuse("[daemon] database is PostgreSQL already; migrate-db copies a SQLite file") }
        guard PostgresLocation.isURL(to) else { throw refuse("--to is not a postgresql://USER@HOST[:PORT]/DB URL") }
        let location: PostgresLocation
        switch PostgresLocation.parse(to) {
        case .success(let parsed): location = parsed
        case .failure(let error): throw refuse("--to: \(error.reason)")
        }
        guard FileManager.default.fileExists(atPath: database) else { throw refuse("\(database) does not exist; is [daemon] database right?") }
        let start = ContinuousClock.now
        do {
            // Held for the whole copy: a running daemon would go on writing to the file.
            let lock = try InstanceLock(path: loaded.daemon.databaseLock, guarding: "the database \(database)")
            defer { withExtendedLifetime(lock) {} }
            let source = try Store.open(path: database)
            let target = try await Store.open(database: to, passwordFile: passwordFile ?? loaded.daemon.databasePasswordFile, logger: quietLogger)
            let copied: [TableCount]
            do {
                copied = try await Store.copy(from: source, to: target)
                await target.close()
            } catch {
                await target.close()
                throw error
            }
            let elapsed = ContinuousClock.now - start
            for table in copied { print("\(table.table): \(table.rows)") }
            let total = copied.reduce(0) { $0 + $1.rows }
            print(
                "prospectd migrate-db: copied \(total) rows of \(copied.count) tables into \(location), counts verified, in "
                    + String(format: "%.2f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) + " s; "
                    + "now set [daemon] database = \"\(to)\" and database_password_file, and start prospectd"
            )
        } catch {
            throw refuse("\(error)")
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() throws { print("prospectd \(prospectdVersion)") }
}

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Dry-run the ladder over a date range: one JSON line per delivery, in time order.",
        discussion: """
            Runs the daemon's own engine over a simulated clock from 00:00 UTC of --from to 24:00 UTC of --to,
            on a private copy of the roster in --db (the file is only read; nothing is sent). --activities is
            JSON lines, each injected at its logged_at (default: its at):
            {"rep":"alice","kind":"call","at":"2026-03-09T15:00:00Z","logged_at":"..."}
            """
    )

    @Option(name: .long, help: "The configuration file.") var config: String
    @Option(name: .long, help: "The daemon's database, a file or a postgresql:// URL (read only).") var db: String
    @Option(name: .long, help: "The PostgreSQL password file (default: the configuration's database_password_file).")
    var dbPasswordFile: String?
    @Option(name: .long, help: "First day, YYYY-MM-DD.") var from: String
    @Option(name: .long, help: "Last day, YYYY-MM-DD.") var to: String
    @Option(name: .long, help: "Activities to inject, as JSON lines.") var activities: String?

    func validate() throws {
        let start: LocalDate
        let end: LocalDate
        do {
            start = try LocalDate.parse(from, for: "--from")
            end = try LocalDate.parse(to, for: "--to")
        } catch let error as UserError {
            throw ValidationError(error.message)
        }
        guard start <= end else { throw ValidationError("--from \(from) is after --to \(to)") }
        guard start.days(to: end) <= 3660 else { throw ValidationError("simulate at most ten years at once") }
    }

    func run() async throws {
        let loaded: Config
        do {
            loaded = try ConfigLoader.load(path: config)
        } catch let errors as ConfigErrors {
            for error in errors.errors { FileHandle.standardError.write(Data("\(error)\n".utf8)) }
            throw ExitCode(1)
        }
        var text = ""
        if let activities {
            do { text = try String(contentsOfFile: activities, encoding: .utf8) } catch {
                FileHandle.standardError.write(Data("prospectd: cannot read --activities \(activities)\n".utf8))
                throw ExitCode(1)
            }
        }
        let store: Store
        do {
            store = try await Store.inMemoryCopy(
                ofDatabase: db,
                passwordFile: dbPasswordFile ?? loaded.daemon.databasePasswordFile,
                logger: quietLogger
            )
        } catch {
            FileHandle.standardError.write(Data("prospectd: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let warn: (String) -> Void = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        let injected = Simulation.readActivities(text, warn: warn)
        let out = FileHandle.standardOutput
        try await Simulation(store: store, config: loaded).run(
            from: try LocalDate.parse(from, for: "--from"),
            to: try LocalDate.parse(to, for: "--to"),
            activities: injected,
            warn: warn
        ) { delivery in
            out.write(Data((delivery.jsonLine + "\n").utf8))
        }
    }
}
