import Foundation

/// What a recurring schedule does when it fires.
public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    /// A `digest.due` event listing the upcoming public actions of a campaign, an
    /// organisation or the whole instance.
    case digest
    /// Anonymises the attendees of actions that ended more than `days` ago, keeping the counts.
    case retention
    /// Deletes webhook attempt logs older than `days` (a no-op until the webhook tables exist).
    case deliveriesCleanup = "deliveries-cleanup"
    /// Writes a consistent copy of the database into `backups/` beside it, keeping the newest
    /// `days` copies (for this kind, `days` counts copies, not days).
    case backup

    /// `days` when not given: the digest's horizon, the age after which data goes, or the copies kept.
    public var defaultDays: Int {
        switch self {
        case .digest: 7
        case .retention: 30
        case .deliveriesCleanup: 30
        case .backup: 7
        }
    }
}

/// What to do with fire times that passed while nothing was running.
public enum CatchUpPolicy: String, Codable, Sendable, CaseIterable {
    /// Fire the latest due time if it is on time (once, however many fell in the tolerance);
    /// missed times are dropped and the next future time is armed.
    case skip
    /// Fire once, for the latest missed time, standing for all of them.
    case once
    /// Fire each missed time, the latest `CatchUpPolicy.maximumFires` at most.
    case all

    /// The bound on `all`.
    public static let maximumFires = 100
}

/// Whether a schedule runs.
public enum ScheduleState: String, Codable, Sendable, CaseIterable {
    case active, paused
}

/// A recurring job: a cron expression in an IANA zone, a kind, and when it fires next.
public struct Schedule: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    /// Unique, slug-like: `digest-kazakhstan-solidarity`.
    public var name: String
    public var kind: ScheduleKind
    /// Vixie cron syntax, checked when the schedule is added.
    public var cron: String
    public var timeZone: String
    public var catchUp: CatchUpPolicy
    /// Digest scope (at most one of the two; neither means every public action).
    public var campaignID: Int64?
    public var organisationID: Int64?
    /// Digest: days ahead to list. Retention and cleanup: age in days after which data goes.
    public var days: Int
    public var state: ScheduleState
    /// nil while paused (or if the expression can never fire again).
    public var nextFireAt: Date?
    public var lastFiredAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, name: String, kind: ScheduleKind, cron: String, timeZone: String, catchUp: CatchUpPolicy,
                campaignID: Int64?, organisationID: Int64?, days: Int, state: ScheduleState, nextFireAt: Date?,
                lastFiredAt: Date?, createdAt: Date, updatedAt: Date) {
        self.id = id; self.name = name; self.kind = kind; self.cron = cron; self.timeZone = timeZone
        self.catchUp = catchUp; self.campaignID = campaignID; self.organisationID = organisationID; self.days = days
        self.state = state; self.nextFireAt = nextFireAt; self.lastFiredAt = lastFiredAt
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// The schedule's zone (validated on the way in).
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? .gmt }

    /// The ledger key of this schedule's fires.
    public var jobKey: String { "schedule:\(id)" }
}

/// What an operator supplies to add a schedule. The cron expression is checked by the
/// scheduler (which owns the parser), everything else here.
public struct ScheduleDraft: Codable, Sendable, Equatable {
    public var name: String?
    public var kind: ScheduleKind
    public var cron: String
    public var timeZone: String
    public var catchUp: CatchUpPolicy
    /// Campaign slug or id (digest only).
    public var campaign: String?
    /// Organisation slug or id (digest only).
    public var organisation: String?
    public var days: Int?

    public init(name: String? = nil, kind: ScheduleKind, cron: String, timeZone: String, catchUp: CatchUpPolicy = .skip,
                campaign: String? = nil, organisation: String? = nil, days: Int? = nil) {
        self.name = name; self.kind = kind; self.cron = cron; self.timeZone = timeZone; self.catchUp = catchUp
        self.campaign = campaign; self.organisation = organisation; self.days = days
    }

    /// Returns the draft cleaned and checked (name derived when absent), or throws naming the bad field.
    public func validated() throws -> ScheduleDraft {
        var draft = self
        draft.cron = try Validation.required(cron, field: "cron", maxLength: 200)
        draft.timeZone = try Validation.timeZone(timeZone, field: "tz")
        draft.campaign = try Validation.optional(campaign, field: "campaign", maxLength: 120)
        draft.organisation = try Validation.optional(organisation, field: "organisation", maxLength: 120)
        if kind != .digest, draft.campaign != nil || draft.organisation != nil {
            throw PicketlineError.invalid(field: draft.campaign != nil ? "campaign" : "organisation",
                                          reason: "only a digest is scoped to a campaign or an organisation")
        }
        if draft.campaign != nil, draft.organisation != nil {
            throw PicketlineError.invalid(field: "organisation", reason: "a digest covers a campaign or an organisation, not both")
        }
        let days = days ?? kind.defaultDays
        guard (1...3_650).contains(days) else {
            throw PicketlineError.invalid(field: "days", reason: "must be between 1 and 3650")
        }
        draft.days = days
        let scope = draft.campaign ?? draft.organisation ?? (kind == .digest ? "all" : nil)
        draft.name = try Validation.slug(name ?? slugify([kind.rawValue, scope].compactMap { $0 }.joined(separator: " ")),
                                         field: "name")
        return draft
    }
}

/// One fire the scheduler decided on: the cron time it is for, and how many earlier missed
/// times it stands for (catch-up `once`).
public struct PlannedFire: Codable, Sendable, Equatable {
    public var scheduledFor: Date
    public var coversMissed: Int

    public init(scheduledFor: Date, coversMissed: Int = 0) {
        self.scheduledFor = scheduledFor; self.coversMissed = coversMissed
    }
}

/// What one schedule fire did.
public struct ScheduleFiring: Codable, Sendable, Equatable {
    public var scheduleID: Int64
    public var name: String
    public var kind: ScheduleKind
    public var scheduledFor: Date
    /// The `digest.due` event, for digests.
    public var outboxID: Int64?
    /// What the job did, for logs and `schedule history`: "3 actions", "anonymised 12 attendees".
    public var detail: String

    public init(scheduleID: Int64, name: String, kind: ScheduleKind, scheduledFor: Date, outboxID: Int64?, detail: String) {
        self.scheduleID = scheduleID; self.name = name; self.kind = kind; self.scheduledFor = scheduledFor
        self.outboxID = outboxID; self.detail = detail
    }
}

/// A line of the fire ledger: one job at one scheduled time, at most once.
public struct LedgerEntry: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    /// `reminder:<action>:<kind>:<seconds>` or `schedule:<id>`.
    public var job: String
    public var scheduledFor: Date
    public var firedAt: Date
    public var outboxID: Int64?
    public var detail: String?

    public init(id: Int64, job: String, scheduledFor: Date, firedAt: Date, outboxID: Int64?, detail: String?) {
        self.id = id; self.job = job; self.scheduledFor = scheduledFor; self.firedAt = firedAt
        self.outboxID = outboxID; self.detail = detail
    }
}
