import Foundation

/// Whether a statement is collecting signatures.
public enum StatementStatus: String, Codable, Sendable, CaseIterable {
    /// Published and open for signatures.
    case open
    /// Published, no longer taking signatures.
    case closed
    /// Taken back by its authors; not shown publicly, cannot be signed.
    case withdrawn
}

/// A coalition's statement with ordered demands, signed by organisations and people.
public struct Statement: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var slug: String
    public var title: String
    public var body: String
    public var demands: [String]
    /// The date the statement bears ("6 January 2022"), as an ISO date.
    public var issuedOn: String?
    public var sourceURL: String?
    public var campaignID: Int64?
    /// The action it supports, if any.
    public var actionID: Int64?
    public var status: StatementStatus
    public var visibility: Visibility
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, slug: String, title: String, body: String, demands: [String], issuedOn: String?,
                sourceURL: String?, campaignID: Int64?, actionID: Int64?, status: StatementStatus,
                visibility: Visibility, createdAt: Date, updatedAt: Date) {
        self.id = id; self.slug = slug; self.title = title; self.body = body; self.demands = demands
        self.issuedOn = issuedOn; self.sourceURL = sourceURL; self.campaignID = campaignID; self.actionID = actionID
        self.status = status; self.visibility = visibility; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

/// What is needed to publish a statement.
public struct StatementDraft: Codable, Sendable, Equatable {
    public var title: String
    public var slug: String?
    public var body: String
    public var demands: [String]
    public var issuedOn: String?
    public var sourceURL: String?
    /// Campaign slug or id.
    public var campaign: String?
    /// Action slug or id.
    public var action: String?
    public var status: StatementStatus
    public var visibility: Visibility

    public init(title: String, slug: String? = nil, body: String, demands: [String] = [], issuedOn: String? = nil,
                sourceURL: String? = nil, campaign: String? = nil, action: String? = nil,
                status: StatementStatus = .open, visibility: Visibility = .public) {
        self.title = title; self.slug = slug; self.body = body; self.demands = demands; self.issuedOn = issuedOn
        self.sourceURL = sourceURL; self.campaign = campaign; self.action = action; self.status = status
        self.visibility = visibility
    }

    /// Returns the draft cleaned and checked, or throws naming the bad field.
    public func validated() throws -> StatementDraft {
        var draft = self
        draft.title = try Validation.line(title, field: "title", maxLength: 300)
        draft.slug = try Validation.slug(slug ?? slugify(title, kind: "statement"), field: "slug")
        draft.body = try Validation.required(body, field: "body", maxLength: 100_000)
        draft.demands = try demands.enumerated().map { index, demand in
            try Validation.required(demand, field: "demands[\(index)]", maxLength: 2_000)
        }
        draft.issuedOn = try Statement.checkDate(issuedOn)
        draft.sourceURL = try Validation.url(sourceURL, field: "source_url")
        draft.campaign = try Validation.optional(campaign, field: "campaign")
        draft.action = try Validation.optional(action, field: "action")
        // Creating is publishing (statement.published): a statement is taken down once it was up.
        guard status != .withdrawn else {
            throw PicketlineError.invalid(field: "status", reason: "a new statement is open or closed; withdraw it once published if need be")
        }
        return draft
    }
}

/// A partial update of a statement; nil leaves a field unchanged.
public struct StatementChanges: Codable, Sendable, Equatable {
    public var title: String?
    public var body: String?
    public var demands: [String]?
    public var issuedOn: String?
    public var sourceURL: String?
    public var status: StatementStatus?
    public var visibility: Visibility?

    public init(title: String? = nil, body: String? = nil, demands: [String]? = nil, issuedOn: String? = nil,
                sourceURL: String? = nil, status: StatementStatus? = nil, visibility: Visibility? = nil) {
        self.title = title; self.body = body; self.demands = demands; self.issuedOn = issuedOn
        self.sourceURL = sourceURL; self.status = status; self.visibility = visibility
    }

    /// Applies the changes, validating each changed field.
    public func applied(to statement: Statement) throws -> Statement {
        var result = statement
        if let title { result.title = try Validation.line(title, field: "title", maxLength: 300) }
        if let body { result.body = try Validation.required(body, field: "body", maxLength: 100_000) }
        if let demands {
            result.demands = try demands.enumerated().map { index, demand in
                try Validation.required(demand, field: "demands[\(index)]", maxLength: 2_000)
            }
        }
        if let issuedOn { result.issuedOn = try Statement.checkDate(issuedOn) }
        if let sourceURL { result.sourceURL = try Validation.url(sourceURL, field: "source_url") }
        if let status { result.status = status }
        if let visibility { result.visibility = visibility }
        return result
    }
}

extension Statement {
    static func checkDate(_ text: String?) throws -> String? {
        guard let text = try Validation.optional(text, field: "issued_on", maxLength: 10) else { return nil }
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              parts[0].count == 4, (1...12).contains(month), (1...31).contains(day), year > 1800 else {
            throw PicketlineError.invalid(field: "issued_on", reason: "\(text.debugDescription) is not a date like 2022-01-06")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              calendar.component(.day, from: date) == day else {
            throw PicketlineError.invalid(field: "issued_on", reason: "\(text) does not exist")
        }
        return text
    }
}
