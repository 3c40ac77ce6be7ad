// swift-tools-version:6.1
// libFuzzer targets for every parser of Postern, kept out of the main package so that the
// sanitizer flags never touch the product build. Build and run one:
//
//   cd Fuzz
//   swift build -c release --product FuzzSMTPFraming -Xswiftc -sanitize=fuzzer,address
//   .build/release/FuzzSMTPFraming -max_total_time=60 corpus/smtp-framing
//
// Seeds: ../Tests/*/Fixtures and the shared MIME samples (see README.md).
import Foundation
import PackageDescription

// A path dependency is known by its directory's name ("main", "postern", a CI clone's
// name...), not by the name in its manifest.
let postern = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "PosternFuzz",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(name: "FuzzSMTPCommand", dependencies: ["FuzzDriver", .product(name: "PosternParsers", package: postern)]),
        .executableTarget(name: "FuzzSMTPFraming", dependencies: ["FuzzDriver", .product(name: "PosternParsers", package: postern),
                                                           .product(name: "NIOCore", package: "swift-nio")]),
        .executableTarget(name: "FuzzIMAPCommand", dependencies: ["FuzzDriver", .product(name: "PosternParsers", package: postern),
                                                           .product(name: "NIOCore", package: "swift-nio")]),
        .executableTarget(name: "FuzzMessage", dependencies: ["FuzzDriver", .product(name: "PosternParsers", package: postern)]),
        .executableTarget(name: "FuzzTOML", dependencies: ["FuzzDriver", .product(name: "PosternParsers", package: postern)]),
        .executableTarget(name: "FuzzDNSMessage", dependencies: ["FuzzDriver", .product(name: "PosternParsers", package: postern)]),
    ],
    swiftLanguageModes: [.v6]
)
