import Foundation
import Logging
import ProspectStore

#if canImport(Glibc)
import Glibc
#endif

/// The storage backends the parameterized tests run on: the same test, both backends, so a
/// difference between them shows as a failing test.
public enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgresql

    public var description: String { rawValue }
}

/// A new, empty database for one test.
public struct TestDatabase: Sendable {
    /// What `[daemon] database` says: a file path, or a `postgresql://` URL.
    public var database: String
    public var passwordFile: String?

    /// A new database of `backend`: a file in `folder` for SQLite; a new database on the tests'
    /// throwaway PostgreSQL cluster (`Tests/Fixtures/postgres-cluster.sh`, started at first use,
    /// stopped when this process ends).
    public static func make(_ backend: TestBackend, in folder: URL) throws -> TestDatabase {
        switch backend {
        case .sqlite:
            return TestDatabase(database: folder.appendingPathComponent("prospectd-\(UUID().uuidString).sqlite").path)
        case .postgresql:
            let line = try run("'\(script)' \(getpid()) new")
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 2 else { throw TestDatabaseError(message: "postgres-cluster.sh printed '\(line)'") }
            return TestDatabase(database: parts[0], passwordFile: parts[1])
        }
    }

    /// Opens a new, migrated Store of `backend`.
    public static func store(_ backend: TestBackend) async throws -> Store {
        switch backend {
        case .sqlite: return try Store.inMemory()
        case .postgresql:
            let database = try make(.postgresql, in: FileManager.default.temporaryDirectory)
            return try await Store.open(database: database.database, passwordFile: database.passwordFile, logger: Logger(label: "test"))
        }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/postgres-cluster.sh").path

    /// Runs a shell command (popen, not Foundation's Process) and returns its first line of output.
    static func run(_ command: String) throws -> String {
        guard let pipe = popen(command + " 2>&1", "r") else { throw TestDatabaseError(message: "cannot run \(command)") }
        var output = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil {
            output += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let status = pclose(pipe)
        guard status == 0 else { throw TestDatabaseError(message: "\(command) failed (\(status)): \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
