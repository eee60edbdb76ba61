import Foundation

/// What sort of action it is.
public enum ActionKind: String, Codable, Sendable, CaseIterable {
    case picket, rally, demonstration, vigil, meeting, online, other
}

/// OSDI event status.
public enum ActionStatus: String, Codable, Sendable, CaseIterable {
    case tentative, confirmed, cancelled
}

/// OSDI visibility: private actions are only visible to organisers.
public enum Visibility: String, Codable, Sendable, CaseIterable {
    case `public`, `private`
}

/// A picket, rally, vigil or meeting: the centre of the domain.
public struct Action: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var slug: String
    public var kind: ActionKind
    public var title: String
    public var description: String?
    /// Whom or what the action is aimed at ("Embassy of Kazakhstan").
    public var target: String?
    public var location: Location
    public var startsAt: Date
    public var endsAt: Date?
    /// IANA zone the action happens in; times are shown in it.
    public var timeZone: String
    public var status: ActionStatus
    public var visibility: Visibility
    /// Places available; nil means unlimited. RSVPs beyond it are waitlisted.
    public var capacity: Int?
    public var campaignID: Int64?
    public var sourceURL: String?
    /// Increases on every change; calendar feeds use it as SEQUENCE.
    public var revision: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, slug: String, kind: ActionKind, title: String, description: String?, target: String?,
                location: Location, startsAt: Date, endsAt: Date?, timeZone: String, status: ActionStatus,
                visibility: Visibility, capacity: Int?, campaignID: Int64?, sourceURL: String?, revision: Int,
                createdAt: Date, updatedAt: Date) {
        self.id = id; self.slug = slug; self.kind = kind; self.title = title; self.description = description
        self.target = target; self.location = location; self.startsAt = startsAt; self.endsAt = endsAt
        self.timeZone = timeZone; self.status = status; self.visibility = visibility; self.capacity = capacity
        self.campaignID = campaignID; self.sourceURL = sourceURL; self.revision = revision
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// The action's zone as a `TimeZone` (validated on the way in, so it exists).
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? .gmt }
}

/// What an organiser supplies to register an action.
public struct ActionDraft: Codable, Sendable, Equatable {
    public var kind: ActionKind
    public var title: String
    public var slug: String?
    public var description: String?
    public var target: String?
    public var location: Location
    public var startsAt: Date
    public var endsAt: Date?
    public var timeZone: String
    public var status: ActionStatus
    public var visibility: Visibility
    public var capacity: Int?
    /// Campaign slug or id.
    public var campaign: String?
    public var sourceURL: String?
    /// Organisation (slug or id) recorded as the confirmed caller in the same transaction.
    public var caller: String?

    public init(kind: ActionKind = .picket, title: String, slug: String? = nil, description: String? = nil,
                target: String? = nil, location: Location = Location(), startsAt: Date, endsAt: Date? = nil,
                timeZone: String, status: ActionStatus = .tentative, visibility: Visibility = .public,
                capacity: Int? = nil, campaign: String? = nil, sourceURL: String? = nil, caller: String? = nil) {
        self.kind = kind; self.title = title; self.slug = slug; self.description = description; self.target = target
        self.location = location; self.startsAt = startsAt; self.endsAt = endsAt; self.timeZone = timeZone
        self.status = status; self.visibility = visibility; self.capacity = capacity; self.campaign = campaign
        self.sourceURL = sourceURL; self.caller = caller
    }

    /// Returns the draft cleaned and checked, or throws naming the bad field.
    public func validated() throws -> ActionDraft {
        var draft = self
        draft.title = try Validation.line(title, field: "title", maxLength: 300)
        draft.slug = try Validation.slug(slug ?? slugify(title, kind: "action"), field: "slug")
        draft.description = try Validation.optional(description, field: "description")
        draft.target = try Validation.optionalLine(target, field: "target", maxLength: 300)
        draft.location = try location.validated()
        draft.timeZone = try Validation.timeZone(timeZone, field: "time_zone")
        try Action.checkTimes(startsAt: startsAt, endsAt: endsAt)
        try Action.checkCapacity(capacity)
        draft.campaign = try Validation.optional(campaign, field: "campaign")
        draft.sourceURL = try Validation.url(sourceURL, field: "source_url")
        return draft
    }
}

/// A partial update of an action; nil leaves a field unchanged.
public struct ActionChanges: Codable, Sendable, Equatable {
    public var kind: ActionKind?
    public var title: String?
    public var description: String?
    public var target: String?
    /// Only the location's fields given change (see `LocationChanges`).
    public var location: LocationChanges?
    public var startsAt: Date?
    public var endsAt: Date?
    public var timeZone: String?
    public var status: ActionStatus?
    public var visibility: Visibility?
    /// `.some(nil)` removes the limit.
    public var capacity: Int??
    /// Campaign slug or id; an empty string detaches the action.
    public var campaign: String?
    public var sourceURL: String?
    /// Reveals (or hides) the address without resending the whole location.
    public var locationPublic: Bool?
    /// True removes the end (the action then takes RSVPs until three hours after its start).
    public var removesEnd: Bool?

