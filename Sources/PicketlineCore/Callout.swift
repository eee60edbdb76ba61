import Foundation

/// A message an organiser sends out for an action ("Emergency picket tomorrow 12:00 — all out!").
/// Stored, then fanned out through the outbox as `callout.created`.
public struct Callout: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var actionID: Int64
    public var message: String
    public var createdAt: Date

    public init(id: Int64, actionID: Int64, message: String, createdAt: Date) {
        self.id = id; self.actionID = actionID; self.message = message; self.createdAt = createdAt
    }

    /// Checks a message: required, at most 2000 characters (Discord's limit for one message).
    public static func validatedMessage(_ message: String) throws -> String {
        try Validation.required(message, field: "message", maxLength: 2_000)
    }
}

/// Where a call-out stands for one subscription that wants it.
public struct CalloutDeliveryState: Codable, Sendable, Equatable {
    public var subscriptionID: Int64
    public var subscriptionHost: String
    public var format: PayloadFormat
    /// Nil while the dispatcher has not yet made a delivery for it.
    public var deliveryID: Int64?
    /// `pending` until made; then the delivery's own status.
    public var status: DeliveryStatus
    public var attempts: Int
    public var lastStatusCode: Int?
    public var lastError: String?
    public var deliveredAt: Date?

    public init(subscriptionID: Int64, subscriptionHost: String, format: PayloadFormat, deliveryID: Int64?, status: DeliveryStatus,
                attempts: Int, lastStatusCode: Int?, lastError: String?, deliveredAt: Date?) {
        self.subscriptionID = subscriptionID; self.subscriptionHost = subscriptionHost; self.format = format
        self.deliveryID = deliveryID; self.status = status; self.attempts = attempts
        self.lastStatusCode = lastStatusCode; self.lastError = lastError; self.deliveredAt = deliveredAt
    }
}

/// A call-out with its event and per-subscription delivery state.
public struct CalloutStatus: Codable, Sendable, Equatable {
    public var callout: Callout
    /// The `evt_…` id of its `callout.created` event.
    public var eventID: String
    public var deliveries: [CalloutDeliveryState]

    public init(callout: Callout, eventID: String, deliveries: [CalloutDeliveryState]) {
        self.callout = callout; self.eventID = eventID; self.deliveries = deliveries
    }
}

/// The `evt_…` id of a call-out's event and how many webhooks it goes to.
public struct CalloutAudience: Sendable, Equatable {
    public var eventID: String
    public var webhooks: Int

    public init(eventID: String, webhooks: Int) { self.eventID = eventID; self.webhooks = webhooks }
}

/// Call-outs are kept by the same store as the domain, behind their own protocol.
public protocol CalloutStore: Sendable {
    /// Stores a call-out and writes `callout.created` (with the action's public details) in the same transaction.
    func createCallout(action: String, message: String) async throws -> Callout
    /// One call-out with where each matching subscription stands.
    func calloutStatus(_ id: Int64) async throws -> CalloutStatus
    /// How many subscriptions a call-out goes to (as `calloutStatus(_:).deliveries.count`), without
    /// reading their deliveries: what `callout send` prints while the fan-out is under way.
    func calloutAudience(_ id: Int64) async throws -> CalloutAudience
    /// The id of the `callout.created` event a call-out wrote (what receivers see as webhook-id).
    func calloutEventID(_ id: Int64) async throws -> String
}
