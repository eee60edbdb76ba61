// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Picketline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "picketline", targets: ["picketline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(name: "PicketlineCore"),
        .target(
            name: "PicketlineStore",
            dependencies: [
                "PicketlineCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(name: "PicketlineScheduler", dependencies: ["PicketlineCore"]),
        .target(
            name: "PicketlineHTTP",
            dependencies: [
                "PicketlineCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PicketlineCLI",
            dependencies: [
                "PicketlineCore",
                "PicketlineStore",
                "PicketlineHTTP",
                "PicketlineScheduler",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "picketline", dependencies: ["PicketlineCLI"]),
        .testTarget(name: "PicketlineCoreTests", dependencies: ["PicketlineCore"]),
        .testTarget(name: "PicketlineStoreTests", dependencies: ["PicketlineCore", "PicketlineStore"]),
        .testTarget(
            name: "PicketlineSchedulerTests",
            dependencies: ["PicketlineScheduler", "PicketlineCore", "PicketlineStore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "PicketlineHTTPTests",
            dependencies: [
                "PicketlineHTTP", "PicketlineStore", "PicketlineCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "PicketlineCLITests",
            dependencies: ["PicketlineCLI", "picketline", "PicketlineStore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
