import Foundation
import GRDB
import PicketlineCore

extension APIToken: SnakeCaseRecord { public static let databaseTableName = "api_tokens" }

extension SQLiteStore: TokenStore {
    public func createToken(name: String, role: TokenRole, organisation: String?, tokenHash: String) async throws -> APIToken {
        let name = try Validation.required(name, field: "name", maxLength: 100)
        if role == .organiser && organisation == nil {
            throw PicketlineError.invalid(field: "organisation", reason: "an organiser token needs --organisation")
        }
        if role == .admin && organisation != nil {
            throw PicketlineError.invalid(field: "organisation", reason: "an admin token acts for no organisation")
        }
        return try await write { db, now in
            let organisationID = try organisation.map { try db.id(in: "organisations", entity: "organisation", reference: $0) }
            if try APIToken.filter(Column("name") == name && Column("revoked_at") == nil).fetchOne(db) != nil {
                throw PicketlineError.conflict(field: "name", reason: "an active token is already named \(name.debugDescription)")
            }
            var token = APIToken(id: 0, name: name, role: role, organisationID: organisationID, tokenHash: tokenHash, createdAt: now)
            token.id = try db.insertAssigningID(token)
            return token
        }
    }

    public func activeToken(hash: String) async throws -> APIToken? {
        try await read { db in
            try APIToken.filter(Column("token_hash") == hash && Column("revoked_at") == nil).fetchOne(db)
        }
    }

    public func tokens() async throws -> [APIToken] {
        try await read { db in try APIToken.order(Column("id").desc).fetchAll(db) }
    }

    public func revokeToken(_ reference: String) async throws -> APIToken {
        try await write { db, now in
            let candidates = try APIToken.filter(Column("revoked_at") == nil).fetchAll(db)
            guard var token = candidates.first(where: { String($0.id) == reference || $0.name == reference }) else {
                throw PicketlineError.notFound(entity: "active token", reference: reference)
            }
            token.revokedAt = now
            try token.update(db)
            return token
        }
    }
}
