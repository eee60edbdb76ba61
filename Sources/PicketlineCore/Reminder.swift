import Foundation

extension EventType {
    /// A reminder relative to an action fell due (webhooks deliver it to `reminder.*`).
    public static let reminderDue = "reminder.due"
    /// A recurring digest of upcoming public actions fell due.
    public static let digestDue = "digest.due"
}

/// Which end of an action a reminder is measured from.
public enum ReminderKind: String, Codable, Sendable, CaseIterable {
    /// Before the start: "tomorrow at noon", "in one hour".
    case beforeStart = "before_start"
    /// After the end: "thank you / report back".
    case afterEnd = "after_end"

    /// The word used on the command line and in `reminders.default_offsets`.
    public var word: String { self == .beforeStart ? "before" : "after" }
}

/// One reminder of a policy: so long before the start or after the end of an action.
public struct ReminderOffset: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: ReminderKind
    /// Whole minutes, in seconds.
    public var seconds: Int

    /// Offsets are whole minutes from one minute to 30 days.
    public static let allowed = 60...(30 * 86_400)
    /// A policy holds at most this many offsets.
    public static let maximumCount = 10
    /// 24 hours and 1 hour before the start: the default when neither the action nor its campaign says otherwise.
    public static let standard = [ReminderOffset(.beforeStart, seconds: 86_400), ReminderOffset(.beforeStart, seconds: 3_600)]

    public init(_ kind: ReminderKind, seconds: Int) {
        self.kind = kind; self.seconds = seconds
    }

    /// Parses a duration such as `24h`, `90m`, `1h30m` or `2d` for `kind`.
    public init(_ kind: ReminderKind, duration text: String, field: String) throws {
        self.init(kind, seconds: try Self.seconds(of: text, field: field))
    }

    /// Parses `24h before` / `2h after`, the form of `reminders.default_offsets`.
    public init(phrase text: String, field: String) throws {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, let kind = ReminderKind.allCases.first(where: { $0.word == words[1].lowercased() }) else {
            throw PicketlineError.invalid(field: field, reason: "\(text.debugDescription) is not like \"24h before\" or \"2h after\"")
        }
        try self.init(kind, duration: String(words[0]), field: field)
    }

    /// `24h before`, `2h after`.
    public var description: String { "\(Self.format(seconds: seconds)) \(kind.word)" }

    /// When this reminder falls due for an action: before its start, or after its end (its
    /// start when it has no end).
    public func dueDate(startsAt: Date, endsAt: Date?) -> Date {
        switch kind {
        case .beforeStart: startsAt.addingTimeInterval(-Double(seconds))
        case .afterEnd: (endsAt ?? startsAt).addingTimeInterval(Double(seconds))
        }
    }

    /// Earliest first: after-end reminders last, before-start ones by decreasing distance.
    public static func < (lhs: ReminderOffset, rhs: ReminderOffset) -> Bool {
        switch (lhs.kind, rhs.kind) {
        case (.beforeStart, .afterEnd): true
        case (.afterEnd, .beforeStart): false
        case (.beforeStart, .beforeStart): lhs.seconds > rhs.seconds
        case (.afterEnd, .afterEnd): lhs.seconds < rhs.seconds
        }
    }

    /// Seconds in `2d`, `24h`, `90m`, `1h30m`: whole days, hours and minutes.
    public static func seconds(of text: String, field: String) throws -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        var total = 0
        var digits = ""
        var sawUnit = false
        for character in trimmed {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            let unit: Int
            switch character {
            case "d": unit = 86_400
            case "h": unit = 3_600
            case "m": unit = 60
            default: unit = 0
            }
            guard unit > 0, let value = Int(digits), digits.count <= 6 else {
                throw PicketlineError.invalid(field: field, reason: "\(text.debugDescription) is not a duration like 24h, 90m, 1h30m or 2d")
            }
            total += value * unit
            digits = ""
            sawUnit = true
        }
        guard sawUnit, digits.isEmpty else {
            throw PicketlineError.invalid(field: field, reason: "\(text.debugDescription) is not a duration like 24h, 90m, 1h30m or 2d")
        }
        guard allowed.contains(total) else {
            throw PicketlineError.invalid(field: field, reason: "\(text.debugDescription) must be between 1m and 30d")
        }
        return total
    }

    /// `24h`, `48h`, `1h30m`, `45m`; whole days beyond two as `3d`.
    public static func format(seconds: Int) -> String {
        if seconds > 2 * 86_400, seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        let hours = seconds / 3_600, minutes = seconds % 3_600 / 60
        switch (hours, minutes) {
        case (0, _): return "\(minutes)m"
        case (_, 0): return "\(hours)h"
        default: return "\(hours)h\(minutes)m"
        }
    }

    /// Sorts, removes repeats and enforces the count limit.
    public static func normalised(_ offsets: [ReminderOffset], field: String) throws -> [ReminderOffset] {
        let unique = Array(Set(offsets)).sorted()
        guard unique.count <= maximumCount else {
            throw PicketlineError.invalid(field: field, reason: "at most \(maximumCount) reminders per action")
        }
        for offset in unique where !allowed.contains(offset.seconds) || offset.seconds % 60 != 0 {
            throw PicketlineError.invalid(field: field, reason: "offsets must be whole minutes between 1m and 30d")
        }
        return unique
    }

    /// Parses `"24h before, 1h before, 2h after"`; an empty text means no reminders.
    public static func list(_ text: String, field: String) throws -> [ReminderOffset] {
        let phrases = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return try normalised(phrases.map { try ReminderOffset(phrase: $0, field: field) }, field: field)
    }
}

