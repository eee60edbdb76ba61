import Foundation
import Hummingbird
import PicketlineCore

/// What the call-out and webhook routes need beyond the `Store`. `serve` builds it from the
/// configuration; the HTTP module cannot resolve or check addresses itself (it imports only Core).
public struct WebhookAdministration: Sendable {
    /// Subscriptions and the delivery log.
    public var deliveries: any DeliveryStore
    /// Call-outs.
    public var callouts: any CalloutStore
    /// Why a subscription may not use a URL (the SSRF guard's verdict with advice), nil when it may.
    public var refusal: @Sendable (_ url: String) async -> String?
    /// A new `whsec_…` signing secret.
    public var newSecret: @Sendable () -> String
    /// How long a rotated-out secret keeps signing too.
    public var secretOverlap: TimeInterval
    /// Tells the dispatcher in this process that something was just queued (a call-out, a test
    /// event), so it goes out now rather than at the next poll.
    public var dispatchNow: @Sendable () -> Void

    public init(deliveries: any DeliveryStore, callouts: any CalloutStore, refusal: @escaping @Sendable (String) async -> String?,
                newSecret: @escaping @Sendable () -> String, secretOverlap: TimeInterval, dispatchNow: @escaping @Sendable () -> Void = {}) {
        self.deliveries = deliveries; self.callouts = callouts; self.refusal = refusal; self.newSecret = newSecret
        self.secretOverlap = secretOverlap; self.dispatchNow = dispatchNow
    }
}

