import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ProspectAPI
import ProspectConfig
import ProspectEngine
import ProspectMessages
import ProspectStore
import ServiceLifecycle
import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// The daemon: opens the store, serves the API on the socket (and TCP), reloads on SIGHUP,
/// talks to systemd, and stops gracefully on SIGTERM.
public struct Daemon {
    let configBox: ConfigBox
    let configPath: String?
    let clock: any WallClock
    let logger: Logger
    let notifier = SystemdNotifier()

    public init(config: Config, templates: MessageTemplates, configPath: String?, clock: any WallClock, logger: Logger) {
        self.configBox = ConfigBox(config, templates: templates)
        self.configPath = configPath
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        let config = configBox.current
        // Before anything else: one daemon per database file and per socket, named when refused.
        // A PostgreSQL database is shared by design: one of its instances leads.
        var databaseLock: InstanceLock? = nil
        if !config.daemon.isPostgreSQL {
            try Self.makeFolder(of: config.daemon.database)
            databaseLock = try InstanceLock(path: config.daemon.databaseLock, guarding: "the database \(config.daemon.database)")
        }
        try Self.makeFolder(of: config.daemon.socket)
        let socketLock = try InstanceLock(path: config.daemon.socketLock, guarding: "the socket \(config.daemon.socket)")
        // Held until run() returns; the kernel lets go of them if the process dies first.
        defer { withExtendedLifetime((databaseLock, socketLock)) {} }
        try prepareSocket(config.daemon)
        // A certificate that cannot be served stops the start here, with its reason.
        let tls: TLSIdentity?
        if let files = config.daemon.tlsFiles(environment: ProcessInfo.processInfo.environment) {
            do { tls = try TLSIdentity(certificateFile: files.certificate, keyFile: files.key) } catch { throw DaemonError("\(error)") }
        } else {
            tls = nil
        }
        let environment = ProcessInfo.processInfo.environment
        let store: Store
        do {
            store = try await Store.open(
                database: config.daemon.database,
                passwordFile: ChannelSettings.filePath(config.daemon.databasePasswordFile, environment: environment),
                logger: logger
            )
        } catch let error as StoreOpenError {
            throw DaemonError("\(error)")
        }
        let leadership = Leadership(store.isShared ? .follower : .single)
        // This instance's claims on outbox rows died with its previous process: alone on a
        // SQLite file every claim is its own; on PostgreSQL those under its name (host and socket).
        let instance = "\(ProcessInfo.processInfo.hostName):\(config.daemon.socket)"
        try await store.releaseOutboxClaims(of: store.isShared ? instance : nil)
        // One-tap links are signed with a key made at first start and kept in the database.
        _ = try await store.linkKey(now: clock.now)
        let replan = Doorbell()
        let outbox = Doorbell()
        var delivery = HTTPClient.Configuration()
        delivery.timeout = .init(connect: .seconds(10), read: .seconds(30))
        delivery.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: delivery)
        let channels = ChannelKit(client: client, logger: logger, environment: ProcessInfo.processInfo.environment)
        let handlers = Handlers(
            store: store,
            config: configBox,
            clock: clock,
            logger: logger,
            replan: replan,
            channels: channels,
            limiter: TokenFailureLimiter(limit: config.daemon.tokenFailureLimit),
            outbox: outbox,
            leadership: leadership
        )
        let responder = makeRouter(handlers).buildResponder()

