import Foundation
import GRDB
import PicketlineCore

extension WebhookSubscription: SnakeCaseRecord { public static let databaseTableName = "webhook_subscriptions" }
extension Callout: SnakeCaseRecord { public static let databaseTableName = "callouts" }

/// What `callout.created` carries: the call-out and the action as the public may see it, with
/// the link chat messages show (`url`: where the call-out was published).
struct CalloutPayload: Encodable {
    struct CalloutBody: Encodable {
        var id: Int64
        var message: String
        var createdAt: Date
    }

    struct ActionBody: Encodable {
        var id: Int64
        var slug: String
        var kind: ActionKind
        var title: String
        var target: String?
        var status: ActionStatus
        var startsAt: Date
        var endsAt: Date?
        var timeZone: String
        var location: Location
        var campaignID: Int64?
        var url: String?
    }

    var callout: CalloutBody
    var action: ActionBody

    init(_ callout: Callout, _ action: Action) {
        self.callout = CalloutBody(id: callout.id, message: callout.message, createdAt: callout.createdAt)
        self.action = ActionBody(
            id: action.id, slug: action.slug, kind: action.kind, title: action.title, target: action.target,
            status: action.status, startsAt: action.startsAt, endsAt: action.endsAt, timeZone: action.timeZone,
            location: action.location.publicView, campaignID: action.campaignID, url: action.sourceURL)
    }
}

/// What `webhook.disabled` carries. Never the URL: chat webhook URLs are secrets.
struct WebhookDisabledPayload: Encodable {
    struct Webhook: Encodable {
        var id: Int64
        var host: String
        var description: String?
        var format: PayloadFormat
        var eventTypes: [String]
        var failingSince: Date?
    }

    var webhook: Webhook
    var reason: String
}

/// What `webhook.test` carries.
struct WebhookTestPayload: Encodable {
    struct Webhook: Encodable { var id: Int64 }
    var webhook: Webhook
    var message: String
}

extension SQLiteStore: DeliveryStore, CalloutStore {
    // MARK: Subscriptions

    public func createSubscription(_ draft: WebhookSubscriptionDraft, secret: String) async throws -> WebhookSubscription {
        let draft = try draft.validated()
        return try await write { db, now in
            let campaignID = try draft.campaign.map { try db.id(in: "campaigns", entity: "campaign", reference: $0) }
            let organisationID = try draft.organisation.map { try db.id(in: "organisations", entity: "organisation", reference: $0) }
            let position = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM outbox") ?? 0
            var subscription = WebhookSubscription(
                id: 0, url: draft.url, description: draft.description, eventTypes: draft.eventTypes, campaignID: campaignID,
                organisationID: organisationID, format: draft.format, personalData: draft.personalData, state: .active,
                secret: secret, startsAfterEvent: position, createdAt: now, updatedAt: now)
            subscription.id = try db.insertAssigningID(subscription)
            return subscription
        }
    }

    public func subscription(_ id: Int64) async throws -> WebhookSubscription {
        try await read { db in try db.subscription(id) }
    }

    public func subscriptions() async throws -> [WebhookSubscription] {
        try await read { db in try WebhookSubscription.order(Column("id")).fetchAll(db) }
    }

    public func updateSubscription(_ id: Int64, _ changes: WebhookSubscriptionChanges) async throws -> WebhookSubscription {
        let url = try changes.url.map { try WebhookURL.validated($0) }
        let description = try changes.description.map { try Validation.optional($0, field: "description", maxLength: 300) }
        let eventTypes = try changes.eventTypes.map { try EventTypePattern.validated($0) }
        return try await write { db, now in
            var subscription = try db.subscription(id)
            if let url { subscription.url = url }
            if let description { subscription.description = description }
            if let eventTypes { subscription.eventTypes = eventTypes }
            if let format = changes.format { subscription.format = format }
            if let personalData = changes.personalData { subscription.personalData = personalData }
            if let campaign = changes.campaign {
                subscription.campaignID = campaign.trimmingCharacters(in: .whitespaces).isEmpty
                    ? nil : try db.id(in: "campaigns", entity: "campaign", reference: campaign)
            }
            if let organisation = changes.organisation {
                subscription.organisationID = organisation.trimmingCharacters(in: .whitespaces).isEmpty
                    ? nil : try db.id(in: "organisations", entity: "organisation", reference: organisation)
            }
            subscription.updatedAt = now
            try subscription.update(db)
            return subscription
        }
    }

