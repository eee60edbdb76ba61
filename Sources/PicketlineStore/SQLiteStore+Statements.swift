import Foundation
import GRDB
import PicketlineCore

struct StatementPayload: Encodable { var statement: PicketlineCore.Statement }

/// A signature as the public sees it: no e-mail.
/// What any subscriber of a signature event may see. A person who signs a private statement is
/// not named here (nobody outside can see who signed it): their name and affiliation go with the
/// personal data, to subscriptions granted it only.
struct SignaturePayload: Encodable {
    var signature: PublicSignature
    var statementID: Int64

    struct PublicSignature: Encodable {
        var id: Int64
        var kind: SignatoryKind
        var organisationID: Int64?
        var name: String?
        var affiliation: String?
        var signedAt: Date
        var withdrawnAt: Date?
    }

    /// Whether the signatory's name is public: an organisation's always, a person's on a public statement.
    static func namesPublicly(_ signature: Signature, statementVisibility: Visibility) -> Bool {
        signature.kind == .organisation || statementVisibility == .public
    }

    init(_ signature: Signature, statementVisibility: Visibility) {
        let named = Self.namesPublicly(signature, statementVisibility: statementVisibility)
        self.signature = PublicSignature(id: signature.id, kind: signature.kind, organisationID: signature.organisationID,
                                         name: named ? signature.name : nil, affiliation: named ? signature.affiliation : nil,
                                         signedAt: signature.signedAt, withdrawnAt: signature.withdrawnAt)
        statementID = signature.statementID
    }
}

/// A signatory's contact, and for a private statement their name: for subscriptions granted personal data.
struct SignaturePersonalData: Encodable {
    var name: String?
    var affiliation: String?
    var email: String?

    /// Nil when there is nothing personal to send.
    init?(_ signature: Signature, statementVisibility: Visibility) {
        let hidden = !SignaturePayload.namesPublicly(signature, statementVisibility: statementVisibility)
        name = hidden ? signature.name : nil
        affiliation = hidden ? signature.affiliation : nil
        email = signature.email
        if name == nil && affiliation == nil && email == nil { return nil }
    }
}

extension SQLiteStore {
    public func createStatement(_ draft: StatementDraft) async throws -> PicketlineCore.Statement {
        let explicitSlug = draft.slug != nil
        let draft = try draft.validated()
        return try await write { db, now in
            let campaignID = try draft.campaign.map { try db.id(in: "campaigns", entity: "campaign", reference: $0) }
            let actionID = try draft.action.map { try db.action($0).id }
            let slug = try db.freeSlug(draft.slug!, in: "statements", explicit: explicitSlug)
            var statement = PicketlineCore.Statement(
                id: 0, slug: slug, title: draft.title, body: draft.body, demands: draft.demands, issuedOn: draft.issuedOn,
                sourceURL: draft.sourceURL, campaignID: campaignID, actionID: actionID, status: draft.status,
                visibility: draft.visibility, createdAt: now, updatedAt: now)
            statement.id = try db.insertAssigningID(StatementRecord(statement))
            try db.replaceDemands(statementID: statement.id, statement.demands)
            try db.appendEvent(EventType.statementPublished, subject: "statement", subjectID: statement.id,
                               actionID: actionID, campaignID: campaignID, at: now,
                               payload: StatementPayload(statement: statement))
            return statement
        }
    }

    public func statement(_ reference: String) async throws -> PicketlineCore.Statement {
        try await read { db in try db.statement(reference) }
    }

    public func statements(campaign: String?) async throws -> [PicketlineCore.Statement] {
        try await read { db in
            var request = StatementRecord.order(Column("issued_on").desc, Column("id").desc)
            if let campaign {
                request = request.filter(Column("campaign_id") == (try db.id(in: "campaigns", entity: "campaign", reference: campaign)))
            }
            return try request.fetchAll(db).map { $0.statement(demands: try db.demands(statementID: $0.id)) }
        }
    }

    public func updateStatement(_ reference: String, _ changes: StatementChanges) async throws -> PicketlineCore.Statement {
        try await write { db, now in
            let before = try db.statement(reference)
            var statement = try changes.applied(to: before)
            guard statement != before else { return before }
            statement.updatedAt = now
            try StatementRecord(statement).update(db)
            if statement.demands != before.demands { try db.replaceDemands(statementID: statement.id, statement.demands) }
            try db.appendEvent(EventType.statementUpdated, subject: "statement", subjectID: statement.id,
                               actionID: statement.actionID, campaignID: statement.campaignID, at: now,
                               payload: StatementPayload(statement: statement))
            return statement
        }
    }

