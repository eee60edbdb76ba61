import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PicketlineCore
import PicketlineHTTP
import PicketlineStore
import PicketlineWebhooks
import ServiceLifecycle

/// `picketline serve`: the HTTP JSON API over the store, until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service: the HTTP JSON API and the webhook dispatcher (and, as it lands, the scheduler).",
        discussion: """
        Stops gracefully on SIGTERM or SIGINT: requests and webhook deliveries in flight finish (within a bound;
        unfinished deliveries are handed back for the next run), then the database is closed.
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
            store = try SQLiteStore(path: configuration.databasePath, durability: configuration.databaseDurability)
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
                                   readiness: readiness, webhooks: configuration.webhookAdministration(store: store))
        let dispatcher = OutboxDispatcherService(dispatcher: configuration.dispatcher(store: store, logger: logger), logger: logger)
        logger.info("serving", metadata: ["address": "\(configuration.http.host):\(configuration.http.port)",
                                           "database": "\(configuration.databasePath)"])
        let group = ServiceGroup(configuration: .init(services: [app, dispatcher], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
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
