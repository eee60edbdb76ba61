import Foundation
import GRDB
import PicketlineCore

/// How hard a commit tries to reach the disk before it returns.
public enum Durability: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: a commit survives power loss. The default for data people give us.
    case full
    /// `synchronous=NORMAL`: survives a crash of the process, may lose the last commits on power loss.
    case normal
}

/// The `Store` on a SQLite file in WAL mode, through GRDB and the system libsqlite3.
/// It is the only door to the database file; each method is one immediate transaction.
public final class SQLiteStore: Store {
    /// A `DatabasePool` (readers beside the writer) for services; one connection for commands.
    let database: any DatabaseWriter
    let clock: any WallClock
    let groupCommit: GroupCommit
    let changes: ChangeWatch
    /// The reminder offsets of actions whose own policy and campaign say nothing.
    let reminderDefaults: [ReminderOffset]
    /// The database file.
    public let path: String
    /// Whether each commit rings the database's `Doorbell` (admin commands do; the services
    /// that watch it do not, or they would wake themselves).
    let ringsDoorbell: Bool

    /// Opens (creating if needed) the database at `path` and applies pending migrations. With
    /// `ringsDoorbell`, every commit tells a running service to look now (see `Doorbell`).
    ///
    /// With `concurrentReads` (services), reads run on their own connections beside the writer.
    /// Without (a command that runs and exits), one connection does everything: no pool set-up
    /// (GRDB's WAL check stats the WAL through Foundation) and no second connection, with its
    /// schema parse, for the command's first read.
    ///
    /// `writeTimings` hears of every commit of the shared writer (`serve`'s `/metrics`).
    public init(path: String, durability: Durability = .full, clock: any WallClock = SystemClock(),
                reminderDefaults: [ReminderOffset] = ReminderOffset.standard, migrate: Bool = true,
                ringsDoorbell: Bool = false, concurrentReads: Bool = true, checkpointsOnCommit: Bool = true,
                writeTimings: WriteTimings? = nil) throws {
        var configuration = Configuration()
        configuration.busyMode = .callback(BusyWait.callback(timeout: 10))
        configuration.foreignKeysEnabled = true
        let synchronous = "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")"
        configuration.prepareDatabase { db in
            // A pool turns WAL on itself (after this); one connection asks here, before its
            // synchronous setting. It is a no-op on a file already in WAL mode, which stays so.
            if !concurrentReads { try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try db.execute(sql: synchronous)
            // Statement journals and sorts in memory, not files in /var/tmp: `deliver --once` made a
            // dozen per fan-out, and a read-only root file system (a hardened container) has none.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // A command that commits and exits leaves checkpoints to `serve` (whose commits run
            // them) or to its own close when it is the last connection, as SQLite does: run inside
            // its commit, a checkpoint came before the doorbell, and a call-out sent from the
            // command line reached serve 5–20 ms later whenever the WAL had just passed 1,000 pages.
            if !checkpointsOnCommit { try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        do {
            if concurrentReads {
                let pool = try DatabasePool(path: path, configuration: configuration)
                // DatabasePool turns WAL on after `prepareDatabase` ran, and with it sets the writer to
                // synchronous=NORMAL: set the durability asked for again, on the connection that commits.
                try pool.writeWithoutTransaction { db in try db.execute(sql: synchronous) }
                database = pool
            } else {
                database = try DatabaseQueue(path: path, configuration: configuration)
            }
        } catch {
            throw PicketlineError.unavailable(detail: "cannot open \(path): \(error)")
        }
        self.path = path
        self.ringsDoorbell = ringsDoorbell
        self.clock = clock
        groupCommit = GroupCommit(database: database, timings: writeTimings)
        if checkpointsOnCommit { try groupCommit.timeCheckpoints() }
        changes = ChangeWatch(path: path)
        self.reminderDefaults = reminderDefaults
        if migrate { try self.migrate() }
    }

    /// Applies every migration not yet applied.
    public func migrate() throws {
        let migrator = Migrations.migrator
        // A database a newer Picketline has migrated (after the binary was rolled back, say) has
        // tables and meanings this one does not know: it is not used, rather than written wrongly.
        let unknown: [String]
        do {
            unknown = try database.read { db in
                try db.tableExists("grdb_migrations")
                    ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations").filter { !migrator.migrations.contains($0) }
                    : []
            }
        } catch {
            throw PicketlineError.unavailable(detail: "cannot read the migrations of \(path): \(error)")
        }
        guard unknown.isEmpty else {
            throw PicketlineError.unavailable(detail: """
                \(path) was migrated by a newer Picketline (\(unknown.sorted().joined(separator: ", ")) unknown to this one); \
                run that version, or restore a backup taken before it
                """)
        }
        do { try migrator.migrate(database) } catch {
            throw PicketlineError.unavailable(detail: "migration failed: \(error)")
        }
    }

    /// The migrations applied and those known, for readiness checks.
    public func migrationStatus() throws -> (applied: [String], known: [String]) {
        let migrator = Migrations.migrator
        let applied = try database.read { db in try migrator.appliedIdentifiers(db) }
        // In registration order, so that "all applied" is simply applied == known.
        return (migrator.migrations.filter(applied.contains), migrator.migrations)
    }

    /// Closes the database; later calls fail.
    public func close() throws {
        try changes.close()
        try database.close()
    }

    /// Moves whenever a transaction commits, in this process or another (SQLite's `data_version`).
    public func changeVersion() throws -> Int64? { try changes.version() }

    // MARK: Transactions

    /// Runs `body` atomically in an IMMEDIATE transaction (so concurrent writers in other processes
    /// queue instead of failing an upgrade), translating database errors. Concurrent calls share
    /// one transaction and one fsync (see `GroupCommit`), each isolated in its own savepoint unless
    /// `throwsBeforeChanges` (see `GroupCommit.write`).
    func write<T: Sendable>(throwsBeforeChanges: Bool = false,
                            _ body: @escaping @Sendable (Database, Date) throws -> T) async throws -> T {
        let now = clock.now()
        let result = try await translatingErrors {
            try await groupCommit.write(throwsBeforeChanges: throwsBeforeChanges) { db in try body(db, now) }
        }
        if ringsDoorbell { Doorbell.ring(database: path) }
        return result
    }

    /// Runs `body` on a read snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await translatingErrors { try await database.read(body) }
    }

    private func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PicketlineError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw PicketlineError.conflict(field: nil, reason: "that would duplicate an existing record")
        } catch {
            throw PicketlineError.unavailable(detail: "\(error)")
        }
    }
}

