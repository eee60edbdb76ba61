import Foundation
import PicketlineCore

// The shapes the API returns. Field names follow OSDI where it has a word (`start_date`,
// `modified_date`, `address_lines`, `postal_code`, `status`, `visibility`); instants are RFC 3339,
// an action's start and end with the offset of its own time zone.

struct LocationResource: Codable, Sendable {
    struct Coordinates: Codable, Sendable { var latitude: Double; var longitude: Double }
    var venue: String?
    var addressLines: [String]
    var locality: String?
    var region: String?
    var postalCode: String?
    var country: String?
    var location: Coordinates?
    var isPublic: Bool

    enum CodingKeys: String, CodingKey {
        case venue, addressLines, locality, region, postalCode, country, location
        case isPublic = "public"
    }

    init(_ location: Location) {
        venue = location.venue; addressLines = location.addressLines; locality = location.locality
        region = location.region; postalCode = location.postalCode; country = location.country
        if let latitude = location.latitude, let longitude = location.longitude {
            self.location = Coordinates(latitude: latitude, longitude: longitude)
        }
        isPublic = location.isPublic
    }

    static let schema = Schema.object(BodySchema([
        field("venue", .string()), field("address_lines", .array(.string()), required: true),
        field("locality", .string()), field("region", .string()), field("postal_code", .string()),
        field("country", .string(pattern: "^[A-Z]{2}$")),
        field("location", .object(BodySchema([field("latitude", .number, required: true), field("longitude", .number, required: true)]))),
        field("public", .boolean, required: true, "false: the address is hidden from the public until revealed"),
    ]))
}

struct ActionResource: Codable, Sendable {
    var id: Int64
    var slug: String
    var kind: ActionKind
    var title: String
    var description: String?
    var target: String?
    var location: LocationResource
    var startDate: String
    var endDate: String?
    var timeZone: String
    var status: ActionStatus
    var visibility: Visibility
    var capacity: Int?
    var campaignID: Int64?
    var sourceURL: String?
    var revision: Int
    var createdDate: Date
    var modifiedDate: Date

    /// `showAddress` false gives the public view of a hidden address.
    init(_ action: Action, showAddress: Bool) {
        id = action.id; slug = action.slug; kind = action.kind; title = action.title; description = action.description
        target = action.target
        location = LocationResource(showAddress ? action.location : action.location.publicView)
        startDate = RFC3339.string(from: action.startsAt, in: action.zone)
        endDate = action.endsAt.map { RFC3339.string(from: $0, in: action.zone) }
        timeZone = action.timeZone; status = action.status; visibility = action.visibility; capacity = action.capacity
        campaignID = action.campaignID; sourceURL = action.sourceURL; revision = action.revision
        createdDate = action.createdAt; modifiedDate = action.updatedAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("slug", .string(), required: true),
        field("kind", vocabulary(ActionKind.self), required: true), field("title", .string(), required: true),
        field("description", .string()), field("target", .string()),
        field("location", .reference("Location"), required: true),
        field("start_date", .string(format: "date-time"), required: true, "with the offset of time_zone"),
        field("end_date", .string(format: "date-time")), field("time_zone", .string(), required: true, "IANA zone"),
        field("status", vocabulary(ActionStatus.self), required: true),
        field("visibility", vocabulary(Visibility.self), required: true),
        field("capacity", .integer(minimum: 0)), field("campaign_id", .integer()), field("source_url", .string(format: "uri")),
        field("revision", .integer(minimum: 0), required: true, "increases on every change (iCalendar SEQUENCE)"),
        field("created_date", .string(format: "date-time"), required: true),
        field("modified_date", .string(format: "date-time"), required: true),
    ]))
}

struct CampaignResource: Codable, Sendable {
    var id: Int64
    var slug: String
    var name: String
    var description: String?
    var createdDate: Date
    var modifiedDate: Date

    init(_ campaign: Campaign) {
        id = campaign.id; slug = campaign.slug; name = campaign.name; description = campaign.description
        createdDate = campaign.createdAt; modifiedDate = campaign.updatedAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("slug", .string(), required: true), field("name", .string(), required: true),
        field("description", .string()), field("created_date", .string(format: "date-time"), required: true),
        field("modified_date", .string(format: "date-time"), required: true),
    ]))
}

