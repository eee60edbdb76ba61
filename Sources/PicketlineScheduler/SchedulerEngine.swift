import Foundation
import PicketlineCore

/// What one pass of the engine did.
public struct FireReport: Sendable, Equatable {
    /// Reminders sent (or found too late and marked missed).
    public var reminders: [ReminderFiring] = []
    /// Schedule fires performed.
    public var schedules: [ScheduleFiring] = []
    /// Missed schedule times dropped by their catch-up policy.
    public var skipped: [SkippedFires] = []
    /// Schedules that could not run, with why (they are taken out of rotation).
    public var problems: [String] = []

    public init() {}

    /// True when the pass did nothing worth logging.
    public var isEmpty: Bool { reminders.isEmpty && schedules.isEmpty && skipped.isEmpty && problems.isEmpty }

    /// Reminders that actually went out.
    public var sentReminders: [ReminderFiring] { reminders.filter { $0.reminder.state == .sent && $0.outboxID != nil } }
}

/// Missed fire times of one schedule that its catch-up policy dropped.
public struct SkippedFires: Sendable, Equatable {
    public var scheduleID: Int64
    public var name: String
    public var count: Int
}

/// The scheduler's logic, free of any timer: what is due at an instant, and when to look
/// again. Time comes from the injected `WallClock`, so tests drive a year of schedules with
/// a `ManualClock`; `SchedulerLoop` is only the trigger.
public struct SchedulerEngine: Sendable {
    /// Tunables; the defaults suit `serve`.
    public struct Settings: Sendable, Equatable {
        /// The longest the timer waits before re-reading the database, so clock steps,
        /// suspend and changes made by other processes are noticed (`scheduler.max_wait_seconds`).
        public var maxWait: TimeInterval
        /// How old a fire time may be and still count as on time rather than missed.
        public var onTimeTolerance: TimeInterval
        /// Reminders handled per transaction.
        public var reminderBatch: Int

        public init(maxWait: TimeInterval = 60, onTimeTolerance: TimeInterval = 300, reminderBatch: Int = 100) {
            self.maxWait = maxWait; self.onTimeTolerance = onTimeTolerance; self.reminderBatch = reminderBatch
        }
    }

    public let store: any SchedulerStore
    public let clock: any WallClock
    public let settings: Settings

    public init(store: any SchedulerStore, clock: any WallClock = SystemClock(), settings: Settings = Settings()) {
        self.store = store; self.clock = clock; self.settings = settings
    }

    /// Fires everything due now.
    public func fireDue() async throws -> FireReport {
        try await fireDue(at: clock.now())
    }

    /// Fires everything due at `now`: pending reminders, then schedules by their catch-up
    /// policy. Each fire is one transaction with its ledger line, so calling this twice, or
    /// from two processes at once, performs nothing twice.
    public func fireDue(at now: Date) async throws -> FireReport {
        var report = FireReport()
        var batch: [ReminderFiring]
        repeat {
            batch = try await store.fireDueReminders(at: now, limit: settings.reminderBatch)
            report.reminders += batch
        } while batch.count >= settings.reminderBatch

        for schedule in try await store.dueSchedules(at: now) {
            guard let expected = schedule.nextFireAt else { continue }
            let cron: CronExpression
            do {
                cron = try CronExpression(schedule.cron)
            } catch {
                report.problems.append("schedule \(schedule.name): \(error); it will not fire until it is replaced")
                _ = try await store.recordScheduleFires(schedule.id, expected: expected, fires: [], nextFireAt: nil, at: now)
                continue
            }
            let plan = CatchUpPlan(cron: cron, zone: schedule.zone, firstDue: expected, policy: schedule.catchUp, now: now,
                                   tolerance: settings.onTimeTolerance)
            let firings = try await store.recordScheduleFires(schedule.id, expected: expected, fires: plan.fires,
                                                              nextFireAt: plan.nextFireAt, at: now)
            report.schedules += firings
            if plan.skipped > 0 {
                report.skipped.append(SkippedFires(scheduleID: schedule.id, name: schedule.name, count: plan.skipped))
            }
        }
        return report
    }

    /// The earliest time anything is due, or nil when nothing is pending.
    public func nextDueTime() async throws -> Date? {
        try await store.nextDueTime()
    }

    /// How long to wait after a pass that looked at `passTime` and produced `report`.
    public func delayAfterPass(at passTime: Date, report: FireReport) async throws -> TimeInterval {
        Self.delay(nextDue: try await nextDueTime(), passTime: passTime, passDidSomething: !report.isEmpty,
                   now: clock.now(), maxWait: settings.maxWait)
    }

    /// Until the next due time, at most `maxWait`; at once if it fell due after the pass looked
    /// (reminders a few milliseconds apart do). Only something that was already due when the pass
    /// looked and still is — another process holds it, or it was just moved — waits a second, so
    /// that the loop does not spin on it.
    public static func delay(nextDue: Date?, passTime: Date, passDidSomething: Bool, now: Date, maxWait: TimeInterval) -> TimeInterval {
        guard let nextDue else { return maxWait }
        if nextDue <= passTime && !passDidSomething { return min(1, maxWait) }
        return min(max(nextDue.timeIntervalSince(now), 0), maxWait)
    }

    // Managing schedules: these need the cron parser, so they live here rather than in the store.

    /// Checks the expression and adds the schedule with its first fire time after now.
    public func addSchedule(_ draft: ScheduleDraft) async throws -> Schedule {
        let draft = try draft.validated()
        let cron = try Self.parse(draft.cron)
        let next = cron.nextFire(after: clock.now(), in: TimeZone(identifier: draft.timeZone)!)
        return try await store.createSchedule(draft, nextFireAt: next)
    }

    /// Stops a schedule firing until it is resumed.
    public func pause(_ reference: String) async throws -> Schedule {
        try await store.setScheduleState(reference, .paused, nextFireAt: nil)
    }

    /// Resumes a schedule from now: times that passed while it was paused are not fired.
    public func resume(_ reference: String) async throws -> Schedule {
        let schedule = try await store.schedule(reference)
        let cron = try Self.parse(schedule.cron)
        return try await store.setScheduleState(reference, .active, nextFireAt: cron.nextFire(after: clock.now(), in: schedule.zone))
    }

    /// Parses an expression, reporting errors as the CLI and the API show them: the field is
    /// `cron` (what the request and the option are called), the reason names the part of the
    /// expression (`cron: day-of-month: 32 is out of range 1-31`).
    public static func parse(_ text: String) throws -> CronExpression {
        let cron: CronExpression
        do { cron = try CronExpression(text) } catch {
            throw PicketlineError.invalid(field: "cron", reason: error.field == "expression" ? error.reason : "\(error.field): \(error.reason)")
        }
        guard cron.isSatisfiable else {
            throw PicketlineError.invalid(field: "cron", reason: "\(text.debugDescription) never fires")
        }
        return cron
    }
}
