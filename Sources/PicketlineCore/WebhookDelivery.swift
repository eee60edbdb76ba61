import Foundation

/// Where one (event, subscription) delivery stands.
public enum DeliveryStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for its next attempt (`nextAttemptAt`).
    case pending
    /// Claimed by a dispatcher under a lease; taken again when the lease expires.
    case delivering
    /// The receiver answered 2xx.
    case delivered
    /// Given up: the retry window passed, the request is unusable, or the receiver said 410.
    case failed
    /// Not sent because its subscription was disabled or removed.
    case cancelled
}

/// One event on its way to one subscription. `messageID` (the `webhook-id` header) stays the
/// same across retries and replays, so receivers can use it as an idempotency key.
public struct WebhookDelivery: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    /// The outbox position of the event.
    public var outboxID: Int64
    public var subscriptionID: Int64
    public var messageID: String
    public var eventType: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    public var firstAttemptAt: Date?
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var lastStatusCode: Int?
    public var lastError: String?
    public var deliveredAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, outboxID: Int64, subscriptionID: Int64, messageID: String, eventType: String, status: DeliveryStatus,
                attempts: Int, nextAttemptAt: Date, firstAttemptAt: Date? = nil, leaseOwner: String? = nil,
                leaseExpiresAt: Date? = nil, lastStatusCode: Int? = nil, lastError: String? = nil, deliveredAt: Date? = nil,
                createdAt: Date, updatedAt: Date) {
        self.id = id; self.outboxID = outboxID; self.subscriptionID = subscriptionID; self.messageID = messageID
        self.eventType = eventType; self.status = status; self.attempts = attempts; self.nextAttemptAt = nextAttemptAt
        self.firstAttemptAt = firstAttemptAt; self.leaseOwner = leaseOwner; self.leaseExpiresAt = leaseExpiresAt
        self.lastStatusCode = lastStatusCode; self.lastError = lastError; self.deliveredAt = deliveredAt
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// The `webhook-id` for an event and a subscription: stable, so every retry and replay carries it.
    public static func messageID(eventID: String, subscriptionID: Int64) -> String {
        let base = eventID.hasPrefix("evt_") ? String(eventID.dropFirst(4)) : eventID
        return "msg_\(base)_\(subscriptionID)"
    }
}

/// One try at sending a delivery, as recorded in the attempt log.
public struct WebhookAttempt: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var deliveryID: Int64
    /// 1 for the first try of the delivery.
    public var attemptNumber: Int
    public var attemptedAt: Date
    public var statusCode: Int?
    public var latencyMilliseconds: Int
    /// The first bytes (at most 1 KiB) of the response body, as text.
    public var responsePrefix: String?
    /// Transport failure (`timeout: …`, `refused-by-guard: …`) or why the response failed.
    public var error: String?

    public init(id: Int64, deliveryID: Int64, attemptNumber: Int, attemptedAt: Date, statusCode: Int?, latencyMilliseconds: Int,
                responsePrefix: String?, error: String?) {
        self.id = id; self.deliveryID = deliveryID; self.attemptNumber = attemptNumber; self.attemptedAt = attemptedAt
        self.statusCode = statusCode; self.latencyMilliseconds = latencyMilliseconds; self.responsePrefix = responsePrefix; self.error = error
    }
}

/// A delivery claimed by a dispatcher, with what it needs to render and sign it.
public struct ClaimedDelivery: Sendable, Equatable {
    public var delivery: WebhookDelivery
    public var subscription: WebhookSubscription
    public var event: OutboxEvent

    public init(delivery: WebhookDelivery, subscription: WebhookSubscription, event: OutboxEvent) {
        self.delivery = delivery; self.subscription = subscription; self.event = event
    }
}

/// What a dispatcher decided after one attempt.
public enum DeliveryNextStep: Sendable, Equatable {
    /// 2xx: done.
    case delivered
    /// Try again at this time.
    case retry(at: Date)
    /// Give up on this delivery.
    case failed(reason: String)
    /// Give up and disable the subscription (the receiver answered 410 Gone).
    case disableSubscription(reason: String)
}

/// The outcome of one attempt, for `DeliveryStore.recordAttempts`.
public struct AttemptReport: Sendable, Equatable {
    public var deliveryID: Int64
    public var attemptedAt: Date
    public var statusCode: Int?
    public var latencyMilliseconds: Int
    public var responsePrefix: String?
    public var error: String?
    public var next: DeliveryNextStep

    public init(deliveryID: Int64, attemptedAt: Date, statusCode: Int?, latencyMilliseconds: Int, responsePrefix: String?, error: String?,
                next: DeliveryNextStep) {
        self.deliveryID = deliveryID; self.attemptedAt = attemptedAt; self.statusCode = statusCode; self.latencyMilliseconds = latencyMilliseconds
        self.responsePrefix = responsePrefix; self.error = error; self.next = next
    }
}

/// What one `expandOutbox` call did.
public struct OutboxExpansion: Sendable, Equatable {
    /// Outbox events expanded completely (the cursor moved past them).
    public var events: Int
    /// Deliveries made.
    public var deliveries: Int
    /// Stopped part-way through an event at the delivery budget: call again to go on.
    public var partial: Bool

    public init(events: Int, deliveries: Int, partial: Bool = false) {
        self.events = events; self.deliveries = deliveries; self.partial = partial
    }
}

/// What one `expandAndClaim` call did: the expansion, then the claim, in one transaction.
public struct ExpandedClaim: Sendable {
    public var expansion: OutboxExpansion
    public var claimed: [ClaimedDelivery]