    public func setSubscriptionState(_ id: Int64, _ state: SubscriptionState, reason: String?) async throws -> WebhookSubscription {
        let reason = try Validation.optional(reason, field: "reason", maxLength: 500)
        return try await write { db, now in
            var subscription = try db.subscription(id)
            guard subscription.state != state else { return subscription }
            switch state {
            case .disabled:
                return try db.disable(&subscription, reason: reason ?? "disabled by an administrator", at: now)
            case .active:
                subscription.state = .active
                subscription.disabledReason = nil
                subscription.disabledAt = nil
                subscription.failingSince = nil
                subscription.updatedAt = now
                try subscription.update(db)
                return subscription
            }
        }
    }

    public func removeSubscription(_ id: Int64) async throws {
        try await write { db, _ in
            _ = try db.subscription(id)
            try db.execute(sql: "DELETE FROM webhook_subscriptions WHERE id = ?", arguments: [id])
        }
    }

    public func rotateSecret(_ id: Int64, newSecret: String, overlap: TimeInterval, dropPrevious: Bool) async throws -> WebhookSubscription {
        try await write { db, now in
            var subscription = try db.subscription(id)
            // Found by QA: rotate, then rotate again (the new secret was copied wrongly) stopped the
            // first secret at once, which the first rotation had promised for the overlap, and the
            // receivers still on it failed. With no overlap asked for, every old secret stops anyway.
            if overlap > 0, !dropPrevious, subscription.previousSecret != nil,
               let until = subscription.previousSecretExpiresAt, until > now {
                throw PicketlineError.conflict(field: "previous_secret", reason: """
                    the secret before the current one still signs until \(RFC3339.string(from: until)), and only one old \
                    secret is kept: rotating again now would stop it at once. Rotate again after that time, or drop it \
                    now on purpose (--drop-previous; in the API, drop_previous)
                    """)
            }
            if overlap > 0 {
                subscription.previousSecret = subscription.secret
                subscription.previousSecretExpiresAt = now.addingTimeInterval(overlap)
            } else {
                subscription.previousSecret = nil
                subscription.previousSecretExpiresAt = nil
            }
            subscription.secret = newSecret
            subscription.updatedAt = now
            try subscription.update(db)
            return subscription
        }
    }

    // MARK: Call-outs

    public func createCallout(action: String, message: String) async throws -> Callout {
        let message = try Callout.validatedMessage(message)
        return try await write { db, now in
            let action = try db.action(action)
            var callout = Callout(id: 0, actionID: action.id, message: message, createdAt: now)
            // By hand: through `Codable` the first insert of a process formats its date with a
            // `DateFormatter` (ICU), a few milliseconds of `picketline callout send` before it can
            // ring the doorbell.
            try db.execute(sql: "INSERT INTO callouts (action_id, message, created_at) VALUES (?, ?, ?)",
                           arguments: [action.id, message, RFC3339.databaseString(from: now)])
            callout.id = db.lastInsertedRowID
            try db.appendEvent(EventType.calloutCreated, subject: "callout", subjectID: callout.id, actionID: action.id,
                               campaignID: action.campaignID, at: now, payload: CalloutPayload(callout, action))
            return callout
        }
    }

    public func calloutEventID(_ id: Int64) async throws -> String {
        try await read { db in try db.calloutEvent(id).eventID }
    }

    public func calloutAudience(_ id: Int64) async throws -> CalloutAudience {
        try await read { db in
            let event = try db.calloutEvent(id)
            // Only the subscription ids (from the (outbox_id, subscription_id) index), not the rows.
            let made = Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT subscription_id FROM webhook_deliveries WHERE outbox_id = ?"),
                                              arguments: [event.id]))
            var webhooks = 0
            try db.forEachRecipient(of: event, made: { made.contains($0) ? true : nil }) { _, _, _, _ in webhooks += 1 }
            return CalloutAudience(eventID: event.eventID, webhooks: webhooks)
        }
    }

    public func calloutStatus(_ id: Int64) async throws -> CalloutStatus {
        try await read { db in
            guard let callout = try Callout.fetchOne(db, key: id) else {
                throw PicketlineError.notFound(entity: "call-out", reference: String(id))
            }
            let event = try db.calloutEvent(id)
            // Raw rows and a dictionary: a call-out may go to thousands of subscriptions.
            let deliveries = try DeliveryRows.deliveries(db, sql: """
                SELECT \(DeliveryRows.deliveryColumns) FROM webhook_deliveries WHERE outbox_id = ? ORDER BY id
                """, arguments: [event.id])
            var bySubscription: [Int64: WebhookDelivery] = [:]
            for delivery in deliveries where bySubscription[delivery.subscriptionID] == nil {
                bySubscription[delivery.subscriptionID] = delivery
            }
            var states: [CalloutDeliveryState] = []
            try db.forEachRecipient(of: event, made: { bySubscription[$0] }) { id, url, format, delivery in
                // Without a delivery: not yet expanded by the dispatcher, but it will be.
                states.append(CalloutDeliveryState(
                    subscriptionID: id, subscriptionHost: WebhookSubscription.host(of: url), format: format,
                    deliveryID: delivery?.id, status: delivery?.status ?? .pending, attempts: delivery?.attempts ?? 0,
                    lastStatusCode: delivery?.lastStatusCode, lastError: delivery?.lastError, deliveredAt: delivery?.deliveredAt))
            }
            return CalloutStatus(callout: callout, eventID: event.eventID, deliveries: states)
        }
    }
}

