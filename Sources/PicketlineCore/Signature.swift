import Foundation

/// Who signed: a registered organisation or a person.
public enum SignatoryKind: String, Codable, Sendable, CaseIterable {
    case organisation, person
}

/// A signature under a statement, listed in signing order; withdrawable.
public struct Signature: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var statementID: Int64
    public var kind: SignatoryKind
    public var organisationID: Int64?
    /// The organisation's name or the person's name, as shown.
    public var name: String
    /// A person's affiliation ("NUJ member"); for organisations nil.
    public var affiliation: String?
    /// A person's e-mail, never public; used to stop the same person signing twice.
    public var email: String?
    public var signedAt: Date
    public var withdrawnAt: Date?

    public init(id: Int64, statementID: Int64, kind: SignatoryKind, organisationID: Int64?, name: String,
                affiliation: String?, email: String?, signedAt: Date, withdrawnAt: Date?) {
        self.id = id; self.statementID = statementID; self.kind = kind; self.organisationID = organisationID
        self.name = name; self.affiliation = affiliation; self.email = email; self.signedAt = signedAt
        self.withdrawnAt = withdrawnAt
    }

    /// Whether the signature still stands.
    public var isActive: Bool { withdrawnAt == nil }
}

/// A request to sign: either an organisation (by slug or id) or a person by name.
public enum SignatureRequest: Codable, Sendable, Equatable {
    case organisation(String)
    case person(name: String, affiliation: String?, email: String?)

    /// Returns the request cleaned and checked, or throws naming the bad field.
    public func validated() throws -> SignatureRequest {
        switch self {
        case .organisation(let reference):
            return .organisation(try Validation.required(reference, field: "organisation"))
        case .person(let name, let affiliation, let email):
            return .person(
                name: try Validation.line(name, field: "name", maxLength: 200),
                affiliation: try Validation.optionalLine(affiliation, field: "affiliation", maxLength: 200),
                email: try Validation.email(email, field: "email")
            )
        }
    }
}
