import Foundation

/// Whether a subscription receives deliveries.
public enum SubscriptionState: String, Codable, Sendable, CaseIterable {
    case active, disabled
}

/// A receiver of domain events: a partner's system, a chat channel, a bridge.
public struct WebhookSubscription: Codable, Sendable, Equatable, Identifiable {
    /// The longest a rotated-out secret may keep signing: 90 days, as `webhooks.secret_overlap_hours`
    /// allows. A typo of hours must not keep a possibly leaked secret valid for years (QA: 100,000
    /// hours ran to 2038).
    public static let maximumSecretOverlapHours = 2_160.0

    public var id: Int64
    /// Absolute http(s) URL. Chat incoming-webhook URLs are themselves secrets: log the host only.
    public var url: String
    public var description: String?
    /// Event type patterns (`action.*`, `callout.created`, `*`); `*` matches any run of characters.
    public var eventTypes: [String]
    /// Only events of actions in this campaign.
    public var campaignID: Int64?
    /// Only events of actions this organisation endorses (or of the organisation itself).
    public var organisationID: Int64?
    public var format: PayloadFormat
    /// Whether attendee names, e-mails and phones are sent (under `data.personal_data`).
    public var personalData: Bool
    public var state: SubscriptionState
    public var disabledReason: String?
    public var disabledAt: Date?
    /// `whsec_…`; shown once, on creation or rotation.
    public var secret: String
    /// The secret before the last rotation, still used to sign until `previousSecretExpiresAt`.
    public var previousSecret: String?
    public var previousSecretExpiresAt: Date?
    /// When the current run of failed attempts began; nil after any success.
    public var failingSince: Date?
    /// Outbox position at creation: only later events are delivered.
    public var startsAfterEvent: Int64
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, url: String, description: String?, eventTypes: [String], campaignID: Int64?, organisationID: Int64?,
                format: PayloadFormat, personalData: Bool, state: SubscriptionState, disabledReason: String? = nil,
                disabledAt: Date? = nil, secret: String, previousSecret: String? = nil, previousSecretExpiresAt: Date? = nil,
                failingSince: Date? = nil, startsAfterEvent: Int64, createdAt: Date, updatedAt: Date) {
        self.id = id; self.url = url; self.description = description; self.eventTypes = eventTypes
        self.campaignID = campaignID; self.organisationID = organisationID; self.format = format
        self.personalData = personalData; self.state = state; self.disabledReason = disabledReason
        self.disabledAt = disabledAt; self.secret = secret; self.previousSecret = previousSecret
        self.previousSecretExpiresAt = previousSecretExpiresAt; self.failingSince = failingSince
        self.startsAfterEvent = startsAfterEvent; self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// The secrets to sign with at `now`, newest first: the previous one only during its overlap.
    public func signingSecrets(at now: Date) -> [String] {
        guard let previousSecret, let expiry = previousSecretExpiresAt, expiry > now else { return [secret] }
        return [secret, previousSecret]
    }

    /// Whether one of the patterns matches `eventType`.
    public func wants(_ eventType: String) -> Bool {
        eventTypes.contains { EventTypePattern.matches($0, eventType) }
    }

    /// The host of the URL, for logs (the full URL may carry a token).
    public var host: String { Self.host(of: url) }

    /// The host of a subscription's URL, for listings ("?" if it has none).
    public static func host(of url: String) -> String { URL(string: url)?.host ?? "?" }
}

/// Event type patterns: lower-case names with `*` wildcards.
public enum EventTypePattern {
    /// Whether `pattern` matches `eventType`; `*` stands for any run of characters, dots included.
    public static func matches(_ pattern: String, _ eventType: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == eventType }
        var rest = Substring(eventType)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for (index, part) in parts.enumerated().dropFirst() {
            if index == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard !part.isEmpty else { continue }
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }

