import ArgumentParser
import Foundation

extension ParsableCommand {
    /// Parses the command line and runs the chosen command with the contract's exit codes:
    /// a usage error exits 2 (ArgumentParser's default would be 64).
    ///
    /// - Parameter failure: turns an error of the program's own into a message and exit code;
    ///   nil leaves it to ArgumentParser.
    public static func mainWithContractExitCodes(
        failure: (any Error) -> (message: String, code: Int32)? = { _ in nil }
    ) async {
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            if let (message, code) = failure(error) {
                FileHandle.standardError.write(Data(message.utf8))
                Foundation.exit(code)
            }
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
