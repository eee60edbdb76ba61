import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// Options every command takes: where the configuration and the database are.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (TOML subset). Default: $PICKETLINE_CONFIG, else ./Config/picketline.toml if present.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("SQLite database file; overrides the configuration.", valueName: "path"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp("Log format: text (default) or json (one object per line).", valueName: "format"))
    var logFormat: String?

    /// The effective configuration: defaults, file, environment, then these flags.
    func configuration() throws -> Configuration {
        let environment = ProcessInfo.processInfo.environment
        var file = config ?? environment["PICKETLINE_CONFIG"]
        if file == nil, FileManager.default.fileExists(atPath: "Config/picketline.toml") { file = "Config/picketline.toml" }
        var configuration = try Configuration.load(file: file, environment: environment)
        if let database { try configuration.set("database.path", database, source: "--database") }
        if let logLevel { try configuration.set("log.level", logLevel, source: "--log-level") }
        if let logFormat { try configuration.set("log.format", logFormat, source: "--log-format") }
        return configuration
    }

    /// The effective configuration, refusing a database path where there is no database: a
    /// mistyped path must not become a new, empty database that a command answers from.
    func existingDatabaseConfiguration() throws -> Configuration {
        let configuration = try configuration()
        guard FileManager.default.fileExists(atPath: configuration.databasePath) else {
            throw PicketlineError.invalid(field: "database", reason: """
                there is no database at \(configuration.databasePath); give the one to use with --database or \
                PICKETLINE_DATABASE_PATH, or create it with `picketline migrate` (`picketline serve` creates it too)
                """)
        }
        return configuration
    }

    /// Opens the store the configuration names, migrating it.
    ///
    /// A command that does its work and exits (the default) uses one database connection, which
    /// opens quickest, and rings the doorbell on each commit: a running `serve` (or `deliver`,
    /// `schedule run`) hears of it at once, so a call-out sent from here goes out at once. A command
    /// that `keepsRunning` watches the doorbell instead (ringing it would wake itself) and reads on
    /// connections beside its writer, as `serve` does.
    func openStore(keepsRunning: Bool = false, migrate: Bool = true, configuration given: Configuration? = nil) throws
        -> (SQLiteStore, Configuration) {
        let configuration = try given ?? configuration()
        let store = try SQLiteStore(path: configuration.databasePath, durability: configuration.databaseDurability,
                                    reminderDefaults: configuration.scheduler.reminderDefaults, migrate: migrate,
                                    ringsDoorbell: !keepsRunning, concurrentReads: keepsRunning, checkpointsOnCommit: keepsRunning)
        return (store, configuration)
    }
}

/// A command that works on the store: opens it, runs, and turns domain errors into a
/// message on stderr and a non-zero exit.
protocol StoreCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    /// Whether the command runs on (watching the doorbell) rather than doing its work and exiting;
    /// see `GlobalOptions.openStore`.
    var keepsRunning: Bool { get }
    /// Whether the command works only on a database that exists: all but those that make one
    /// (`migrate`, `demo`, `restore`; `serve` too). Given a mistyped path, a command says so
    /// instead of making an empty database there and answering from it (found by QA: `action list`
    /// printed "(none)" and exit 0, and left the folders it made behind).
    var needsExistingDatabase: Bool { get }
    /// Whether opening the database applies the migrations this version brings. `backup` and
    /// `doctor` look at the database as it is: a backup taken with a new binary before the upgrade
    /// is of the old schema (what a rollback needs), and doctor reports migrations as pending.
    var migratesDatabase: Bool { get }
    func run(store: SQLiteStore, configuration: Configuration) async throws
}

extension StoreCommand {
    var keepsRunning: Bool { false }
    var needsExistingDatabase: Bool { true }
    var migratesDatabase: Bool { true }

    mutating func run() async throws {
        do {
            let checked = needsExistingDatabase ? try global.existingDatabaseConfiguration() : nil
            let (store, configuration) = try global.openStore(keepsRunning: keepsRunning, migrate: migratesDatabase, configuration: checked)
            try await run(store: store, configuration: configuration)
            try? store.close()
        } catch let error as PicketlineError {
            Output.error(error)
            throw ExitCode(error.exitCode)
        }
    }
}

extension PicketlineError {
    /// 1 for a refused request (bad input, unknown reference, conflict), 3 when storage failed.
    var exitCode: Int32 {
        switch self {
        case .invalid, .notFound, .conflict: 1
        case .unavailable: 3
        }
    }
}

/// `--json` for listings and shows.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (snake_case keys, RFC 3339 times) instead of text, for scripts.")
    var json = false
}
