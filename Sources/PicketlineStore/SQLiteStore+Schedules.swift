import Foundation
import GRDB
import PicketlineCore

extension Schedule: SnakeCaseRecord { public static let databaseTableName = "schedules" }
extension LedgerEntry: SnakeCaseRecord { public static let databaseTableName = "scheduler_ledger" }

/// What a `digest.due` event carries: the upcoming public actions of the schedule's scope.
struct DigestPayload: Encodable {
    var schedule: ScheduleSummary
    var scope: Scope
    /// The cron time this digest is for, in the schedule's zone with its offset.
    var scheduledFor: String
    /// How many earlier missed times this digest stands for (catch-up `once`).
    var coversMissed: Int
    var from: String
    var until: String
    var count: Int
    var actions: [ActionSummaryPayload]

    struct ScheduleSummary: Encodable {
        var id: Int64
        var name: String
        var cron: String
        var timeZone: String
    }

    struct Scope: Encodable {
        /// `campaign`, `organisation` or `all`.
        var type: String
        var id: Int64?
        var slug: String?
        var name: String?
    }
}

extension SQLiteStore {
    /// The most actions one digest lists.
    static let digestLimit = 200

    public func createSchedule(_ draft: ScheduleDraft, nextFireAt: Date?) async throws -> Schedule {
        let draft = try draft.validated()
        return try await write { db, now in
            let name = draft.name!
            if try Schedule.filter(Column("name") == name).fetchOne(db) != nil {
                throw PicketlineError.conflict(field: "name", reason: "a schedule is already named \(name.debugDescription); choose another name")
            }
            var schedule = Schedule(
                id: 0, name: name, kind: draft.kind, cron: draft.cron, timeZone: draft.timeZone, catchUp: draft.catchUp,
                campaignID: try draft.campaign.map { try db.id(in: "campaigns", entity: "campaign", reference: $0) },
                organisationID: try draft.organisation.map { try db.id(in: "organisations", entity: "organisation", reference: $0) },
                days: draft.days!, state: .active, nextFireAt: nextFireAt, lastFiredAt: nil, createdAt: now, updatedAt: now)
            schedule.id = try db.insertAssigningID(schedule)
            return schedule
        }
    }

    public func schedule(_ reference: String) async throws -> Schedule {
        try await read { db in try db.schedule(reference) }
    }

    public func schedules() async throws -> [Schedule] {
        try await read { db in try Schedule.order(Column("name")).fetchAll(db) }
    }

    public func removeSchedule(_ reference: String) async throws -> Schedule {
        try await write { db, _ in
            let schedule = try db.schedule(reference)
            try schedule.delete(db)
            return schedule
        }
    }

    public func setScheduleState(_ reference: String, _ state: ScheduleState, nextFireAt: Date?) async throws -> Schedule {
        try await write { db, now in
            var schedule = try db.schedule(reference)
            schedule.state = state
            schedule.nextFireAt = state == .active ? nextFireAt : nil
            schedule.updatedAt = now
            try schedule.update(db)
            return schedule
        }
    }

    public func dueSchedules(at now: Date) async throws -> [Schedule] {
        try await read { db in
            try Schedule.fetchAll(db, sql: """
                SELECT * FROM schedules WHERE state = 'active' AND next_fire_at IS NOT NULL AND next_fire_at <= ?
                ORDER BY next_fire_at, id
                """, arguments: [now])
        }
    }

    public func recordScheduleFires(_ scheduleID: Int64, expected: Date, fires: [PlannedFire], nextFireAt: Date?,
                                    at now: Date) async throws -> [ScheduleFiring] {
        let (firings, jobKey, days) = try await write { db, _ -> ([ScheduleFiring], String, Int) in
            guard var schedule = try Schedule.fetchOne(db, key: scheduleID), schedule.state == .active,
                  let current = schedule.nextFireAt, sameInstant(current, expected)
            else { return ([], "", 0) }  // removed, paused, or already handled by another process
            var firings: [ScheduleFiring] = []
            for fire in fires {
                guard try db.claimLedger(job: schedule.jobKey, scheduledFor: fire.scheduledFor, at: now) else { continue }
                // A backup is taken once this transaction has committed (below): inside it, the
                // copy would hold the writer for as long as it takes, and a one-connection store
                // (`schedule run --once`) would re-enter its own connection.
                let (outboxID, detail) = try db.perform(schedule, fire, at: now)
                try db.completeLedger(job: schedule.jobKey, scheduledFor: fire.scheduledFor, outboxID: outboxID, detail: detail)
                firings.append(ScheduleFiring(scheduleID: schedule.id, name: schedule.name, kind: schedule.kind,
                                              scheduledFor: fire.scheduledFor, outboxID: outboxID, detail: detail))
            }
            if let last = firings.last { schedule.lastFiredAt = last.scheduledFor }
            schedule.nextFireAt = nextFireAt
            schedule.updatedAt = now
            try schedule.update(db)
            return (firings, schedule.jobKey, schedule.days)
        }
        var done: [ScheduleFiring] = []
        for var firing in firings {
            guard firing.kind == .backup else { done.append(firing); continue }
            let time = firing.scheduledFor
            do {
                firing.detail = try rotatingBackup(keep: days, at: time)
            } catch {
                let failure = "backup failed: \(error)"
                try? await write { db, _ in try db.completeLedger(job: jobKey, scheduledFor: time, outboxID: nil, detail: failure) }
                throw error
            }
            let detail = firing.detail
            try await write { db, _ in try db.completeLedger(job: jobKey, scheduledFor: time, outboxID: nil, detail: detail) }
            done.append(firing)
        }
        return done
    }

