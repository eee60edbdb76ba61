// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Picketline",
    // Mutex (Synchronization, used by the webhook transport) needs macOS 15 on Apple platforms.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "picketline", targets: ["picketline"]),
        .executable(name: "picketline-bench", targets: ["picketline-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already in the graph through Hummingbird; named for serve's own event loop group.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "PicketlineCore"),
        .target(
            name: "PicketlineStore",
            dependencies: [
                "PicketlineCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's own calls, for the statements a fan-out runs thousands of times.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .target(name: "PicketlineScheduler", dependencies: ["PicketlineCore"]),
        // libcurl's header (libcurl4-openssl-dev); the library itself is opened on first use.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        .target(
            name: "PicketlineWebhooks",
            dependencies: [
                "PicketlineCore",
                "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PicketlineHTTP",
            dependencies: [
                "PicketlineCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PicketlineCLI",
            dependencies: [
                "PicketlineCore",
                "PicketlineStore",
                "PicketlineHTTP",
                "PicketlineScheduler",
                "PicketlineWebhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "picketline",
            dependencies: ["PicketlineCLI"],
            // Linked for a small resident footprint (Deploy/bench.sh measures it): lld packs the
            // 126,000 relative relocations of a position-independent binary into 25 KB (DT_RELR,
            // glibc 2.36+, Debian 12) instead of 3 MB the loader reads at every start, and the
            // binary exports no symbols (the static Swift libraries ask for --export-dynamic, which
            // put 35,000 names the loader searches on every lookup into memory). Crash backtraces
            // still have names: they come from the symbol table, which is kept.
            linkerSettings: [.unsafeFlags([
                "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
            ])]
        ),
        .executableTarget(
            name: "picketline-bench",
            dependencies: [
                "PicketlineCore", "PicketlineScheduler",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
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
                "PicketlineHTTP", "PicketlineStore", "PicketlineCore", "PicketlineWebhooks", "PicketlineTestSupport", "PicketlineScheduler",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "PicketlineCLITests",
            dependencies: ["PicketlineCLI", "picketline", "PicketlineStore", "PicketlineWebhooks", "PicketlineTestSupport"]
        ),
        // Real receivers on 127.0.0.1 for the webhook tests of several modules.
        .target(name: "PicketlineTestSupport", dependencies: ["PicketlineCore"], path: "Tests/PicketlineTestSupport"),
        .testTarget(
            name: "PicketlineWebhooksTests",
            dependencies: [
                "PicketlineWebhooks", "PicketlineCore", "PicketlineStore", "PicketlineTestSupport", "PicketlineScheduler",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures/standard-webhooks-vectors.json")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