// MARK: Lookups shared by the entity files

extension Database {
    /// Resolves an id or a slug in a table with a `slug` column.
    func id(in table: String, entity: String, reference: String) throws -> Int64 {
        let trimmed = reference.trimmedWhitespace
        if let id = Int64(trimmed) {
            if try Int64.fetchOne(cachedStatement(sql: "SELECT id FROM \(table) WHERE id = ?"), arguments: [id]) != nil { return id }
        }
        if let id = try Int64.fetchOne(cachedStatement(sql: "SELECT id FROM \(table) WHERE slug = ?"),
                                       arguments: [trimmed.lowercased()]) {
            return id
        }
        throw PicketlineError.notFound(entity: entity, reference: reference)
    }

    /// Picks a free slug: the wanted one, else with `-2`, `-3`, … appended. A slug the caller
    /// asked for (`explicit`) is never changed: taken, it is a conflict naming the field.
    func freeSlug(_ wanted: String, in table: String, explicit: Bool = false) throws -> String {
        func taken(_ slug: String) throws -> Bool {
            try Bool.fetchOne(self, sql: "SELECT 1 FROM \(table) WHERE slug = ?", arguments: [slug]) ?? false
        }
        var candidate = wanted
        var suffix = 2
        while try taken(candidate) {
            if explicit { throw PicketlineError.conflict(field: "slug", reason: "the slug \(wanted) is already taken; choose another") }
            candidate = "\(wanted)-\(suffix)"
            suffix += 1
        }
        return candidate
    }

    /// Appends a domain event to the outbox in the current transaction.
    func appendEvent(_ type: String, subject: String, subjectID: Int64, actionID: Int64? = nil, campaignID: Int64? = nil,
                     at now: Date, payload: some Encodable, personalData: (some Encodable)? = Optional<String>.none) throws {
        try appendEvent(type, subject: subject, subjectID: subjectID, actionID: actionID, campaignID: campaignID, at: now,
                        payloadJSON: try PicketlineJSON.string(payload),
                        personalDataJSON: try personalData.map { try PicketlineJSON.string($0) })
    }

    /// Appends a domain event whose payload is already JSON text.
    func appendEvent(_ type: String, subject: String, subjectID: Int64, actionID: Int64?, campaignID: Int64?,
                     at now: Date, payloadJSON: String, personalDataJSON: String?) throws {
        let event = OutboxEvent(
            id: 0,
            eventID: OutboxEvent.newEventID(at: now),
            type: type, occurredAt: now, subjectType: subject, subjectID: subjectID, actionID: actionID,
            campaignID: campaignID, payload: payloadJSON, personalData: personalDataJSON)
        _ = try insertOutboxEvent(event)
    }
}