extension Database {
    /// Visits, in id order, every subscription that has a delivery of `event` (`made` finds it) or
    /// will get one (the event is not expanded yet and the subscription wants it; then nil). Reads
    /// only what a status shows and what deciding "wants it" needs: no secrets, no dates; each
    /// distinct pattern list is matched once (thousands of subscriptions share a few).
    func forEachRecipient<Delivery>(of event: OutboxEvent, made: (Int64) -> Delivery?,
                                    _ visit: (_ id: Int64, _ url: String, _ format: PayloadFormat, _ delivery: Delivery?) -> Void) throws {
        var lists = DeliveryRows.EventTypeLists()
        var typeMatches = DeliveryRows.TypeMatches(eventType: event.type)
        let cursor = try dispatchCursor()
        var privateAction = PrivateActionCheck(event)
        let rows = try Row.fetchCursor(self, sql: """
            SELECT id, url, format, state, starts_after_event, event_types, campaign_id, organisation_id, personal_data
            FROM webhook_subscriptions ORDER BY id
            """)
        while let row = try rows.next() {
            let id: Int64 = row[0]
            if let delivery = made(id) {
                visit(id, row[1], try Row.stored(PayloadFormat.self, row[2], column: "format"), delivery)
                continue
            }
            guard event.id > cursor else { continue }
            let text: String = row[5]
            let wantsType = try typeMatches.match(text) { try lists.list(text) }
            let scope = DeliveryRows.Scope(
                id: id, state: try Row.stored(SubscriptionState.self, row[3], column: "state"), startsAfterEvent: row[4],
                eventTypesText: text, eventTypes: [], campaignID: row[6], organisationID: row[7], personalData: row[8])
            if try wants(scope, event, typeWanted: wantsType, privateAction: &privateAction) {
                visit(id, row[1], try Row.stored(PayloadFormat.self, row[2], column: "format"), nil)
            }
        }
    }

    /// The `callout.created` event a call-out wrote (its id is what receivers see as webhook-id).
    func calloutEvent(_ calloutID: Int64) throws -> OutboxEvent {
        guard let event = try OutboxEvent.fetchOne(cachedStatement(sql: """
            SELECT \(DeliveryRows.eventColumns) FROM outbox
            WHERE subject_type = 'callout' AND subject_id = ? AND type = ? ORDER BY id LIMIT 1
            """), arguments: [calloutID, EventType.calloutCreated]) else {
            throw PicketlineError.notFound(entity: "call-out event", reference: String(calloutID))
        }
        return event
    }

    /// The subscription with this id.
    func subscription(_ id: Int64) throws -> WebhookSubscription {
        guard let subscription = try WebhookSubscription.fetchOne(self, key: id) else {
            throw PicketlineError.notFound(entity: "webhook", reference: String(id))
        }
        return subscription
    }

    /// Disables a subscription, cancels what it still had to receive (except `keeping`), and
    /// writes `webhook.disabled`.
    @discardableResult
    func disable(_ subscription: inout WebhookSubscription, reason: String, at now: Date, keeping delivery: Int64? = nil) throws -> WebhookSubscription {
        subscription.state = .disabled
        subscription.disabledReason = reason
        subscription.disabledAt = now
        subscription.updatedAt = now
        try subscription.update(self)
        try execute(sql: """
            UPDATE webhook_deliveries
            SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ?
            WHERE subscription_id = ? AND status IN ('pending', 'delivering') AND id <> ?
            """, arguments: ["subscription disabled: \(reason)", now, subscription.id, delivery ?? -1])
        try appendEvent(EventType.webhookDisabled, subject: "webhook_subscription", subjectID: subscription.id, at: now,
                        payload: WebhookDisabledPayload(
                            webhook: .init(id: subscription.id, host: subscription.host, description: subscription.description,
                                           format: subscription.format, eventTypes: subscription.eventTypes,
                                           failingSince: subscription.failingSince),
                            reason: reason))
        return subscription
    }
}
