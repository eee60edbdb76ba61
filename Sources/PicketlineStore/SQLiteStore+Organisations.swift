import Foundation
import GRDB
import PicketlineCore

struct CampaignPayload: Encodable { var campaign: Campaign }
struct OrganisationPayload: Encodable {
    var organisation: Organisation
}

extension SQLiteStore {
    public func createCampaign(_ draft: CampaignDraft) async throws -> Campaign {
        let draft = try draft.validated()
        return try await write { db, now in
            let slug = draft.slug!
            if try Int64.fetchOne(db, sql: "SELECT id FROM campaigns WHERE slug = ?", arguments: [slug]) != nil {
                throw PicketlineError.conflict(field: "slug", reason: "a campaign with slug \(slug.debugDescription) already exists")
            }
            var campaign = Campaign(id: 0, slug: slug, name: draft.name, description: draft.description,
                                    createdAt: now, updatedAt: now)
            campaign.id = try db.insertAssigningID(campaign)
            try db.appendEvent(EventType.campaignCreated, subject: "campaign", subjectID: campaign.id,
                               campaignID: campaign.id, at: now, payload: CampaignPayload(campaign: campaign))
            return campaign
        }
    }

    public func campaign(_ reference: String) async throws -> Campaign {
        try await read { db in
            try Campaign.fetchOne(db, key: try db.id(in: "campaigns", entity: "campaign", reference: reference))!
        }
    }

    public func campaigns() async throws -> [Campaign] {
        try await read { db in try Campaign.order(Column("name").collating(.localizedCaseInsensitiveCompare)).fetchAll(db) }
    }

    public func updateCampaign(_ reference: String, _ changes: CampaignChanges) async throws -> Campaign {
        try await write { db, now in
            let id = try db.id(in: "campaigns", entity: "campaign", reference: reference)
            var campaign = try changes.applied(to: Campaign.fetchOne(db, key: id)!)
            campaign.updatedAt = now
            try campaign.update(db)
            try db.appendEvent(EventType.campaignUpdated, subject: "campaign", subjectID: id, campaignID: id,
                               at: now, payload: CampaignPayload(campaign: campaign))
            return campaign
        }
    }

    public func createOrganisation(_ draft: OrganisationDraft) async throws -> Organisation {
        let draft = try draft.validated()
        return try await write { db, now in
            let slug = draft.slug!
            if try Int64.fetchOne(db, sql: "SELECT id FROM organisations WHERE slug = ?", arguments: [slug]) != nil {
                throw PicketlineError.conflict(field: "slug", reason: "an organisation with slug \(slug.debugDescription) already exists")
            }
            var organisation = Organisation(id: 0, slug: slug, name: draft.name, kind: draft.kind, website: draft.website,
                                            email: draft.email, country: draft.country, createdAt: now, updatedAt: now)
            organisation.id = try db.insertAssigningID(organisation)
            try db.appendEvent(EventType.organisationCreated, subject: "organisation", subjectID: organisation.id,
                               at: now, payload: OrganisationPayload(organisation: organisation))
            return organisation
        }
    }

    public func organisation(_ reference: String) async throws -> Organisation {
        try await read { db in
            try Organisation.fetchOne(db, key: try db.id(in: "organisations", entity: "organisation", reference: reference))!
        }
    }

    public func organisations() async throws -> [Organisation] {
        try await read { db in try Organisation.order(Column("name").collating(.localizedCaseInsensitiveCompare)).fetchAll(db) }
    }

    public func updateOrganisation(_ reference: String, _ changes: OrganisationChanges) async throws -> Organisation {
        try await write { db, now in
            let id = try db.id(in: "organisations", entity: "organisation", reference: reference)
            var organisation = try changes.applied(to: Organisation.fetchOne(db, key: id)!)
            organisation.updatedAt = now
            try organisation.update(db)
            try db.appendEvent(EventType.organisationUpdated, subject: "organisation", subjectID: id, at: now,
                               payload: OrganisationPayload(organisation: organisation))
            return organisation
        }
    }
}
