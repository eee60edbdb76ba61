import Foundation
import GRDB
import PicketlineCore

// Hand-written row mappings for the records on the hot paths: RSVP intake, action reads and the
// outbox. GRDB's Codable bridge (a decoder per row, a key conversion per column) was about 60 % of
// the RSVP write path in `perf`; these mappings read and write the same columns directly.
// `RecordMappingTests` round-trips each through the database against its Codable form.

extension ActionRecord {
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        slug = try row.decode(forColumn: "slug")
        kind = try row.choice("kind")
        title = try row.decode(forColumn: "title")
        description = try row.decode(forColumn: "description")
        target = try row.decode(forColumn: "target")
        venue = try row.decode(forColumn: "venue")
        addressLines = try row.decode(forColumn: "address_lines")
        locality = try row.decode(forColumn: "locality")
        region = try row.decode(forColumn: "region")
        postalCode = try row.decode(forColumn: "postal_code")
        country = try row.decode(forColumn: "country")
        latitude = try row.decode(forColumn: "latitude")
        longitude = try row.decode(forColumn: "longitude")
        locationPublic = try row.decode(forColumn: "location_public")
        startsAt = try row.date("starts_at")
        endsAt = try row.optionalDate("ends_at")
        timeZone = try row.decode(forColumn: "time_zone")
        status = try row.choice("status")
        visibility = try row.choice("visibility")
        capacity = try row.decode(forColumn: "capacity")
        campaignID = try row.decode(forColumn: "campaign_id")
        sourceURL = try row.decode(forColumn: "source_url")
        revision = try row.decode(forColumn: "revision")
        createdAt = try row.date("created_at")
        updatedAt = try row.date("updated_at")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["slug"] = slug
        container["kind"] = kind.rawValue
        container["title"] = title
        container["description"] = description
        container["target"] = target
        container["venue"] = venue
        container["address_lines"] = addressLines
        container["locality"] = locality
        container["region"] = region
        container["postal_code"] = postalCode
        container["country"] = country
        container["latitude"] = latitude
        container["longitude"] = longitude
        container["location_public"] = locationPublic
        container["starts_at"] = RFC3339.databaseString(from: startsAt)
        container["ends_at"] = endsAt.map { RFC3339.databaseString(from: $0) }
        container["time_zone"] = timeZone
        container["status"] = status.rawValue
        container["visibility"] = visibility.rawValue
        container["capacity"] = capacity
        container["campaign_id"] = campaignID
        container["source_url"] = sourceURL
        container["revision"] = revision
        container["created_at"] = RFC3339.databaseString(from: createdAt)
        container["updated_at"] = RFC3339.databaseString(from: updatedAt)
    }
}

extension Attendance {
    public init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"), actionID: try row.decode(forColumn: "action_id"),
            name: try row.decode(forColumn: "name"), email: try row.decode(forColumn: "email"),
            phone: try row.decode(forColumn: "phone"), consentToContact: try row.decode(forColumn: "consent_to_contact"),
            status: try row.choice("status"), waitlisted: try row.decode(forColumn: "waitlisted"),
            attended: try row.decode(forColumn: "attended"), checkedInAt: try row.optionalDate("checked_in_at"),
            anonymisedAt: try row.optionalDate("anonymised_at"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["action_id"] = actionID
        container["name"] = name
        container["email"] = email
        container["phone"] = phone
        container["consent_to_contact"] = consentToContact
        container["status"] = status.rawValue
        container["waitlisted"] = waitlisted
        container["attended"] = attended
        container["checked_in_at"] = checkedInAt.map { RFC3339.databaseString(from: $0) }
        container["anonymised_at"] = anonymisedAt.map { RFC3339.databaseString(from: $0) }
        container["created_at"] = RFC3339.databaseString(from: createdAt)
        container["updated_at"] = RFC3339.databaseString(from: updatedAt)
    }
}

extension OutboxEvent {
    public init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"), eventID: try row.decode(forColumn: "event_id"),
            type: try row.decode(forColumn: "type"), occurredAt: try row.date("occurred_at"),
            subjectType: try row.decode(forColumn: "subject_type"), subjectID: try row.decode(forColumn: "subject_id"),
            actionID: try row.decode(forColumn: "action_id"), campaignID: try row.decode(forColumn: "campaign_id"),
            payload: try row.decode(forColumn: "payload"), personalData: try row.decode(forColumn: "personal_data"))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["event_id"] = eventID
        container["type"] = type
        container["occurred_at"] = RFC3339.databaseString(from: occurredAt)
        container["subject_type"] = subjectType
        container["subject_id"] = subjectID
        container["action_id"] = actionID
        container["campaign_id"] = campaignID
        container["payload"] = payload
        container["personal_data"] = personalData
    }
}

extension Database {
    /// Appends an event to the outbox (its `id` is ignored) and returns its position.
    func insertOutboxEvent(_ event: OutboxEvent) throws -> Int64 {
        let statement = try BoundStatement(self, sql: """
            INSERT INTO outbox (event_id, type, occurred_at, subject_type, subject_id, action_id, campaign_id, payload,
                                personal_data)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        statement.reset()
        statement.bind(1, event.eventID)
        statement.bind(2, event.type)
        statement.bind(3, RFC3339.databaseString(from: event.occurredAt))
        statement.bind(4, event.subjectType)
        statement.bind(5, event.subjectID)
        statement.bind(6, event.actionID)
        statement.bind(7, event.campaignID)
        statement.bind(8, event.payload)
        statement.bind(9, event.personalData)
        try statement.run()
        return lastInsertedRowID
    }
}
