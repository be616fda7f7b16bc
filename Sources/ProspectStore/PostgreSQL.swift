import Foundation

/// A PostgreSQL database (stub while the driver is built).
final class PostgresBackend: Sendable {
    func transaction<T: Sendable>(readOnly: Bool, _ block: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        fatalError()
    }
}
