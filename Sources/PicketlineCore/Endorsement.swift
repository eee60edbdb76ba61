import Foundation

/// How an organisation stands behind an action.
public enum EndorsementRole: String, Codable, Sendable, CaseIterable {
    case caller
    case coOrganiser = "co-organiser"
    case supporter

    /// The roles whose organisation manages the action (its organisers' tokens may change it),
    /// once confirmed (`Endorsement.grantsManagement`).
    public var manages: Bool { self == .caller || self == .coOrganiser }
}

/// Where an invitation to endorse (or an endorsement) stands.
public enum ParticipationState: String, Codable, Sendable, CaseIterable {
    case invited, confirmed, withdrawn
}

/// An organisation's support for an action.
public struct Endorsement: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var actionID: Int64
    public var organisationID: Int64
    public var role: EndorsementRole
    public var state: ParticipationState
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, actionID: Int64, organisationID: Int64, role: EndorsementRole, state: ParticipationState,
                createdAt: Date, updatedAt: Date) {
        self.id = id; self.actionID = actionID; self.organisationID = organisationID; self.role = role
        self.state = state; self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// Whether the organisation manages the action through this endorsement: as caller or
    /// co-organiser, once it has confirmed. An invitation grants nothing until it is accepted
    /// (QA found an invited co-organiser reading a private action's RSVPs). `SQLiteStore.actions`
    /// says the same in SQL for `ActionFilter.orManagedBy`.
    public var grantsManagement: Bool { role.manages && state == .confirmed }
}

/// An endorsement with the organisation it names, for listings.
public struct EndorsingOrganisation: Codable, Sendable, Equatable {
    public var endorsement: Endorsement
    public var organisation: Organisation

    public init(endorsement: Endorsement, organisation: Organisation) {
        self.endorsement = endorsement; self.organisation = organisation
    }
}

/// An endorsement with the action it supports, for "what does this group endorse".
public struct EndorsedAction: Codable, Sendable, Equatable {
    public var endorsement: Endorsement
    public var action: Action

    public init(endorsement: Endorsement, action: Action) {
        self.endorsement = endorsement; self.action = action
    }
}
