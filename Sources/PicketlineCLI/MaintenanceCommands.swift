import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore
import PicketlineWebhooks

/// `picketline backup <file>`: a consistent copy while the service runs.
struct BackupCommand: StoreCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent copy of the database (SQLite online backup; the service may keep running).",
        discussion: """
        The copy is of the database as it is: a new version of picketline does not upgrade it first, so a backup taken
        before an upgrade can be restored with the old version.
        Example: picketline backup /var/backups/picketline-$(date +%F).sqlite
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Where to write the copy (an earlier copy there is replaced; a folder or another file is not).") var file: String
    /// A copy of the database as it is, never upgraded first: the backup before an upgrade.
    var migratesDatabase: Bool { false }

    func run(store: SQLiteStore, configuration: Configuration) async throws {
        let summary = try store.backup(to: file)
        Output.line("backed up \(configuration.databasePath) to \(file): \(summary.actions) actions, \(summary.events) events, last change \(summary.lastChange.map { RFC3339.string(from: $0) } ?? "none")")
    }
}

/// `picketline restore <file>`: put a backup back.
struct RestoreCommand: StoreCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database with a backup; over a database that holds anything, only with --force.",
        discussion: """
        Stop `picketline serve` first, or it keeps answering from the old data until restarted.
        Example: picketline restore /var/backups/picketline-2026-11-28.sqlite --force
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The backup file.") var file: String
    @Flag(help: "Overwrite a database that holds data: everything changed since the backup is lost.") var force = false
    /// Restoring onto a new machine makes the database.
    var needsExistingDatabase: Bool { false }

    func run(store: SQLiteStore, configuration: Configuration) async throws {
        let summary = try store.restore(from: file, force: force)
        Output.line("restored \(file) into \(configuration.databasePath): \(summary.actions) actions, \(summary.events) events")
    }
}

/// `picketline doctor`: is everything in order?
struct DoctorCommand: StoreCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the database (integrity, foreign keys, migrations, journal mode, outbox) and that libcurl loads.",
        discussion: """
        Changes nothing: migrations this version would apply are reported as pending, not as a failure (serve and the other
        commands apply them); a database a newer version migrated is a failure.
        Exits 1 when a check fails. Example: picketline doctor --json
        """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    /// Pending migrations are reported, not applied.
    var migratesDatabase: Bool { false }

    func run(store: SQLiteStore, configuration: Configuration) async throws {
        let curlProblem = CurlTransport.libraryProblem
        let checks = try store.healthChecks()
            + [HealthCheck(name: "libcurl", ok: curlProblem == nil, detail: curlProblem ?? "loaded; webhooks can be sent")]
        if output.json { try Output.json(checks) } else {
            Output.table(["CHECK", "OK", "DETAIL"], checks.map { [$0.name, $0.ok ? "ok" : "FAIL", $0.detail] })
        }
        if checks.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }
}

/// `picketline config check`: validate a configuration file and show the effective settings.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check configuration.",
        discussion: "Example: picketline config check --config /etc/picketline/picketline.toml",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", 
            abstract: "Validate the configuration (unknown keys, bad values, unusable paths) and print the effective settings.",
            discussion: "Example: PICKETLINE_HTTP_PORT=9000 picketline config check --config Config/picketline.toml")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                let configuration = try global.configuration()
                var problems: [String] = []
                let directory = URL(fileURLWithPath: configuration.databasePath).deletingLastPathComponent().path
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                    problems.append("database.path: the folder \(directory) does not exist")
                } else if !FileManager.default.isWritableFile(atPath: directory) {
                    problems.append("database.path: the folder \(directory) is not writable")
                }
                // What is at the path itself: nothing yet (serve makes the database), or a database.
                if FileManager.default.fileExists(atPath: configuration.databasePath, isDirectory: &isDirectory) {
                    if isDirectory.boolValue {
                        problems.append("database.path: \(configuration.databasePath) is a folder; name a file in it, such as picketline.sqlite")
                    } else if !SQLiteStore.isEmptyOrSQLite(configuration.databasePath) {
                        problems.append("database.path: \(configuration.databasePath) exists and is not an SQLite database")
                    }
                }
                for (key, value) in configuration.effectiveSettings { Output.line("\(key) = \(value)") }
                if !problems.isEmpty {
                    for problem in problems { FileHandle.standardError.write(Data("error: \(problem)\n".utf8)) }
                    throw ExitCode(1)
                }
            } catch let error as PicketlineError {
                Output.error(error)
                throw ExitCode(error.exitCode)
            }
        }
    }
}

extension Configuration {
    /// Every setting with its effective value, secrets masked; in the order of `keys`, each of
    /// which it names (a test holds the two together).
    var effectiveSettings: [(String, String)] {
        [("database.path", databasePath), ("database.durability", databaseDurability.rawValue), ("log.level", logLevel), ("log.format", logFormat),
         ("actions.default_time_zone", defaultTimeZone), ("http.host", http.host), ("http.port", String(http.port)),
         ("http.max_body_bytes", String(http.maxBodyBytes)), ("http.public_writes_per_minute", String(http.publicWritesPerMinute)),
         ("http.public_base_url", http.publicBaseURL), ("http.event_loops", String(http.eventLoops)),
         ("http.cors_origins", http.corsOrigins.joined(separator: ", ")),
         ("webhooks.allow_cidrs", webhooks.allowCIDRs.map(\.description).joined(separator: ", ")),
         ("webhooks.max_concurrency", String(webhooks.maxConcurrency)), ("webhooks.max_per_host", String(webhooks.maxPerHost)),
         ("webhooks.connect_timeout_seconds", String(webhooks.connectTimeoutSeconds)),
         ("webhooks.timeout_seconds", String(webhooks.timeoutSeconds)),
         ("webhooks.retry_schedule", webhooks.retrySchedule.map { Int($0) < 60 ? "\(Int($0))s" : ReminderOffset.format(seconds: Int($0)) }
            .joined(separator: ", ")),
         ("webhooks.disable_after_hours", String(webhooks.disableAfterHours)),
         ("webhooks.secret_overlap_hours", String(webhooks.secretOverlapHours)),
         ("webhooks.lease_seconds", String(webhooks.leaseSeconds)),
         ("webhooks.poll_seconds", String(webhooks.pollSeconds)),
         ("scheduler.max_wait_seconds", String(scheduler.maxWaitSeconds)),
         ("reminders.default_offsets", scheduler.reminderDefaults.map(\.description).joined(separator: ", "))]
    }
}
