/// One thing wrong with a configuration file, located by line or key path.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var keyPath: String
    public var message: String

    public var description: String {
        if let line { return "\(file):\(line): \(keyPath.isEmpty ? "" : "\(keyPath): ")\(message)" }
        return "\(file): \(keyPath.isEmpty ? "" : "\(keyPath): ")\(message)"
    }
}

/// Every problem with a configuration file.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