extension APIService {
    var webhookRoutes: [Route] {
        [
            Route(method: .post, path: "/api/v1/actions/{action}/callouts",
                  summary: "Send a call-out: it is stored and fans out to every matching webhook", tag: "call-outs",
                  access: .organiser, body: BodySchema([field("message", .string(), required: true, "at most 2000 characters")]),
                  success: .json(201, .reference("Callout"))) { input in
                let administration = try webhookAdministration()
                let action = try await managedAction(try input.parameter("action"), input.caller)
                let callout = try await administration.callouts.createCallout(action: String(action.id), message: try input.json.required("message"))
                administration.dispatchNow()
                // Only the event id: the status of every subscription is GET /callouts/{callout}.
                return try ok(CalloutResource(callout, eventID: try await administration.callouts.calloutEventID(callout.id)), .created)
            },
            Route(method: .get, path: "/api/v1/callouts/{callout}", summary: "A call-out and where it stands for each webhook",
                  tag: "call-outs", access: .organiser, success: .json(200, .reference("CalloutStatus"))) { input in
                let administration = try webhookAdministration()
                let status = try await administration.callouts.calloutStatus(try input.id("callout"))
                _ = try await managedAction(String(status.callout.actionID), input.caller)
                return try ok(CalloutStatusResource(status))
            },
            Route(method: .get, path: "/api/v1/webhooks", summary: "Every webhook subscription (never their secrets)",
                  tag: "webhooks", access: .admin, success: .json(200, ListResource<WebhookResource>.schema("Webhook"))) { _ in
                let subscriptions = try await webhookAdministration().deliveries.subscriptions()
                return try ok(ListResource(items: subscriptions.map { WebhookResource($0) }))
            },
            Route(method: .post, path: "/api/v1/webhooks",
                  summary: "Subscribe a receiver; the response carries its signing secret, shown only this once",
                  tag: "webhooks", access: .admin, body: Self.webhookBody(creating: true),
                  success: .json(201, .reference("Webhook")), errors: [404]) { input in
                let administration = try webhookAdministration()
                let body = input.json
                let url = try body.required("url")
                try await checkAddress(url, administration)
                let subscription = try await administration.deliveries.createSubscription(WebhookSubscriptionDraft(
                    url: url, description: body.string("description"), eventTypes: body.strings("event_types") ?? ["*"],
                    campaign: body.string("campaign"), organisation: body.string("organisation"),
                    format: try body.choice("format", PayloadFormat.self) ?? .standard,
                    personalData: body.bool("personal_data") ?? false), secret: administration.newSecret())
                return try ok(WebhookResource(subscription, showingSecret: true), .created)
            },
            Route(method: .get, path: "/api/v1/webhooks/{webhook}", summary: "One webhook subscription", tag: "webhooks",
                  access: .admin, success: .json(200, .reference("Webhook"))) { input in
                try ok(WebhookResource(try await webhookAdministration().deliveries.subscription(try input.id("webhook"))))
            },
            Route(method: .patch, path: "/api/v1/webhooks/{webhook}",
                  summary: "Change a subscription (only the fields sent); active false disables it, true enables it",
                  tag: "webhooks", access: .admin, body: Self.webhookBody(creating: false),
                  success: .json(200, .reference("Webhook"))) { input in
                let administration = try webhookAdministration()
                let id = try input.id("webhook")
                let body = input.json
                _ = try await administration.deliveries.subscription(id)
                if let url = body.string("url") { try await checkAddress(url, administration) }
                var subscription = try await administration.deliveries.updateSubscription(id, WebhookSubscriptionChanges(
                    url: body.string("url"), description: body.isNull("description") ? "" : body.string("description"),
                    eventTypes: body.strings("event_types"),
                    campaign: body.isNull("campaign") ? "" : body.string("campaign"),
                    organisation: body.isNull("organisation") ? "" : body.string("organisation"),
                    format: try body.choice("format", PayloadFormat.self), personalData: body.bool("personal_data")))
                if let active = body.bool("active") {
                    subscription = try await administration.deliveries.setSubscriptionState(
                        id, active ? .active : .disabled, reason: active ? nil : "disabled through the API")
                }
                return try ok(WebhookResource(subscription))
            },
            Route(method: .delete, path: "/api/v1/webhooks/{webhook}",
                  summary: "Remove a subscription with its deliveries and their log", tag: "webhooks", access: .admin,
                  success: Success(status: 204, mediaType: "application/json", schema: nil)) { input in
                try await webhookAdministration().deliveries.removeSubscription(try input.id("webhook"))
                return Response(status: .noContent)
            },
            Route(method: .post, path: "/api/v1/webhooks/{webhook}/rotate-secret",
                  summary: "Replace the signing secret (shown only in this response); the old one keeps signing during the overlap",
                  tag: "webhooks", access: .admin,
                  body: BodySchema([field("overlap_hours", .number,
                                          "hours both secrets sign, 0 to \(Int(WebhookSubscription.maximumSecretOverlapHours)) (0 drops the old one now); default from webhooks.secret_overlap_hours"),
                                    field("drop_previous", .boolean,
                                          "true to rotate while an earlier rotation's old secret still signs, stopping that one now; otherwise 409 previous_secret")]),
                  success: .json(200, .reference("Webhook"))) { input in
                let administration = try webhookAdministration()
                var overlap = administration.secretOverlap
                if let hours = input.json.double("overlap_hours") {
                    guard hours >= 0, hours <= WebhookSubscription.maximumSecretOverlapHours else {
                        throw APIError.badRequest("overlap_hours", "overlap_hours: must be from 0 to \(Int(WebhookSubscription.maximumSecretOverlapHours)) (hours)")
                    }
                    overlap = hours * 3_600
                }
                let subscription = try await administration.deliveries.rotateSecret(
                    try input.id("webhook"), newSecret: administration.newSecret(), overlap: overlap,
                    dropPrevious: input.json.bool("drop_previous") ?? false)
                return try ok(WebhookResource(subscription, showingSecret: true))
            },
            Route(method: .get, path: "/api/v1/webhooks/{webhook}/deliveries", summary: "A subscription's deliveries, newest first, paginated",
                  tag: "webhooks", access: .admin,
                  query: [QueryParameter(name: "status", schema: vocabulary(DeliveryStatus.self), description: "only this status"),
                          QueryParameter(name: "page", schema: .integer(minimum: 1), description: "default 1"),
                          QueryParameter(name: "per_page", schema: .integer(minimum: 1, maximum: 100), description: "default 25")],
                  success: .json(200, PageResource<DeliveryResource>.schema("Delivery"))) { input in
                let administration = try webhookAdministration()
                let id = try input.id("webhook")
                let filter = DeliveryFilter(subscriptionID: id, status: try input.queryChoice("status", DeliveryStatus.self))
                let request = try input.pageRequest()
                _ = try await administration.deliveries.subscription(id)
                let page = try await administration.deliveries.deliveries(filter, page: request)
                return try ok(PageResource(items: page.items.map(DeliveryResource.init), total: page.total, page: page.page,
                                           perPage: page.perPage, totalPages: page.totalPages))
            },
        ]
    }

