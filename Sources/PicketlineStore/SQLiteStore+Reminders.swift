import Foundation
import GRDB
import PicketlineCore

extension Reminder: SnakeCaseRecord { public static let databaseTableName = "reminders" }

/// A row of `reminder_policies`: an action's own offsets or a campaign's default, as JSON.
struct ReminderPolicyRecord: SnakeCaseRecord {
    static let databaseTableName = "reminder_policies"
    var id: Int64
    var actionID: Int64?
    var campaignID: Int64?
    var offsets: String
    var createdAt: Date
    var updatedAt: Date

    var decodedOffsets: [ReminderOffset] {
        (try? JSONDecoder().decode([ReminderOffset].self, from: Data(offsets.utf8))) ?? []
    }

    static func encode(_ offsets: [ReminderOffset]) throws -> String {
        String(decoding: try JSONEncoder().encode(offsets), as: UTF8.self)
    }
}

/// What a `reminder.due` event carries: the reminder and the action as the public may see it.
struct ReminderPayload: Encodable {
    var reminder: Body
    var action: ActionSummaryPayload

    struct Body: Encodable {
        var id: Int64
        var kind: ReminderKind
        /// "24h before", "2h after".
        var offset: String
        var offsetSeconds: Int
        var dueAt: Date
        var sentAt: Date
    }
}

/// An action's public details with its times written in its own zone with their offset
/// ("2022-01-08T12:00:00+00:00"), as reminders and digests show them.
struct ActionSummaryPayload: Encodable {
    var id: Int64
    var slug: String
    var title: String
    var kind: ActionKind
    var status: ActionStatus
    var target: String?
    var startsAt: String
    var endsAt: String?
    var timeZone: String
    var location: Location
    var campaignID: Int64?
    /// Where the action was published; chat messages link to it.
    var sourceURL: String?

    init(_ action: Action) {
        id = action.id; slug = action.slug; title = action.title; kind = action.kind; status = action.status
        target = action.target
        startsAt = RFC3339.string(from: action.startsAt, in: action.zone)
        endsAt = action.endsAt.map { RFC3339.string(from: $0, in: action.zone) }
        timeZone = action.timeZone
        location = action.location.publicView
        campaignID = action.campaignID
        sourceURL = action.sourceURL
    }
}

extension SQLiteStore: SchedulerStore {
    /// The default reminder offsets in force (see `Database.appliedReminderDefaults`).
    func appliedReminderDefaults(_ db: Database) throws -> [ReminderOffset] {
        try db.appliedReminderDefaults(fallback: reminderDefaults)
    }

    /// A "before start" reminder fires late only until the action starts; a report-back
    /// only within this long of its due time. Later than that it is `missed`.
    static let reportBackGrace: TimeInterval = 86_400

    public func setReminderPolicy(action: String, offsets: [ReminderOffset]?) async throws -> [Reminder] {
        let offsets = try offsets.map { try ReminderOffset.normalised($0, field: "offsets") }
        return try await write { db, now in
            let action = try db.action(action)
            try db.savePolicy(offsets, column: "action_id", id: action.id, at: now)
            try db.syncReminders(of: action, defaults: try self.appliedReminderDefaults(db), at: now)
            return try Reminder.filter(Column("action_id") == action.id).order(Column("due_at"), Column("id")).fetchAll(db)
        }
    }

    public func setCampaignReminderPolicy(campaign: String, offsets: [ReminderOffset]?) async throws -> Int {
        let offsets = try offsets.map { try ReminderOffset.normalised($0, field: "offsets") }
        return try await write { db, now in
            let campaignID = try db.id(in: "campaigns", entity: "campaign", reference: campaign)
            try db.savePolicy(offsets, column: "campaign_id", id: campaignID, at: now)
            let actions = try db.actionsNotOver(at: now, extraSQL: "AND campaign_id = ?", arguments: [campaignID])
            let defaults = try self.appliedReminderDefaults(db)
            for action in actions { try db.syncReminders(of: action, defaults: defaults, at: now) }
            return actions.count
        }
    }

    public func reminderPolicy(action: String) async throws -> ReminderPolicy {
        try await read { db in try db.reminderPolicy(of: try db.action(action), defaults: try self.appliedReminderDefaults(db)) }
    }

    public func campaignReminderPolicy(campaign: String) async throws -> [ReminderOffset]? {
        try await read { db in
            let campaignID = try db.id(in: "campaigns", entity: "campaign", reference: campaign)
            return try ReminderPolicyRecord.filter(Column("campaign_id") == campaignID).fetchOne(db)?.decodedOffsets
        }
    }