        let expected = 1 + (config.daemon.listen == nil ? 0 : 1) + (config.daemon.metricsListen == nil ? 0 : 1)
        let running = Mutex(0)
        let notifier = notifier
        let logger = logger
        let onRunning: @Sendable (String) -> Void = { what in
            logger.info("listening", metadata: ["on": "\(what)"])
            let all = running.withLock { count -> Bool in
                count += 1
                return count == expected
            }
            if all {
                notifier.notify("READY=1\nSTATUS=serving")
                logger.notice("prospectd ready", metadata: ["database": "\(config.daemon.database)"])
            }
        }
        let socketPath = config.daemon.socket
        ConnectionLimits.raiseDescriptorLimit()
        let perListener = ConnectionLimits.total(listeners: expected)
        var services: [any Service] = [
            APIServer(
                responder: responder,
                address: .unixDomainSocket(path: socketPath),
                logger: logger,
                limits: ConnectionLimits(
                    listener: "unix:\(socketPath)",
                    total: perListener,
                    perPeer: config.daemon.connectionsPerPeer,
                    logger: logger
                ),
                onServerRunning: { _ in
                    // Anyone may connect: the daemon knows callers by SO_PEERCRED, not by file mode.
                    chmod(socketPath, 0o666)
                    onRunning("unix:\(socketPath)")
                }
            )
        ]
        if let listen = config.daemon.listen {
            services.append(
                APIServer(
                    responder: responder,
                    address: .hostname(listen.host, port: listen.port),
                    logger: logger,
                    limits: ConnectionLimits(
                        listener: "tcp:\(listen)",
                        total: perListener,
                        perPeer: config.daemon.connectionsPerPeer,
                        logger: logger
                    ),
                    tls: tls,
                    onServerRunning: { [scheme = tls == nil ? "tcp" : "https"] channel in
                        onRunning("\(scheme):\(channel.localAddress.map { "\($0)" } ?? "\(listen)")")
                    }
                )
            )
        }
        if let metricsListen = config.daemon.metricsListen {
            let metrics = DaemonMetrics(store: store, clock: clock)
            services.append(
                APIServer(
                    responder: makeMetricsRouter(metrics).buildResponder(),
                    address: .hostname(metricsListen.host, port: metricsListen.port),
                    logger: logger,
                    limits: ConnectionLimits(listener: "metrics:\(metricsListen)", total: 64, perPeer: 16, logger: logger),
                    onServerRunning: { channel in onRunning("metrics:\(channel.localAddress.map { "\($0)" } ?? "\(metricsListen)")") }
                )
            )
        }
        let scheduler = LadderScheduler(
            engine: Engine(store: store, rest: 0.5),
            config: configBox,
            clock: clock,
            logger: logger,
            replan: replan,
            outbox: outbox
        )
        if store.isShared {
            services.append(LeaderElection(store: store, leadership: leadership, failover: .seconds(config.daemon.failoverSeconds), logger: logger))
        }
        services.append(LeaderOnly(scheduler: scheduler, leadership: leadership))
        services.append(
            OutboxWorker(store: store, config: configBox, clock: clock, logger: logger, doorbell: outbox, channels: channels, instance: instance)
        )
        services.append(ReloadService(box: configBox, path: configPath, notifier: notifier, logger: logger, replan: replan, tls: tls))
        services.append(LifecycleService(notifier: notifier, logger: logger))
        let group = ServiceGroup(
            configuration: .init(
                // ServiceLifecycle logs each service's name (at debug); by default that is the
                // service's description, which dumps its fields and with them the environment.
                services: services.map { .init(service: $0, serviceName: Self.name(of: $0)) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            await store.close()
            throw error
        }
        try? await client.shutdown()
        await store.close()
        unlink(socketPath)
        logger.notice("prospectd stopped")
    }

    /// A service's type name, without generic arguments: `APIServer`, `OutboxWorker`.
    static func name(of service: any Service) -> String {
        String(describing: type(of: service)).split(separator: "<").first.map(String.init) ?? "service"
    }

    /// Makes a file's folder when it is missing (the socket's under /run, the database's under --dev).
    static func makeFolder(of path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        guard !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) else { return }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    /// Clears a stale socket, which only the holder of the socket's lock may do. Binding replaces
    /// whatever is at the path, so anything there but a socket is refused, never deleted.
    func prepareSocket(_ settings: DaemonSettings) throws {
        let path = settings.socket
        guard path.utf8.count <= 107 else {
            throw DaemonError("the socket path \(path) is longer than the 107 bytes a Unix socket allows; use a shorter path")
        }
        if let problem = settings.socketPathProblem { throw DaemonError("[daemon].socket: \(problem)") }
        guard FileManager.default.fileExists(atPath: path) else { return }
        if Self.somethingListens(at: path) {
            throw DaemonError("another prospectd is already serving \(path); stop it first, or set [daemon].socket to another path")
        }
        unlink(path)
    }

    static func somethingListens(at path: String) -> Bool {
        guard let address = UnixSocketAddress(path: path) else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return address.withSockaddr { connect(fd, $0, $1) } == 0
    }
}

/// A startup failure with a message for the operator.
public struct DaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Re-reads the configuration on SIGHUP; a bad file keeps the running one and logs why.
struct ReloadService: Service {
    let box: ConfigBox
    let path: String?
    let notifier: SystemdNotifier
    let logger: Logger
    let replan: Doorbell
    /// The HTTPS listener's identity, read again from the files the new configuration names.
    var tls: TLSIdentity? = nil

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())")
            reload()
            notifier.notify("READY=1")
        }
    }

    func reload() {
        guard let path else {
            logger.notice("SIGHUP: running on the embedded default configuration; nothing to reload")
            return
        }
        do {
            let new = try ConfigLoader.load(path: path)
            let templates: MessageTemplates
            switch MessageTemplates.load(directory: new.templatesDirectory) {
            case .success(let loaded): templates = loaded
            case .failure(let problems):
                for problem in problems.problems {
                    logger.error("configuration reload refused; keeping the running configuration: \(problem)")
                }
                return
            }
            let old = box.current
            if let tls {
                if let files = new.daemon.tlsFiles(environment: ProcessInfo.processInfo.environment) {
                    do {
                        try tls.reload(certificateFile: files.certificate, keyFile: files.key)
                        logger.notice("TLS certificate re-read", metadata: ["file": "\(files.certificate)"])
                    } catch {
                        logger.error("TLS certificate reload refused; new connections keep the one in use: \(error)")
                    }
                } else {
                    logger.warning("SIGHUP: TLS cannot be turned off by a reload; restart prospectd to serve plain HTTP")
                }
            }
            var unchanged = new.daemon
            unchanged.tlsCertificateFile = old.daemon.tlsCertificateFile
            unchanged.tlsKeyFile = old.daemon.tlsKeyFile
            if unchanged != old.daemon {
                logger.warning("SIGHUP: [daemon] settings changed; they take effect at the next restart")
            }
            var applied = new
            applied.daemon = old.daemon
            box.replace(applied, templates: templates)
            replan.ring()
            logger.notice("configuration reloaded", metadata: ["file": "\(path)"])
        } catch let error as ConfigErrors {
            for problem in error.errors {
                logger.error("configuration reload refused; keeping the running configuration: \(problem)")
            }
        } catch {
            logger.error("configuration reload refused; keeping the running configuration: \(error)")
        }
    }
}

/// Pings the systemd watchdog at half its interval and says STOPPING=1 when shutdown begins.
struct LifecycleService: Service {
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        let interval = SystemdNotifier.watchdogInterval()
        await withGracefulShutdownHandler {
            if let interval {
                try? await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        try await Task.sleep(for: interval)
                        notifier.notify("WATCHDOG=1")
                    }
                }
            } else {
                try? await gracefulShutdown()
            }
        } onGracefulShutdown: {
            logger.notice("stopping: finishing requests in flight")
            notifier.notify("STOPPING=1")
        }
    }
}

/// A struct's default description dumps its fields, and through the HTTP client's settings that
/// would be the daemon's whole environment (credentials): never.
extension ChannelKit: CustomStringConvertible, CustomDebugStringConvertible {
    var description: String { "ChannelKit" }
    var debugDescription: String { "ChannelKit" }
}
