import Foundation

/// OSDI attendance status.
public enum AttendanceStatus: String, Codable, Sendable, CaseIterable {
    case accepted, tentative, declined
    case needsAction = "needs action"

    /// Whether this status takes one of the action's places.
    public var holdsPlace: Bool { self == .accepted || self == .tentative }
}

/// A supporter's RSVP to an action, made without an account.
public struct Attendance: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var actionID: Int64
    public var name: String
    public var email: String?
    public var phone: String?
    /// Whether the supporter agreed to be contacted after the action.
    public var consentToContact: Bool
    public var status: AttendanceStatus
    /// True while the supporter waits for a place to free up.
    public var waitlisted: Bool
    public var attended: Bool
    public var checkedInAt: Date?
    /// Set when personal data was removed by the retention job; the row still counts.
    public var anonymisedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, actionID: Int64, name: String, email: String?, phone: String?, consentToContact: Bool,
                status: AttendanceStatus, waitlisted: Bool, attended: Bool, checkedInAt: Date?,
                anonymisedAt: Date? = nil, createdAt: Date, updatedAt: Date) {
        self.id = id; self.actionID = actionID; self.name = name; self.email = email; self.phone = phone
        self.consentToContact = consentToContact; self.status = status; self.waitlisted = waitlisted
        self.attended = attended; self.checkedInAt = checkedInAt; self.anonymisedAt = anonymisedAt
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

/// An RSVP as a supporter sends it. Same action + same e-mail updates the earlier RSVP.
public struct RSVP: Codable, Sendable, Equatable {
    public var name: String
    public var email: String?
    public var phone: String?
    /// Nil when the answer did not say (an API body without `consent_to_contact`): a new RSVP
    /// then has no consent, and an updated one keeps what it had.
    public var consentToContact: Bool?
    public var status: AttendanceStatus

    public init(name: String, email: String? = nil, phone: String? = nil, consentToContact: Bool? = false,
                status: AttendanceStatus = .accepted) {
        self.name = name; self.email = email; self.phone = phone; self.consentToContact = consentToContact
        self.status = status
    }

    /// Returns the RSVP cleaned and checked: a name and at least an e-mail or a phone.
    public func validated() throws -> RSVP {
        var rsvp = self
        rsvp.name = try Validation.line(name, field: "name", maxLength: 200)
        rsvp.email = try Validation.email(email, field: "email")
        rsvp.phone = try Validation.phone(phone, field: "phone")
        if rsvp.email == nil && rsvp.phone == nil {
            throw PicketlineError.invalid(field: "email", reason: "give an e-mail address or a phone number")
        }
        return rsvp
    }
}

/// What an RSVP did: created or updated, and whether it got a place.
public struct RSVPOutcome: Codable, Sendable, Equatable {
    public var attendance: Attendance
    public var created: Bool

    public init(attendance: Attendance, created: Bool) {
        self.attendance = attendance; self.created = created
    }
}

/// The numbers of an action's attendance, without names.
public struct AttendanceSummary: Codable, Sendable, Equatable {
    public var accepted: Int
    public var tentative: Int
    public var declined: Int
    public var needsAction: Int
    public var waitlisted: Int
    public var attended: Int
    public var capacity: Int?
    /// The latest stewards' headcount, if any.
    public var latestHeadcount: Int?

    public init(accepted: Int, tentative: Int, declined: Int, needsAction: Int, waitlisted: Int, attended: Int,
                capacity: Int?, latestHeadcount: Int?) {
        self.accepted = accepted; self.tentative = tentative; self.declined = declined
        self.needsAction = needsAction; self.waitlisted = waitlisted; self.attended = attended
        self.capacity = capacity; self.latestHeadcount = latestHeadcount
    }

    /// Places still free; nil when unlimited.
    public var placesLeft: Int? { capacity.map { max(0, $0 - accepted - tentative) } }
}
