import Foundation
import GRDB
import PicketlineCore

extension WebhookDelivery: SnakeCaseRecord { public static let databaseTableName = "webhook_deliveries" }
extension WebhookAttempt: SnakeCaseRecord { public static let databaseTableName = "webhook_attempts" }

extension SQLiteStore {
    /// The cursor's name in `dispatch_cursors`.
    static let webhookCursor = "webhooks"
    /// An event the last expansion left part-way (see `expandOutbox(events:deliveries:at:leasingTo:)`) …
    static let partialEventCursor = "webhooks.partial_event"
    /// … and the last subscription it was looked at for.
    static let partialSubscriptionCursor = "webhooks.partial_subscription"

    // MARK: Dispatch

    public func expandOutbox(limit: Int) async throws -> OutboxExpansion {
        try await write { db, now in try db.expandOutbox(events: limit, deliveries: .max, at: now, leasingTo: nil).expansion }
    }

    public func expandAndClaim(events: Int, deliveries: Int, owner: String, limit: Int, lease: TimeInterval) async throws
        -> ExpandedClaim {
        try await write { db, now in
            // The deliveries made here are made leased to `owner`: making and claiming them is one step.
            let expiry = now.addingTimeInterval(lease)
            let budget = min(deliveries, max(1, limit))
            let (expansion, made) = try db.expandOutbox(events: events, deliveries: budget, at: now, leasingTo: (owner, expiry))
            var claimed = try db.claims(for: made)
            if claimed.count < limit {
                claimed += try db.claimDue(owner: owner, limit: limit - claimed.count, until: expiry, at: now)
            }
            return ExpandedClaim(expansion: expansion, claimed: claimed)
        }
    }

