import Foundation

/// The kinds of group that call, support or sign things.
public enum OrganisationKind: String, Codable, Sendable, CaseIterable {
    case party, union, campaign
    case communityGroup = "community group"
    case ngo, media, other
}

/// A group that calls or supports actions and signs statements.
public struct Organisation: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var slug: String
    public var name: String
    public var kind: OrganisationKind
    public var website: String?
    public var email: String?
    public var country: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, slug: String, name: String, kind: OrganisationKind, website: String?, email: String?,
                country: String?, createdAt: Date, updatedAt: Date) {
        self.id = id; self.slug = slug; self.name = name; self.kind = kind; self.website = website
        self.email = email; self.country = country; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

/// What is needed to register an organisation; the slug is derived from the name when absent.
public struct OrganisationDraft: Codable, Sendable, Equatable {
    public var name: String
    public var slug: String?
    public var kind: OrganisationKind
    public var website: String?
    public var email: String?
    public var country: String?

    public init(name: String, slug: String? = nil, kind: OrganisationKind = .other, website: String? = nil,
                email: String? = nil, country: String? = nil) {
        self.name = name; self.slug = slug; self.kind = kind; self.website = website
        self.email = email; self.country = country
    }

    /// Returns the draft cleaned and checked, or throws naming the bad field.
    public func validated() throws -> OrganisationDraft {
        let name = try Validation.line(name, field: "name", maxLength: 200)
        return OrganisationDraft(
            name: name,
            slug: try Validation.slug(slug ?? slugify(name, kind: "organisation"), field: "slug"),
            kind: kind,
            website: try Validation.url(website, field: "website"),
            email: try Validation.email(email, field: "email"),
            country: try Validation.country(country, field: "country")
        )
    }
}

/// A partial update of an organisation; nil leaves a field unchanged, an empty string clears it.
public struct OrganisationChanges: Codable, Sendable, Equatable {
    public var name: String?
    public var kind: OrganisationKind?
    public var website: String?
    public var email: String?
    public var country: String?

    public init(name: String? = nil, kind: OrganisationKind? = nil, website: String? = nil, email: String? = nil,
                country: String? = nil) {
        self.name = name; self.kind = kind; self.website = website; self.email = email; self.country = country
    }

    /// Applies the changes, validating each changed field.
    public func applied(to organisation: Organisation) throws -> Organisation {
        var result = organisation
        if let name { result.name = try Validation.line(name, field: "name", maxLength: 200) }
        if let kind { result.kind = kind }
        if let website { result.website = try Validation.url(website, field: "website") }
        if let email { result.email = try Validation.email(email, field: "email") }
        if let country { result.country = try Validation.country(country, field: "country") }
        return result
    }
}
