import Foundation
import Hummingbird
import PicketlineCore

/// What the schedule and reminder routes need beyond the store: adding and resuming a schedule
/// computes its next fire from the cron expression, which lives in PicketlineScheduler; `serve`
/// injects it so this module depends on Core only.
public struct ScheduleAdministration: Sendable {
    public var store: any SchedulerStore
    /// Validates the draft (cron, zone, kind) and stores it with its next fire time.
    public var add: @Sendable (ScheduleDraft) async throws -> Schedule
    /// Resumes a paused schedule from now.
    public var resume: @Sendable (String) async throws -> Schedule

    public init(store: any SchedulerStore, add: @escaping @Sendable (ScheduleDraft) async throws -> Schedule,
                resume: @escaping @Sendable (String) async throws -> Schedule) {
        self.store = store; self.add = add; self.resume = resume
    }
}

struct ScheduleResource: Codable, Sendable {
    var id: Int64
    var name: String
    var kind: ScheduleKind
    var cron: String
    var timeZone: String
    var catchUp: CatchUpPolicy
    var campaignID: Int64?
    var organisationID: Int64?
    var days: Int
    var state: ScheduleState
    var nextFireDate: String?
    var lastFiredDate: String?
    var createdDate: Date
    var modifiedDate: Date

    init(_ schedule: Schedule) {
        let zone = TimeZone(identifier: schedule.timeZone) ?? .gmt
        id = schedule.id; name = schedule.name; kind = schedule.kind; cron = schedule.cron; timeZone = schedule.timeZone
        catchUp = schedule.catchUp; campaignID = schedule.campaignID; organisationID = schedule.organisationID
        days = schedule.days; state = schedule.state
        nextFireDate = schedule.nextFireAt.map { RFC3339.string(from: $0, in: zone) }
        lastFiredDate = schedule.lastFiredAt.map { RFC3339.string(from: $0, in: zone) }
        createdDate = schedule.createdAt; modifiedDate = schedule.updatedAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("name", .string(), required: true),
        field("kind", vocabulary(ScheduleKind.self), required: true), field("cron", .string(), required: true),
        field("time_zone", .string(), required: true), field("catch_up", vocabulary(CatchUpPolicy.self), required: true),
        field("campaign_id", .integer()), field("organisation_id", .integer()), field("days", .integer(), required: true),
        field("state", vocabulary(ScheduleState.self), required: true),
        field("next_fire_date", .string(format: "date-time"), "with the offset of time_zone"),
        field("last_fired_date", .string(format: "date-time")),
        field("created_date", .string(format: "date-time"), required: true),
        field("modified_date", .string(format: "date-time"), required: true),
    ]))
}

struct ReminderResource: Codable, Sendable {
    var id: Int64
    var actionID: Int64
    var kind: ReminderKind
    var offsetSeconds: Int
    var dueDate: String
    var state: ReminderState
    var sentDate: Date?

    init(_ entry: ReminderEntry) {
        let reminder = entry.reminder
        id = reminder.id; actionID = reminder.actionID; kind = reminder.kind; offsetSeconds = reminder.offsetSeconds
        dueDate = RFC3339.string(from: reminder.dueAt, in: TimeZone(identifier: entry.timeZone) ?? .gmt)
        state = reminder.state; sentDate = reminder.sentAt
    }

    static let schema = Schema.object(BodySchema([
        field("id", .integer(), required: true), field("action_id", .integer(), required: true),
        field("kind", vocabulary(ReminderKind.self), required: true),
        field("offset_seconds", .integer(minimum: 0), required: true),
        field("due_date", .string(format: "date-time"), required: true, "with the offset of the action's zone"),
        field("state", vocabulary(ReminderState.self), required: true), field("sent_date", .string(format: "date-time")),
    ]))
}

extension APIService {
    func schedulesOrUnavailable() throws -> ScheduleAdministration {
        guard let schedules else {
            throw APIError(.serviceUnavailable, code: "unavailable", message: "the scheduler is not configured in this process")
        }
        return schedules
    }

