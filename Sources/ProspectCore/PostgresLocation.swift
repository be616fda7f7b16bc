import Foundation

/// Where a PostgreSQL database is: `postgresql://USER@HOST[:PORT]/DB`, optionally with
/// `?sslmode=disable|require`. The password never sits in the URL (it would end up in logs and
/// in a world-readable config); it comes from `database_password_file`.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var requireTLS: Bool

    /// Whether `value` is meant as a PostgreSQL URL (and not a SQLite file path).
    public static func isURL(_ value: String) -> Bool { value.hasPrefix("postgresql://") || value.hasPrefix("postgres://") }

    /// Reads a URL, or says in one line what is wrong with it.
    public static func parse(_ value: String) -> Result<PostgresLocation, DatabaseURLError> {
        func refuse(_ reason: String) -> Result<PostgresLocation, DatabaseURLError> { .failure(DatabaseURLError(reason: reason)) }
        let form = "write it as postgresql://USER@HOST[:PORT]/DATABASE"
        guard let components = URLComponents(string: value), let scheme = components.scheme, ["postgresql", "postgres"].contains(scheme)
        else { return refuse("it does not read as a URL; \(form)") }
        if components.password != nil { return refuse("it holds a password; put the password in database_password_file instead") }
        guard let user = components.user, !user.isEmpty else { return refuse("it names no user; \(form)") }
        guard let host = components.host, !host.isEmpty else { return refuse("it names no host; \(form)") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { return refuse("port \(port) is out of range; \(form)") }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { return refuse("it names no database; \(form)") }
        var requireTLS = false
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "disable"): requireTLS = false
            case ("sslmode", "require"), ("sslmode", "verify-full"): requireTLS = true
            default: return refuse("'\(item.name)=\(item.value ?? "")' is not understood; only sslmode=disable|require is")
            }
        }
        return .success(PostgresLocation(user: user, host: host, port: port, database: database, requireTLS: requireTLS))
    }

    /// The URL without anything secret: what logs and errors name.
    public var description: String { "postgresql://\(user)@\(host):\(port)/\(database)" }
}

/// What is wrong with a `postgresql://` URL (never quoting a password it held).
public struct DatabaseURLError: Error, Equatable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public var description: String { reason }
}