    public func reminders(action: String?) async throws -> [ReminderEntry] {
        try await read { db in
            var sql = """
                SELECT reminders.*, actions.slug AS action_slug, actions.title AS action_title, actions.time_zone AS action_zone
                FROM reminders JOIN actions ON actions.id = reminders.action_id
                """
            var arguments = StatementArguments()
            if let action {
                sql += " WHERE reminders.action_id = ?"
                arguments += [try db.id(in: "actions", entity: "action", reference: action)]
            }
            sql += " ORDER BY reminders.due_at, reminders.id LIMIT 10000"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                ReminderEntry(reminder: try Reminder(row: row), actionSlug: row["action_slug"],
                              actionTitle: row["action_title"], timeZone: row["action_zone"])
            }
        }
    }

    public func syncReminders() async throws -> Int {
        try await write { db, now in
            // Run by `serve` as it starts and by `reminder sync`: their configuration's defaults
            // become the applied ones, which every other process's writes then follow.
            try db.recordReminderDefaults(self.reminderDefaults)
            let actions = try db.actionsNotOver(at: now)
            for action in actions { try db.syncReminders(of: action, defaults: self.reminderDefaults, at: now) }
            return actions.count
        }
    }

    public func fireDueReminders(at now: Date, limit: Int) async throws -> [ReminderFiring] {
        try await write { db, _ in
            let due = try Reminder.fetchAll(db, sql: """
                SELECT * FROM reminders WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?
                """, arguments: [now, limit])
            var firings: [ReminderFiring] = []
            for var reminder in due {
                let action = try ActionRecord.fetchOne(db, key: reminder.actionID)!.action
                let expected = reminder.offset.dueDate(startsAt: action.startsAt, endsAt: action.endsAt)
                // The transaction that moved or cancelled the action re-materialised its
                // reminders; this only guards against a row that missed that.
                guard action.status != .cancelled, sameInstant(expected, reminder.dueAt) else {
                    try db.syncReminders(of: action, defaults: try self.appliedReminderDefaults(db), at: now)
                    continue
                }
                let tooLate = switch reminder.kind {
                case .beforeStart: now >= action.startsAt
                case .afterEnd: now.timeIntervalSince(reminder.dueAt) > Self.reportBackGrace
                }
                reminder.updatedAt = now
                if tooLate {
                    reminder.state = .missed
                    try reminder.update(db)
                    firings.append(ReminderFiring(reminder: reminder, actionSlug: action.slug, outboxID: nil))
                    continue
                }
                reminder.state = .sent
                reminder.sentAt = now
                var outboxID: Int64?
                if try db.claimLedger(job: reminder.jobKey, scheduledFor: reminder.dueAt, at: now) {
                    let payload = ReminderPayload(
                        reminder: .init(id: reminder.id, kind: reminder.kind, offset: reminder.offset.description,
                                        offsetSeconds: reminder.offsetSeconds, dueAt: reminder.dueAt, sentAt: now),
                        action: ActionSummaryPayload(action))
                    try db.appendEvent(EventType.reminderDue, subject: "reminder", subjectID: reminder.id,
                                       actionID: action.id, campaignID: action.campaignID, at: now, payload: payload)
                    outboxID = db.lastInsertedRowID
                    try db.completeLedger(job: reminder.jobKey, scheduledFor: reminder.dueAt, outboxID: outboxID,
                                          detail: "\(reminder.offset) \(action.slug)")
                }
                try reminder.update(db)
                firings.append(ReminderFiring(reminder: reminder, actionSlug: action.slug, outboxID: outboxID))
            }
            return firings
        }
    }
}

/// Instants read back from the database carry millisecond precision, and a time derived from
/// another (start minus an offset) may truncate to the millisecond below: within 1.5 ms is the same.
func sameInstant(_ a: Date, _ b: Date) -> Bool { abs(a.timeIntervalSince(b)) < 0.0015 }

extension Database {
    /// Sets (or with nil removes) the policy row of an action or a campaign.
    func savePolicy(_ offsets: [ReminderOffset]?, column: String, id: Int64, at now: Date) throws {
        let existing = try ReminderPolicyRecord.filter(Column(column) == id).fetchOne(self)
        guard let offsets else {
            if let existing { try existing.delete(self) }
            return
        }
        var record = existing ?? ReminderPolicyRecord(
            id: 0, actionID: column == "action_id" ? id : nil, campaignID: column == "campaign_id" ? id : nil,
            offsets: "[]", createdAt: now, updatedAt: now)
        record.offsets = try ReminderPolicyRecord.encode(offsets)
        record.updatedAt = now
        if existing == nil { _ = try insertAssigningID(record) } else { try record.update(self) }
    }