    var scheduleRoutes: [Route] {
        [
            Route(method: .get, path: "/api/v1/schedules", summary: "Recurring schedules (digest, retention, deliveries-cleanup)",
                  tag: "schedules", access: .admin, success: .json(200, ListResource<ScheduleResource>.schema("Schedule"))) { _ in
                try ok(ListResource(items: try await schedulesOrUnavailable().store.schedules().map(ScheduleResource.init)))
            },
            Route(method: .post, path: "/api/v1/schedules", summary: "Add a recurring schedule", tag: "schedules", access: .admin,
                  body: BodySchema([
                    field("kind", vocabulary(ScheduleKind.self), required: true),
                    field("cron", .string(), required: true, "Vixie cron, e.g. \"0 9 * * mon\"; @weekly, L, 2#2 and 5L allowed"),
                    field("time_zone", .string(), required: true, "IANA zone, e.g. Europe/London"),
                    field("name", .string()), field("catch_up", vocabulary(CatchUpPolicy.self), "default skip"),
                    field("campaign", .string(), "digest: only this campaign"), field("organisation", .string(), "digest: only this organisation"),
                    field("days", .integer(minimum: 1), "retention and deliveries-cleanup: age in days; digest: days ahead"),
                  ]),
                  success: .json(201, .reference("Schedule")), errors: [409]) { input in
                let body = input.json
                let schedule = try await schedulesOrUnavailable().add(ScheduleDraft(
                    name: body.string("name"), kind: try body.choice("kind", ScheduleKind.self)!, cron: try body.required("cron"),
                    timeZone: try body.required("time_zone"), catchUp: try body.choice("catch_up", CatchUpPolicy.self) ?? .skip,
                    campaign: body.string("campaign"), organisation: body.string("organisation"), days: body.int("days")))
                return try ok(ScheduleResource(schedule), .created)
            },
            Route(method: .get, path: "/api/v1/schedules/{schedule}", summary: "One schedule with its next fire", tag: "schedules",
                  access: .admin, success: .json(200, .reference("Schedule"))) { input in
                try ok(ScheduleResource(try await schedulesOrUnavailable().store.schedule(try input.parameter("schedule"))))
            },
            Route(method: .delete, path: "/api/v1/schedules/{schedule}", summary: "Remove a schedule", tag: "schedules",
                  access: .admin, success: .json(200, .reference("Schedule"))) { input in
                try ok(ScheduleResource(try await schedulesOrUnavailable().store.removeSchedule(try input.parameter("schedule"))))
            },
            Route(method: .post, path: "/api/v1/schedules/{schedule}/pause", summary: "Pause a schedule", tag: "schedules",
                  access: .admin, success: .json(200, .reference("Schedule"))) { input in
                try ok(ScheduleResource(try await schedulesOrUnavailable().store.setScheduleState(
                    try input.parameter("schedule"), .paused, nextFireAt: nil)))
            },
            Route(method: .post, path: "/api/v1/schedules/{schedule}/resume",
                  summary: "Resume a schedule from now (times missed while paused are not fired)", tag: "schedules",
                  access: .admin, success: .json(200, .reference("Schedule"))) { input in
                try ok(ScheduleResource(try await schedulesOrUnavailable().resume(try input.parameter("schedule"))))
            },
            Route(method: .get, path: "/api/v1/actions/{action}/reminders", summary: "An action's reminders and where each stands",
                  tag: "schedules", access: .organiser, success: .json(200, ListResource<ReminderResource>.schema("Reminder"))) { input in
                let action = try await managedAction(try input.parameter("action"), input.caller)
                let entries = try await schedulesOrUnavailable().store.reminders(action: String(action.id))
                return try ok(ListResource(items: entries.map(ReminderResource.init)))
            },
            Route(method: .post, path: "/api/v1/actions/{action}/reminders",
                  summary: "Set an action's reminder offsets (null: follow the campaign's or the configured default)",
                  tag: "schedules", access: .organiser,
                  body: BodySchema([field("offsets", .array(.string()), required: true, nullable: true,
                                          "phrases such as \"24h before\", \"1h before\", \"2h after\"")]),
                  success: .json(200, ListResource<ReminderResource>.schema("Reminder"))) { input in
                let action = try await managedAction(try input.parameter("action"), input.caller)
                let administration = try schedulesOrUnavailable()
                var offsets: [ReminderOffset]?
                if let phrases = input.json.strings("offsets") {
                    do {
                        offsets = try ReminderOffset.normalised(
                            try phrases.enumerated().map { try ReminderOffset(phrase: $1, field: "offsets[\($0)]") }, field: "offsets")
                    } catch let error as PicketlineError { throw APIError(error) }
                }
                _ = try await administration.store.setReminderPolicy(action: String(action.id), offsets: offsets)
                let entries = try await administration.store.reminders(action: String(action.id))
                return try ok(ListResource(items: entries.map(ReminderResource.init)))
            },
        ]
    }
}
