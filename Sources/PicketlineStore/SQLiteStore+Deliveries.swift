import Foundation
import GRDB
import PicketlineCore

extension WebhookDelivery: SnakeCaseRecord { public static let databaseTableName = "webhook_deliveries" }
extension WebhookAttempt: SnakeCaseRecord { public static let databaseTableName = "webhook_attempts" }

extension SQLiteStore {
    /// The cursor's name in `dispatch_cursors`.
    static let webhookCursor = "webhooks"

    // MARK: Dispatch

    public func expandOutbox(limit: Int) async throws -> OutboxExpansion {
        try await write { db, now in
            let cursor = try db.dispatchCursor()
            let events = try OutboxEvent.fetchAll(
                db.cachedStatement(sql: "SELECT \(DeliveryRows.eventColumns) FROM outbox WHERE id > ? ORDER BY id LIMIT ?"),
                arguments: [cursor, max(1, limit)])
            guard let last = events.last else { return OutboxExpansion(events: 0, deliveries: 0) }
            let scopes = try DeliveryRows.activeScopes(db)
            var made = 0
            let nowValue = RFC3339.databaseString(from: now).databaseValue
            let insert = try db.insertDeliveryStatement()
            // A test event has its one delivery already; nothing else may receive it.
            for event in events where event.type != EventType.webhookTest {
                // Thousands of subscriptions share a handful of pattern lists: match each list once.
                var typeMatches: [String: Bool] = [:]
                for scope in scopes {
                    let wantsType: Bool
                    if let known = typeMatches[scope.eventTypesText] {
                        wantsType = known
                    } else {
                        wantsType = scope.eventTypes.contains { EventTypePattern.matches($0, event.type) }
                        typeMatches[scope.eventTypesText] = wantsType
                    }
                    guard try db.wants(scope, event, typeWanted: wantsType) else { continue }
                    made += try db.insertDelivery(event: event, subscription: scope.id, at: nowValue, with: insert)
                }
            }
            try db.execute(sql: """
                INSERT INTO dispatch_cursors (name, position) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET position = excluded.position
                """, arguments: [Self.webhookCursor, last.id])
            return OutboxExpansion(events: events.count, deliveries: made)
        }
    }

    public func claimDueDeliveries(owner: String, limit: Int, lease: TimeInterval) async throws -> [ClaimedDelivery] {
        try await write { db, now in
            let due = try DeliveryRows.deliveries(db, sql: """
                SELECT \(DeliveryRows.prefixedDeliveryColumns) FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
                WHERE d.status IN ('pending', 'delivering') AND d.next_attempt_at <= ?
                  AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= ?) AND s.state = 'active'
                ORDER BY d.next_attempt_at, d.id
                LIMIT ?
                """, arguments: [now, now, max(1, limit)])
            return try db.lease(due, owner: owner, until: now.addingTimeInterval(lease), at: now)
        }
    }

    public func claimDeliveries(_ ids: [Int64], owner: String, lease: TimeInterval) async throws -> [ClaimedDelivery] {
        guard !ids.isEmpty else { return [] }
        return try await write { db, now in
            let free = try WebhookDelivery
                .filter(ids.contains(Column("id")))
                .filter(["pending", "delivering"].contains(Column("status")))
                .filter(Column("lease_expires_at") == nil || Column("lease_expires_at") <= now || Column("lease_owner") == owner)
                .order(Column("id"))
                .fetchAll(db)
            return try db.lease(free, owner: owner, until: now.addingTimeInterval(lease), at: now)
        }
    }

    public func extendLeases(_ ids: [Int64], owner: String, lease: TimeInterval) async throws {
        guard !ids.isEmpty else { return }
        _ = try await write { db, now in
            try WebhookDelivery
                .filter(ids.contains(Column("id")) && Column("lease_owner") == owner && Column("status") == DeliveryStatus.delivering.rawValue)
                .updateAll(db, Column("lease_expires_at").set(to: now.addingTimeInterval(lease)))
        }
    }

