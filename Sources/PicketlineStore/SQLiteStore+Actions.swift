import Foundation
import GRDB
import PicketlineCore

/// What action events carry: the action as the public may see it (hidden addresses withheld).
struct ActionPayload: Encodable {
    var action: Action
    var changed: [String]?
    var reason: String?

    init(_ action: Action, changed: [String]? = nil, reason: String? = nil) {
        var visible = action
        visible.location = action.location.publicView
        self.action = visible
        self.changed = changed
        self.reason = reason
    }
}

extension SQLiteStore {
    public func createAction(_ draft: ActionDraft) async throws -> Action {
        let explicitSlug = draft.slug != nil
        let draft = try draft.validated()
        return try await write { db, now in
            let campaignID = try draft.campaign.map { try db.id(in: "campaigns", entity: "campaign", reference: $0) }
            let slug = try db.freeSlug(draft.slug!, in: "actions", explicit: explicitSlug)
            var action = Action(
                id: 0, slug: slug, kind: draft.kind, title: draft.title, description: draft.description,
                target: draft.target, location: draft.location, startsAt: draft.startsAt, endsAt: draft.endsAt,
                timeZone: draft.timeZone, status: draft.status, visibility: draft.visibility, capacity: draft.capacity,
                campaignID: campaignID, sourceURL: draft.sourceURL, revision: 0, createdAt: now, updatedAt: now)
            action.id = try db.insertAssigningID(ActionRecord(action))
            try db.appendEvent(EventType.actionCreated, subject: "action", subjectID: action.id, actionID: action.id,
                               campaignID: campaignID, at: now, payload: ActionPayload(action))
            try db.syncReminders(of: action, defaults: try self.appliedReminderDefaults(db), at: now)
            if let caller = draft.caller {
                let organisation = try Organisation.fetchOne(
                    db, key: try db.id(in: "organisations", entity: "organisation", reference: caller))!
                var endorsement = Endorsement(id: 0, actionID: action.id, organisationID: organisation.id, role: .caller,
                                              state: .confirmed, createdAt: now, updatedAt: now)
                endorsement.id = try db.insertAssigningID(endorsement)
                try db.appendEvent(EventType.endorsementAdded, subject: "endorsement", subjectID: endorsement.id,
                                   actionID: action.id, campaignID: campaignID, at: now,
                                   payload: EndorsementPayload(endorsement: endorsement, organisation: organisation,
                                                               action: action))
            }
            return action
        }
    }

    public func action(_ reference: String) async throws -> Action {
        try await read { db in try db.action(reference) }
    }

    public func actions(_ filter: ActionFilter, page: PageRequest) async throws -> Page<Action> {
        try await read { db in
            var clauses: [String] = []
            var arguments = StatementArguments()
            if let status = filter.status { clauses.append("status = ?"); arguments += [status.rawValue] }
            if let visibility = filter.visibility, let manager = filter.orManagedBy {
                // Endorsement.grantsManagement: a confirmed caller or co-organiser.
                clauses.append("""
                    (visibility = ? OR id IN (SELECT action_id FROM endorsements WHERE organisation_id = ?
                                               AND state = 'confirmed' AND role IN ('caller', 'co-organiser')))
                    """)
                arguments += [visibility.rawValue, manager]
            } else if let visibility = filter.visibility {
                clauses.append("visibility = ?"); arguments += [visibility.rawValue]
            }
            if let campaign = filter.campaign {
                clauses.append("campaign_id = ?")
                arguments += [try db.id(in: "campaigns", entity: "campaign", reference: campaign)]
            }
            if let organisation = filter.organisation {
                // Confirmed only: an invitation is not support, and is shown to no one but the action's organisers.
                clauses.append("id IN (SELECT action_id FROM endorsements WHERE organisation_id = ? AND state = 'confirmed')")
                arguments += [try db.id(in: "organisations", entity: "organisation", reference: organisation)]
            }
            if let after = filter.startsAfter { clauses.append("starts_at >= ?"); arguments += [after] }
            if let before = filter.startsBefore { clauses.append("starts_at < ?"); arguments += [before] }
            if let since = filter.modifiedSince { clauses.append("updated_at >= ?"); arguments += [since] }
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM actions \(whereSQL)", arguments: arguments) ?? 0
            var pageArguments = arguments
            pageArguments += [page.perPage, page.offset]
            let records = try ActionRecord.fetchAll(
                db, sql: "SELECT * FROM actions \(whereSQL) ORDER BY starts_at, id LIMIT ? OFFSET ?", arguments: pageArguments)
            return Page(items: records.map(\.action), total: total, page: page.page, perPage: page.perPage)
        }
    }

