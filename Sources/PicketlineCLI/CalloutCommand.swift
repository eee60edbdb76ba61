import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// `picketline callout …`: messages to every subscribed channel about an action.
struct CalloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callout",
        abstract: "Send a call-out for an action to every matching webhook, and see where it stands.",
        discussion: """
        A call-out is stored and written to the outbox as callout.created; `picketline serve` (or
        `picketline deliver`) sends it to each subscription that wants callout.* events, at once:
        this command rings the database's doorbell. Without a running service, add --deliver or
        run `picketline deliver --once`.
        Example:
          picketline callout send london-picket-kazakhstan-embassy-2022 --message "Emergency picket at the embassy tomorrow 12:00 — all out!"
          picketline callout status 1
        """,
        subcommands: [Send.self, Status.self])

    struct Send: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "send", 
            abstract: "Send a call-out (a running serve sends it at once; without one, use --deliver).",
            discussion: "Example: picketline callout send london-picket-kazakhstan-embassy-2022 --message \"All out at 12:00!\" --deliver")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String
        @Option(help: "The message (at most 2000 characters).") var message: String
        @Flag(help: "Deliver now instead of leaving it to the running service, then show the status.") var deliver = false

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let callout = try await store.createCallout(action: action, message: message)
            if deliver {
                let logger = LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
                _ = try await configuration.dispatcher(store: store, logger: logger).drain()
            }
            if output.json || deliver {
                let status = try await store.calloutStatus(callout.id)
                if output.json { return try Output.json(status) }
                Self.summary(callout, eventID: status.eventID, webhooks: status.deliveries.count)
                Status.print(status)
            } else {
                // Only the count: a running serve is sending it meanwhile, and the per-webhook
                // status (`callout status`) would read every delivery it makes.
                let audience = try await store.calloutAudience(callout.id)
                Self.summary(callout, eventID: audience.eventID, webhooks: audience.webhooks)
            }
        }

        static func summary(_ callout: Callout, eventID: String, webhooks: Int) {
            Output.line("call-out \(callout.id) for action \(callout.actionID) (event \(eventID)): "
                        + "\(webhooks) webhook\(webhooks == 1 ? " wants" : "s want") it")
        }
    }

    struct Status: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "status", 
            abstract: "Show, per subscription, whether a call-out was delivered, is pending or failed.",
            discussion: "Example: picketline callout status 1 --json")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Call-out id.") var id: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let status = try await store.calloutStatus(id)
            if output.json { return try Output.json(status) }
            Output.line("call-out \(status.callout.id): \(status.callout.message)")
            Self.print(status)
        }

        static func print(_ status: CalloutStatus) {
            Output.table(["WEBHOOK", "HOST", "FORMAT", "STATUS", "ATTEMPTS", "LAST"], status.deliveries.map {
                [String($0.subscriptionID), $0.subscriptionHost, $0.format.rawValue,
                 $0.deliveryID == nil ? "pending (queued)" : $0.status.rawValue, String($0.attempts),
                 $0.lastError ?? $0.lastStatusCode.map { "HTTP \($0)" } ?? ""]
            })
            let counts = Dictionary(grouping: status.deliveries, by: \.status).mapValues(\.count)
            Output.line(DeliveryStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
                .joined(separator: ", "))
        }
    }
}
