import Foundation

/// One page of a listing, with the total so clients can paginate.
public struct Page<Item: Sendable & Codable & Equatable>: Sendable, Codable, Equatable {
    public var items: [Item]
    public var total: Int
    public var page: Int
    public var perPage: Int

    public init(items: [Item], total: Int, page: Int, perPage: Int) {
        self.items = items; self.total = total; self.page = page; self.perPage = perPage
    }

    /// The number of pages at this page size.
    public var totalPages: Int { perPage == 0 ? 0 : (total + perPage - 1) / perPage }
}

/// Which page of a listing to return.
public struct PageRequest: Sendable, Equatable {
    public var page: Int
    public var perPage: Int

    /// The last page one may ask for: far beyond any list, and its offset far from overflowing.
    public static let maximumPage = 1_000_000

    /// Refuses a `page` outside 1…`maximumPage` and a `perPage` outside 1…100.
    public init(page: Int = 1, perPage: Int = 25) throws {
        guard (1...Self.maximumPage).contains(page) else {
            throw PicketlineError.invalid(field: "page", reason: "must be between 1 and \(Self.maximumPage)")
        }
        guard (1...100).contains(perPage) else { throw PicketlineError.invalid(field: "per_page", reason: "must be between 1 and 100") }
        self.page = page; self.perPage = perPage
    }

    /// Everything up to the maximum page size; for CLI listings.
    public static let first = try! PageRequest(page: 1, perPage: 100)
    public var offset: Int { (page - 1) * perPage }
}

/// Filters for listing actions; every field is optional.
public struct ActionFilter: Sendable, Equatable {
    public var status: ActionStatus?
    public var visibility: Visibility?
    /// Campaign slug or id.
    public var campaign: String?
    /// Organisation slug or id: actions it endorses (confirmed endorsements only).
    public var organisation: String?
    public var startsAfter: Date?
    public var startsBefore: Date?
    public var modifiedSince: Date?
    /// With `visibility`: also the actions this organisation (id) manages, whatever their
    /// visibility (it calls or co-organises them; as `canManage` decides for one action).
    public var orManagedBy: Int64?

    public init(status: ActionStatus? = nil, visibility: Visibility? = nil, campaign: String? = nil,
                organisation: String? = nil, startsAfter: Date? = nil, startsBefore: Date? = nil,
                modifiedSince: Date? = nil, orManagedBy: Int64? = nil) {
        self.status = status; self.visibility = visibility; self.campaign = campaign
        self.organisation = organisation; self.startsAfter = startsAfter; self.startsBefore = startsBefore
        self.modifiedSince = modifiedSince; self.orManagedBy = orManagedBy
    }
}

/// The only door to persistent state. Each method is one transaction that also appends the
/// domain events it caused to the outbox. References (`String`) accept an id or a slug.
///
/// Implementations: `SQLiteStore` (PicketlineStore); a PostgreSQL one is planned, so the
/// contract is written in domain terms only.
public protocol Store: Sendable {
    /// A number that changes whenever anything is committed, by this process or another, so that
    /// answers built from the data can be kept until it moves; nil if the store cannot tell.
    func changeVersion() throws -> Int64?

    // Campaigns
    /// Creates a campaign; a taken slug is a conflict on `slug`.
    func createCampaign(_ draft: CampaignDraft) async throws -> Campaign
    /// The campaign with this id or slug.
    func campaign(_ reference: String) async throws -> Campaign
    /// All campaigns by name.
    func campaigns() async throws -> [Campaign]
    /// Applies a partial update.
    func updateCampaign(_ reference: String, _ changes: CampaignChanges) async throws -> Campaign

    // Organisations
    /// Registers an organisation; a taken slug is a conflict on `slug`.
    func createOrganisation(_ draft: OrganisationDraft) async throws -> Organisation
    /// The organisation with this id or slug.
    func organisation(_ reference: String) async throws -> Organisation
    /// All organisations by name.
    func organisations() async throws -> [Organisation]
    /// Applies a partial update.
    func updateOrganisation(_ reference: String, _ changes: OrganisationChanges) async throws -> Organisation

    // Actions
    /// Registers an action.
    func createAction(_ draft: ActionDraft) async throws -> Action
    /// The action with this id or slug.
    func action(_ reference: String) async throws -> Action
    /// Actions matching a filter, soonest first.
    func actions(_ filter: ActionFilter, page: PageRequest) async throws -> Page<Action>
    /// Applies a partial update; emits `action.updated` (or `action.cancelled`).
    func updateAction(_ reference: String, _ changes: ActionChanges) async throws -> Action
    /// Cancels an action; emits `action.cancelled`.
    func cancelAction(_ reference: String, reason: String?) async throws -> Action

    // Endorsements
    /// Records an organisation's support for an action.
    func endorse(action: String, organisation: String, role: EndorsementRole, state: ParticipationState) async throws -> Endorsement
    /// Moves an endorsement to `invited`, `confirmed` or `withdrawn`, optionally changing its role.
    func setEndorsement(action: String, organisation: String, state: ParticipationState?, role: EndorsementRole?) async throws -> Endorsement
    /// The organisations endorsing an action: callers first, then co-organisers, then supporters.
    func endorsements(ofAction action: String, includeWithdrawn: Bool) async throws -> [EndorsingOrganisation]
    /// The actions an organisation endorses, soonest first.
    func endorsements(byOrganisation organisation: String, includeWithdrawn: Bool) async throws -> [EndorsedAction]

