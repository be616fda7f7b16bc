import ProspectConfig
import Synchronization

/// The configuration in force; replaced whole on a successful reload.
public final class ConfigBox: Sendable {
    private let value: Mutex<Config>

    public init(_ config: Config) { value = Mutex(config) }

    public var current: Config { value.withLock { $0 } }

    public func replace(_ config: Config) { value.withLock { $0 = config } }
}
