import Foundation
import PicketlineCore
import PicketlineScheduler

/// The `[scheduler]` and `[reminders]` settings.
public struct SchedulerSettings: Sendable, Equatable {
    /// The longest the scheduler's timer waits before re-reading the database.
    public var maxWaitSeconds = 60
    /// Reminder offsets for actions whose own policy and campaign say nothing.
    public var reminderDefaults = ReminderOffset.standard

    public init() {}

    static let keys: [(key: String, environment: String)] = [
        ("scheduler.max_wait_seconds", "PICKETLINE_SCHEDULER_MAX_WAIT_SECONDS"),
        ("reminders.default_offsets", "PICKETLINE_REMINDERS_DEFAULT_OFFSETS"),
    ]

    /// Whether `key` is one of these settings.
    static func owns(_ key: String) -> Bool { key.hasPrefix("scheduler.") || key.hasPrefix("reminders.") }

    mutating func set(_ key: String, _ value: String, source: String) throws {
        func bad(_ reason: String) -> PicketlineError { .invalid(field: key, reason: "\(reason) (\(source))") }
        switch key {
        case "scheduler.max_wait_seconds":
            guard let seconds = Int(value), (1...3_600).contains(seconds) else { throw bad("must be a whole number of seconds, 1-3600") }
            maxWaitSeconds = seconds
        case "reminders.default_offsets":
            do { reminderDefaults = try ReminderOffset.list(value, field: key) } catch let error as PicketlineError {
                throw bad(error.message.replacingOccurrences(of: "\(key): ", with: ""))
            }
        default:
            throw PicketlineError.invalid(field: key, reason: "unknown setting (\(source)); known: \(Configuration.keys.map(\.key).joined(separator: ", "))")
        }
    }

    /// The engine's tunables.
    var engineSettings: SchedulerEngine.Settings {
        SchedulerEngine.Settings(maxWait: TimeInterval(maxWaitSeconds))
    }
}