    public func recordAttempts(_ reports: [AttemptReport], owner: String, disableAfter: TimeInterval) async throws -> [Int64] {
        guard !reports.isEmpty else { return [] }
        return try await write { db, now in
            // Raw statements, prepared once per connection: this runs once per attempt of a fan-out.
            let readDelivery = try db.cachedStatement(sql: """
                SELECT attempts, status, lease_owner, lease_expires_at, first_attempt_at, subscription_id
                FROM webhook_deliveries WHERE id = ?
                """)
            let insertAttempt = try db.cachedStatement(sql: """
                INSERT INTO webhook_attempts
                    (delivery_id, attempt_number, attempted_at, status_code, latency_milliseconds, response_prefix, error)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            let countOnly = try db.cachedStatement(sql: "UPDATE webhook_deliveries SET attempts = attempts + 1, updated_at = ? WHERE id = ?")
            let settle = try db.cachedStatement(sql: """
                UPDATE webhook_deliveries
                SET attempts = ?, status = ?, next_attempt_at = COALESCE(?, next_attempt_at), first_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL,
                    last_status_code = ?, last_error = ?, delivered_at = COALESCE(?, delivered_at), updated_at = ?
                WHERE id = ?
                """)
            let readSubscription = try db.cachedStatement(sql: "SELECT failing_since, state FROM webhook_subscriptions WHERE id = ?")
            let markFailing = try db.cachedStatement(sql: "UPDATE webhook_subscriptions SET failing_since = ?, updated_at = ? WHERE id = ?")
            var disabled: [Int64] = []
            var dates = DeliveryRows.DateValues()
            for report in reports {
                // Removed meanwhile (with its log): nothing to record against.
                guard let row = try Row.fetchOne(readDelivery, arguments: [report.deliveryID]) else { continue }
                let attempts: Int = row[0]
                let status = DeliveryStatus(rawValue: row[1]) ?? .cancelled
                let leaseOwner: String? = row[2]
                let leaseExpiresAt: Date? = row[3]
                let firstAttemptAt: Date? = row[4]
                let subscriptionID: Int64 = row[5]
                try insertAttempt.execute(arguments: [
                    report.deliveryID, attempts + 1, dates(report.attemptedAt), report.statusCode, report.latencyMilliseconds,
                    report.responsePrefix, report.error,
                ])
                // Settled elsewhere (cancelled, or delivered by whoever took over an expired lease),
                // or now leased by another dispatcher: keep the attempt in the log, leave the state.
                let leasedByOther = leaseOwner != nil && leaseOwner != owner && (leaseExpiresAt ?? .distantPast) > now
                guard status == .pending || status == .delivering, !leasedByOther else {
                    try countOnly.execute(arguments: [dates(now), report.deliveryID])
                    continue
                }
                guard let subscriptionRow = try Row.fetchOne(readSubscription, arguments: [subscriptionID]) else {
                    throw PicketlineError.notFound(entity: "webhook", reference: String(subscriptionID))
                }
                let failingBefore: Date? = subscriptionRow[0]
                let subscriptionActive = subscriptionRow[1] as String == SubscriptionState.active.rawValue
                var failingSince = failingBefore
                var newStatus: DeliveryStatus
                var nextAttemptAt: Date?
                var deliveredAt: Date?
                var lastError = report.error
                var disableReason: String?
                switch report.next {
                case .delivered:
                    newStatus = .delivered
                    deliveredAt = report.attemptedAt
                    lastError = nil
                    failingSince = nil
                case .retry(let at):
                    newStatus = .pending
                    nextAttemptAt = at
                case .failed(let reason):
                    newStatus = .failed
                    lastError = report.error ?? reason
                case .disableSubscription(let reason):
                    newStatus = .failed
                    lastError = reason
                    disableReason = reason
                }
                if report.next != .delivered {
                    let since = failingSince ?? report.attemptedAt
                    failingSince = since
                    if disableReason == nil, now.timeIntervalSince(since) >= disableAfter {
                        disableReason = "failing since \(RFC3339.string(from: since)) (\(Self.describe(seconds: disableAfter)) without a success)"
                    }
                }
                let disabling = disableReason != nil && subscriptionActive
                if disabling, newStatus == .pending { newStatus = .failed }
                // next_attempt_at and delivered_at keep their value unless this attempt sets them.
                try settle.execute(arguments: [
                    attempts + 1, newStatus.rawValue, dates(nextAttemptAt), dates(firstAttemptAt ?? report.attemptedAt),
                    report.statusCode, lastError, dates(deliveredAt), dates(now), report.deliveryID,
                ])
                if let reason = disableReason, disabling {
                    var subscription = try db.subscription(subscriptionID)
                    subscription.failingSince = failingSince
                    try db.disable(&subscription, reason: reason, at: now, keeping: report.deliveryID)
                    disabled.append(subscriptionID)
                } else if failingSince != failingBefore {
                    try markFailing.execute(arguments: [dates(failingSince), dates(now), subscriptionID])
                }
            }
            return disabled
        }
    }

    public func releaseLeases(_ ids: [Int64]?, owner: String) async throws -> Int {
        try await write { db, now in
            var request = WebhookDelivery.filter(Column("lease_owner") == owner && Column("status") == DeliveryStatus.delivering.rawValue)
            if let ids { request = request.filter(ids.contains(Column("id"))) }
            return try request.updateAll(db, [
                Column("status").set(to: DeliveryStatus.pending.rawValue), Column("lease_owner").set(to: nil),
                Column("lease_expires_at").set(to: nil), Column("updated_at").set(to: now),
            ])
        }
    }

    public func nextDueAt() async throws -> Date? {
        try await read { db in
            try Date.fetchOne(db, sql: """
                SELECT MIN(CASE WHEN d.status = 'pending' THEN d.next_attempt_at ELSE d.lease_expires_at END)
                FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
                WHERE d.status IN ('pending', 'delivering') AND s.state = 'active'
                """)
        }
    }

    // MARK: The log and manual repair

    public func deliveries(_ filter: DeliveryFilter) async throws -> [WebhookDelivery] {
        try await read { db in
            var request = WebhookDelivery.all()
            if let subscription = filter.subscriptionID { request = request.filter(Column("subscription_id") == subscription) }
            if let status = filter.status { request = request.filter(Column("status") == status.rawValue) }
            if let outbox = filter.outboxID { request = request.filter(Column("outbox_id") == outbox) }
            return try request.order(Column("id").desc).limit(max(1, filter.limit)).fetchAll(db)
        }
    }

    public func delivery(_ id: Int64) async throws -> WebhookDelivery {
        try await read { db in try db.delivery(id) }
    }

    public func attempts(delivery id: Int64) async throws -> [WebhookAttempt] {
        try await read { db in
            _ = try db.delivery(id)
            return try WebhookAttempt.filter(Column("delivery_id") == id).order(Column("id")).fetchAll(db)
        }
    }

    public func retryDelivery(_ id: Int64) async throws -> WebhookDelivery {
        try await write { db, now in
            var delivery = try db.delivery(id)
            if delivery.status == .delivered {
                throw PicketlineError.conflict(field: nil, reason: "delivery \(id) was delivered; use `delivery replay` to send the event again")
            }
            return try db.reschedule(&delivery, at: now)
        }
    }

    public func replay(event reference: String, subscription id: Int64) async throws -> WebhookDelivery {
        try await write { db, now in
            let subscription = try db.subscription(id)
            let trimmed = reference.trimmingCharacters(in: .whitespaces)
            let event = try OutboxEvent.filter(Column("event_id") == trimmed).fetchOne(db)
                ?? Int64(trimmed).flatMap { try OutboxEvent.fetchOne(db, key: $0) }
            guard let event else { throw PicketlineError.notFound(entity: "event", reference: reference) }
            if var delivery = try WebhookDelivery
                .filter(Column("outbox_id") == event.id && Column("subscription_id") == subscription.id).fetchOne(db) {
                return try db.reschedule(&delivery, at: now, subscription: subscription)
            }
            guard subscription.state == .active else {
                throw PicketlineError.conflict(field: "subscription", reason: "webhook \(id) is disabled; enable it first")
            }
            _ = try db.insertDelivery(event: event, subscription: subscription.id, at: now)
            return try WebhookDelivery.filter(Column("outbox_id") == event.id && Column("subscription_id") == subscription.id)
                .fetchOne(db)!
        }
    }

    public func createTestDelivery(subscription id: Int64) async throws -> WebhookDelivery {
        try await write { db, now in
            let subscription = try db.subscription(id)
            try db.appendEvent(EventType.webhookTest, subject: "webhook_subscription", subjectID: subscription.id, at: now,
                               payload: WebhookTestPayload(webhook: .init(id: subscription.id),
                                                           message: "A test message from Picketline: this webhook works."))
            let event = try OutboxEvent.fetchOne(db, key: db.lastInsertedRowID)!
            _ = try db.insertDelivery(event: event, subscription: subscription.id, at: now)
            return try WebhookDelivery.filter(Column("outbox_id") == event.id).fetchOne(db)!
        }
    }

    /// "5 days", "36 hours", "90 minutes".
    static func describe(seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded())
        if whole >= 86_400, whole % 86_400 == 0 { return "\(whole / 86_400) day\(whole == 86_400 ? "" : "s")" }
        if whole >= 3_600, whole % 3_600 == 0 { return "\(whole / 3_600) hour\(whole == 3_600 ? "" : "s")" }
        if whole >= 60, whole % 60 == 0 { return "\(whole / 60) minutes" }
        return "\(whole) seconds"
    }
}

extension Database {
    /// The outbox position up to which deliveries have been made.
    func dispatchCursor() throws -> Int64 {
        try Int64.fetchOne(self, sql: "SELECT position FROM dispatch_cursors WHERE name = ?", arguments: [SQLiteStore.webhookCursor]) ?? 0
    }

    /// The delivery with this id.
    func delivery(_ id: Int64) throws -> WebhookDelivery {
        guard let delivery = try WebhookDelivery.fetchOne(self, key: id) else {
            throw PicketlineError.notFound(entity: "delivery", reference: String(id))
        }
        return delivery
    }

    /// Whether an event is for this subscription: written after it was made, a wanted type, and
    /// within its campaign or organisation filter.
    func wants(_ subscription: WebhookSubscription, _ event: OutboxEvent) throws -> Bool {
        try wants(DeliveryRows.Scope(
            id: subscription.id, state: subscription.state, startsAfterEvent: subscription.startsAfterEvent, eventTypesText: "",
            eventTypes: subscription.eventTypes, campaignID: subscription.campaignID, organisationID: subscription.organisationID),
            event)
    }

    /// As above, on the fields that decide it; `typeWanted` when the patterns were already matched.
    func wants(_ subscription: DeliveryRows.Scope, _ event: OutboxEvent, typeWanted: Bool? = nil) throws -> Bool {
        guard subscription.state == .active, event.id > subscription.startsAfterEvent, event.type != EventType.webhookTest,
              typeWanted ?? subscription.eventTypes.contains(where: { EventTypePattern.matches($0, event.type) })
        else { return false }
        if let campaign = subscription.campaignID, event.campaignID != campaign { return false }
        if let organisation = subscription.organisationID {
            if event.subjectType == "organisation" && event.subjectID == organisation { return true }
            guard let action = event.actionID else { return false }
            return try Bool.fetchOne(self, sql: """
                SELECT 1 FROM endorsements WHERE action_id = ? AND organisation_id = ? AND state <> 'withdrawn'
                """, arguments: [action, organisation]) ?? false
        }
        return true
    }

    /// Makes the delivery of an event to a subscription unless it exists; returns 1 if made.
    func insertDelivery(event: OutboxEvent, subscription: Int64, at now: Date) throws -> Int {
        try insertDelivery(event: event, subscription: subscription, at: RFC3339.databaseString(from: now).databaseValue)
    }

    /// As above, with the time already a database value and the statement at hand (a fan-out
    /// inserts thousands: formatting the date and finding the statement cost more than the insert).
    func insertDelivery(event: OutboxEvent, subscription: Int64, at now: DatabaseValue, with statement: GRDB.Statement? = nil) throws -> Int {
        try (statement ?? insertDeliveryStatement()).execute(arguments: [
            event.id, subscription, WebhookDelivery.messageID(eventID: event.eventID, subscriptionID: subscription),
            event.type, now, now, now,
        ])
        return changesCount
    }

    func insertDeliveryStatement() throws -> GRDB.Statement {
        try cachedStatement(sql: """
            INSERT INTO webhook_deliveries
                (outbox_id, subscription_id, message_id, event_type, status, attempts, next_attempt_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """)
    }

    /// Leases deliveries to `owner` and loads what rendering them needs.
    func lease(_ deliveries: [WebhookDelivery], owner: String, until expiry: Date, at now: Date) throws -> [ClaimedDelivery] {
        guard !deliveries.isEmpty else { return [] }
        let ids = deliveries.map(\.id)
        try execute(sql: """
            UPDATE webhook_deliveries SET status = ?, lease_owner = ?, lease_expires_at = ?, updated_at = ?
            WHERE id IN \(DeliveryRows.placeholders(ids.count))
            """, arguments: StatementArguments([DeliveryStatus.delivering.rawValue, owner, expiry, now] as [any DatabaseValueConvertible])
                + StatementArguments(ids))
        let subscriptionIDs = Array(Set(deliveries.map(\.subscriptionID)))
        let subscriptions = Dictionary(uniqueKeysWithValues: try DeliveryRows.subscriptions(self, sql: """
            SELECT \(DeliveryRows.subscriptionColumns) FROM webhook_subscriptions WHERE id IN \(DeliveryRows.placeholders(subscriptionIDs.count))
            """, arguments: StatementArguments(subscriptionIDs)).map { ($0.id, $0) })
        let eventIDs = Array(Set(deliveries.map(\.outboxID)))
        // Not a cached statement: the IN list changes length with the batch.
        let events = Dictionary(uniqueKeysWithValues: try OutboxEvent.fetchAll(self, sql: """
            SELECT \(DeliveryRows.eventColumns) FROM outbox WHERE id IN \(DeliveryRows.placeholders(eventIDs.count))
            """, arguments: StatementArguments(eventIDs)).map { ($0.id, $0) })
        return deliveries.compactMap { delivery in
            guard let subscription = subscriptions[delivery.subscriptionID], let event = events[delivery.outboxID] else { return nil }
            var leased = delivery
            leased.status = .delivering
            leased.leaseOwner = owner
            leased.leaseExpiresAt = expiry
            leased.updatedAt = now
            return ClaimedDelivery(delivery: leased, subscription: subscription, event: event)
        }
    }

    /// Makes a delivery due now with a fresh retry window, unless it is being sent right now.
    func reschedule(_ delivery: inout WebhookDelivery, at now: Date, subscription: WebhookSubscription? = nil) throws -> WebhookDelivery {
        let subscription = try subscription ?? self.subscription(delivery.subscriptionID)
        guard subscription.state == .active else {
            throw PicketlineError.conflict(field: "subscription", reason: "webhook \(subscription.id) is disabled; enable it first")
        }
        if delivery.status == .delivering, let expiry = delivery.leaseExpiresAt, expiry > now {
            throw PicketlineError.conflict(field: nil, reason: "delivery \(delivery.id) is being sent right now")
        }
        delivery.status = .pending
        delivery.nextAttemptAt = now
        delivery.firstAttemptAt = nil
        delivery.leaseOwner = nil
        delivery.leaseExpiresAt = nil
        delivery.updatedAt = now
        try delivery.update(self)
        return delivery
    }
}
