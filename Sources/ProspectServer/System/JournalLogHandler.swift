import Foundation
import Logging
import Synchronization

/// Writes one line per message to stderr, prefixed with the journald priority (`<6>` for info)
/// so systemd files each line at the right level.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    private static let lock = Mutex(())

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = "<\(Self.priority(event.level))>\(event.message)"
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.sanitize("\(merged[key]!)"))"
        }
        line = line.replacingOccurrences(of: "\n", with: "\\n") + "\n"
        Self.lock.withLock { _ in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    static func sanitize(_ value: String) -> String {
        value.contains(" ") ? "\"\(value.replacingOccurrences(of: "\"", with: "'"))\"" : value
    }
}
