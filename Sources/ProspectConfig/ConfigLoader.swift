import Foundation
import ProspectCore
import TOMLKit

/// Reads the TOML file of the contract into a `Config`, collecting every error.
public enum ConfigLoader {
    /// Reads and validates a file.
    public static func load(path: String) throws -> Config {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigErrors(errors: [ConfigError(file: path, line: nil, keyPath: "", message: "is not UTF-8 text")])
            }
            text = decoded
        } catch let error as ConfigErrors {
            throw error
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (check its permissions)" : "does not exist"
            throw ConfigErrors(errors: [
                ConfigError(file: path, line: nil, keyPath: "", message: "\(reason); pass --config with a readable TOML file")
            ])
        }
        return try parse(text, source: path)
    }

    /// Validates TOML text; `source` names it in messages.
    public static func parse(_ text: String, source: String) throws -> Config {
        if let problem = TOMLPrecheck.firstProblem(text) {
            throw ConfigErrors(errors: [ConfigError(file: source, line: problem.line, keyPath: "", message: "not valid TOML: \(problem.message)")])
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigErrors(errors: [
                ConfigError(
                    file: source,
                    line: error.source.begin.line,
                    keyPath: "",
                    message: "not valid TOML: \(error.description)"
                )
            ])
        } catch {
            throw ConfigErrors(errors: [ConfigError(file: source, line: nil, keyPath: "", message: "not valid TOML: \(error)")])
        }
        var reader = Reader(source: source, lines: SourceLines(text))
        let config = reader.read(table)
        guard reader.errors.isEmpty, let config else { throw ConfigErrors(errors: reader.errors) }
        return config
    }
}