struct OrganisationResource: Codable, Sendable {
    var id: Int64
    var slug: String
    var name: String
    var kind: OrganisationKind
    var website: String?
    var email: String?
    var country: String?
    var createdDate: Date
    var modifiedDate: Date

    init(_ organisation: Organisation) {
        id = organisation.id; slug = organisation.slug; name = organisation.name; kind = organisation.kind
        website = organisation.website; email = organisation.email; country = organisation.country
        createdDate = organisation.createdAt; modifiedDate = organisation.updatedAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("slug", .string(), required: true), field("name", .string(), required: true),
        field("kind", vocabulary(OrganisationKind.self), required: true), field("website", .string(format: "uri")),
        field("email", .string(format: "email"), "the organisation's public contact address"), field("country", .string()),
        field("created_date", .string(format: "date-time"), required: true),
        field("modified_date", .string(format: "date-time"), required: true),
    ]))
}

struct EndorsementResource: Codable, Sendable {
    var id: Int64
    var actionID: Int64
    var organisation: OrganisationResource
    var role: EndorsementRole
    var state: ParticipationState
    var createdDate: Date
    var modifiedDate: Date

    init(_ entry: EndorsingOrganisation) {
        id = entry.endorsement.id; actionID = entry.endorsement.actionID
        organisation = OrganisationResource(entry.organisation)
        role = entry.endorsement.role; state = entry.endorsement.state
        createdDate = entry.endorsement.createdAt; modifiedDate = entry.endorsement.updatedAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("action_id", .integer(), required: true),
        field("organisation", .reference("Organisation"), required: true),
        field("role", vocabulary(EndorsementRole.self), required: true),
        field("state", vocabulary(ParticipationState.self), required: true),
        field("created_date", .string(format: "date-time"), required: true),
        field("modified_date", .string(format: "date-time"), required: true),
    ]))
}

struct EndorsedActionResource: Codable, Sendable {
    var action: ActionResource
    var role: EndorsementRole
    var state: ParticipationState

    static let schema = Schema.object(BodySchema([
        field("action", .reference("Action"), required: true),
        field("role", vocabulary(EndorsementRole.self), required: true),
        field("state", vocabulary(ParticipationState.self), required: true),
    ]))
}

struct SpeakerResource: Codable, Sendable {
    var id: Int64
    var actionID: Int64
    var name: String
    var organisation: OrganisationResource?
    var affiliation: String?
    var role: SpeakerRole
    var position: Int
    var state: ParticipationState

    init(_ entry: LineupEntry) {
        id = entry.speaker.id; actionID = entry.speaker.actionID; name = entry.speaker.name
        organisation = entry.organisation.map(OrganisationResource.init); affiliation = entry.speaker.affiliation
        role = entry.speaker.role; position = entry.speaker.position; state = entry.speaker.state
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("action_id", .integer(), required: true),
        field("name", .string(), required: true), field("organisation", .reference("Organisation")),
        field("affiliation", .string()), field("role", vocabulary(SpeakerRole.self), required: true),
        field("position", .integer(minimum: 1), required: true),
        field("state", vocabulary(ParticipationState.self), required: true),
    ]))
}

/// An attendance with personal data: only for admins and the action's organisers.
struct AttendanceResource: Codable, Sendable {
    var id: Int64
    var actionID: Int64
    var name: String
    var email: String?
    var phone: String?
    var consentToContact: Bool
    var status: AttendanceStatus
    var waitlisted: Bool
    var attended: Bool
    var checkedInDate: Date?
    var createdDate: Date
    var modifiedDate: Date

    init(_ attendance: Attendance) {
        id = attendance.id; actionID = attendance.actionID; name = attendance.name; email = attendance.email
        phone = attendance.phone; consentToContact = attendance.consentToContact; status = attendance.status
        waitlisted = attendance.waitlisted; attended = attendance.attended; checkedInDate = attendance.checkedInAt
        createdDate = attendance.createdAt; modifiedDate = attendance.updatedAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("action_id", .integer(), required: true),
        field("name", .string(), required: true), field("email", .string(format: "email")), field("phone", .string()),
        field("consent_to_contact", .boolean, required: true),
        field("status", vocabulary(AttendanceStatus.self), required: true),
        field("waitlisted", .boolean, required: true), field("attended", .boolean, required: true),
        field("checked_in_date", .string(format: "date-time")),
        field("created_date", .string(format: "date-time"), required: true),
        field("modified_date", .string(format: "date-time"), required: true),
    ]))
}

