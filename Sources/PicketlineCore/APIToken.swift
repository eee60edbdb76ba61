import Foundation

/// What a token may do.
public enum TokenRole: String, Codable, Sendable, CaseIterable {
    /// Everything.
    case admin
    /// Only the actions its organisation calls or co-organises, and their speakers,
    /// endorsements, incidents and attendees.
    case organiser
}

/// An API token as stored: only a hash of the secret is kept.
public struct APIToken: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var name: String
    public var role: TokenRole
    /// For organisers: the organisation they act for.
    public var organisationID: Int64?
    /// Hex SHA-256 of the secret; never shown.
    public var tokenHash: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(id: Int64, name: String, role: TokenRole, organisationID: Int64?, tokenHash: String, createdAt: Date,
                lastUsedAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id; self.name = name; self.role = role; self.organisationID = organisationID
        self.tokenHash = tokenHash; self.createdAt = createdAt; self.lastUsedAt = lastUsedAt; self.revokedAt = revokedAt
    }

    /// Whether the token still opens anything.
    public var isActive: Bool { revokedAt == nil }
}

/// Tokens are kept by the same store as the domain, behind their own small protocol so the
/// HTTP layer depends on no more than it uses.
public protocol TokenStore: Sendable {
    /// Records a token by the hash of its secret; a name must be unique among active tokens.
    func createToken(name: String, role: TokenRole, organisation: String?, tokenHash: String) async throws -> APIToken
    /// The active token with this hash, if any.
    func activeToken(hash: String) async throws -> APIToken?
    /// Every token, newest first.
    func tokens() async throws -> [APIToken]
    /// Revokes a token by id or name.
    func revokeToken(_ reference: String) async throws -> APIToken
}