    public init(expansion: OutboxExpansion, claimed: [ClaimedDelivery]) { self.expansion = expansion; self.claimed = claimed }
}

/// Filters for the delivery log.
public struct DeliveryFilter: Sendable, Equatable {
    public var subscriptionID: Int64?
    public var status: DeliveryStatus?
    /// Outbox position of one event.
    public var outboxID: Int64?
    public var limit: Int

    public init(subscriptionID: Int64? = nil, status: DeliveryStatus? = nil, outboxID: Int64? = nil, limit: Int = 100) {
        self.subscriptionID = subscriptionID; self.status = status; self.outboxID = outboxID; self.limit = limit
    }
}

/// Subscriptions, deliveries and their attempt log: what the dispatcher and the admin tools need.
///
/// Delivery is at-least-once: `expandOutbox` makes one delivery per (event, matching subscription)
/// exactly once; `claimDueDeliveries` hands each due delivery to one dispatcher under a lease,
/// and a lease that runs out (a crashed process) makes the delivery due again.
public protocol DeliveryStore: Sendable {
    // Subscriptions
    /// Subscribes a receiver with its signing secret; it gets events written from now on.
    func createSubscription(_ draft: WebhookSubscriptionDraft, secret: String) async throws -> WebhookSubscription
    /// One subscription.
    func subscription(_ id: Int64) async throws -> WebhookSubscription
    /// Every subscription, oldest first.
    func subscriptions() async throws -> [WebhookSubscription]
    /// Applies a partial update.
    func updateSubscription(_ id: Int64, _ changes: WebhookSubscriptionChanges) async throws -> WebhookSubscription
    /// Disables (cancelling what it still had to receive) or re-enables a subscription.
    func setSubscriptionState(_ id: Int64, _ state: SubscriptionState, reason: String?) async throws -> WebhookSubscription
    /// Deletes a subscription with its deliveries and their attempt log.
    func removeSubscription(_ id: Int64) async throws
    /// Replaces the secret; the old one keeps signing (alongside) for `overlap` seconds. One old
    /// secret is kept: while an earlier rotation's still signs, another rotation with an overlap
    /// would stop it at once, so it is refused (409 `previous_secret`) unless `dropPrevious`.
    func rotateSecret(_ id: Int64, newSecret: String, overlap: TimeInterval, dropPrevious: Bool) async throws -> WebhookSubscription

    // Dispatch
    /// Turns up to `limit` outbox events not yet seen into deliveries for the subscriptions that
    /// want them, advancing a cursor in the same transaction. With no active subscription there is
    /// nothing to make, and the cursor passes every new event at once (the count says how many).
    func expandOutbox(limit: Int) async throws -> OutboxExpansion
    /// Claims up to `limit` due deliveries of active subscriptions for `owner` until now + `lease`.
    func claimDueDeliveries(owner: String, limit: Int, lease: TimeInterval) async throws -> [ClaimedDelivery]
    /// Expands up to `events` outbox events, stopping part-way after about `deliveries` new
    /// deliveries, then claims as `claimDueDeliveries` does; one transaction, so a dispatcher
    /// can start sending a large call-out before all of its deliveries exist.
    func expandAndClaim(events: Int, deliveries: Int, owner: String, limit: Int, lease: TimeInterval) async throws -> ExpandedClaim
    /// Claims these deliveries (whatever their schedule) unless another owner holds a live lease.
    func claimDeliveries(_ ids: [Int64], owner: String, lease: TimeInterval) async throws -> [ClaimedDelivery]
    /// Pushes out the leases `owner` still holds on these deliveries.
    func extendLeases(_ ids: [Int64], owner: String, lease: TimeInterval) async throws
    /// Records attempts and moves each delivery on; disables subscriptions that answered 410 or
    /// have been failing for `disableAfter` seconds (writing `webhook.disabled`). Returns those disabled.
    func recordAttempts(_ reports: [AttemptReport], owner: String, disableAfter: TimeInterval) async throws -> [Int64]
    /// Disables active subscriptions that have had no success for `disableAfter` seconds and have
    /// nothing left to send (every retry given up), writing `webhook.disabled`; returns them. An
    /// integration that goes quiet is otherwise never judged: the check on recording an attempt
    /// needs an attempt, and the retry schedule ends before the threshold.
    func disableQuietFailures(disableAfter: TimeInterval) async throws -> [Int64]
    /// Gives back leases `owner` holds (all of them when `ids` is nil): the deliveries are due again.
    func releaseLeases(_ ids: [Int64]?, owner: String) async throws -> Int
    /// When the earliest pending delivery of an active subscription is due, if any.
    func nextDueAt() async throws -> Date?

    // The log and manual repair
    /// Deliveries, newest first.
    func deliveries(_ filter: DeliveryFilter) async throws -> [WebhookDelivery]
    /// One page of the deliveries `filter` selects (its limit aside), newest first, with their total.
    func deliveries(_ filter: DeliveryFilter, page: PageRequest) async throws -> Page<WebhookDelivery>
    /// One delivery.
    func delivery(_ id: Int64) async throws -> WebhookDelivery
    /// Its attempts, oldest first.
    func attempts(delivery id: Int64) async throws -> [WebhookAttempt]
    /// Makes a delivery due now with a fresh retry window (its subscription must be active).
    func retryDelivery(_ id: Int64) async throws -> WebhookDelivery
    /// Sends an event (`evt_…` or outbox position) to a subscription again, or for the first time.
    func replay(event: String, subscription: Int64) async throws -> WebhookDelivery
    /// Writes a `webhook.test` event with a delivery for this subscription only.
    func createTestDelivery(subscription: Int64) async throws -> WebhookDelivery
}