/// What a supporter learns about their own RSVP: no personal data echoed back.
struct RSVPReceipt: Codable, Sendable {
    var id: Int64
    var actionID: Int64
    var status: AttendanceStatus
    var waitlisted: Bool
    var created: Bool
    var manageToken: String

    /// The same text `PicketlineJSON` would give, written directly (every RSVP answers with it).
    var json: String {
        var writer = JSONObjectWriter(capacity: 144)
        writer.field("action_id", actionID)
        writer.field("created", created)
        writer.field("id", id)
        writer.field("manage_token", manageToken)
        writer.field("status", status.rawValue)
        writer.field("waitlisted", waitlisted)
        return writer.string
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("action_id", .integer(), required: true),
        field("status", vocabulary(AttendanceStatus.self), required: true),
        field("waitlisted", .boolean, required: true, "true: the action is full; a place is given when one frees"),
        field("created", .boolean, required: true, "false: an earlier RSVP with the same e-mail was updated"),
        field("manage_token", .string(), required: true, "keep it: a later answer without an account sends it to change this one"),
    ]))
}

struct AttendanceSummaryResource: Codable, Sendable {
    var accepted: Int
    var tentative: Int
    var declined: Int
    var needsAction: Int
    var waitlisted: Int
    var attended: Int
    var capacity: Int?
    var placesLeft: Int?
    var latestHeadcount: Int?

    init(_ summary: AttendanceSummary) {
        accepted = summary.accepted; tentative = summary.tentative; declined = summary.declined
        needsAction = summary.needsAction; waitlisted = summary.waitlisted; attended = summary.attended
        capacity = summary.capacity; placesLeft = summary.placesLeft; latestHeadcount = summary.latestHeadcount
    }

    static let schema = Schema.object(BodySchema(
        ["accepted", "tentative", "declined", "needs_action", "waitlisted", "attended"].map { field($0, .integer(minimum: 0), required: true) }
        + [field("capacity", .integer(minimum: 0)), field("places_left", .integer(minimum: 0)),
           field("latest_headcount", .integer(minimum: 0))]))
}

struct HeadcountResource: Codable, Sendable {
    var id: Int64
    var actionID: Int64
    var count: Int
    var countedDate: Date
    var note: String?

    init(_ headcount: Headcount) {
        id = headcount.id; actionID = headcount.actionID; count = headcount.count; countedDate = headcount.countedAt
        note = headcount.note
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("action_id", .integer(), required: true),
        field("count", .integer(minimum: 0), required: true), field("counted_date", .string(format: "date-time"), required: true),
        field("note", .string()),
    ]))
}

struct StatementResource: Codable, Sendable {
    var id: Int64
    var slug: String
    var title: String
    var body: String
    var demands: [String]
    var issuedOn: String?
    var sourceURL: String?
    var campaignID: Int64?
    var actionID: Int64?
    var status: StatementStatus
    var visibility: Visibility
    var createdDate: Date
    var modifiedDate: Date

    init(_ statement: Statement) {
        id = statement.id; slug = statement.slug; title = statement.title; body = statement.body
        demands = statement.demands; issuedOn = statement.issuedOn; sourceURL = statement.sourceURL
        campaignID = statement.campaignID; actionID = statement.actionID; status = statement.status
        visibility = statement.visibility; createdDate = statement.createdAt; modifiedDate = statement.updatedAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("slug", .string(), required: true),
        field("title", .string(), required: true), field("body", .string(), required: true),
        field("demands", .array(.string()), required: true, "in order"), field("issued_on", .string(format: "date")),
        field("source_url", .string(format: "uri")), field("campaign_id", .integer()), field("action_id", .integer()),
        field("status", vocabulary(StatementStatus.self), required: true),
        field("visibility", vocabulary(Visibility.self), required: true),
        field("created_date", .string(format: "date-time"), required: true),
        field("modified_date", .string(format: "date-time"), required: true),
    ]))
}

/// A signature as anyone may see it: the signer's e-mail is never returned.
struct SignatureResource: Codable, Sendable {
    var id: Int64
    var statementID: Int64
    var kind: SignatoryKind
    var organisationID: Int64?
    var name: String
    var affiliation: String?
    var signedDate: Date
    var withdrawnDate: Date?

