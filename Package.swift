// swift-tools-version:6.1
// Postern: a complete self-hosted mail server in one binary.
// Layers (docs/architecture.md): pure wire formats -> standards over injected dependencies ->
// services -> composition (PosternServer) -> the `postern` executable.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Postern",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "postern", targets: ["postern"]),
        // The pure parsers, for the fuzz package in Fuzz/.
        .library(name: "PosternParsers", targets: ["MailCore", "TOML", "SMTPProtocol", "IMAPProtocol", "MessageFormat", "DNSClient"]),

    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // MARK: pure wire formats and values
        .target(name: "MailCore", swiftSettings: strict),
        .target(name: "TOML", swiftSettings: strict),
        .target(name: "SMTPProtocol", dependencies: [
            "MailCore",
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: strict),

        // MARK: services
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt"),
        .target(name: "PosternLogging", dependencies: [
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .target(name: "SASL", swiftSettings: strict),
        .target(name: "NetServer", dependencies: [
            "MailCore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(name: "TLSCertificates", dependencies: [
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .target(name: "Config", dependencies: ["MailCore", "TOML"], swiftSettings: strict),
        .target(name: "Accounts", dependencies: [
            "MailCore", "CCrypt",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),

        .target(name: "MessageFormat", dependencies: ["MailCore"], swiftSettings: strict),

        .target(
            name: "IMAPProtocol",
            dependencies: ["MailCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),

        // MARK: standards over injected dependencies
        .target(name: "DNSClient", dependencies: [
            "MailCore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: strict),

        // MARK: composition and test support
        .target(name: "TestSupport", dependencies: [
            "DNSClient", "MailCore", "Config", "PosternServer", "PosternLogging", "Queue",
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: strict),
        .executableTarget(name: "postern-bench", dependencies: [
            "DNSClient", "TestSupport", "MailCore", "Queue", "SMTPProtocol",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Benchmarks/postern-bench", swiftSettings: strict),

        .target(name: "SMTPServer", dependencies: [
            "MailCore", "SMTPProtocol", "SASL", "NetServer", "Accounts", "DNSClient",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),

        .target(name: "SMTPClient", dependencies: [
            "MailCore", "SMTPProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
        ], swiftSettings: strict),

        .target(name: "Queue", dependencies: [
            "MailCore", "SMTPProtocol", "SMTPClient", "DNSClient", "MessageFormat",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),

        // MARK: services
        .target(name: "IMAPServer", dependencies: [
            "MailCore", "IMAPProtocol", "MessageFormat", "Store", "NetServer", "SASL",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(
            name: "Store",
            dependencies: ["MailCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),

        .target(name: "HTTPServer", dependencies: [
            "NetServer",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(name: "PosternServer", dependencies: [
            "Accounts", "Config", "DNSClient", "IMAPProtocol", "IMAPServer", "MailCore", "MessageFormat", "NetServer", "PosternLogging",
            "Queue", "SMTPClient", "SMTPProtocol", "SMTPServer", "Store", "TLSCertificates", "HTTPServer",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .executableTarget(name: "postern", dependencies: [
            "Accounts", "Config", "DNSClient", "MailCore", "MessageFormat", "PosternServer", "Queue", "SMTPProtocol", "TLSCertificates",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: strict),

        // MARK: tests
        // The seeded generator every randomized test uses.
        .target(name: "TestRandom", swiftSettings: strict),

        .testTarget(name: "MailCoreTests", dependencies: ["MailCore"], swiftSettings: strict),
        .testTarget(name: "TOMLTests", dependencies: ["TestRandom", "TOML"], swiftSettings: strict),
        .testTarget(name: "SMTPProtocolTests", dependencies: [
            "TestRandom", "SMTPProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOTestUtils", package: "swift-nio"),
        ], swiftSettings: strict),
        .testTarget(name: "PosternLoggingTests", dependencies: ["PosternLogging"], swiftSettings: strict),
        .testTarget(name: "TLSCertificatesTests", dependencies: ["TLSCertificates"], swiftSettings: strict),
        .testTarget(name: "ConfigTests", dependencies: ["Config"], swiftSettings: strict),
        .testTarget(name: "AccountsTests", dependencies: ["Accounts"], swiftSettings: strict),
        .testTarget(name: "MessageFormatTests", dependencies: ["TestRandom", "MessageFormat", "MailCore"],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "IMAPProtocolTests",
            dependencies: [
                "TestRandom", "IMAPProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "DNSClientTests", dependencies: [
            "TestRandom", "DNSClient", "TestSupport", "MailCore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: strict),
        .testTarget(name: "SMTPClientTests", dependencies: [
            "TestRandom", "SMTPClient", "SMTPProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
        ], swiftSettings: strict),
        .testTarget(name: "QueueTests", dependencies: [
            "TestRandom", "Queue", "SMTPClient", "SMTPProtocol", "MailCore", "MessageFormat", "TestSupport", "DNSClient",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "StoreTests", dependencies: ["TestRandom", "Store", "MailCore"], swiftSettings: strict),
        .testTarget(name: "IMAPServerTests", dependencies: [
            "TestRandom", "IMAPServer", "IMAPProtocol", "Store", "MessageFormat", "MailCore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "IntegrationTests", dependencies: [
            "TestSupport", "DNSClient", "Config", "PosternServer", "Accounts", "MailCore", "Queue", "SMTPClient", "SMTPProtocol", "Store",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
