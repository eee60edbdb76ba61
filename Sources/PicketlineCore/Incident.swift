import Foundation

/// What kind of thing happened.
public enum IncidentKind: String, Codable, Sendable, CaseIterable {
    case arrest, injury
    case policeAction = "police action"
    case damageClaim = "damage claim"
    case other
}

/// Where the follow-up stands.
public enum IncidentState: String, Codable, Sendable, CaseIterable {
    /// Reported, nobody is on it yet.
    case open
    /// Legal or welfare support is in touch.
    case supported
    /// Resolved.
    case closed
}

/// Something at an action that needs follow-up by a legal or welfare team. Never public.
public struct Incident: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var actionID: Int64
    public var kind: IncidentKind
    public var occurredAt: Date
    public var description: String
    /// Who is concerned (optional, sensitive).
    public var peopleConcerned: String?
    public var state: IncidentState
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, actionID: Int64, kind: IncidentKind, occurredAt: Date, description: String,
                peopleConcerned: String?, state: IncidentState, createdAt: Date, updatedAt: Date) {
        self.id = id; self.actionID = actionID; self.kind = kind; self.occurredAt = occurredAt
        self.description = description; self.peopleConcerned = peopleConcerned; self.state = state
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

/// A report of an incident.
public struct IncidentReport: Codable, Sendable, Equatable {
    public var kind: IncidentKind
    public var occurredAt: Date?
    public var description: String
    public var peopleConcerned: String?

    public init(kind: IncidentKind, occurredAt: Date? = nil, description: String, peopleConcerned: String? = nil) {
        self.kind = kind; self.occurredAt = occurredAt; self.description = description
        self.peopleConcerned = peopleConcerned
    }

    /// Returns the report cleaned and checked, or throws naming the bad field.
    public func validated() throws -> IncidentReport {
        var report = self
        report.description = try Validation.required(description, field: "description", maxLength: 20_000)
        report.peopleConcerned = try Validation.optional(peopleConcerned, field: "people_concerned", maxLength: 2_000)
        return report
    }
}

/// One step of follow-up: a state change and/or a note, kept as a log.
public struct IncidentUpdate: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var incidentID: Int64
    public var state: IncidentState
    public var note: String?
    public var createdAt: Date

    public init(id: Int64, incidentID: Int64, state: IncidentState, note: String?, createdAt: Date) {
        self.id = id; self.incidentID = incidentID; self.state = state; self.note = note; self.createdAt = createdAt
    }
}