    public init(kind: ActionKind? = nil, title: String? = nil, description: String? = nil, target: String? = nil,
                location: LocationChanges? = nil, startsAt: Date? = nil, endsAt: Date? = nil, timeZone: String? = nil,
                status: ActionStatus? = nil, visibility: Visibility? = nil, capacity: Int?? = nil,
                campaign: String? = nil, sourceURL: String? = nil, locationPublic: Bool? = nil, removesEnd: Bool? = nil) {
        self.kind = kind; self.title = title; self.description = description; self.target = target
        self.location = location; self.startsAt = startsAt; self.endsAt = endsAt; self.timeZone = timeZone
        self.status = status; self.visibility = visibility; self.capacity = capacity; self.campaign = campaign
        self.sourceURL = sourceURL; self.locationPublic = locationPublic; self.removesEnd = removesEnd
    }

    /// True when nothing would change.
    public var isEmpty: Bool { self == ActionChanges() }

    /// Applies every field except `campaign` (which the store resolves), validating each.
    public func applied(to action: Action) throws -> Action {
        var result = action
        if let kind { result.kind = kind }
        if let title { result.title = try Validation.line(title, field: "title", maxLength: 300) }
        if let description { result.description = try Validation.optional(description, field: "description") }
        if let target { result.target = try Validation.optionalLine(target, field: "target", maxLength: 300) }
        if let location { result.location = try location.applied(to: result.location).validated() }
        if let locationPublic { result.location.isPublic = locationPublic }
        if removesEnd == true, endsAt != nil {
            throw PicketlineError.invalid(field: "ends_at", reason: "give a new end or remove it, not both")
        }
        let endGiven = endsAt != nil || removesEnd == true
        if let startsAt {
            // A new start alone moves the action, keeping its length, as calendars do: moving a
            // picket to the next day must not leave it ending before it starts, nor stretch it.
            if !endGiven, let end = action.endsAt { result.endsAt = startsAt.addingTimeInterval(end.timeIntervalSince(action.startsAt)) }
            result.startsAt = startsAt
        }
        if let endsAt { result.endsAt = endsAt }
        if removesEnd == true { result.endsAt = nil }
        if let timeZone {
            result.timeZone = try Validation.timeZone(timeZone, field: "time_zone")
            // A new zone alone keeps the local times: "12:00" stays 12:00, now in the new zone.
            // A zone is changed to correct it (or because the action moved city), and the time
            // on the posters does not change with it. Times given with it are taken as given.
            if result.timeZone != action.timeZone, let old = TimeZone(identifier: action.timeZone),
               let new = TimeZone(identifier: result.timeZone) {
                if startsAt == nil {
                    result.startsAt = Action.sameLocalTime(action.startsAt, from: old, to: new)
                    if !endGiven, let end = action.endsAt { result.endsAt = Action.sameLocalTime(end, from: old, to: new) }
                }
            }
        }
        if let status { result.status = status }
        if let visibility { result.visibility = visibility }
        if let capacity { try Action.checkCapacity(capacity); result.capacity = capacity }
        if let sourceURL { result.sourceURL = try Validation.url(sourceURL, field: "source_url") }
        try Action.checkTimes(startsAt: result.startsAt, endsAt: result.endsAt)
        return result
    }
}

extension Action {
    /// The instant showing in `new` the wall-clock time `date` shows in `old` (a time a DST jump
    /// skips in `new` is read as `CivilDateTime.instant(in:)` reads it).
    static func sameLocalTime(_ date: Date, from old: TimeZone, to new: TimeZone) -> Date {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let local = CivilDateTime(epochSeconds: Int64(seconds) + Int64(old.secondsFromGMT(for: date)))
        return local.instant(in: new).addingTimeInterval(date.timeIntervalSince1970 - seconds)
    }

    static func checkTimes(startsAt: Date, endsAt: Date?) throws {
        if let endsAt, endsAt <= startsAt {
            throw PicketlineError.invalid(field: "ends_at", reason: "must be after starts_at")
        }
        if let endsAt, endsAt.timeIntervalSince(startsAt) > 90 * 86_400 {
            throw PicketlineError.invalid(field: "ends_at", reason: "an action may last at most 90 days")
        }
    }

    static func checkCapacity(_ capacity: Int?) throws {
        if let capacity, capacity < 0 {
            throw PicketlineError.invalid(field: "capacity", reason: "must not be negative")
        }
        if let capacity, capacity > 10_000_000 {
            throw PicketlineError.invalid(field: "capacity", reason: "must be at most 10000000")
        }
    }
}