    /// Cleans and checks patterns (letters, digits, `.`, `_`, `*`); at least one is needed.
    public static func validated(_ patterns: [String], field: String = "events") throws -> [String] {
        let cleaned = patterns.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
        guard !cleaned.isEmpty else { throw PicketlineError.invalid(field: field, reason: "name at least one event type or pattern, e.g. callout.* or *") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._*")
        for pattern in cleaned where pattern.count > 100 || !pattern.allSatisfy(allowed.contains) {
            throw PicketlineError.invalid(field: field, reason: "\(pattern.debugDescription) is not an event type pattern (letters, digits, '.', '_' and '*')")
        }
        // A typo would make a subscription that never fires: each pattern must match a type a
        // subscription can receive. webhook.test goes only to the webhook `webhook test` names.
        if cleaned.contains(EventType.webhookTest) {
            throw PicketlineError.invalid(field: field, reason: """
                "\(EventType.webhookTest)" is sent only to the webhook that `picketline webhook test` names; no subscription receives it
                """)
        }
        let receivable = EventType.all.filter { $0 != EventType.webhookTest }
        for pattern in cleaned where !receivable.contains(where: { matches(pattern, $0) }) {
            let families = Set(receivable.map { $0.prefix { $0 != "." } }).sorted().map { $0 + ".*" }
            throw PicketlineError.invalid(field: field, reason: "\(pattern.debugDescription) matches no event type (they are \(families.joined(separator: ", ")))")
        }
        var seen = Set<String>()
        return cleaned.filter { seen.insert($0).inserted }
    }
}

/// What an admin supplies to subscribe a receiver.
public struct WebhookSubscriptionDraft: Sendable, Equatable {
    public var url: String
    public var description: String?
    public var eventTypes: [String]
    /// Campaign id or slug.
    public var campaign: String?
    /// Organisation id or slug.
    public var organisation: String?
    public var format: PayloadFormat
    public var personalData: Bool

    public init(url: String, description: String? = nil, eventTypes: [String] = ["*"], campaign: String? = nil,
                organisation: String? = nil, format: PayloadFormat = .standard, personalData: Bool = false) {
        self.url = url; self.description = description; self.eventTypes = eventTypes; self.campaign = campaign
        self.organisation = organisation; self.format = format; self.personalData = personalData
    }

    /// Returns the draft cleaned and checked (the address check is the caller's: it needs the network).
    public func validated() throws -> WebhookSubscriptionDraft {
        var draft = self
        draft.url = try WebhookURL.validated(url)
        draft.description = try Validation.optional(description, field: "description", maxLength: 300)
        draft.eventTypes = try EventTypePattern.validated(eventTypes)
        return draft
    }
}

/// A partial update of a subscription; nil leaves a field unchanged.
public struct WebhookSubscriptionChanges: Sendable, Equatable {
    public var url: String?
    public var description: String?
    public var eventTypes: [String]?
    /// Campaign id or slug; an empty string removes the filter.
    public var campaign: String?
    /// Organisation id or slug; an empty string removes the filter.
    public var organisation: String?
    public var format: PayloadFormat?
    public var personalData: Bool?

    public init(url: String? = nil, description: String? = nil, eventTypes: [String]? = nil, campaign: String? = nil,
                organisation: String? = nil, format: PayloadFormat? = nil, personalData: Bool? = nil) {
        self.url = url; self.description = description; self.eventTypes = eventTypes; self.campaign = campaign
        self.organisation = organisation; self.format = format; self.personalData = personalData
    }
}

/// The syntactic rules for a webhook URL (the SSRF check, which resolves names, is separate).
public enum WebhookURL {
    /// An absolute http or https URL with a host and no credentials, at most 2000 characters.
    public static func validated(_ text: String, field: String = "url") throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw PicketlineError.invalid(field: field, reason: "is required") }
        guard trimmed.count <= 2_000 else { throw PicketlineError.invalid(field: field, reason: "is longer than 2000 characters") }
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            throw PicketlineError.invalid(field: field, reason: "\(trimmed.debugDescription) is not an absolute http(s) URL")
        }
        guard components.user == nil, components.password == nil else {
            throw PicketlineError.invalid(field: field, reason: "must not carry a user name or password")
        }
        return trimmed
    }
}