    // Speakers
    /// Adds someone to the line-up, at `position` or at the end.
    func addSpeaker(action: String, _ draft: SpeakerDraft) async throws -> Speaker
    /// The line-up in order (withdrawn speakers included only when asked).
    func lineup(action: String, includeWithdrawn: Bool) async throws -> [LineupEntry]
    /// One speaker.
    func speaker(_ id: Int64) async throws -> Speaker
    /// Confirms, withdraws or re-invites a speaker.
    func setSpeakerState(_ id: Int64, _ state: ParticipationState) async throws -> Speaker
    /// Moves a speaker to a 1-based position, shifting the others.
    func moveSpeaker(_ id: Int64, to position: Int) async throws -> [LineupEntry]

    // Attendance
    /// Records an RSVP (or updates the same e-mail's earlier one), enforcing capacity. With
    /// `publicOnly`, an action that is not public is reported as not found: that is how an
    /// anonymous RSVP is checked in the same transaction that records it.
    /// An earlier RSVP from the same e-mail (or phone) is updated only if `mayUpdate` says so for
    /// its id; otherwise the RSVP is a conflict naming the field, and nothing changes.
    func rsvp(action: String, _ rsvp: RSVP, publicOnly: Bool, mayUpdate: @escaping @Sendable (Int64) -> Bool) async throws -> RSVPOutcome
    /// One attendance.
    func attendance(_ id: Int64) async throws -> Attendance
    /// Every attendance of an action in RSVP order.
    func attendances(action: String) async throws -> [Attendance]
    /// Changes an RSVP's status; a freed place promotes the first waitlisted supporter.
    func setAttendanceStatus(_ id: Int64, _ status: AttendanceStatus) async throws -> Attendance
    /// Marks someone as there.
    func checkIn(_ id: Int64) async throws -> Attendance
    /// Counts without names.
    func attendanceSummary(action: String) async throws -> AttendanceSummary
    /// Records a stewards' tally.
    func recordHeadcount(action: String, count: Int, countedAt: Date?, note: String?) async throws -> Headcount
    /// Tallies in time order.
    func headcounts(action: String) async throws -> [Headcount]

    // Statements
    /// Publishes a statement with its demands in order.
    func createStatement(_ draft: StatementDraft) async throws -> Statement
    /// The statement with this id or slug.
    func statement(_ reference: String) async throws -> Statement
    /// Statements, newest first.
    func statements(campaign: String?) async throws -> [Statement]
    /// Applies a partial update.
    func updateStatement(_ reference: String, _ changes: StatementChanges) async throws -> Statement
    /// Adds a signature; a statement not `open` is a conflict.
    func sign(statement: String, _ request: SignatureRequest) async throws -> Signature
    /// One signature, withdrawn or not.
    func signature(_ id: Int64) async throws -> Signature
    /// Withdraws a signature (it stays in the record, marked withdrawn).
    func withdrawSignature(_ id: Int64) async throws -> Signature
    /// Signatures in signing order.
    func signatures(statement: String, includeWithdrawn: Bool) async throws -> [Signature]

    // Incidents
    /// Reports an incident at an action.
    func reportIncident(action: String, _ report: IncidentReport) async throws -> Incident
    /// One incident.
    func incident(_ id: Int64) async throws -> Incident
    /// Incidents, of one action or all, newest first.
    func incidents(action: String?) async throws -> [Incident]
    /// Records follow-up: a new state and/or a note.
    func followUpIncident(_ id: Int64, state: IncidentState?, note: String?) async throws -> Incident
    /// The follow-up log of an incident.
    func incidentUpdates(_ id: Int64) async throws -> [IncidentUpdate]

    // Outbox
    /// Outbox events after a position, oldest first.
    func outboxEvents(after position: Int64, limit: Int, type: String?) async throws -> [OutboxEvent]

    // Keys
    /// A secret of this instance (32 random bytes), made the first time it is asked for.
    func instanceKey(_ name: String) async throws -> [UInt8]
}

extension Store {
    /// nil: this store cannot tell cheaply, so nothing read from it is cached.
    public func changeVersion() throws -> Int64? { nil }

    /// Records an RSVP to any action, whatever its visibility (the CLI and organisers).
    public func rsvp(action: String, _ rsvp: RSVP) async throws -> RSVPOutcome {
        try await self.rsvp(action: action, rsvp, publicOnly: false)
    }

    /// Records an RSVP, updating an earlier one from the same person.
    public func rsvp(action: String, _ rsvp: RSVP, publicOnly: Bool) async throws -> RSVPOutcome {
        try await self.rsvp(action: action, rsvp, publicOnly: publicOnly, mayUpdate: { _ in true })
    }
}

extension Store {
    /// Events of every type after `position`, oldest first.
    public func outboxEvents(after position: Int64, limit: Int) async throws -> [OutboxEvent] {
        try await outboxEvents(after: position, limit: limit, type: nil)
    }
}
