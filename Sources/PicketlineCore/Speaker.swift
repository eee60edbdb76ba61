import Foundation

/// What a person does on the day.
public enum SpeakerRole: String, Codable, Sendable, CaseIterable {
    case chair, speaker, steward
    case legalObserver = "legal observer"
}

/// Someone in the line-up of an action. Only confirmed speakers are shown publicly.
public struct Speaker: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var actionID: Int64
    public var name: String
    /// The organisation they speak for, when it is registered.
    public var organisationID: Int64?
    /// Free-text affiliation when the organisation is not registered ("journalist").
    public var affiliation: String?
    public var role: SpeakerRole
    /// 1-based place in the line-up.
    public var position: Int
    public var state: ParticipationState
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, actionID: Int64, name: String, organisationID: Int64?, affiliation: String?,
                role: SpeakerRole, position: Int, state: ParticipationState, createdAt: Date, updatedAt: Date) {
        self.id = id; self.actionID = actionID; self.name = name; self.organisationID = organisationID
        self.affiliation = affiliation; self.role = role; self.position = position; self.state = state
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

/// What is needed to add someone to a line-up.
public struct SpeakerDraft: Codable, Sendable, Equatable {
    public var name: String
    /// Organisation slug or id.
    public var organisation: String?
    public var affiliation: String?
    public var role: SpeakerRole
    public var state: ParticipationState
    /// Where to insert (1-based); nil appends.
    public var position: Int?

    public init(name: String, organisation: String? = nil, affiliation: String? = nil, role: SpeakerRole = .speaker,
                state: ParticipationState = .invited, position: Int? = nil) {
        self.name = name; self.organisation = organisation; self.affiliation = affiliation; self.role = role
        self.state = state; self.position = position
    }

    /// Returns the draft cleaned and checked, or throws naming the bad field.
    public func validated() throws -> SpeakerDraft {
        var draft = self
        draft.name = try Validation.line(name, field: "name", maxLength: 200)
        draft.organisation = try Validation.optional(organisation, field: "organisation")
        draft.affiliation = try Validation.optionalLine(affiliation, field: "affiliation", maxLength: 200)
        if let position, position < 1 {
            throw PicketlineError.invalid(field: "position", reason: "must be 1 or more")
        }
        return draft
    }
}

/// A speaker with the organisation they speak for, for listings.
public struct LineupEntry: Codable, Sendable, Equatable {
    public var speaker: Speaker
    public var organisation: Organisation?

    public init(speaker: Speaker, organisation: Organisation?) {
        self.speaker = speaker; self.organisation = organisation
    }

    /// "ACR" style affiliation text for humans.
    public var affiliationText: String? { organisation?.name ?? speaker.affiliation }
}
