// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "prospectd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "prospectd", targets: ["prospectd"]),
        .executable(name: "prospect", targets: ["prospect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Pure domain: people, activities, kinds, calendars, rules. No I/O; time is a parameter.
        .target(name: "ProspectCore", swiftSettings: swiftSettings),
        // Codable request/response types shared by the server routes and the CLI client.
        .target(name: "ProspectAPI", dependencies: ["ProspectCore"], swiftSettings: swiftSettings),
        // The TOML configuration, decoded into validated values.
        .target(
            name: "ProspectConfig",
            dependencies: ["ProspectCore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        // Storage behind one Sendable type: SQLite (embedded) or PostgreSQL.
        .target(
            name: "ProspectStore",
            dependencies: [
                "ProspectCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The ladder engine: the same code for the daemon's timers and `prospectd simulate`.
        .target(
            name: "ProspectEngine",
            dependencies: [
                "ProspectCore", "ProspectConfig", "ProspectStore", "ProspectMessages",
            ],
            swiftSettings: swiftSettings
        ),
        // Message texts: built-in Mustache templates, overridable from a directory.
        .target(
            name: "ProspectMessages",
            dependencies: [
                "ProspectCore", "ProspectConfig", .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // A small SMTP client on SwiftNIO: STARTTLS or implicit TLS, AUTH PLAIN/LOGIN, MIME.
        .target(
            name: "ProspectMail",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The daemon: API routes, identity, lifecycle, systemd integration.
        .target(
            name: "ProspectServer",
            dependencies: [
                "ProspectCore", "ProspectAPI", "ProspectConfig", "ProspectStore", "ProspectEngine",
                "ProspectMessages", "ProspectMail",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Exit codes of the contract for both executables.
        .target(
            name: "ProspectCommandLine",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // The CLI's commands and its HTTP client.
        .target(
            name: "ProspectClient",
            dependencies: [
                "ProspectCore", "ProspectAPI", "ProspectCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "prospectd",
            dependencies: [
                "ProspectServer", "ProspectConfig", "ProspectCommandLine", "ProspectEngine", "ProspectStore", "ProspectCore",
                "ProspectMessages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "prospect", dependencies: ["ProspectClient"], swiftSettings: swiftSettings),
        // Benchmarks, not tests: `swift run -c release prospect-bench`.
        .executableTarget(
            name: "prospect-bench",
            dependencies: [
                "ProspectEngine", "ProspectStore", "ProspectConfig", "ProspectCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/LadderBench",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ProspectCoreTests", dependencies: ["ProspectCore"], swiftSettings: swiftSettings),
        .testTarget(name: "ProspectConfigTests", dependencies: ["ProspectConfig"], swiftSettings: swiftSettings),
        // What the tests share: a new database of either backend (a throwaway PostgreSQL cluster).
        .target(
            name: "ProspectTestSupport",
            dependencies: ["ProspectStore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ProspectStoreTests", dependencies: ["ProspectStore", "ProspectTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ProspectMessagesTests", dependencies: ["ProspectMessages"], exclude: ["Golden"], swiftSettings: swiftSettings),
        .testTarget(name: "ProspectClientTests", dependencies: ["ProspectClient"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ProspectEngineTests",
            dependencies: ["ProspectEngine", "ProspectTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProspectServerTests",
            dependencies: [
                "ProspectServer", "ProspectAPI", "ProspectConfig", "ProspectStore", "ProspectTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "ProspectCore", "ProspectAPI", "ProspectMail", "ProspectServer", "ProspectTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
