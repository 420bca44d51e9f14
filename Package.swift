// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "jira-resilient",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jira-resilient", targets: ["jira-resilient"]),
        .library(name: "JiraResilient", targets: ["JiraResilient"]),
        .library(name: "JiraExtract", targets: ["JiraExtract"]),
        /// The embedded JIRA Server, shipped as a test kit of its own.
        .library(name: "JiraSimulator", targets: ["JiraSimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
    ],
    targets: [
        .target(
            name: "JiraResilient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "JiraExtract",
            dependencies: [
                "JiraResilient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "JiraSimulator",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CNcursesw",
            cSettings: [.define("_XOPEN_SOURCE_EXTENDED"), .define("NCURSES_WIDECHAR", to: "1")],
            linkerSettings: [.linkedLibrary("ncursesw")]
        ),
        .target(
            name: "Console",
            dependencies: ["CNcursesw", "JiraResilient", "JiraExtract"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "jira-resilient",
            dependencies: [
                "JiraResilient", "JiraExtract", "JiraSimulator", "Console",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "json-bench",
            dependencies: ["JiraResilient", "JiraSimulator"],
            path: "Benchmarks/json-bench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "console-bench",
            dependencies: ["Console", "JiraExtract", "JiraResilient"],
            path: "Benchmarks/console-bench",
            swiftSettings: strict
        ),
        /// Test scaffolding shared by the test targets (a CONNECT proxy, the clean-up watchdog).
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "JiraSimulatorTests",
            dependencies: [
                "JiraSimulator", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConsoleTests",
            dependencies: ["Console", "JiraExtract", "JiraResilient", "TestSupport"],
            exclude: ["Snapshots"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JiraExtractTests",
            dependencies: ["JiraExtract", "JiraResilient", "JiraSimulator", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CommandLineTests",
            dependencies: [
                "jira-resilient", "JiraSimulator", "JiraResilient", "JiraExtract", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JiraResilientTests",
            dependencies: ["JiraResilient", "JiraSimulator", "TestSupport"],
            swiftSettings: strict
        ),
    ]
)