    public func nextDueTime() async throws -> Date? {
        try await read { db in
            let reminder = try Date.fetchOne(db, sql: "SELECT MIN(due_at) FROM reminders WHERE state = 'pending'")
            let schedule = try Date.fetchOne(db, sql: """
                SELECT MIN(next_fire_at) FROM schedules WHERE state = 'active' AND next_fire_at IS NOT NULL
                """)
            return [reminder, schedule].compactMap { $0 }.min()
        }
    }

    public func ledger(job: String?, limit: Int) async throws -> [LedgerEntry] {
        try await read { db in
            var request = LedgerEntry.order(Column("id").desc).limit(limit)
            if let job {
                request = job.hasSuffix(":") ? request.filter(Column("job").like("\(job)%")) : request.filter(Column("job") == job)
            }
            return try request.fetchAll(db)
        }
    }

    public func anonymiseAttendees(endedBefore cutoff: Date, at now: Date) async throws -> Int {
        try await write { db, _ in try db.anonymiseAttendees(endedBefore: cutoff, at: now) }
    }
}

extension SQLiteStore {
    /// The folder scheduled backups go to: `backups/` beside the database file.
    public var backupDirectory: String {
        URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("backups").path
    }

    /// The name of the scheduled backup taken at `fireTime`: `picketline-YYYYMMDD-HHMMSS.sqlite` (UTC).
    static func scheduledBackupName(at fireTime: Date) -> String {
        let civil = CivilDateTime(epochSeconds: Int64(fireTime.timeIntervalSince1970.rounded(.down)))
        return String(format: "picketline-%04d%02d%02d-%02d%02d%02d.sqlite", civil.year, civil.month, civil.day,
                      civil.hour, civil.minute, civil.second)
    }

    /// Whether a file name is one `scheduledBackupName` gives: its shape is taken from that
    /// function (any digit where it writes one), so that the two cannot drift apart.
    static func isScheduledBackupName(_ name: String) -> Bool {
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        let bytes = Array(name.utf8)
        let shape = Array(scheduledBackupName(at: Date(timeIntervalSince1970: 0)).utf8)
        guard bytes.count == shape.count else { return false }
        return zip(bytes, shape).allSatisfy { isDigit($1) ? isDigit($0) : $0 == $1 }
    }

    /// Writes `backups/picketline-<fire time>.sqlite` through the online backup API (a reader
    /// connection, so it holds committed data only) and deletes all but the newest `keep` copies.
    func rotatingBackup(keep: Int, at fireTime: Date) throws -> String {
        let directory = backupDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let name = Self.scheduledBackupName(at: fireTime)
        _ = try backup(to: (directory as NSString).appendingPathComponent(name))
        // Only its own copies (`picketline-YYYYMMDD-HHMMSS.sqlite`) count and are pruned: others
        // in the folder, such as a cron job's dated copies or one taken before an upgrade, are
        // not this schedule's to delete.
        let copies = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter(Self.isScheduledBackupName)
            .sorted()
        for old in copies.dropLast(max(1, keep)) {
            try FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(old))
        }
        return "wrote backups/\(name); \(min(copies.count, max(1, keep))) kept"
    }
}

extension Database {
    /// The schedule with this id or name.
    func schedule(_ reference: String) throws -> Schedule {
        let trimmed = reference.trimmingCharacters(in: .whitespaces)
        if let id = Int64(trimmed), let schedule = try Schedule.fetchOne(self, key: id) { return schedule }
        if let schedule = try Schedule.filter(Column("name") == trimmed.lowercased()).fetchOne(self) { return schedule }
        throw PicketlineError.notFound(entity: "schedule", reference: reference)
    }

