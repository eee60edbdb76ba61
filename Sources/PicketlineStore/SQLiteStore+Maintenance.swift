import Foundation
import GRDB
import PicketlineCore

/// One line of `picketline doctor`.
public struct HealthCheck: Codable, Sendable, Equatable {
    public var name: String
    public var ok: Bool
    public var detail: String

    public init(name: String, ok: Bool, detail: String) {
        self.name = name; self.ok = ok; self.detail = detail
    }
}

/// What a backup file holds, for deciding whether a restore would lose newer data.
public struct BackupSummary: Codable, Sendable, Equatable {
    /// The newest change recorded in the outbox, if any.
    public var lastChange: Date?
    public var events: Int
    public var actions: Int
    public var migrations: [String]
}

extension SQLiteStore {
    /// Writes a consistent copy of the live database to `destination` with SQLite's online backup
    /// API (writers keep going meanwhile); the file appears only once complete.
    public func backup(to destination: String) throws -> BackupSummary {
        // What the user can mend is said as such, not as the database being unavailable.
        let target = URL(fileURLWithPath: destination).standardizedFileURL.resolvingSymlinksInPath()
        let live = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        if target.path == live {
            throw PicketlineError.invalid(field: "file", reason: "\(destination) is the database itself; give another file")
        }
        // Its journal, shared memory and doorbell belong to it: replacing one loses or corrupts data.
        if Self.companionSuffixes.contains(where: { target.path == live + $0 }) {
            throw PicketlineError.invalid(field: "file", reason: "\(destination) belongs to the database itself; give another file")
        }
        // The same files under another name (a hard link): the same inode on the same device.
        if let file = Self.fileIdentity(target.path) {
            if file == Self.fileIdentity(live) {
                throw PicketlineError.invalid(field: "file", reason: "\(destination) is the database itself (a link to it); give another file")
            }
            if Self.companionSuffixes.contains(where: { Self.fileIdentity(live + $0) == file }) {
                throw PicketlineError.invalid(field: "file", reason: "\(destination) belongs to the database itself (a link to it); give another file")
            }
        }
        // An existing file is replaced only if it is an earlier copy (a SQLite database) or empty:
        // never a folder, and never some other file that happens to have the name.
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: target.path, isDirectory: &isFolder) {
            if isFolder.boolValue {
                throw PicketlineError.invalid(field: "file", reason: """
                    \(destination) is a folder; give a file in it, such as \(target.appendingPathComponent("picketline-backup.sqlite").path)
                    """)
            }
            guard Self.isEmptyOrSQLite(target.path) else {
                throw PicketlineError.invalid(field: "file", reason: "\(destination) exists and is not a database backup; it is left alone")
            }
            // A copy is written in rollback-journal mode and closed: a database in WAL mode, or one
            // with a journal beside it, is somebody's live database (another Picketline's, say),
            // never an earlier copy. Replacing it lost its data, and under a running service the
            // old WAL was read over the copy (found by QA).
            if Self.isInWALMode(target.path) || Self.companionSuffixes.contains(where: {
                $0 != "-wake" && FileManager.default.fileExists(atPath: target.path + $0) }) {
                throw PicketlineError.invalid(field: "file", reason: """
                    \(destination) is a database in use (WAL mode or a journal beside it), not an earlier backup; it is left \
                    alone: give another file
                    """)
            }
        }
        let folder = target.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw PicketlineError.invalid(field: "file", reason: "the folder \(folder) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw PicketlineError.invalid(field: "file", reason: "the folder \(folder) cannot be written to")
        }
        let temporary = destination + ".partial-\(UUID().uuidString.prefix(8))"
        do {
            let target = try DatabaseQueue(path: temporary)
            try database.backup(to: target)
            try target.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try target.close()
            // rename(2) replaces an earlier copy in one step: there is never no file at the name.
            guard rename(temporary, destination) == 0 else {
                throw PicketlineError.unavailable(detail: "cannot move the copy to \(destination): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw PicketlineError.unavailable(detail: "backup to \(destination) failed: \(error)")
        }
        return try Self.summary(ofFile: destination)
    }

    /// The files beside a database that belong to it: its journal, shared memory and doorbell.
    static let companionSuffixes = ["-wal", "-shm", "-journal", "-wake"]

    /// The device and inode of the file at `path`, nil when there is none.
    static func fileIdentity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// Whether a SQLite file's header says WAL mode (its read and write versions are 2).
    static func isInWALMode(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 20)) ?? Data())
        return head.count == 20 && (head[18] == 2 || head[19] == 2)
    }

    /// Whether a file is empty or starts with SQLite's header.
    public static func isEmptyOrSQLite(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        return head.isEmpty || head == Data("SQLite format 3\0".utf8)
    }

    /// Replaces the live database's content with a backup. Refuses when the live database holds
    /// any data, unless `force`; refuses a backup that fails its integrity check.
    public func restore(from source: String, force: Bool) throws -> BackupSummary {
        guard FileManager.default.fileExists(atPath: source) else {
            throw PicketlineError.invalid(field: "file", reason: "\(source) does not exist")
        }
        let backup = try Self.summary(ofFile: source)
        let sourceQueue: DatabaseQueue
        do {
            var configuration = GRDB.Configuration()
            configuration.readonly = true
            sourceQueue = try DatabaseQueue(path: source, configuration: configuration)
            let integrity = try sourceQueue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            guard integrity == ["ok"] else {
                throw PicketlineError.invalid(field: "file", reason: "\(source) fails the integrity check: \(integrity.prefix(3).joined(separator: "; "))")
            }
        } catch let error as PicketlineError { throw error } catch {
            throw PicketlineError.invalid(field: "file", reason: "\(source) is not a Picketline database")
        }
        // A restore replaces everything. Not every change leaves a time to compare (a token
        // revoked, a webhook added, a schedule paused), so a database that holds anything is
        // overwritten only when asked for in so many words.
        let current = try summary()
        if !force, try holdsData() {
            func changes(_ summary: BackupSummary) -> String {
                "\(summary.actions) actions, \(summary.events) events, the last at \(summary.lastChange.map { RFC3339.string(from: $0) } ?? "none")"
            }
            throw PicketlineError.conflict(field: "file", reason: """
                the database holds data (\(changes(current))); restoring replaces all of it with the backup's \
                (\(changes(backup))), and whatever changed since the backup is lost, tokens revoked since included; \
                add --force to restore
                """)
        }
        do { try sourceQueue.backup(to: database) } catch {
            throw PicketlineError.unavailable(detail: "restore from \(source) failed: \(error)")
        }
        try migrate()
        return try summary()
    }

    /// Tables that hold only bookkeeping a fresh database has too; rows anywhere else are data.
    static let bookkeepingTables: Set<String> = ["grdb_migrations", "dispatch_cursors", "instance_keys"]

    /// Whether the live database holds anything a restore would replace: a row in any table but
    /// the bookkeeping ones (so that a table added later counts without being listed).
    func holdsData() throws -> Bool {
        try database.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            for table in tables where !Self.bookkeepingTables.contains(table) {
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table.quotedDatabaseIdentifier))") == true { return true }
            }
            return false
        }
    }

    /// The summary of the live database.
    public func summary() throws -> BackupSummary {
        try database.read { db in try Self.summary(db) }
    }

    static func summary(ofFile path: String) throws -> BackupSummary {
        do {
            var configuration = GRDB.Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in try summary(db) }
        } catch {
            throw PicketlineError.invalid(field: "file", reason: "\(path) is not a Picketline database")
        }
    }

    static func summary(_ db: Database) throws -> BackupSummary {
        guard try db.tableExists("outbox") else {
            throw PicketlineError.invalid(field: "file", reason: "not a Picketline database")
        }
        let last = try Date.fetchOne(db, sql: "SELECT MAX(occurred_at) FROM outbox")
        return BackupSummary(
            lastChange: last,
            events: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0,
            actions: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM actions") ?? 0,
            migrations: try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier"))
    }

    /// What is waiting: outbox events not yet expanded into deliveries, and deliveries not yet
    /// settled. For the `/metrics` gauges.
    public func backlog() throws -> (events: Int, deliveries: Int) {
        try database.read { db in
            let position = try db.dispatchCursor()
            let events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE id > ?", arguments: [position]) ?? 0
            let deliveries = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM webhook_deliveries WHERE status IN ('pending', 'delivering')
                """) ?? 0
            return (events, deliveries)
        }
    }

    /// Integrity, foreign keys, migrations and sizes: what `picketline doctor` prints.
    public func healthChecks() throws -> [HealthCheck] {
        let status = try migrationStatus()
        return try database.read { db in
            var checks: [HealthCheck] = []
            let recorded = try db.tableExists("grdb_migrations")
                ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
            let unknown = recorded.filter { !status.known.contains($0) }
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            checks.append(HealthCheck(name: "integrity", ok: integrity == ["ok"],
                                      detail: integrity == ["ok"] ? "PRAGMA integrity_check: ok" : integrity.prefix(5).joined(separator: "; ")))
            let violations = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            checks.append(HealthCheck(name: "foreign keys", ok: violations.isEmpty,
                                      detail: violations.isEmpty ? "no violations" : "\(violations.count) rows point at missing parents"))
            let pending = Set(status.known).subtracting(status.applied)
            let migrations: String
            if !unknown.isEmpty {
                migrations = "migrated by a newer Picketline (\(unknown.sorted().joined(separator: ", ")) unknown to this one)"
            } else if !pending.isEmpty {
                migrations = "pending: \(pending.sorted().joined(separator: ", ")); serve or any other command applies them"
            } else {
                migrations = "\(status.applied.count) applied, latest \(status.applied.last ?? "none")"
            }
            // Pending migrations are the state before an upgrade (the new binary installed, serve
            // not yet restarted): reported, not a failure. A newer Picketline's are a failure.
            checks.append(HealthCheck(name: "migrations", ok: unknown.isEmpty, detail: migrations))
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"
            checks.append(HealthCheck(name: "journal", ok: mode == "wal", detail: "journal_mode=\(mode)"))
            if try db.tableExists("outbox") {
                let events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0
                checks.append(HealthCheck(name: "outbox", ok: true, detail: "\(events) events recorded"))
            }
            if try db.tableExists("webhook_deliveries") {
                let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_deliveries WHERE status IN ('pending', 'delivering')") ?? 0
                let overdue = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < ?
                    """, arguments: [Date().addingTimeInterval(-3_600)]) ?? 0
                let failed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'failed'") ?? 0
                checks.append(HealthCheck(name: "delivery backlog", ok: overdue == 0, detail: overdue == 0
                    ? "\(pending) pending, \(failed) failed for good"
                    : "\(overdue) of \(pending) pending deliveries are over an hour overdue: is a dispatcher (serve or deliver) running?"))
                let active = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_subscriptions WHERE state = 'active'") ?? 0
                let disabled = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_subscriptions WHERE state <> 'active'") ?? 0
                let failing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_subscriptions WHERE state = 'active' AND failing_since IS NOT NULL") ?? 0
                checks.append(HealthCheck(name: "webhooks", ok: true,
                                          detail: "\(active) active (\(failing) currently failing), \(disabled) disabled"))
            }
            if try db.tableExists("schedules") {
                let hourAgo = Date().addingTimeInterval(-3_600)
                let next = try Date.fetchOne(db, sql: "SELECT MIN(next_fire_at) FROM schedules WHERE state = 'active'")
                let late = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM schedules WHERE state = 'active' AND next_fire_at < ?",
                                            arguments: [hourAgo]) ?? 0
                // Reminders are the scheduler's work too (QA: with every schedule paused, doctor said
                // "next schedule fire none" while reminders were due in minutes).
                let reminder = try Date.fetchOne(db, sql: "SELECT MIN(due_at) FROM reminders WHERE state = 'pending'")
                let lateReminders = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reminders WHERE state = 'pending' AND due_at < ?",
                                                     arguments: [hourAgo]) ?? 0
                let overdue = [(late, "schedule"), (lateReminders, "reminder")].filter { $0.0 > 0 }
                    .map { count, noun in "\(count) \(noun)\(count == 1 ? "" : "s")" }
                checks.append(HealthCheck(name: "scheduler", ok: overdue.isEmpty, detail: overdue.isEmpty
                    ? "next schedule fire \(next.map { RFC3339.string(from: $0) } ?? "none"), next reminder \(reminder.map { RFC3339.string(from: $0) } ?? "none")"
                    : "\(overdue.joined(separator: " and ")) over an hour overdue: is the scheduler (serve or schedule run) running?"))
            }
            return checks
        }
    }
}