    public func sign(statement: String, _ request: SignatureRequest) async throws -> Signature {
        let request = try request.validated()
        return try await write { db, now in
            let statement = try db.statement(statement)
            guard statement.status == .open else {
                throw PicketlineError.conflict(field: "statement", reason: "\(statement.title) is \(statement.status.rawValue) and cannot be signed")
            }
            var signature: Signature
            switch request {
            case .organisation(let reference):
                let organisation = try Organisation.fetchOne(
                    db, key: try db.id(in: "organisations", entity: "organisation", reference: reference))!
                if try Signature.filter(Column("statement_id") == statement.id && Column("organisation_id") == organisation.id
                                        && Column("withdrawn_at") == nil).fetchOne(db) != nil {
                    throw PicketlineError.conflict(field: "organisation", reason: "\(organisation.name) has already signed")
                }
                signature = Signature(id: 0, statementID: statement.id, kind: .organisation, organisationID: organisation.id,
                                      name: organisation.name, affiliation: nil, email: nil, signedAt: now, withdrawnAt: nil)
            case .person(let name, let affiliation, let email):
                if let email, try Signature.filter(Column("statement_id") == statement.id && Column("email") == email
                                                   && Column("withdrawn_at") == nil).fetchOne(db) != nil {
                    throw PicketlineError.conflict(field: "email", reason: "this e-mail address has already signed")
                }
                signature = Signature(id: 0, statementID: statement.id, kind: .person, organisationID: nil, name: name,
                                      affiliation: affiliation, email: email, signedAt: now, withdrawnAt: nil)
            }
            signature.id = try db.insertAssigningID(signature)
            try db.appendEvent(EventType.statementSigned, subject: "signature", subjectID: signature.id,
                               actionID: statement.actionID, campaignID: statement.campaignID, at: now,
                               payload: SignaturePayload(signature, statementVisibility: statement.visibility),
                               personalData: SignaturePersonalData(signature, statementVisibility: statement.visibility))
            return signature
        }
    }

    public func signature(_ id: Int64) async throws -> Signature {
        try await read { db in
            guard let signature = try Signature.fetchOne(db, key: id) else {
                throw PicketlineError.notFound(entity: "signature", reference: String(id))
            }
            return signature
        }
    }

    public func withdrawSignature(_ id: Int64) async throws -> Signature {
        try await write { db, now in
            guard var signature = try Signature.fetchOne(db, key: id) else {
                throw PicketlineError.notFound(entity: "signature", reference: String(id))
            }
            guard signature.withdrawnAt == nil else {
                throw PicketlineError.conflict(field: "signature", reason: "signature \(id) is already withdrawn")
            }
            signature.withdrawnAt = now
            try signature.update(db)
            let statement = try StatementRecord.fetchOne(db, key: signature.statementID)!
            try db.appendEvent(EventType.signatureWithdrawn, subject: "signature", subjectID: id,
                               actionID: statement.actionID, campaignID: statement.campaignID, at: now,
                               payload: SignaturePayload(signature, statementVisibility: statement.visibility),
                               personalData: SignaturePersonalData(signature, statementVisibility: statement.visibility))
            return signature
        }
    }

    public func signatures(statement: String, includeWithdrawn: Bool) async throws -> [Signature] {
        try await read { db in
            let statement = try db.statement(statement)
            var request = Signature.filter(Column("statement_id") == statement.id)
            if !includeWithdrawn { request = request.filter(Column("withdrawn_at") == nil) }
            return try request.order(Column("signed_at"), Column("id")).fetchAll(db)
        }
    }
}

extension Database {
    func statement(_ reference: String) throws -> PicketlineCore.Statement {
        let id = try id(in: "statements", entity: "statement", reference: reference)
        return try StatementRecord.fetchOne(self, key: id)!.statement(demands: try demands(statementID: id))
    }

    func demands(statementID: Int64) throws -> [String] {
        try String.fetchAll(self, sql: "SELECT text FROM statement_demands WHERE statement_id = ? ORDER BY position",
                            arguments: [statementID])
    }

    func replaceDemands(statementID: Int64, _ demands: [String]) throws {
        try execute(sql: "DELETE FROM statement_demands WHERE statement_id = ?", arguments: [statementID])
        for (index, demand) in demands.enumerated() {
            try execute(sql: "INSERT INTO statement_demands (statement_id, position, text) VALUES (?, ?, ?)",
                        arguments: [statementID, index + 1, demand])
        }
    }
}