    static func webhookBody(creating: Bool) -> BodySchema {
        BodySchema([
            field("url", .string(format: "uri"), required: creating,
                  "http(s); must resolve to public addresses unless allow-listed (webhooks.allow_cidrs)"),
            field("description", .string(), nullable: !creating),
            field("event_types", .array(.string()), "patterns such as callout.*, action.cancelled or * (default *)"),
            field("campaign", .string(), nullable: !creating, "only events of this campaign's actions (id or slug)"),
            field("organisation", .string(), nullable: !creating, "only events of actions this organisation endorses (id or slug)"),
            field("format", vocabulary(PayloadFormat.self), "standard (default), slack (also Mattermost, Rocket.Chat) or discord"),
            field("personal_data", .boolean, "send attendee names, e-mails and phones (default false)"),
        ] + (creating ? [] : [field("active", .boolean, "false disables the subscription, true enables it again")]))
    }

    func webhookAdministration() throws -> WebhookAdministration {
        guard let webhooks else {
            throw APIError(.serviceUnavailable, code: "unavailable", message: "webhooks are not configured on this server")
        }
        return webhooks
    }

    /// Refuses a URL the SSRF guard would not connect to, naming the reason.
    func checkAddress(_ url: String, _ administration: WebhookAdministration) async throws {
        do { _ = try WebhookURL.validated(url) } catch let error as PicketlineError { throw APIError(error) }
        if let refusal = await administration.refusal(url) { throw APIError.badRequest("url", "url: \(refusal)") }
    }
}

/// A subscription as the API shows it: the secret only in the answers to creation and rotation.
struct WebhookResource: Codable, Sendable {
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
    var disabledDate: Date?
    var failingSince: Date?
    var previousSecretExpires: Date?
    var secret: String?
    var createdDate: Date
    var modifiedDate: Date

    init(_ subscription: WebhookSubscription, showingSecret: Bool = false) {
        id = subscription.id; url = subscription.url; description = subscription.description
        eventTypes = subscription.eventTypes; campaignID = subscription.campaignID; organisationID = subscription.organisationID
        format = subscription.format; personalData = subscription.personalData; state = subscription.state
        disabledReason = subscription.disabledReason; disabledDate = subscription.disabledAt
        failingSince = subscription.failingSince
        previousSecretExpires = subscription.previousSecret == nil ? nil : subscription.previousSecretExpiresAt
        secret = showingSecret ? subscription.secret : nil
        createdDate = subscription.createdAt; modifiedDate = subscription.updatedAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("url", .string(format: "uri"), required: true),
        field("description", .string()), field("event_types", .array(.string()), required: true),
        field("campaign_id", .integer()), field("organisation_id", .integer()),
        field("format", vocabulary(PayloadFormat.self), required: true), field("personal_data", .boolean, required: true),
        field("state", vocabulary(SubscriptionState.self), required: true), field("disabled_reason", .string()),
        field("disabled_date", .string(format: "date-time")),
        field("failing_since", .string(format: "date-time"), "when the current run of failures began"),
        field("previous_secret_expires", .string(format: "date-time"), "until then the previous secret signs too"),
        field("secret", .string(pattern: "^whsec_"), "the signing secret: only in the answers to creation and rotation"),
        field("created_date", .string(format: "date-time"), required: true),
        field("modified_date", .string(format: "date-time"), required: true),
    ]))
}

struct CalloutResource: Codable, Sendable {
    var id: Int64
    var actionID: Int64
    var message: String
    var eventID: String
    var createdDate: Date

