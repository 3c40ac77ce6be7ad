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
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
    ],
    targets: [
        // MARK: pure wire formats and values
        .target(name: "MailCore", swiftSettings: strict),

        // MARK: services
        .target(
            name: "Store",
            dependencies: ["MailCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),

        // MARK: tests
        .testTarget(name: "MailCoreTests", dependencies: ["MailCore"], swiftSettings: strict),
        .testTarget(name: "StoreTests", dependencies: ["Store", "MailCore"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
