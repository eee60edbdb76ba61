import Foundation

/// What the scheduler keeps in the database: reminder policies and the reminders made from
/// them, recurring schedules with their next fire times, and the fire ledger. Kept apart
/// from `Store` (like `TokenStore`) so the scheduler depends on no more than it uses.
///
/// Every method that fires something writes the ledger row (unique per job and scheduled
/// time) and the job's effect — an outbox event, anonymised rows — in one transaction, so a
/// fire happens at most once even after a crash or with two processes on one database.
public protocol SchedulerStore: Sendable {
    // Reminder policies
    /// Sets an action's own reminder offsets (nil: follow its campaign or the configuration)
    /// and re-materialises its reminders; returns them.
    func setReminderPolicy(action: String, offsets: [ReminderOffset]?) async throws -> [Reminder]
    /// Sets a campaign's default offsets (nil removes it) and re-materialises the reminders
    /// of its actions that are not over; returns how many actions were updated.
    func setCampaignReminderPolicy(campaign: String, offsets: [ReminderOffset]?) async throws -> Int
    /// The offsets an action's reminders follow, and where they come from.
    func reminderPolicy(action: String) async throws -> ReminderPolicy
    /// A campaign's default offsets, if it has any.
    func campaignReminderPolicy(campaign: String) async throws -> [ReminderOffset]?

    // Reminders
    /// An action's reminders, or every reminder, by due time.
    func reminders(action: String?) async throws -> [ReminderEntry]
    /// Re-materialises the reminders of every action that is not over against the current
    /// policies (after the configured defaults changed); returns how many actions it looked at.
    func syncReminders() async throws -> Int
    /// Sends the pending reminders due at `now` (at most `limit`), each as a `reminder.due`
    /// event recorded in the ledger; reminders too late to be useful become `missed`.
    func fireDueReminders(at now: Date, limit: Int) async throws -> [ReminderFiring]

    // Schedules
    /// Adds a schedule whose first fire time the caller computed.
    func createSchedule(_ draft: ScheduleDraft, nextFireAt: Date?) async throws -> Schedule
    /// The schedule with this id or name.
    func schedule(_ reference: String) async throws -> Schedule
    /// Every schedule by name.
    func schedules() async throws -> [Schedule]
    /// Removes a schedule (its ledger lines stay).
    func removeSchedule(_ reference: String) async throws -> Schedule
    /// Pauses (nextFireAt nil) or resumes a schedule with the given next fire time.
    func setScheduleState(_ reference: String, _ state: ScheduleState, nextFireAt: Date?) async throws -> Schedule
    /// Active schedules whose next fire time is at or before `now`.
    func dueSchedules(at now: Date) async throws -> [Schedule]
    /// Performs `fires` of a schedule and moves its next fire time to `nextFireAt`, in one
    /// transaction — but only if its next fire time is still `expected` (another process
    /// has not done it already). Fires already in the ledger are not repeated.
    func recordScheduleFires(_ scheduleID: Int64, expected: Date, fires: [PlannedFire], nextFireAt: Date?,
                             at now: Date) async throws -> [ScheduleFiring]

    // Engine
    /// The earliest pending reminder or active schedule time, to arm the timer for.
    func nextDueTime() async throws -> Date?
    /// The ledger, newest first; `job` filters to one job key or a prefix ending in `:`.
    func ledger(job: String?, limit: Int) async throws -> [LedgerEntry]

    // Retention
    /// Anonymises the attendees of actions that ended before `cutoff`: name "anonymised",
    /// e-mail and phone removed, `anonymisedAt` set; statuses and check-ins (the counts) stay.
    /// Returns how many attendances were anonymised.
    func anonymiseAttendees(endedBefore cutoff: Date, at now: Date) async throws -> Int
}