    init(_ signature: Signature) {
        id = signature.id; statementID = signature.statementID; kind = signature.kind
        organisationID = signature.organisationID; name = signature.name; affiliation = signature.affiliation
        signedDate = signature.signedAt; withdrawnDate = signature.withdrawnAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("statement_id", .integer(), required: true),
        field("kind", vocabulary(SignatoryKind.self), required: true), field("organisation_id", .integer()),
        field("name", .string(), required: true), field("affiliation", .string()),
        field("signed_date", .string(format: "date-time"), required: true),
        field("withdrawn_date", .string(format: "date-time")),
    ]))
}

struct IncidentResource: Codable, Sendable {
    var id: Int64
    var actionID: Int64
    var kind: IncidentKind
    var occurredDate: Date
    var description: String
    var peopleConcerned: String?
    var state: IncidentState
    var createdDate: Date
    var modifiedDate: Date

    init(_ incident: Incident) {
        id = incident.id; actionID = incident.actionID; kind = incident.kind; occurredDate = incident.occurredAt
        description = incident.description; peopleConcerned = incident.peopleConcerned; state = incident.state
        createdDate = incident.createdAt; modifiedDate = incident.updatedAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("action_id", .integer(), required: true),
        field("kind", vocabulary(IncidentKind.self), required: true),
        field("occurred_date", .string(format: "date-time"), required: true),
        field("description", .string(), required: true), field("people_concerned", .string()),
        field("state", vocabulary(IncidentState.self), required: true),
        field("created_date", .string(format: "date-time"), required: true),
        field("modified_date", .string(format: "date-time"), required: true),
    ]))
}

struct IncidentUpdateResource: Codable, Sendable {
    var id: Int64
    var incidentID: Int64
    var state: IncidentState
    var note: String?
    var createdDate: Date

    init(_ update: IncidentUpdate) {
        id = update.id; incidentID = update.incidentID; state = update.state; note = update.note; createdDate = update.createdAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("incident_id", .integer(), required: true),
        field("state", vocabulary(IncidentState.self), required: true), field("note", .string()),
        field("created_date", .string(format: "date-time"), required: true),
    ]))
}

/// A page of a listing.
struct PageResource<Item: Codable & Sendable>: Codable, Sendable {
    var items: [Item]
    var total: Int
    var page: Int
    var perPage: Int
    var totalPages: Int

    static func schema(_ item: String) -> Schema {
        .object(BodySchema([
            field("items", .array(.reference(item)), required: true), field("total", .integer(minimum: 0), required: true),
            field("page", .integer(minimum: 1), required: true), field("per_page", .integer(minimum: 1, maximum: 100), required: true),
            field("total_pages", .integer(minimum: 0), required: true),
        ]))
    }
}

/// A plain list.
struct ListResource<Item: Codable & Sendable>: Codable, Sendable {
    var items: [Item]

    static func schema(_ item: String) -> Schema {
        .object(BodySchema([field("items", .array(.reference(item)), required: true)]))
    }
}

/// Every named schema, for `components/schemas` and for resolving references.
let componentSchemas: [String: Schema] = [
    "Location": LocationResource.schema, "Action": ActionResource.schema, "Campaign": CampaignResource.schema,
    "Organisation": OrganisationResource.schema, "Endorsement": EndorsementResource.schema,
    "EndorsedAction": EndorsedActionResource.schema, "Speaker": SpeakerResource.schema,
    "Attendance": AttendanceResource.schema, "RSVPReceipt": RSVPReceipt.schema,
    "AttendanceSummary": AttendanceSummaryResource.schema, "Headcount": HeadcountResource.schema,
    "Statement": StatementResource.schema, "Signature": SignatureResource.schema, "Incident": IncidentResource.schema,
    "IncidentUpdate": IncidentUpdateResource.schema,
    "Schedule": ScheduleResource.schema, "Reminder": ReminderResource.schema,
    "Error": .object(BodySchema([field("error", .object(BodySchema([
        field("code", .string(), required: true), field("message", .string(), required: true), field("field", .string()),
    ])), required: true)])),
].merging(webhookComponentSchemas) { current, _ in current }
