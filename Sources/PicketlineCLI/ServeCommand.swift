import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PicketlineCore
import PicketlineHTTP
import PicketlineScheduler
import PicketlineStore
import ServiceLifecycle

/// `picketline serve`: the HTTP JSON API over the store, until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service: the HTTP JSON API and the scheduler (and, as it lands, the webhook sender).",
        discussion: """
        Stops gracefully on SIGTERM or SIGINT: requests in flight finish, then the database is closed.
        Example: picketline serve --port 8080 --database /var/lib/picketline/picketline.sqlite
                 curl http://127.0.0.1:8080/api/v1/actions
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on (default from configuration: 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default from configuration: 8080; 0 picks a free one).") var port: Int?

    mutating func run() async throws {
        var configuration: Configuration
        let store: SQLiteStore
        do {
            configuration = try global.configuration()
            if let host { try configuration.set("http.host", host, source: "--host") }
            if let port { try configuration.set("http.port", String(port), source: "--port") }
            store = try SQLiteStore(path: configuration.databasePath, durability: configuration.databaseDurability,
                                    reminderDefaults: configuration.scheduler.reminderDefaults)
        } catch let error as PicketlineError {
            Output.error(error)
            throw ExitCode(error.exitCode)
        }
        let logger = Logging.bootstrap(level: configuration.logLevel)
        let readiness: @Sendable () async -> String? = {
            do {
                let status = try store.migrationStatus()
                return status.applied == status.known ? nil : "migrations pending: \(Set(status.known).subtracting(status.applied).sorted())"
            } catch {
                return "database unavailable"
            }
        }
        let app = buildApplication(store: store, tokens: store, configuration: configuration.http, logger: logger,
                                   readiness: readiness)
        logger.info("serving", metadata: ["address": "\(configuration.http.host):\(configuration.http.port)",
                                           "database": "\(configuration.databasePath)"])
        let scheduler = SchedulerService(engine: SchedulerEngine(store: store, settings: configuration.scheduler.engineSettings),
                                         logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app, scheduler], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? store.close()
        logger.info("stopped; database closed")
    }
}

/// Log set-up, done once per process.
enum Logging {
    static func bootstrap(level: String) -> Logger {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
        var logger = Logger(label: "picketline")
        logger.logLevel = parsed
        return logger
    }
}
