import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore
import PicketlineWebhooks
import ServiceLifecycle

/// `picketline delivery …`: the delivery log, manual retries and replays.
struct DeliveryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery",
        abstract: "Inspect the webhook delivery log; retry a delivery or replay an event to a subscription.",
        discussion: """
        Example:
          picketline delivery list --status failed
          picketline delivery show 42
          picketline delivery retry 42
          picketline delivery replay evt_0123abcd --subscription 3
        """,
        subcommands: [List.self, Show.self, Retry.self, Replay.self])

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List deliveries, newest first.",
                                                        discussion: "Example: picketline delivery list --subscription 1 --status pending")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only this webhook's deliveries.") var subscription: Int64?
        @Option(help: "Only this status: pending, delivering, delivered, failed, cancelled.") var status: DeliveryStatus?
        @Option(help: "At most this many.") var limit = 100

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let deliveries = try await store.deliveries(DeliveryFilter(subscriptionID: subscription, status: status, limit: limit))
            if output.json { return try Output.json(deliveries) }
            Output.table(["ID", "WEBHOOK", "EVENT", "STATUS", "ATTEMPTS", "NEXT", "LAST"], deliveries.map {
                [String($0.id), String($0.subscriptionID), $0.eventType, $0.status.rawValue, String($0.attempts),
                 $0.status == .pending ? RFC3339.string(from: $0.nextAttemptAt) : "",
                 $0.lastError ?? $0.lastStatusCode.map { "HTTP \($0)" } ?? ""]
            })
        }
    }

    struct Show: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a delivery with every attempt.",
                                                        discussion: "Example: picketline delivery show 42")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Delivery id.") var id: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let delivery = try await store.delivery(id)
            let attempts = try await store.attempts(delivery: id)
            if output.json {
                struct Detail: Encodable { var delivery: WebhookDelivery; var attempts: [WebhookAttempt] }
                return try Output.json(Detail(delivery: delivery, attempts: attempts))
            }
            Output.fields([
                ("Delivery", String(delivery.id)), ("Webhook", String(delivery.subscriptionID)), ("Event", delivery.eventType),
                ("Outbox", String(delivery.outboxID)), ("webhook-id", delivery.messageID), ("Status", delivery.status.rawValue),
                ("Attempts", String(delivery.attempts)),
                ("Next attempt", delivery.status == .pending ? RFC3339.string(from: delivery.nextAttemptAt) : nil),
                ("Delivered", delivery.deliveredAt.map(RFC3339.string(from:))), ("Last error", delivery.lastError),
            ])
            Output.line()
            Output.table(["#", "WHEN", "STATUS", "MS", "ERROR / RESPONSE"], attempts.map {
                [String($0.attemptNumber), RFC3339.string(from: $0.attemptedAt), $0.statusCode.map(String.init) ?? "-",
                 String($0.latencyMilliseconds),
                 // Both when both are there: "HTTP 500" alone hid what the receiver said (QA).
                 [$0.error, $0.responsePrefix].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " — ")
                     .replacingOccurrences(of: "\n", with: " ").prefix(100).description]
            })
        }
    }

    struct Retry: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "retry", 
            abstract: "Make a failed, cancelled or waiting delivery due now, with a fresh retry window.",
            discussion: "Example: picketline delivery retry 42 && picketline deliver --once")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Delivery id.") var id: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let delivery = try await store.retryDelivery(id)
            Output.line("delivery \(delivery.id) is due now (webhook-id \(delivery.messageID))")
        }
    }

    struct Replay: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "replay", 
            abstract: "Send an event to a subscription again (same webhook-id), or for the first time.",
            discussion: """
            A first send may be of an event older than the webhook, but only one its event types, campaign and
            organisation take.
            Example: picketline delivery replay evt_0123abcd --subscription 3
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Event id (evt_…) or outbox position (see `picketline outbox list`).") var event: String
        @Option(help: "Webhook id.") var subscription: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let delivery = try await store.replay(event: event, subscription: subscription)
            Output.line("delivery \(delivery.id) of \(delivery.eventType) to webhook \(subscription) is due now (webhook-id \(delivery.messageID))")
        }
    }
}

/// `picketline deliver`: the webhook dispatcher on its own, for cron-driven installs.
struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Send due webhook deliveries: once and exit (--once, for cron), or until SIGTERM.",
        discussion: """
        `picketline serve` runs the same dispatcher; use this where the service does not run, e.g. from cron.
        Exits 0 when everything due was attempted (failures are scheduled for retry), 3 when the database failed.
        Example: picketline deliver --once --database /var/lib/picketline/picketline.sqlite
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Send what is due now and exit.") var once = false

    mutating func run() async throws {
        let store: SQLiteStore
        let configuration: Configuration
        do {
            (store, configuration) = try global.openStore(keepsRunning: !once, configuration: try global.existingDatabaseConfiguration())
        } catch let error as PicketlineError {
            Output.error(error)
            throw ExitCode(error.exitCode)
        }
        let logger = LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        if once {
            do {
                let report = try await configuration.dispatcher(store: store, logger: logger).drain()
                Output.line("delivered \(report.delivered), retrying later \(report.retrying), failed \(report.failed)"
                            + (report.disabledSubscriptions.isEmpty ? "" : ", disabled webhooks \(report.disabledSubscriptions.map(String.init).joined(separator: ", "))"))
                try? store.close()
            } catch let error as PicketlineError {
                Output.error(error)
                throw ExitCode(error.exitCode)
            }
            return
        }
        let service = configuration.dispatcherService(store: store, logger: logger)
        // A call-out sent by an admin command goes out at once, not at the next poll.
        let doorbell = DoorbellWatch.start(database: store.path, logger: logger) { service.wake() }
        defer { doorbell?.cancel() }
        let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? store.close()
    }
}
