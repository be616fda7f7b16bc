import Foundation
import Testing

/// The Store is the only door to the database: no module above it speaks SQL or GRDB.
@Suite struct BoundaryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every Swift file under `Sources/` outside `Sources/ProspectStore`.
    static func sourcesAboveTheStore() throws -> [URL] {
        let sources = root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return files.filter { $0.pathExtension == "swift" && !$0.path.contains("/Sources/ProspectStore/") }
    }

    @Test func onlyTheStoreImportsGRDB() throws {
        let files = try Self.sourcesAboveTheStore()
        #expect(files.count > 20, "the source tree was not found from \(Self.root.path)")
        let offenders = try files.filter { file in
            try String(contentsOf: file, encoding: .utf8).split(separator: "\n").contains { $0.hasPrefix("import GRDB") }
        }
        #expect(offenders.isEmpty, "\(offenders.map(\.lastPathComponent))")
    }

    @Test func noSQLAboveTheStore() throws {
        let statements = ["SELECT ", "INSERT ", "UPDATE ", "DELETE FROM"]
        let offenders = try Self.sourcesAboveTheStore().filter { file in
            let text = try String(contentsOf: file, encoding: .utf8)
            return statements.contains { text.contains("\"\($0)") || text.contains("sql: \"") }
        }
        #expect(offenders.isEmpty, "\(offenders.map(\.lastPathComponent))")
    }
}
