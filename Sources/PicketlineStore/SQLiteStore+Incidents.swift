import Foundation
import GRDB
import PicketlineCore

/// Incident events say that something happened and where it stands, never who or what exactly:
/// the description and the people concerned stay in the database.
struct IncidentPayload: Encodable {
    var incident: Summary
    struct Summary: Encodable {
        var id: Int64
        var actionID: Int64
        var kind: IncidentKind
        var state: IncidentState
        var occurredAt: Date
    }

    init(_ incident: Incident) {
        self.incident = Summary(id: incident.id, actionID: incident.actionID, kind: incident.kind, state: incident.state,
                                occurredAt: incident.occurredAt)
    }
}

struct IncidentPersonalData: Encodable {
    var description: String
    var peopleConcerned: String?
}

extension SQLiteStore {
    public func reportIncident(action: String, _ report: IncidentReport) async throws -> Incident {
        let report = try report.validated()
        return try await write { db, now in
            let action = try db.action(action)
            // A few minutes' grace for a phone's clock; an incident reported for later is a typo.
            if let occurredAt = report.occurredAt, occurredAt > now.addingTimeInterval(300) {
                throw PicketlineError.invalid(field: "occurred_at", reason: "is in the future (\(RFC3339.string(from: occurredAt, in: action.zone)))")
            }
            var incident = Incident(id: 0, actionID: action.id, kind: report.kind, occurredAt: report.occurredAt ?? now,
                                    description: report.description, peopleConcerned: report.peopleConcerned,
                                    state: .open, createdAt: now, updatedAt: now)
            incident.id = try db.insertAssigningID(incident)
            var update = IncidentUpdate(id: 0, incidentID: incident.id, state: .open, note: "reported", createdAt: now)
            update.id = try db.insertAssigningID(update)
            try db.appendEvent(EventType.incidentReported, subject: "incident", subjectID: incident.id, actionID: action.id,
                               campaignID: action.campaignID, at: now, payload: IncidentPayload(incident),
                               personalData: IncidentPersonalData(description: incident.description,
                                                                  peopleConcerned: incident.peopleConcerned))
            return incident
        }
    }

    public func incident(_ id: Int64) async throws -> Incident {
        try await read { db in
            guard let incident = try Incident.fetchOne(db, key: id) else {
                throw PicketlineError.notFound(entity: "incident", reference: String(id))
            }
            return incident
        }
    }

    public func incidents(action: String?) async throws -> [Incident] {
        try await read { db in
            var request = Incident.order(Column("occurred_at").desc, Column("id").desc)
            if let action { request = request.filter(Column("action_id") == (try db.action(action).id)) }
            return try request.fetchAll(db)
        }
    }

    public func followUpIncident(_ id: Int64, state: IncidentState?, note given: String?) async throws -> Incident {
        let note = try Validation.optional(given, field: "note", maxLength: 20_000)
        guard state != nil || note != nil else {
            if given != nil { throw PicketlineError.invalid(field: "note", reason: "must not be empty") }
            throw PicketlineError.invalid(field: "state", reason: "give a new state, a note, or both")
        }
        return try await write { db, now in
            guard var incident = try Incident.fetchOne(db, key: id) else {
                throw PicketlineError.notFound(entity: "incident", reference: String(id))
            }
            // The state it already has, and nothing to note: nothing happened (no log entry, no event).
            if note == nil, state == incident.state { return incident }
            if let state { incident.state = state }
            incident.updatedAt = now
            try incident.update(db)
            _ = try db.insertAssigningID(IncidentUpdate(id: 0, incidentID: id, state: incident.state, note: note, createdAt: now))
            let action = try ActionRecord.fetchOne(db, key: incident.actionID)!.action
            try db.appendEvent(EventType.incidentUpdated, subject: "incident", subjectID: id, actionID: action.id,
                               campaignID: action.campaignID, at: now, payload: IncidentPayload(incident))
            return incident
        }
    }

    public func incidentUpdates(_ id: Int64) async throws -> [IncidentUpdate] {
        try await read { db in
            guard try Incident.fetchOne(db, key: id) != nil else {
                throw PicketlineError.notFound(entity: "incident", reference: String(id))
            }
            return try IncidentUpdate.filter(Column("incident_id") == id).order(Column("id")).fetchAll(db)
        }
    }

    public func outboxEvents(after position: Int64, limit: Int, type: String?) async throws -> [OutboxEvent] {
        try await read { db in
            var events = OutboxEvent.filter(Column("id") > position)
            if let type { events = events.filter(Column("type") == type) }
            return try events.order(Column("id")).limit(max(1, min(limit, 10_000))).fetchAll(db)
        }
    }
}
