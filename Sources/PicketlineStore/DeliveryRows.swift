import Foundation
import GRDB
import PicketlineCore

// Hand-written row decoding for the dispatch hot path (expanding, claiming, recording a fan-out to
// a thousand subscriptions). The Codable path converts every column name from snake_case and
// decodes `event_types` through a JSON decoder per row: at a thousand rows that costs more than
// the SQL. These read fixed column lists by position; the Codable records stay for everything else.

enum DeliveryRows {
    /// Every column of `webhook_deliveries`, in the order `delivery(_:)` reads them.
    static let deliveryColumns = """
        id, outbox_id, subscription_id, message_id, event_type, status, attempts, next_attempt_at, first_attempt_at, \
        lease_owner, lease_expires_at, last_status_code, last_error, delivered_at, created_at, updated_at
        """

    /// The same, qualified by the alias `d`.
    static let prefixedDeliveryColumns = deliveryColumns.split(separator: ",")
        .map { "d." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    /// Every column of `webhook_subscriptions`, in the order `subscription(_:)` reads them.
    static let subscriptionColumns = """
        id, url, description, event_types, campaign_id, organisation_id, format, personal_data, state, disabled_reason, \
        disabled_at, secret, previous_secret, previous_secret_expires_at, failing_since, starts_after_event, created_at, updated_at
        """

    /// Every column of `outbox` (`OutboxEvent(row:)` in Records+Rows.swift reads them).
    static let eventColumns = """
        id, event_id, type, occurred_at, subject_type, subject_id, action_id, campaign_id, payload, personal_data
        """

    static func delivery(_ row: Row) throws -> WebhookDelivery {
        WebhookDelivery(
            id: row[0], outboxID: row[1], subscriptionID: row[2], messageID: row[3], eventType: row[4],
            status: try Row.stored(DeliveryStatus.self, row[5], column: "status"), attempts: row[6], nextAttemptAt: row[7],
            firstAttemptAt: row[8], leaseOwner: row[9], leaseExpiresAt: row[10], lastStatusCode: row[11], lastError: row[12],
            deliveredAt: row[13], createdAt: row[14], updatedAt: row[15])
    }

    /// Parses `event_types` (a JSON array), once per distinct text: thousands of subscriptions
    /// share a handful of lists.
    struct EventTypeLists {
        private var parsed: [String: [String]] = [:]

        mutating func list(_ text: String) throws -> [String] {
            if let known = parsed[text] { return known }
            let list = try JSONDecoder().decode([String].self, from: Data(text.utf8))
            parsed[text] = list
            return list
        }
    }

    /// Whether a subscription's patterns match an event type, decided once per distinct
    /// `event_types` text for one event: thousands of subscriptions share a handful of lists.
    struct TypeMatches {
        let eventType: String
        private var known: [String: Bool] = [:]

        init(eventType: String) { self.eventType = eventType }

        /// `patterns` is asked for only the first time `text` is seen.
        mutating func match(_ text: String, patterns: () throws -> [String]) rethrows -> Bool {
            if let known = known[text] { return known }
            let matched = try patterns().contains { EventTypePattern.matches($0, eventType) }
            known[text] = matched
            return matched
        }
    }

    /// Decodes subscriptions, parsing each distinct `event_types` list once.
    struct SubscriptionDecoder {
        fileprivate(set) var lists = EventTypeLists()

        mutating func subscription(_ row: Row) throws -> WebhookSubscription {
            let eventTypes = try lists.list(row[3])
            return WebhookSubscription(
                id: row[0], url: row[1], description: row[2], eventTypes: eventTypes, campaignID: row[4], organisationID: row[5],
                format: try Row.stored(PayloadFormat.self, row[6], column: "format"), personalData: row[7],
                state: try Row.stored(SubscriptionState.self, row[8], column: "state"), disabledReason: row[9], disabledAt: row[10],
                secret: row[11], previousSecret: row[12], previousSecretExpiresAt: row[13], failingSince: row[14],
                startsAfterEvent: row[15], createdAt: row[16], updatedAt: row[17])
        }
    }

    /// What deciding whether a subscription wants an event needs, and no more: no secrets, no dates.
    struct Scope {
        var id: Int64
        var state: SubscriptionState
        var startsAfterEvent: Int64
        /// The JSON text of the patterns, to remember a match per distinct list.
        var eventTypesText: String
        var eventTypes: [String]
        var campaignID: Int64?
        var organisationID: Int64?
        /// Whether it may receive personal data, and with it private actions' events.
        var personalData: Bool
    }

    /// The scope of every active subscription, oldest first.
    static func activeScopes(_ db: Database) throws -> [Scope] {
        var lists = EventTypeLists()
        var result: [Scope] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT id, state, starts_after_event, event_types, campaign_id, organisation_id, personal_data
            FROM webhook_subscriptions WHERE state = ? ORDER BY id
            """), arguments: [SubscriptionState.active.rawValue])
        while let row = try rows.next() {
            let text: String = row[3]
            let eventTypes = try lists.list(text)
            result.append(Scope(id: row[0], state: try Row.stored(SubscriptionState.self, row[1], column: "state"), startsAfterEvent: row[2],
                                eventTypesText: text, eventTypes: eventTypes, campaignID: row[4], organisationID: row[5],
                                personalData: row[6]))
        }
        return result
    }

    /// Whether any subscription is active: without one, expansion has nothing to make.
    static func anyActiveSubscription(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE state = ?)"),
                          arguments: [SubscriptionState.active.rawValue]) ?? false
    }

    /// The active subscriptions (with an id above `first`) one event is looked at for, oldest
    /// first: from `listed` when a round read them once for several events, else row by row,
    /// whole, so that the walk reads only as far as it goes and `subscription()` decodes the
    /// one it stands on without a second read.
    struct ScopeWalk {
        private let listed: [Scope]?
        private var position = 0
        private let first: Int64
        private let rows: RowCursor?
        private var row: Row?
        private var decoder = SubscriptionDecoder()

        init(_ db: Database, listed: [Scope]?, after first: Int64) throws {
            self.listed = listed
            self.first = first
            // A statement of its own (prepared once per connection), open while the walk makes
            // deliveries with others; a round walks one event, so one walk uses it at a time.
            rows = listed == nil ? try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT \(DeliveryRows.subscriptionColumns) FROM webhook_subscriptions WHERE state = ? AND id > ? ORDER BY id
                """), arguments: [SubscriptionState.active.rawValue, first]) : nil
        }

        /// The next subscription's scope, or nil after the last.
        mutating func next() throws -> Scope? {
            if let listed {
                while position < listed.count {
                    defer { position += 1 }
                    if listed[position].id > first { return listed[position] }
                }
                return nil
            }
            guard let row = try rows?.next() else {
                self.row = nil
                return nil
            }
            self.row = row
            // The columns of `subscriptionColumns`: id, event_types, campaign_id, organisation_id,
            // personal_data, state, starts_after_event.
            let text: String = row[3]
            return Scope(id: row[0], state: try Row.stored(SubscriptionState.self, row[8], column: "state"), startsAfterEvent: row[15],
                         eventTypesText: text, eventTypes: try decoder.lists.list(text), campaignID: row[4],
                         organisationID: row[5], personalData: row[7])
        }

        /// The whole subscription of the scope `next()` returned last, when the walk reads rows;
        /// nil when it walks a list (then `claims(for:)` reads it).
        mutating func subscription() throws -> WebhookSubscription? {
            guard let row else { return nil }
            return try decoder.subscription(row)
        }
    }

    static func deliveries(_ db: Database, sql: String, arguments: StatementArguments) throws -> [WebhookDelivery] {
        var result: [WebhookDelivery] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() { result.append(try delivery(row)) }
        return result
    }

    static func subscriptions(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [WebhookSubscription] {
        var decoder = SubscriptionDecoder()
        var result: [WebhookSubscription] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() { result.append(try decoder.subscription(row)) }
        return result
    }

    /// Dates as database text, each formatted once: a fan-out binds the same few dates thousands
    /// of times (through `BoundStatement`).
    struct DateTexts {
        private var known: [Date: String] = [:]

        mutating func callAsFunction(_ date: Date) -> String {
            if let text = known[date] { return text }
            let text = RFC3339.databaseString(from: date)
            known[date] = text
            return text
        }
    }

    /// `IN (?, ?, …)` for `count` arguments.
    static func placeholders(_ count: Int) -> String {
        "(" + repeatElement("?", count: max(1, count)).joined(separator: ",") + ")"
    }
}

extension DeliveryRows.Scope {
    /// A subscription's scope; `startsAfterEvent` overrides its own (0 for a replay, which may
    /// send an event older than the subscription).
    init(_ subscription: WebhookSubscription, startsAfterEvent: Int64? = nil) {
        self.init(id: subscription.id, state: subscription.state, startsAfterEvent: startsAfterEvent ?? subscription.startsAfterEvent,
                  eventTypesText: "", eventTypes: subscription.eventTypes, campaignID: subscription.campaignID,
                  organisationID: subscription.organisationID, personalData: subscription.personalData)
    }
}

/// A delivery made or claimed leased, with its event, and its subscription when the step that
/// leased it already read it whole (`claims(for:)` reads the others).
struct LeasedDelivery {
    var delivery: WebhookDelivery
    var event: OutboxEvent
    var subscription: WebhookSubscription?
}
