import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PicketlineCore
import PicketlineHTTP
import PicketlineScheduler
import PicketlineStore
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import PicketlineWebhooks
import ServiceLifecycle

/// `picketline serve`: the HTTP JSON API over the store, until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service: the HTTP JSON API, the webhook dispatcher and the scheduler.",
        discussion: """
        Stops gracefully on SIGTERM or SIGINT: requests and webhook deliveries in flight finish (within a bound;
        unfinished deliveries are handed back for the next run), then the database is closed.
        Example: picketline serve --port 8080 --database /var/lib/picketline/picketline.sqlite
                 curl http://127.0.0.1:8080/api/v1/actions
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on (default: http.host in the configuration, 127.0.0.1 unless set).") var host: String?
    @Option(help: "Port to listen on (default: http.port in the configuration, 8080 unless set; 0 picks a free one).") var port: Int?

    mutating func run() async throws {
        var configuration: Configuration
        let store: SQLiteStore
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(Self.metricsFactory(registry))
        do {
            configuration = try global.configuration()
            if let host { try configuration.set("http.host", host, source: "--host") }
            if let port { try configuration.set("http.port", String(port), source: "--port") }
            store = try SQLiteStore(path: configuration.databasePath, durability: configuration.databaseDurability,
                                    reminderDefaults: configuration.scheduler.reminderDefaults,
                                    writeTimings: Self.writeTimings())
        } catch let error as PicketlineError {
            Output.error(error)
            throw ExitCode(error.exitCode)
        }
        // A host that is not this machine's is left to NIO's own bind: a name such as localhost may
        // resolve first to an address family the probe has and NIO does not use.
        if let code = ListenProbe.bindError(host: configuration.http.host, port: configuration.http.port),
           code == EADDRINUSE || code == EACCES, let refusal = Self.listenRefusal(errno: code, http: configuration.http) {
            try? store.close()
            Output.error(refusal)
            throw ExitCode(refusal.exitCode)
        }
        let logger = LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        // Access lines go out in batches, at most 50 ms late; warnings and errors at once.
        LogOutput.standardError.batch(every: .milliseconds(50))
        defer { LogOutput.standardError.flush() }
        let outboxGauge = Gauge(label: "picketline_outbox_events")
        let backlogGauge = Gauge(label: "picketline_outbox_backlog_events")
        let pendingGauge = Gauge(label: "picketline_webhook_deliveries_pending")
        let metrics: @Sendable () async -> String = {
            if let summary = try? store.summary() { outboxGauge.record(summary.events) }
            if let backlog = try? store.backlog() {
                backlogGauge.record(backlog.events)
                pendingGauge.record(backlog.deliveries)
            }
            return registry.emitToString()
        }
        let readiness: @Sendable () async -> String? = {
            do {
                let status = try store.migrationStatus()
                return status.applied == status.known ? nil : "migrations pending: \(Set(status.known).subtracting(status.applied).sorted())"
            } catch {
                return "database unavailable"
            }
        }
        let engine = SchedulerEngine(store: store, settings: configuration.scheduler.engineSettings)
        let schedules = ScheduleAdministration(store: store, add: { try await engine.addSchedule($0) },
                                               resume: { try await engine.resume($0) })
        let dispatcher = configuration.dispatcherService(store: store, logger: logger)
        // A call-out sent through the API goes out at once, not at the dispatcher's next poll.
        let webhooks = configuration.webhookAdministration(store: store, dispatchNow: { dispatcher.wake() })
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: configuration.http.eventLoops)
        let app = buildApplication(store: store, tokens: store, configuration: configuration.http, eventLoops: eventLoops, logger: logger,
                                   readiness: readiness, metrics: metrics, webhooks: webhooks, schedules: schedules)
        logger.info("serving", metadata: ["address": "\(configuration.http.host):\(configuration.http.port)",
                                           "database": "\(configuration.databasePath)",
                                           "event_loops": "\(configuration.http.eventLoops)"])
        let scheduler = SchedulerService(engine: engine,
                                         logger: logger)
        // What an admin command commits meanwhile (a call-out, an action moved, a schedule added)
        // is looked at now rather than at the next poll.
        let doorbell = DoorbellWatch.start(database: configuration.databasePath, logger: logger) {
            dispatcher.wake()
            scheduler.loop.wake()
        }
        defer { doorbell?.cancel() }
        let group = ServiceGroup(configuration: .init(services: [app, dispatcher, scheduler], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as IOError {
            // The listening socket could not be had: said in the settings' terms, not NIO's.
            try? await eventLoops.shutdownGracefully()
            try? store.close()
            guard let refusal = Self.listenRefusal(error, http: configuration.http) else { throw error }
            LogOutput.standardError.flush()  // the log lines before it come first
            Output.error(refusal)
            throw ExitCode(refusal.exitCode)
        }
        try? await eventLoops.shutdownGracefully()
        try? store.close()
        logger.info("stopped; database closed")
    }

    /// Prometheus through swift-metrics. The database's commits take about a millisecond on a
    /// local disk, under the factory's first bucket (5 ms), so their histograms start lower.
    static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        let fine: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                .milliseconds(500), .seconds(1), .milliseconds(2500)]
        factory.durationHistogramBuckets["picketline_database_commit_seconds"] = fine
        factory.durationHistogramBuckets["picketline_database_write_seconds"] = fine
        factory.durationHistogramBuckets["picketline_database_checkpoint_seconds"] = fine
        factory.valueHistogramBuckets["picketline_database_writes_per_commit"] = [1, 2, 4, 8, 16, 32]
        return factory
    }

    /// The writer's commits for `/metrics`: how long the disk takes (commit, and checkpoint when a
    /// commit copies the WAL back), how long a write waits for its answer (write) and how many
    /// writes share a commit (group commit at work).
    static func writeTimings() -> WriteTimings {
        let commit = Timer(label: "picketline_database_commit_seconds")
        let write = Timer(label: "picketline_database_write_seconds")
        let batch = Recorder(label: "picketline_database_writes_per_commit", aggregate: true)
        let checkpoint = Timer(label: "picketline_database_checkpoint_seconds")
        return WriteTimings(
            committed: { writes, nanoseconds in
                commit.recordNanoseconds(Int64(clamping: nanoseconds))
                batch.record(writes)
            },
            answered: { nanoseconds in write.recordNanoseconds(Int64(clamping: nanoseconds)) },
            checkpointed: { nanoseconds in checkpoint.recordNanoseconds(Int64(clamping: nanoseconds)) })
    }

    /// What to tell the operator when `bind(2)` refuses the configured address; nil for other errors.
    static func listenRefusal(_ error: IOError, http: HTTPConfiguration) -> PicketlineError? {
        listenRefusal(errno: error.errnoCode, http: http)
    }

    static func listenRefusal(errno code: Int32, http: HTTPConfiguration) -> PicketlineError? {
        let address = "\(http.host):\(http.port)"
        switch code {
        case EADDRINUSE:
            return .invalid(field: "http.port", reason: "\(address) is already in use (another picketline serve?); choose another with --port or http.port")
        case EACCES:
            return .invalid(field: "http.port", reason: "\(address) needs privileges this process lacks (ports below 1024); use a higher port behind a proxy")
        case EADDRNOTAVAIL:
            return .invalid(field: "http.host", reason: "\(http.host) is not an address of this machine; choose another with --host or http.host")
        default:
            return nil
        }
    }
}

/// Tries the configured address before anything starts: a port already taken (or one that needs
/// privileges) is refused before the dispatcher and the scheduler start and stop again. The
/// socket is bound as NIO binds it (SO_REUSEADDR) and closed at once; a port taken in between is
/// still caught when serve binds.
enum ListenProbe {
    /// The `errno` of a refused bind, nil when the address can be had (or cannot be probed here).
    static func bindError(host: String, port: Int) -> Int32? {
        guard port > 0 else { return nil }  // 0: the kernel picks a free one
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else { return nil }
        defer { freeaddrinfo(found) }
        let descriptor = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var on: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        return bind(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 ? nil : errno
    }
}

/// Log set-up, done once per process: human-readable lines, or JSON lines for collectors.
enum LogSetup {
    static func bootstrap(level: String, format: String) -> Logger {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            if format == "json" {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = parsed
                return handler
            }
            var handler = TextLogHandler(label: label)
            handler.logLevel = parsed
            return handler
        }
        var logger = Logger(label: "picketline")
        logger.logLevel = parsed
        return logger
    }
}

/// One JSON object per line on stderr: time, level, label, message and the metadata.
///
/// Those four fields always say what they name: a metadata value under one of their keys (from
/// our code or a library's) is written under `metadata.<key>` instead of overwriting it.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard var data = line(for: event, at: Date()) else { return }
        data.append(0x0A)
        data.withUnsafeBytes { LogOutput.write($0, level: event.level) }
    }

    /// The event's line without its newline, keys sorted.
    func line(for event: LogEvent, at time: Date) -> Data? {
        var object: [String: String] = [
            "time": RFC3339.string(from: time), "level": event.level.rawValue, "label": label, "message": "\(event.message)",
        ]
        for (key, value) in LogOutput.merged(metadata, event.metadata) {
            object[Self.ownFields.contains(key) ? "metadata." + key : key] = "\(value)"
        }
        return try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    private static let ownFields: Set<String> = ["time", "level", "label", "message"]
}
