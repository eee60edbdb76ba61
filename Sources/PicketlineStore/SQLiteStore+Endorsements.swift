import Foundation
import GRDB
import PicketlineCore

/// `data.endorsement`, `data.organisation` and `data.action`: the action's public view itself, as
/// every other event carries it (it was an `ActionPayload`, which nested it as `action.action`).
struct EndorsementPayload: Encodable {
    var endorsement: Endorsement
    var organisation: Organisation
    var action: Action

    init(endorsement: Endorsement, organisation: Organisation, action: Action) {
        self.endorsement = endorsement
        self.organisation = organisation
        self.action = ActionPayload(action).action
    }
}

extension SQLiteStore {
    public func endorse(action: String, organisation: String, role: EndorsementRole,
                        state: ParticipationState) async throws -> Endorsement {
        try await write { db, now in
            let action = try db.action(action)
            let organisationID = try db.id(in: "organisations", entity: "organisation", reference: organisation)
            let org = try Organisation.fetchOne(db, key: organisationID)!
            if try Endorsement.filter(Column("action_id") == action.id && Column("organisation_id") == organisationID)
                .fetchOne(db) != nil {
                throw PicketlineError.conflict(field: "organisation",
                    reason: "\(org.name) already endorses \(action.title); change its state or role instead")
            }
            var endorsement = Endorsement(id: 0, actionID: action.id, organisationID: organisationID, role: role,
                                          state: state, createdAt: now, updatedAt: now)
            endorsement.id = try db.insertAssigningID(endorsement)
            try db.appendEvent(state == .invited ? EventType.endorsementInvited : EventType.endorsementAdded,
                               subject: "endorsement", subjectID: endorsement.id, actionID: action.id,
                               campaignID: action.campaignID, at: now,
                               payload: EndorsementPayload(endorsement: endorsement, organisation: org, action: action))
            return endorsement
        }
    }

    public func setEndorsement(action: String, organisation: String, state: ParticipationState?,
                               role: EndorsementRole?) async throws -> Endorsement {
        try await write { db, now in
            let action = try db.action(action)
            let organisationID = try db.id(in: "organisations", entity: "organisation", reference: organisation)
            let org = try Organisation.fetchOne(db, key: organisationID)!
            guard var endorsement = try Endorsement
                .filter(Column("action_id") == action.id && Column("organisation_id") == organisationID).fetchOne(db)
            else { throw PicketlineError.notFound(entity: "endorsement", reference: "\(org.slug) of \(action.slug)") }
            let before = endorsement
            if let state { endorsement.state = state }
            if let role { endorsement.role = role }
            guard endorsement != before else { return endorsement }
            endorsement.updatedAt = now
            try endorsement.update(db)
            let type = switch endorsement.state {
            case .confirmed: before.state == .confirmed ? EventType.endorsementAdded : EventType.endorsementConfirmed
            case .withdrawn: EventType.endorsementWithdrawn
            case .invited: EventType.endorsementInvited
            }
            try db.appendEvent(type, subject: "endorsement", subjectID: endorsement.id, actionID: action.id,
                               campaignID: action.campaignID, at: now,
                               payload: EndorsementPayload(endorsement: endorsement, organisation: org, action: action))
            return endorsement
        }
    }

    public func endorsements(ofAction action: String, includeWithdrawn: Bool) async throws -> [EndorsingOrganisation] {
        try await read { db in
            let action = try db.action(action)
            let endorsements = try Endorsement.fetchAll(db, sql: """
                SELECT endorsements.* FROM endorsements JOIN organisations ON organisations.id = organisation_id
                WHERE action_id = ? \(includeWithdrawn ? "" : "AND state <> 'withdrawn'")
                ORDER BY CASE role WHEN 'caller' THEN 0 WHEN 'co-organiser' THEN 1 ELSE 2 END, endorsements.id
                """, arguments: [action.id])
            return try endorsements.map {
                EndorsingOrganisation(endorsement: $0, organisation: try Organisation.fetchOne(db, key: $0.organisationID)!)
            }
        }
    }

    public func endorsements(byOrganisation organisation: String, includeWithdrawn: Bool) async throws -> [EndorsedAction] {
        try await read { db in
            let organisationID = try db.id(in: "organisations", entity: "organisation", reference: organisation)
            let endorsements = try Endorsement.fetchAll(db, sql: """
                SELECT endorsements.* FROM endorsements JOIN actions ON actions.id = action_id
                WHERE organisation_id = ? \(includeWithdrawn ? "" : "AND state <> 'withdrawn'")
                ORDER BY actions.starts_at, actions.id
                """, arguments: [organisationID])
            return try endorsements.map {
                EndorsedAction(endorsement: $0, action: try ActionRecord.fetchOne(db, key: $0.actionID)!.action)
            }
        }
    }
}