    /// Does what a schedule's kind does, for one fire, inside its transaction; returns its outbox
    /// event and a summary. A backup is only noted here and taken after the commit
    /// (`recordScheduleFires`).
    func perform(_ schedule: Schedule, _ fire: PlannedFire, at now: Date) throws -> (Int64?, String) {
        let cutoff = now.addingTimeInterval(-Double(schedule.days) * 86_400)
        switch schedule.kind {
        case .digest:
            return try digest(schedule, fire, at: now)
        case .retention:
            let count = try anonymiseAttendees(endedBefore: cutoff, at: now)
            return (nil, "anonymised \(count) attendee\(count == 1 ? "" : "s") of actions ended before \(RFC3339.string(from: cutoff))")
        case .deliveriesCleanup:
            // The attempt log belongs to the webhook sender; until its tables exist there is
            // nothing to prune, and the fire is still recorded.
            guard try tableExists("webhook_attempts") else { return (nil, "no webhook attempt log yet; nothing to prune") }
            try execute(sql: "DELETE FROM webhook_attempts WHERE attempted_at < ?", arguments: [cutoff])
            return (nil, "deleted \(changesCount) webhook attempt log\(changesCount == 1 ? "" : "s") older than \(schedule.days) days")
        case .backup:
            return (nil, "backup claimed; not taken yet")
        }
    }

    private func digest(_ schedule: Schedule, _ fire: PlannedFire, at now: Date) throws -> (Int64?, String) {
        let until = now.addingTimeInterval(Double(schedule.days) * 86_400)
        var sql = """
            SELECT * FROM actions WHERE visibility = 'public' AND status <> 'cancelled' AND starts_at >= ? AND starts_at < ?
            """
        var arguments: StatementArguments = [now, until]
        var scope = DigestPayload.Scope(type: "all")
        if let campaignID = schedule.campaignID, let campaign = try Campaign.fetchOne(self, key: campaignID) {
            sql += " AND campaign_id = ?"
            arguments += [campaignID]
            scope = .init(type: "campaign", id: campaign.id, slug: campaign.slug, name: campaign.name)
        } else if let organisationID = schedule.organisationID,
                  let organisation = try Organisation.fetchOne(self, key: organisationID) {
            // Actions it endorses: confirmed only, as the webhook and action-list filters read it.
            sql += " AND id IN (SELECT action_id FROM endorsements WHERE organisation_id = ? AND state = 'confirmed')"
            arguments += [organisationID]
            scope = .init(type: "organisation", id: organisation.id, slug: organisation.slug, name: organisation.name)
        }
        sql += " ORDER BY starts_at, id LIMIT \(SQLiteStore.digestLimit)"
        let actions = try ActionRecord.fetchAll(self, sql: sql, arguments: arguments).map(\.action)
        let zone = schedule.zone
        let payload = DigestPayload(
            schedule: .init(id: schedule.id, name: schedule.name, cron: schedule.cron, timeZone: schedule.timeZone),
            scope: scope, scheduledFor: RFC3339.string(from: fire.scheduledFor, in: zone), coversMissed: fire.coversMissed,
            from: RFC3339.string(from: now, in: zone), until: RFC3339.string(from: until, in: zone),
            count: actions.count, actions: actions.map(ActionSummaryPayload.init))
        try appendEvent(EventType.digestDue, subject: "schedule", subjectID: schedule.id, campaignID: schedule.campaignID,
                        at: now, payload: payload)
        return (lastInsertedRowID, "\(actions.count) upcoming action\(actions.count == 1 ? "" : "s")")
    }

    /// See `SchedulerStore.anonymiseAttendees`. Also drops the personal data kept with
    /// those attendances' outbox events, so nothing sent later can carry it.
    func anonymiseAttendees(endedBefore cutoff: Date, at now: Date) throws -> Int {
        let ids = try Int64.fetchAll(self, sql: """
            SELECT attendances.id FROM attendances JOIN actions ON actions.id = attendances.action_id
            WHERE attendances.anonymised_at IS NULL AND COALESCE(actions.ends_at, actions.starts_at) < ?
            """, arguments: [cutoff])
        guard !ids.isEmpty else { return 0 }
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let marks = chunk.map { _ in "?" }.joined(separator: ", ")
            var arguments: StatementArguments = [now, now]
            arguments += StatementArguments(chunk)
            try execute(sql: """
                UPDATE attendances SET name = 'anonymised', email = NULL, phone = NULL, consent_to_contact = FALSE,
                    anonymised_at = ?, updated_at = ? WHERE id IN (\(marks))
                """, arguments: arguments)
            try execute(sql: """
                UPDATE outbox SET personal_data = NULL WHERE subject_type = 'attendance' AND subject_id IN (\(marks))
                """, arguments: StatementArguments(chunk))
        }
        return ids.count
    }
}
