import ProspectConfig
import ProspectMessages
import Synchronization

/// The configuration in force and the message templates it names; replaced together on a
/// successful reload.
public final class ConfigBox: Sendable {
    private let value: Mutex<(Config, MessageTemplates)>

    public init(_ config: Config, templates: MessageTemplates = .builtIn) { value = Mutex((config, templates)) }

    public var current: Config { value.withLock { $0.0 } }

    public var templates: MessageTemplates { value.withLock { $0.1 } }

    /// Both at once, so a reload between two reads cannot pair a config with other texts.
    public var snapshot: (config: Config, templates: MessageTemplates) { value.withLock { $0 } }

    public func replace(_ config: Config, templates: MessageTemplates) { value.withLock { $0 = (config, templates) } }
}
