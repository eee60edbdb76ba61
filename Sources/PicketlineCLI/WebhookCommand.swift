import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore
import PicketlineWebhooks

/// `picketline webhook …`: subscriptions that receive events (call-outs, reminders, changes).
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Subscribe receivers (a Slack, Mattermost or Discord channel, a partner's system) to events.",
        discussion: """
        Every request is signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature);
        the signing secret is shown once, when the subscription is made or its secret rotated.
        Example:
          picketline webhook add https://hooks.slack.com/services/T000/B000/XXXX --format slack --events 'callout.*,reminder.*'
          picketline webhook add https://partner.example.org/hooks/picketline --events 'action.*,callout.*'
          picketline webhook test 1
        """,
        subcommands: [Add.self, List.self, Show.self, Disable.self, Enable.self, Remove.self, RotateSecret.self, Test.self])

    struct Add: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "add", 
            abstract: "Subscribe a URL and print its signing secret (shown only now).",
            discussion: """
            The URL must resolve to public addresses; loopback, private, link-local and other special
            blocks are refused unless listed in webhooks.allow_cidrs.
            Example: picketline webhook add https://discord.com/api/webhooks/1/abc --format discord --events 'callout.*' --campaign kazakhstan-solidarity
            """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The receiver's http(s) URL.") var url: String
        @Option(help: "Event types or patterns, comma-separated or repeated: callout.*, action.cancelled, * (default: *).")
        var events: [String] = []
        @Option(help: "standard (JSON envelope), slack (also Mattermost, Rocket.Chat) or discord.") var format: PayloadFormat = .standard
        @Option(help: "Only events of this campaign's actions (id or slug).") var campaign: String?
        @Option(help: "Only events of actions this organisation endorses (id or slug).") var organisation: String?
        @Flag(help: "Also send attendee names, e-mails and phones (off by default).") var personalData = false
        @Option(help: "A note to recognise it by.") var description: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let url = try WebhookURL.validated(url)
            if let refusal = await configuration.webhookURLRefusal(url) {
                throw PicketlineError.invalid(field: "url", reason: refusal)
            }
            let subscription = try await store.createSubscription(WebhookSubscriptionDraft(
                url: url, description: description, eventTypes: events.isEmpty ? ["*"] : events, campaign: campaign,
                organisation: organisation, format: format, personalData: personalData),
                secret: StandardWebhookSigner.generateSecret())
            if output.json { return try Output.json(subscription) }
            Output.line("created webhook \(subscription.id): \(subscription.format.rawValue) to \(subscription.url) for \(subscription.eventTypes.joined(separator: ", "))")
            Output.line("signing secret (shown only now): \(subscription.secret)")
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List subscriptions (never their secrets).",
                                                        discussion: "Example: picketline webhook list")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let subscriptions = try await store.subscriptions()
            if output.json { return try Output.json(subscriptions.map(WebhookView.init)) }
            // The filters are shown too: which events reach a URL, and whether they carry people's
            // names and contacts, is what someone auditing the list needs to see.
            Output.table(["ID", "STATE", "FORMAT", "EVENTS", "SCOPE", "PERSONAL", "URL"], subscriptions.map {
                let scope = [$0.campaignID.map { "campaign \($0)" }, $0.organisationID.map { "organisation \($0)" }].compactMap { $0 }
                return [String($0.id), $0.state.rawValue, $0.format.rawValue, $0.eventTypes.joined(separator: ","),
                        scope.isEmpty ? "all" : scope.joined(separator: ", "), $0.personalData ? "yes" : "no", $0.url]
            })
        }
    }

    struct Show: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a subscription and how its deliveries stand.",
                                                        discussion: "Example: picketline webhook show 1")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Webhook id.") var id: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let subscription = try await store.subscription(id)
            if output.json { return try Output.json(WebhookView(subscription)) }
            var counts: [String] = []
            for status in DeliveryStatus.allCases {
                let count = try await store.deliveries(DeliveryFilter(subscriptionID: id, status: status, limit: 100_000)).count
                if count > 0 { counts.append("\(count) \(status.rawValue)") }
            }
            Output.fields([
                ("Webhook", String(subscription.id)), ("URL", subscription.url), ("Description", subscription.description),
                ("State", subscription.state.rawValue + (subscription.disabledReason.map { " (\($0))" } ?? "")),
                ("Format", subscription.format.rawValue), ("Events", subscription.eventTypes.joined(separator: ", ")),
                ("Campaign", subscription.campaignID.map(String.init)), ("Organisation", subscription.organisationID.map(String.init)),
                ("Personal data", subscription.personalData ? "yes" : "no"),
                ("Failing since", subscription.failingSince.map(RFC3339.string(from:))),
                ("Old secret until", subscription.previousSecret == nil ? nil : subscription.previousSecretExpiresAt.map(RFC3339.string(from:))),
                ("Deliveries", counts.isEmpty ? "none yet" : counts.joined(separator: ", ")),
                ("Created", RFC3339.string(from: subscription.createdAt)),
            ])
        }
    }

    struct Disable: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "disable", 
            abstract: "Stop sending to a subscription; what it still had to receive is cancelled.",
            discussion: "Example: picketline webhook disable 1 --reason \"channel archived\"")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Webhook id.") var id: Int64
        @Option(help: "Why, for the log and the webhook.disabled event.") var reason: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let subscription = try await store.setSubscriptionState(id, .disabled, reason: reason)
            Output.line("webhook \(subscription.id) is disabled: \(subscription.disabledReason ?? "")")
        }
    }

    struct Enable: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "enable", 
            abstract: "Send to a disabled subscription again (events from now on; see `delivery retry` for cancelled ones).",
            discussion: "Example: picketline webhook enable 1")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Webhook id.") var id: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let subscription = try await store.subscription(id)
            if let refusal = await configuration.webhookURLRefusal(subscription.url) {
                throw PicketlineError.invalid(field: "url", reason: refusal)
            }
            _ = try await store.setSubscriptionState(id, .active, reason: nil)
            Output.line("webhook \(id) is active")
        }
    }

    struct Remove: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Delete a subscription with its deliveries and their log.",
                                                        discussion: "Example: picketline webhook remove 1")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Webhook id.") var id: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            try await store.removeSubscription(id)
            Output.line("removed webhook \(id)")
        }
    }

    struct RotateSecret: StoreCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract: "Replace the signing secret; the old one keeps signing too for the overlap (webhooks.secret_overlap_hours).",
            discussion: """
            One old secret is kept. While an earlier rotation's old secret still signs, rotating again \
            would stop it at once, so it is refused unless --drop-previous says that is meant (a leaked \
            secret); --overlap-hours 0 stops every old secret now.

            Example: picketline webhook rotate-secret 1 --overlap-hours 48
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Webhook id.") var id: Int64
        @Option(help: "Hours both secrets sign, 0 to \(Int(WebhookSubscription.maximumSecretOverlapHours)) (default: webhooks.secret_overlap_hours, 24 unless configured; 0 drops the old one now).")
        var overlapHours: Double?
        @Flag(help: "Rotate even while an earlier rotation's old secret still signs, stopping that one now.")
        var dropPrevious = false

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let hours = overlapHours ?? configuration.webhooks.secretOverlapHours
            guard hours >= 0, hours <= WebhookSubscription.maximumSecretOverlapHours else {
                throw PicketlineError.invalid(field: "overlap-hours", reason: "must be from 0 to \(Int(WebhookSubscription.maximumSecretOverlapHours)) (hours)")
            }
            let subscription = try await store.rotateSecret(id, newSecret: StandardWebhookSigner.generateSecret(), overlap: hours * 3_600,
                                                            dropPrevious: dropPrevious)
            Output.line("new signing secret for webhook \(id) (shown only now): \(subscription.secret)")
            if let until = subscription.previousSecretExpiresAt, subscription.previousSecret != nil {
                Output.line("the old secret also signs until \(RFC3339.string(from: until))")
            }
        }
    }

    struct Test: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "test", 
            abstract: "Send a signed webhook.test event to one subscription now and show the answer.",
            discussion: "Exits 1 when the receiver did not answer 2xx.\nExample: picketline webhook test 1")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Webhook id.") var id: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let delivery = try await store.createTestDelivery(subscription: id)
            let logger = LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
            _ = try await configuration.dispatcher(store: store, logger: logger).deliverNow([delivery.id])
            var attempts = try await store.attempts(delivery: delivery.id)
            // A running serve, woken by this command's commit, may take the delivery first: its
            // answer is waited for (as long as one request may take), not reported as not sent.
            let deadline = ContinuousClock.now
                + .seconds(configuration.webhooks.connectTimeoutSeconds + configuration.webhooks.timeoutSeconds + 5)
            while attempts.isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                attempts = try await store.attempts(delivery: delivery.id)
            }
            guard let attempt = attempts.last else { throw PicketlineError.conflict(field: nil, reason: "the test was not sent") }
            let answer = attempt.statusCode.map { "HTTP \($0)" } ?? "no answer"
            Output.line("\(answer) in \(attempt.latencyMilliseconds) ms" + (attempt.error.map { ": \($0)" } ?? ""))
            if let prefix = attempt.responsePrefix, !prefix.isEmpty { Output.line("response: \(prefix.prefix(200))") }
            if !(200..<300).contains(attempt.statusCode ?? 0) { throw ExitCode(1) }
        }
    }
}

/// A subscription for `--json` listings: everything but the secrets.
struct WebhookView: Encodable {
    var id: Int64
    var url: String
    var description: String?
    var eventTypes: [String]
    var campaignID: Int64?
    var organisationID: Int64?
    var format: PayloadFormat
    var personalData: Bool
    var state: SubscriptionState
    var disabledReason: String?
    var failingSince: Date?
    var createdAt: Date

    init(_ subscription: WebhookSubscription) {
        id = subscription.id; url = subscription.url; description = subscription.description
        eventTypes = subscription.eventTypes; campaignID = subscription.campaignID; organisationID = subscription.organisationID
        format = subscription.format; personalData = subscription.personalData; state = subscription.state
        disabledReason = subscription.disabledReason; failingSince = subscription.failingSince; createdAt = subscription.createdAt
    }
}

extension PayloadFormat: VocabularyArgument {}
extension DeliveryStatus: VocabularyArgument {}
