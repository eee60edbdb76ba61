import Foundation

/// A campaign groups actions and statements ("Solidarity with Kazakhstan").
public struct Campaign: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var slug: String
    public var name: String
    public var description: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, slug: String, name: String, description: String?, createdAt: Date, updatedAt: Date) {
        self.id = id; self.slug = slug; self.name = name; self.description = description
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

/// What an organiser supplies to create a campaign; the slug is derived from the name when absent.
public struct CampaignDraft: Codable, Sendable, Equatable {
    public var name: String
    public var slug: String?
    public var description: String?

    public init(name: String, slug: String? = nil, description: String? = nil) {
        self.name = name; self.slug = slug; self.description = description
    }

    /// Returns the draft cleaned and checked, or throws naming the bad field.
    public func validated() throws -> CampaignDraft {
        let name = try Validation.line(name, field: "name", maxLength: 200)
        return CampaignDraft(
            name: name,
            slug: try Validation.slug(slug ?? slugify(name, kind: "campaign"), field: "slug"),
            description: try Validation.optional(description, field: "description")
        )
    }
}

/// A partial update of a campaign; nil leaves a field unchanged.
public struct CampaignChanges: Codable, Sendable, Equatable {
    public var name: String?
    public var description: String?

    public init(name: String? = nil, description: String? = nil) {
        self.name = name; self.description = description
    }

    /// Applies the changes to a campaign, validating each changed field.
    public func applied(to campaign: Campaign) throws -> Campaign {
        var result = campaign
        if let name { result.name = try Validation.line(name, field: "name", maxLength: 200) }
        if let description { result.description = try Validation.optional(description, field: "description") }
        return result
    }
}