    public func updateAction(_ reference: String, _ changes: ActionChanges) async throws -> Action {
        try await write { db, now in
            let before = try db.action(reference)
            var action = try changes.applied(to: before)
            if let campaign = changes.campaign {
                action.campaignID = campaign.trimmingCharacters(in: .whitespaces).isEmpty
                    ? nil : try db.id(in: "campaigns", entity: "campaign", reference: campaign)
            }
            let changed = Self.changedFields(before, action)
            guard !changed.isEmpty else { return before }
            action.revision += 1
            action.updatedAt = now
            try ActionRecord(action).update(db)
            if action.status == .cancelled && before.status != .cancelled {
                try db.appendEvent(EventType.actionCancelled, subject: "action", subjectID: action.id, actionID: action.id,
                                   campaignID: action.campaignID, at: now, payload: ActionPayload(action, changed: changed))
            } else {
                try db.appendEvent(EventType.actionUpdated, subject: "action", subjectID: action.id, actionID: action.id,
                                   campaignID: action.campaignID, at: now, payload: ActionPayload(action, changed: changed))
            }
            if action.capacity != before.capacity {
                try db.promoteWaitlisted(action: action, at: now)
            }
            try db.syncReminders(of: action, defaults: try self.appliedReminderDefaults(db), at: now)
            return action
        }
    }

    public func cancelAction(_ reference: String, reason: String?) async throws -> Action {
        let reason = try Validation.optional(reason, field: "reason", maxLength: 2_000)
        return try await write { db, now in
            var action = try db.action(reference)
            guard action.status != .cancelled else {
                throw PicketlineError.conflict(field: "status", reason: "\(action.title) is already cancelled")
            }
            action.status = .cancelled
            action.revision += 1
            action.updatedAt = now
            try ActionRecord(action).update(db)
            try db.appendEvent(EventType.actionCancelled, subject: "action", subjectID: action.id, actionID: action.id,
                               campaignID: action.campaignID, at: now,
                               payload: ActionPayload(action, changed: ["status"], reason: reason))
            try db.syncReminders(of: action, defaults: try self.appliedReminderDefaults(db), at: now)
            return action
        }
    }

    static func changedFields(_ a: Action, _ b: Action) -> [String] {
        var fields: [String] = []
        if a.kind != b.kind { fields.append("kind") }
        if a.title != b.title { fields.append("title") }
        if a.description != b.description { fields.append("description") }
        if a.target != b.target { fields.append("target") }
        if a.location != b.location { fields.append("location") }
        if a.startsAt != b.startsAt { fields.append("starts_at") }
        if a.endsAt != b.endsAt { fields.append("ends_at") }
        if a.timeZone != b.timeZone { fields.append("time_zone") }
        if a.status != b.status { fields.append("status") }
        if a.visibility != b.visibility { fields.append("visibility") }
        if a.capacity != b.capacity { fields.append("capacity") }
        if a.campaignID != b.campaignID { fields.append("campaign") }
        if a.sourceURL != b.sourceURL { fields.append("source_url") }
        return fields
    }
}

extension Database {
    /// The action an id or a slug names (an id first, as `id(in:)` resolves references).
    func action(_ reference: String) throws -> Action {
        try findAction(reference) { key in
            try ActionRecord.fetchOne(cachedStatement(sql: "SELECT * FROM actions WHERE \(key.column) = ?"), arguments: [key.value])
        }.action
    }

    /// Finds the action a reference names: by id when it is a number and such an action exists,
    /// else by slug (case-insensitive, surrounding spaces ignored). `lookup` reads one row by the
    /// key it is given, or nil.
    func findAction<Found>(_ reference: String, _ lookup: (ActionKey) throws -> Found?) throws -> Found {
        let trimmed = reference.trimmedWhitespace
        if let id = Int64(trimmed), let found = try lookup(.id(id)) { return found }
        if let found = try lookup(.slug(trimmed.lowercased())) { return found }
        throw PicketlineError.notFound(entity: "action", reference: reference)
    }
}

/// How `findAction` looks an action up.
enum ActionKey {
    case id(Int64)
    case slug(String)

    var column: String {
        switch self {
        case .id: "id"
        case .slug: "slug"
        }
    }

    var value: any DatabaseValueConvertible {
        switch self {
        case .id(let id): id
        case .slug(let slug): slug
        }
    }
}
