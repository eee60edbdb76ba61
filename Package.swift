// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Picketline",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "picketline", targets: ["picketline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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
        .target(
            name: "PicketlineCLI",
            dependencies: [
                "PicketlineCore",
                "PicketlineStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "picketline", dependencies: ["PicketlineCLI"]),
        .testTarget(name: "PicketlineCoreTests", dependencies: ["PicketlineCore"]),
        .testTarget(name: "PicketlineStoreTests", dependencies: ["PicketlineCore", "PicketlineStore"]),
        .testTarget(
            name: "PicketlineCLITests",
            dependencies: ["PicketlineCLI", "picketline", "PicketlineStore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