/// Where a reminder stands. Only `pending` reminders are ever sent.
public enum ReminderState: String, Codable, Sendable, CaseIterable {
    /// Will be sent at `dueAt`.
    case pending
    /// Went out as a `reminder.due` event.
    case sent
    /// Its time had already passed when it was scheduled; never sent retroactively.
    case passed
    /// Fell due while the scheduler was not running and was too late to be useful
    /// (the action had started, or a report-back was more than a day late).
    case missed
    /// The action is cancelled.
    case suppressed

    /// How `reminder list` shows it.
    public var label: String {
        switch self {
        case .pending: "scheduled"
        case .sent: "sent"
        case .passed: "passed, not sent"
        case .missed: "missed, not sent"
        case .suppressed: "suppressed (action cancelled)"
        }
    }
}

/// A reminder of one action, materialised from its policy so that it can be listed,
/// moved with the action and fired exactly once.
public struct Reminder: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var actionID: Int64
    public var kind: ReminderKind
    public var offsetSeconds: Int
    public var dueAt: Date
    public var state: ReminderState
    public var sentAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, actionID: Int64, kind: ReminderKind, offsetSeconds: Int, dueAt: Date, state: ReminderState,
                sentAt: Date? = nil, createdAt: Date, updatedAt: Date) {
        self.id = id; self.actionID = actionID; self.kind = kind; self.offsetSeconds = offsetSeconds; self.dueAt = dueAt
        self.state = state; self.sentAt = sentAt; self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// The offset this reminder was made from.
    public var offset: ReminderOffset { ReminderOffset(kind, seconds: offsetSeconds) }

    /// The ledger key: stable across re-materialisation, so a reminder for the same action,
    /// offset and due time can only ever be sent once.
    public var jobKey: String { "reminder:\(actionID):\(kind.rawValue):\(offsetSeconds)" }
}

/// A reminder with what a listing needs to show about its action.
public struct ReminderEntry: Codable, Sendable, Equatable {
    public var reminder: Reminder
    public var actionSlug: String
    public var actionTitle: String
    public var timeZone: String

    public init(reminder: Reminder, actionSlug: String, actionTitle: String, timeZone: String) {
        self.reminder = reminder; self.actionSlug = actionSlug; self.actionTitle = actionTitle; self.timeZone = timeZone
    }
}

/// Which policy an action's reminders follow.
public enum ReminderPolicySource: String, Codable, Sendable {
    /// Set on the action itself.
    case action
    /// Its campaign's default.
    case campaign
    /// The configuration's `reminders.default_offsets`.
    case configuration
}

/// The offsets an action's reminders are made from, and where they come from.
public struct ReminderPolicy: Codable, Sendable, Equatable {
    public var offsets: [ReminderOffset]
    public var source: ReminderPolicySource

    public init(offsets: [ReminderOffset], source: ReminderPolicySource) {
        self.offsets = offsets; self.source = source
    }
}

/// What one pass over due reminders did.
public struct ReminderFiring: Codable, Sendable, Equatable {
    /// The reminder as it now stands (`sent` or `missed`).
    public var reminder: Reminder
    public var actionSlug: String
    /// The outbox position of its `reminder.due` event; nil when nothing was sent.
    public var outboxID: Int64?

    public init(reminder: Reminder, actionSlug: String, outboxID: Int64?) {
        self.reminder = reminder; self.actionSlug = actionSlug; self.outboxID = outboxID
    }
}
