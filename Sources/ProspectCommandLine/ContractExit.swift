import ArgumentParser
import Foundation

extension ParsableCommand {
    /// Parses the command line and runs the chosen command with the contract's exit codes:
    /// a usage error exits 2 (ArgumentParser's default would be 64).
    ///
    /// - Parameters:
    ///   - quickRoot: a root that holds only the commands run most, tried first when the command
    ///     line names one of them (see ``QuickRoot``).
    ///   - failure: turns an error of the program's own into a message and exit code; nil leaves
    ///     it to ArgumentParser.
    public static func mainWithContractExitCodes(
        quickRoot: (any QuickRoot.Type)? = nil,
        failure: (any Error) -> (message: String, code: Int32)? = { _ in nil }
    ) async {
        if let problem = CommandLineCheck.problem(name: configuration.commandName ?? "this program") {
            FileHandle.standardError.write(Data("\(problem)\n".utf8))
            exitNow(1)
        }
        do {
            var command = try quickRoot?.parse(CommandLine.arguments) ?? parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            if let (message, code) = failure(error) {
                FileHandle.standardError.write(Data(message.utf8))
                exitNow(code)
            }
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((message + "\n").utf8))
                exitNow(2)
            }
            if !message.isEmpty {
                // Help and version go to stdout; errors to stderr, as ArgumentParser does.
                if code == .success {
                    print(message)
                } else {
                    FileHandle.standardError.write(Data((message + "\n").utf8))
                }
            }
            exitNow(code.rawValue)
        }
        exitNow(0)
    }
}

/// A root command holding only the subcommands run many times a day (`prospect log`), parsed
/// before the real root. ArgumentParser first tries every command line as a request for a
/// completion script, with two commands of its own, unless the root has a super-command name:
/// that try cost about 1.4 ms of a 16 ms `prospect log` (release build, 150 runs alternating
/// with a build that makes it). A quick root has that name, so the try is skipped; anything it does
/// not parse to a command (another subcommand, `--help`, `--generate-completion-script`, a
/// mistake) is parsed again by the real root, whose messages and help are the ones users see.
public protocol QuickRoot: ParsableCommand {}

extension QuickRoot {
    /// The command `arguments` (with the program's path first) name, when this root holds it;
    /// nil for anything else, ArgumentParser's help command too.
    public static func parse(_ arguments: [String]) -> (any ParsableCommand)? {
        let held = configuration.subcommands
        guard let name = arguments.dropFirst().first, held.contains(where: { $0.configuration.commandName == name }),
            let command = try? parseAsRoot(Array(arguments.dropFirst())),
            held.contains(where: { ObjectIdentifier($0) == ObjectIdentifier(type(of: command)) })
        else { return nil }
        return command
    }
}

/// Ends the process now, with stdio flushed but without C++ and Swift global destructors:
/// `exit` runs those while the concurrency pool's and SwiftNIO's threads may still run, and
/// now and then one of them traps (seen as a SIGILL after the last line, one run in six).
public func exitNow(_ code: Int32) -> Never {
    fflush(nil)
    _exit(code)
}

/// The Swift runtime on Linux reads its arguments from `/proc/self/cmdline`. Without `/proc` (a
/// packager's chroot) every program sees none, and a command such as `check-config --config F`
/// would quietly become the default one: refuse instead.
enum CommandLineCheck {
    static func problem(name: String) -> String? {
        guard CommandLine.arguments.count <= 1, !FileManager.default.isReadableFile(atPath: "/proc/self/cmdline") else { return nil }
        return "\(name): cannot read its command line, because /proc is not mounted; "
            + "mount it first (in a chroot: mount -t proc proc /proc)"
    }
}

/// Diagnostics for the operator on stderr. Under systemd (stderr is the journal stream that
/// `$JOURNAL_STREAM` names) each line carries its syslog priority, `<4>` for a warning, so the
/// journal files it at that level instead of at info.
public enum Diagnostics {
    public enum Level: Int {
        case error = 3
        case warning = 4
        case notice = 5
        case info = 6
    }

    public static func write(_ line: String, level: Level) {
        let prefix = stderrIsJournal ? "<\(level.rawValue)>" : ""
        FileHandle.standardError.write(Data((prefix + line + "\n").utf8))
    }

    /// Whether stderr is the journal stream systemd connected (`JOURNAL_STREAM=DEVICE:INODE`).
    public static let stderrIsJournal: Bool = {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }()
}