    /// The default reminder offsets in force: those `serve` (or `reminder sync`) last applied, else
    /// this process's configuration (`fallback`) where none has run yet.
    func appliedReminderDefaults(fallback: [ReminderOffset]) throws -> [ReminderOffset] {
        let text: String?
        do {
            text = try String.fetchOne(cachedStatement(sql: "SELECT value FROM applied_settings WHERE name = ?"),
                                       arguments: [Self.reminderDefaultsSetting])
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR && (error.message ?? "").hasPrefix("no such table") {
            return fallback   // a schema before v8 (written to without migrating, as the migration tests do)
        }
        guard let text, let offsets = try? ReminderOffset.list(text, field: Self.reminderDefaultsSetting) else { return fallback }
        return offsets
    }

    /// Makes `offsets` the applied default reminder offsets.
    func recordReminderDefaults(_ offsets: [ReminderOffset]) throws {
        try execute(sql: """
            INSERT INTO applied_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value
            """, arguments: [Self.reminderDefaultsSetting, offsets.map(\.description).joined(separator: ", ")])
    }

    static let reminderDefaultsSetting = "reminders.default_offsets"

    /// The action's own offsets, else its campaign's, else the applied defaults (`defaults`).
    func reminderPolicy(of action: Action, defaults: [ReminderOffset]) throws -> ReminderPolicy {
        if let own = try ReminderPolicyRecord.filter(Column("action_id") == action.id).fetchOne(self) {
            return ReminderPolicy(offsets: own.decodedOffsets, source: .action)
        }
        if let campaignID = action.campaignID,
           let campaign = try ReminderPolicyRecord.filter(Column("campaign_id") == campaignID).fetchOne(self) {
            return ReminderPolicy(offsets: campaign.decodedOffsets, source: .campaign)
        }
        return ReminderPolicy(offsets: defaults, source: .configuration)
    }

    /// Actions whose reminders may still matter: not ended more than 31 days ago (offsets
    /// are at most 30 days).
    func actionsNotOver(at now: Date, extraSQL: String = "", arguments: StatementArguments = []) throws -> [Action] {
        var allArguments: StatementArguments = [now.addingTimeInterval(-31 * 86_400)]
        allArguments += arguments
        return try ActionRecord.fetchAll(self, sql: """
            SELECT * FROM actions WHERE COALESCE(ends_at, starts_at) > ? \(extraSQL) ORDER BY starts_at, id
            """, arguments: allArguments).map(\.action)
    }

    /// Brings an action's reminders in line with its policy, times and status, in the
    /// transaction that changed them:
    /// - a new or moved reminder is `pending` if its time is still ahead, else `passed`
    ///   (never sent retroactively); a sent one moved into the future is pending again;
    /// - every unsent reminder of a cancelled action is `suppressed` (and comes back if the
    ///   action is reinstated);
    /// - reminders whose offset left the policy are deleted unless they were sent.
    func syncReminders(of action: Action, defaults: [ReminderOffset], at now: Date) throws {
        let offsets = try reminderPolicy(of: action, defaults: defaults).offsets
        let existing = try Reminder.filter(Column("action_id") == action.id).fetchAll(self)
        let cancelled = action.status == .cancelled
        for offset in offsets {
            let due = offset.dueDate(startsAt: action.startsAt, endsAt: action.endsAt)
            let ahead = due > now
            guard var reminder = existing.first(where: { $0.offset == offset }) else {
                var reminder = Reminder(id: 0, actionID: action.id, kind: offset.kind, offsetSeconds: offset.seconds,
                                        dueAt: due, state: cancelled ? .suppressed : ahead ? .pending : .passed,
                                        createdAt: now, updatedAt: now)
                reminder.id = try insertAssigningID(reminder)
                continue
            }
            let before = reminder
            let moved = !sameInstant(reminder.dueAt, due)
            switch reminder.state {
            case .sent:
                if moved && ahead && !cancelled {
                    reminder.state = .pending; reminder.dueAt = due; reminder.sentAt = nil
                }
            case .pending, .passed, .missed, .suppressed:
                if cancelled {
                    reminder.state = .suppressed
                } else if moved || reminder.state == .suppressed {
                    reminder.state = ahead ? .pending : .passed
                }
                if moved { reminder.dueAt = due }
                // Moved back to a time it already went out for (the action moved away and back):
                // the ledger says it was sent, and it is shown so.
                if reminder.state == .passed, let sentAt = try ledgerFiredAt(job: reminder.jobKey, scheduledFor: reminder.dueAt) {
                    reminder.state = .sent
                    reminder.sentAt = sentAt
                }
            }
            if reminder != before {
                reminder.updatedAt = now
                try reminder.update(self)
            }
        }
        for reminder in existing where !offsets.contains(reminder.offset) && reminder.state != .sent {
            try reminder.delete(self)
        }
    }

    /// Records that `job` fired for `scheduledFor`; false when the ledger already has it
    /// (another process, or this one before a crash, got there first).
    func claimLedger(job: String, scheduledFor: Date, at now: Date) throws -> Bool {
        try execute(sql: """
            INSERT INTO scheduler_ledger (job, scheduled_for, fired_at) VALUES (?, ?, ?)
            ON CONFLICT (job, scheduled_for) DO NOTHING
            """, arguments: [job, scheduledFor, now])
        return changesCount > 0
    }

    /// When `job` fired for `scheduledFor`, if the ledger has it.
    func ledgerFiredAt(job: String, scheduledFor: Date) throws -> Date? {
        try Date.fetchOne(self, sql: "SELECT fired_at FROM scheduler_ledger WHERE job = ? AND scheduled_for = ?",
                          arguments: [job, scheduledFor])
    }

    /// Notes what a claimed fire produced.
    func completeLedger(job: String, scheduledFor: Date, outboxID: Int64?, detail: String) throws {
        try execute(sql: "UPDATE scheduler_ledger SET outbox_id = ?, detail = ? WHERE job = ? AND scheduled_for = ?",
                    arguments: [outboxID, detail, job, scheduledFor])
    }
}