    public func claimDueDeliveries(owner: String, limit: Int, lease: TimeInterval) async throws -> [ClaimedDelivery] {
        try await write { db, now in try db.claimDue(owner: owner, limit: limit, until: now.addingTimeInterval(lease), at: now) }
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
            // Bound in place, prepared once per connection: this runs once per attempt of a fan-out.
            let readDelivery = try BoundStatement(db, sql: """
                SELECT attempts, status, lease_owner, lease_expires_at, first_attempt_at, subscription_id
                FROM webhook_deliveries WHERE id = ?
                """)
            let insertAttempt = try BoundStatement(db, sql: """
                INSERT INTO webhook_attempts
                    (delivery_id, attempt_number, attempted_at, status_code, latency_milliseconds, response_prefix, error)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            let countOnly = try BoundStatement(db, sql: "UPDATE webhook_deliveries SET attempts = attempts + 1, updated_at = ? WHERE id = ?")
            let settle = try BoundStatement(db, sql: """
                UPDATE webhook_deliveries
                SET attempts = ?, status = ?, next_attempt_at = COALESCE(?, next_attempt_at), first_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL,
                    last_status_code = ?, last_error = ?, delivered_at = COALESCE(?, delivered_at), updated_at = ?
                WHERE id = ?
                """)
            let readSubscription = try BoundStatement(db, sql: "SELECT failing_since, state FROM webhook_subscriptions WHERE id = ?")
            let markFailing = try BoundStatement(db, sql: "UPDATE webhook_subscriptions SET failing_since = ?, updated_at = ? WHERE id = ?")
            var disabled: [Int64] = []
            var dates = DeliveryRows.DateTexts()
            let nowText = dates(now)
            for report in reports {
                // Removed meanwhile (with its log): nothing to record against.
                readDelivery.reset()
                readDelivery.bind(1, report.deliveryID)
                guard try readDelivery.next() else { continue }
                let attempts = Int(readDelivery.int64(0))
                let status = DeliveryStatus(rawValue: readDelivery.text(1) ?? "") ?? .cancelled
                let leaseOwner = readDelivery.text(2)
                let leaseExpiresAt = readDelivery.text(3)
                let firstAttemptAt = readDelivery.text(4)
                let subscriptionID = readDelivery.int64(5)
                readDelivery.reset()
                insertAttempt.reset()
                insertAttempt.bind(1, report.deliveryID)
                insertAttempt.bind(2, attempts + 1)
                insertAttempt.bind(3, dates(report.attemptedAt))
                insertAttempt.bind(4, report.statusCode)
                insertAttempt.bind(5, report.latencyMilliseconds)
                insertAttempt.bind(6, report.responsePrefix)
                insertAttempt.bind(7, report.error)
                try insertAttempt.run()
                // Settled elsewhere (cancelled, or delivered by whoever took over an expired lease),
                // or now leased by another dispatcher: keep the attempt in the log, leave the state.
                // Stored times are one fixed-width text format, which orders as the instants do.
                let leasedByOther = leaseOwner != nil && leaseOwner != owner && (leaseExpiresAt ?? "") > nowText
                guard status == .pending || status == .delivering, !leasedByOther else {
                    countOnly.reset()
                    countOnly.bind(1, nowText)
                    countOnly.bind(2, report.deliveryID)
                    try countOnly.run()
                    continue
                }
                readSubscription.reset()
                readSubscription.bind(1, subscriptionID)
                guard try readSubscription.next() else {
                    throw PicketlineError.notFound(entity: "webhook", reference: String(subscriptionID))
                }
                let failingBeforeText = readSubscription.text(0)
                let subscriptionActive = readSubscription.text(1) == SubscriptionState.active.rawValue
                readSubscription.reset()
                let failingBefore = try failingBeforeText.map { text in
                    guard let date = Date.fromDatabaseValue(text.databaseValue) else {
                        throw PicketlineError.unavailable(detail: "column failing_since holds \(text), which is not a time")
                    }
                    return date
                }
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
                        disableReason = "failing since \(RFC3339.string(from: since)): \(Self.describe(seconds: disableAfter)) without a success"
                    }
                }
                let disabling = disableReason != nil && subscriptionActive
                if disabling, newStatus == .pending { newStatus = .failed }
                // next_attempt_at and delivered_at keep their value unless this attempt sets them.
                settle.reset()
                settle.bind(1, attempts + 1)
                settle.bind(2, newStatus.rawValue)
                settle.bind(3, nextAttemptAt.map { dates($0) })
                settle.bind(4, firstAttemptAt ?? dates(report.attemptedAt))
                settle.bind(5, report.statusCode)
                settle.bind(6, lastError)
                settle.bind(7, deliveredAt.map { dates($0) })
                settle.bind(8, nowText)
                settle.bind(9, report.deliveryID)
                try settle.run()
                if let reason = disableReason, disabling {
                    var subscription = try db.subscription(subscriptionID)
                    subscription.failingSince = failingSince
                    try db.disable(&subscription, reason: reason, at: now, keeping: report.deliveryID)
                    disabled.append(subscriptionID)
                } else if failingSince != failingBefore {
                    markFailing.reset()
                    markFailing.bind(1, failingSince.map { dates($0) })
                    markFailing.bind(2, nowText)
                    markFailing.bind(3, subscriptionID)
                    try markFailing.run()
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
        try await read { db in try Self.selected(filter).limit(max(1, filter.limit)).fetchAll(db) }
    }

    public func deliveries(_ filter: DeliveryFilter, page: PageRequest) async throws -> Page<WebhookDelivery> {
        try await read { db in
            let selected = Self.selected(filter)
            return Page(items: try selected.limit(page.perPage, offset: page.offset).fetchAll(db), total: try selected.fetchCount(db),
                        page: page.page, perPage: page.perPage)
        }
    }

    /// The deliveries `filter` selects, newest first.
    private static func selected(_ filter: DeliveryFilter) -> QueryInterfaceRequest<WebhookDelivery> {
        var request = WebhookDelivery.all()
        if let subscription = filter.subscriptionID { request = request.filter(Column("subscription_id") == subscription) }
        if let status = filter.status { request = request.filter(Column("status") == status.rawValue) }
        if let outbox = filter.outboxID { request = request.filter(Column("outbox_id") == outbox) }
        return request.order(Column("id").desc)
    }

    public func disableQuietFailures(disableAfter: TimeInterval) async throws -> [Int64] {
        @Sendable func quietlyFailing(_ db: Database, at now: Date) throws -> [Int64] {
            try Int64.fetchAll(db, sql: """
                SELECT id FROM webhook_subscriptions s
                WHERE state = 'active' AND failing_since IS NOT NULL AND failing_since <= ?
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries
                                  WHERE subscription_id = s.id AND status IN ('pending', 'delivering'))
                """, arguments: [now.addingTimeInterval(-disableAfter)])
        }
        // Looked for in a read first: nearly always there is none, and a write would take the
        // write lock (and ring serve's doorbell) at the end of every fan-out for nothing.
        let now = clock.now()
        guard try await read({ db in try !quietlyFailing(db, at: now).isEmpty }) else { return [] }
        return try await write { db, now in
            let ids = try quietlyFailing(db, at: now)
            for id in ids {
                var subscription = try db.subscription(id)
                guard let since = subscription.failingSince else { continue }
                try db.disable(&subscription, reason: """
                    failing since \(RFC3339.string(from: since)): \(Self.describe(seconds: now.timeIntervalSince(since).rounded())) \
                    without a success, against a threshold of \(Self.describe(seconds: disableAfter))
                    """, at: now)
            }
            return ids
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
            // A first send may be of an event older than the subscription (what replay is for),
            // but keeps to its filters: the event types, campaign and organisation it was made
            // with decide what it receives, personal data included.
            guard try db.wants(DeliveryRows.Scope(subscription, startsAfterEvent: 0), event) else {
                // Say which rule left it out (QA: a '*' webhook was told its event types did).
                var privateAction = Database.PrivateActionCheck(event)
                let reason = try !subscription.personalData && privateAction.isPrivate(db)
                    ? "webhook \(id) does not receive personal data, and this \(event.type) event is of a private action, which only webhooks given personal data receive"
                    : "webhook \(id) does not take this \(event.type) event (its event types, campaign or organisation leave it out)"
                throw PicketlineError.conflict(field: "subscription", reason: reason)
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
    /// Turns outbox events past the cursor into deliveries, at most `limit` events and about
    /// `budget` deliveries: an event with more subscriptions than that is left part-way, its place
    /// kept in `dispatch_cursors`, and the next call goes on from there. That lets a dispatcher
    /// send the first deliveries of a large call-out while the rest are still being made.
    ///
    /// With `leasingTo`, the deliveries are made already leased to that owner (as if claimed in the
    /// same transaction) and returned, each with its event (and its subscription, when this round
    /// read it whole), ready for `claims(for:)`.
    func expandOutbox(events limit: Int, deliveries budget: Int, at now: Date, leasingTo lease: (owner: String, expiry: Date)?) throws
        -> (expansion: OutboxExpansion, leased: [LeasedDelivery]) {
        let (cursor, partial) = try expansionPosition()
        // With nothing part-way and no active subscription, nothing is to be made: the cursor
        // moves past the new events without reading them (every RSVP is an event, and serve's
        // dispatcher looked at each one).
        if partial == nil, try !DeliveryRows.anyActiveSubscription(self) {
            guard let passed = try Row.fetchOne(cachedStatement(sql: "SELECT COUNT(*), MAX(id) FROM outbox WHERE id > ?"),
                                                arguments: [cursor]),
                  let newest: Int64 = passed[1] else { return (OutboxExpansion(events: 0, deliveries: 0), []) }
            try setDispatchCursor(SQLiteStore.webhookCursor, newest)
            return (OutboxExpansion(events: passed[0], deliveries: 0), [])
        }
        let events = try OutboxEvent.fetchAll(
            cachedStatement(sql: "SELECT \(DeliveryRows.eventColumns) FROM outbox WHERE id > ? ORDER BY id LIMIT ?"),
            arguments: [cursor, max(1, limit)])
        guard !events.isEmpty else { return (OutboxExpansion(events: 0, deliveries: 0), []) }
        // Several events are each looked at for every active subscription, read once for all. One
        // event (a call-out's) walks the subscriptions row by row: a round that stops at its
        // budget reads no further, one that goes on from where the last stopped reads none of
        // those again, and the rows it makes deliveries for are decoded whole, so that claiming
        // them reads no subscription a second time (both were a tenth of serve's CPU in a fan-out).
        let scopes = events.count == 1 ? nil : try DeliveryRows.activeScopes(self)
        var made = 0
        var expanded = 0
        var leased: [LeasedDelivery] = []
        let nowText = RFC3339.databaseString(from: now)
        let insert = try BoundStatement(self, sql: lease == nil ? Self.insertDeliverySQL : Self.insertLeasedDeliverySQL)
        let expiryText = lease.map { RFC3339.databaseString(from: $0.expiry) }
        for event in events {
            // A test event has its one delivery already; nothing else may receive it.
            if event.type != EventType.webhookTest {
                let resumeAfter = partial?.event == event.id ? partial?.subscription ?? 0 : 0
                var typeMatches = DeliveryRows.TypeMatches(eventType: event.type)
                var privateAction = PrivateActionCheck(event)
                var walk = try DeliveryRows.ScopeWalk(self, listed: scopes, after: resumeAfter)
                while let scope = try walk.next() {
                    if made >= budget {
                        // Part-way: the events before this one are done; remember where this one stands.
                        if let last = events.prefix(expanded).last { try setDispatchCursor(SQLiteStore.webhookCursor, last.id) }
                        try setDispatchCursor(SQLiteStore.partialEventCursor, event.id)
                        try setDispatchCursor(SQLiteStore.partialSubscriptionCursor, scope.id - 1)
                        return (OutboxExpansion(events: expanded, deliveries: made, partial: true), leased)
                    }
                    let wantsType = typeMatches.match(scope.eventTypesText) { scope.eventTypes }
                    guard try wants(scope, event, typeWanted: wantsType, privateAction: &privateAction) else { continue }
                    let messageID = WebhookDelivery.messageID(eventID: event.eventID, subscriptionID: scope.id)
                    insert.reset()
                    insert.bind(1, event.id)
                    insert.bind(2, scope.id)
                    insert.bind(3, messageID)
                    insert.bind(4, event.type)
                    for index: Int32 in 5...7 { insert.bind(index, nowText) }
                    if let lease {
                        insert.bind(8, lease.owner)
                        insert.bind(9, expiryText)
                    }
                    try insert.run()
                    guard insert.changes() == 1 else { continue }
                    made += 1
                    if let lease {
                        leased.append(LeasedDelivery(delivery: WebhookDelivery(
                            id: lastInsertedRowID, outboxID: event.id, subscriptionID: scope.id, messageID: messageID, eventType: event.type,
                            status: .delivering, attempts: 0, nextAttemptAt: now, leaseOwner: lease.owner, leaseExpiresAt: lease.expiry,
                            createdAt: now, updatedAt: now), event: event, subscription: try walk.subscription()))
                    }
                }
            }
            expanded += 1
        }
        try setDispatchCursor(SQLiteStore.webhookCursor, events[events.count - 1].id)
        if partial != nil {
            try execute(sql: "DELETE FROM dispatch_cursors WHERE name IN (?, ?)",
                        arguments: [SQLiteStore.partialEventCursor, SQLiteStore.partialSubscriptionCursor])
        }
        return (OutboxExpansion(events: expanded, deliveries: made), leased)
    }

    /// Sets one of the positions kept in `dispatch_cursors`.
    private func setDispatchCursor(_ name: String, _ position: Int64) throws {
        let statement = try BoundStatement(self, sql: """
            INSERT INTO dispatch_cursors (name, position) VALUES (?, ?)
            ON CONFLICT (name) DO UPDATE SET position = excluded.position
            """)
        statement.reset()
        statement.bind(1, name)
        statement.bind(2, position)
        try statement.run()
    }

    /// Where expansion stands, in one read of `dispatch_cursors`: the outbox position up to which
    /// deliveries are made, and the event left part-way with the last subscription it was looked
    /// at for, if any.
    private func expansionPosition() throws -> (cursor: Int64, partial: (event: Int64, subscription: Int64)?) {
        let rows = try Row.fetchAll(cachedStatement(sql: "SELECT name, position FROM dispatch_cursors WHERE name IN (?, ?, ?)"),
                                    arguments: [SQLiteStore.webhookCursor, SQLiteStore.partialEventCursor,
                                                SQLiteStore.partialSubscriptionCursor])
        var positions: [String: Int64] = [:]
        for row in rows { positions[row[0]] = row[1] }
        let cursor = positions[SQLiteStore.webhookCursor] ?? 0
        guard let event = positions[SQLiteStore.partialEventCursor],
              let subscription = positions[SQLiteStore.partialSubscriptionCursor] else { return (cursor, nil) }
        return (cursor, (event, subscription))
    }

    /// Claims up to `limit` due deliveries of active subscriptions for `owner` until `expiry`.
    func claimDue(owner: String, limit: Int, until expiry: Date, at now: Date) throws -> [ClaimedDelivery] {
        let due = try DeliveryRows.deliveries(self, sql: """
            SELECT \(DeliveryRows.prefixedDeliveryColumns) FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
            WHERE d.status IN ('pending', 'delivering') AND d.next_attempt_at <= ?
              AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= ?) AND s.state = 'active'
            ORDER BY d.next_attempt_at, d.id
            LIMIT ?
            """, arguments: [now, now, max(1, limit)])
        return try lease(due, owner: owner, until: expiry, at: now)
    }

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

    /// Whether an event is for this subscription: written after it was made, a wanted type,
    /// within its campaign or organisation filter, and, for a private action's event, only if the
    /// subscription may receive personal data.
    func wants(_ subscription: WebhookSubscription, _ event: OutboxEvent) throws -> Bool {
        try wants(DeliveryRows.Scope(subscription), event)
    }

    /// As above, on the fields that decide it; `typeWanted` when the patterns were already matched.
    func wants(_ subscription: DeliveryRows.Scope, _ event: OutboxEvent, typeWanted: Bool? = nil) throws -> Bool {
        var privateAction = PrivateActionCheck(event)
        return try wants(subscription, event, typeWanted: typeWanted, privateAction: &privateAction)
    }

    /// As above, asking `privateAction` (one per event, shared by the subscriptions it is tried
    /// against) whether the event's action is private, and only when that decides it.
    func wants(_ subscription: DeliveryRows.Scope, _ event: OutboxEvent, typeWanted: Bool?,
               privateAction: inout PrivateActionCheck) throws -> Bool {
        guard subscription.state == .active, event.id > subscription.startsAfterEvent, event.type != EventType.webhookTest,
              typeWanted ?? subscription.eventTypes.contains(where: { EventTypePattern.matches($0, event.type) })
        else { return false }
        if let campaign = subscription.campaignID, event.campaignID != campaign { return false }
        // A private action is for its organisers: its events go only where personal data may
        // (an organisers' integration), never to a chat channel or a public feed (QA found
        // "Action created: <a private action>" posted to Slack).
        if !subscription.personalData, try privateAction.isPrivate(self) { return false }
        if let organisation = subscription.organisationID {
            // Actions it endorses: confirmed only. An invitation is not support (the action list's
            // `?organisation=` filter reads it the same way), and personal data may go with the event.
            if event.subjectType == "organisation" && event.subjectID == organisation { return true }
            guard let action = event.actionID else { return false }
            return try Bool.fetchOne(self, sql: """
                SELECT 1 FROM endorsements WHERE action_id = ? AND organisation_id = ? AND state = 'confirmed'
                """, arguments: [action, organisation]) ?? false
        }
        return true
    }

    /// Whether an event is about an action that is private now (when it is sent out): looked up
    /// once, the first time a subscription's decision needs it, and not at all when none does.
    struct PrivateActionCheck {
        let event: OutboxEvent
        private var known: Bool?

        init(_ event: OutboxEvent) { self.event = event }

        mutating func isPrivate(_ db: Database) throws -> Bool {
            if let known { return known }
            guard let action = event.actionID else { known = false; return false }
            let visibility = try String.fetchOne(db.cachedStatement(sql: "SELECT visibility FROM actions WHERE id = ?"), arguments: [action])
            known = visibility == Visibility.private.rawValue
            return known!
        }
    }

    /// Makes the delivery of an event to a subscription unless it exists; returns 1 if made.
    func insertDelivery(event: OutboxEvent, subscription: Int64, at now: Date) throws -> Int {
        let time = RFC3339.databaseString(from: now)
        try cachedStatement(sql: Self.insertDeliverySQL).execute(arguments: [
            event.id, subscription, WebhookDelivery.messageID(eventID: event.eventID, subscriptionID: subscription),
            event.type, time, time, time,
        ])
        return changesCount
    }

    /// A new pending delivery, unless the pair already has one: event, subscription, message id,
    /// event type, then the time three times (due, created, updated).
    static let insertDeliverySQL = """
        INSERT INTO webhook_deliveries
            (outbox_id, subscription_id, message_id, event_type, status, attempts, next_attempt_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    /// The same, made already leased: then the lease's owner and expiry.
    static let insertLeasedDeliverySQL = """
        INSERT INTO webhook_deliveries
            (outbox_id, subscription_id, message_id, event_type, status, attempts, next_attempt_at, created_at, updated_at,
             lease_owner, lease_expires_at)
        VALUES (?, ?, ?, ?, 'delivering', 0, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    /// Leases deliveries to `owner` and loads what rendering them needs.
    func lease(_ deliveries: [WebhookDelivery], owner: String, until expiry: Date, at now: Date) throws -> [ClaimedDelivery] {
        guard !deliveries.isEmpty else { return [] }
        let ids = deliveries.map(\.id)
        try execute(sql: """
            UPDATE webhook_deliveries SET status = ?, lease_owner = ?, lease_expires_at = ?, updated_at = ?
            WHERE id IN \(DeliveryRows.placeholders(ids.count))
            """, arguments: StatementArguments([DeliveryStatus.delivering.rawValue, owner, expiry, now] as [any DatabaseValueConvertible])
                + StatementArguments(ids))
        let eventIDs = Array(Set(deliveries.map(\.outboxID)))
        // Not a cached statement: the IN list changes length with the batch.
        let events = Dictionary(uniqueKeysWithValues: try OutboxEvent.fetchAll(self, sql: """
            SELECT \(DeliveryRows.eventColumns) FROM outbox WHERE id IN \(DeliveryRows.placeholders(eventIDs.count))
            """, arguments: StatementArguments(eventIDs)).map { ($0.id, $0) })
        return try claims(for: deliveries.compactMap { delivery in
            guard let event = events[delivery.outboxID] else { return nil }
            var leased = delivery
            leased.status = .delivering
            leased.leaseOwner = owner
            leased.leaseExpiresAt = expiry
            leased.updatedAt = now
            return LeasedDelivery(delivery: leased, event: event, subscription: nil)
        })
    }

    /// Leased deliveries with their events, completed with their subscriptions for rendering (read
    /// here for those that came without).
    func claims(for leased: [LeasedDelivery]) throws -> [ClaimedDelivery] {
        guard !leased.isEmpty else { return [] }
        let missing = Array(Set(leased.lazy.filter { $0.subscription == nil }.map(\.delivery.subscriptionID)))
        let subscriptions = missing.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try DeliveryRows.subscriptions(self, sql: """
            SELECT \(DeliveryRows.subscriptionColumns) FROM webhook_subscriptions WHERE id IN \(DeliveryRows.placeholders(missing.count))
            """, arguments: StatementArguments(missing)).map { ($0.id, $0) })
        return leased.compactMap { item in
            (item.subscription ?? subscriptions[item.delivery.subscriptionID]).map {
                ClaimedDelivery(delivery: item.delivery, subscription: $0, event: item.event)
            }
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