    init(_ callout: Callout, eventID: String) {
        id = callout.id; actionID = callout.actionID; message = callout.message; self.eventID = eventID
        createdDate = callout.createdAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("action_id", .integer(), required: true),
        field("message", .string(), required: true), field("event_id", .string(), required: true, "its callout.created event"),
        field("created_date", .string(format: "date-time"), required: true),
    ]))
}

struct CalloutStatusResource: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var webhookID: Int64
        var host: String
        var format: PayloadFormat
        var status: DeliveryStatus
        var attempts: Int
        var lastStatusCode: Int?
        var lastError: String?
        var deliveredDate: Date?
    }

    var callout: CalloutResource
    var deliveries: [Entry]

    init(_ status: CalloutStatus) {
        callout = CalloutResource(status.callout, eventID: status.eventID)
        deliveries = status.deliveries.map {
            Entry(webhookID: $0.subscriptionID, host: $0.subscriptionHost, format: $0.format, status: $0.status,
                  attempts: $0.attempts, lastStatusCode: $0.lastStatusCode, lastError: publicError($0.lastError),
                  deliveredDate: $0.deliveredAt)
        }
    }

    static let schema = Schema.object(BodySchema([
        field("callout", .reference("Callout"), required: true),
        field("deliveries", .array(.object(BodySchema([
            field("webhook_id", .integer(), required: true), field("host", .string(), required: true),
            field("format", vocabulary(PayloadFormat.self), required: true),
            field("status", vocabulary(DeliveryStatus.self), required: true), field("attempts", .integer(minimum: 0), required: true),
            field("last_status_code", .integer()),
            field("last_error", .string(), "the category of the last failure (timeout, connect, refused-by-guard, HTTP 503, …)"),
            field("delivered_date", .string(format: "date-time")),
        ]))), required: true),
    ]))
}

struct DeliveryResource: Codable, Sendable {
    var id: Int64
    var webhookID: Int64
    var eventType: String
    var outboxID: Int64
    var webhookMessageID: String
    var status: DeliveryStatus
    var attempts: Int
    var nextAttemptDate: Date
    var lastStatusCode: Int?
    var lastError: String?
    var deliveredDate: Date?
    var createdDate: Date

    init(_ delivery: WebhookDelivery) {
        id = delivery.id; webhookID = delivery.subscriptionID; eventType = delivery.eventType; outboxID = delivery.outboxID
        webhookMessageID = delivery.messageID; status = delivery.status; attempts = delivery.attempts
        nextAttemptDate = delivery.nextAttemptAt; lastStatusCode = delivery.lastStatusCode; lastError = publicError(delivery.lastError)
        deliveredDate = delivery.deliveredAt; createdDate = delivery.createdAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("webhook_id", .integer(), required: true),
        field("event_type", .string(), required: true), field("outbox_id", .integer(), required: true),
        field("webhook_message_id", .string(), required: true, "the webhook-id header: the same on every retry"),
        field("status", vocabulary(DeliveryStatus.self), required: true), field("attempts", .integer(minimum: 0), required: true),
        field("next_attempt_date", .string(format: "date-time"), required: true),
        field("last_status_code", .integer()),
        field("last_error", .string(), "the category of the last failure; the detail is in `picketline delivery show`"),
        field("delivered_date", .string(format: "date-time")), field("created_date", .string(format: "date-time"), required: true),
    ]))
}

/// What a client may see of a delivery error: its category (`timeout`, `connect`, `refused-by-guard`,
/// `HTTP 503`), not curl's or the guard's detail, which stays in the log and the CLI.
func publicError(_ error: String?) -> String? {
    guard let error else { return nil }
    return error.split(separator: ":", maxSplits: 1).first.map { String($0).trimmingCharacters(in: .whitespaces) }
}

/// The webhook resources' entries in `components/schemas`.
let webhookComponentSchemas: [String: Schema] = [
    "Webhook": WebhookResource.schema, "Callout": CalloutResource.schema, "CalloutStatus": CalloutStatusResource.schema,
    "Delivery": DeliveryResource.schema,
]
