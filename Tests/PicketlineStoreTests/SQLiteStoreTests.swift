import Foundation
import GRDB
import Testing
import PicketlineCore
@testable import PicketlineStore

/// What is particular to the SQLite store: the outbox in the same transaction, WAL,
/// migrations, and correctness under concurrent writers.
@Suite struct SQLiteStoreTests {
    @Test func eachChangeAppendsItsEventInTheSameTransaction() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let action = try await fixture.upcomingAction()
        let rsvp = try await fixture.store.rsvp(action: action.slug, RSVP(name: "Ada", email: "ada@example.org", consentToContact: true))
        let events = try await fixture.store.outboxEvents(after: 0, limit: 100)
        #expect(events.map(\.type) == ["action.created", "attendance.created"])
        let created = events[1]
        #expect(created.subjectID == rsvp.attendance.id && created.actionID == action.id)
        // Personal data is kept apart from the payload every subscriber may see.
        #expect(!created.payload.contains("ada@example.org") && !created.payload.contains("Ada"))
        #expect(created.personalData?.contains("ada@example.org") == true)
        #expect(created.eventID.hasPrefix("evt_"))
        // A type filter applies before the limit (`outbox list --type` found only the first page's).
        for name in ["Bo", "Cy", "Di"] {
            _ = try await fixture.store.rsvp(action: action.slug, RSVP(name: name, email: "\(name.lowercased())@example.org"))
        }
        _ = try await fixture.store.updateAction(action.slug, ActionChanges(title: "Emergency picket, moved"))
        let updates = try await fixture.store.outboxEvents(after: 0, limit: 2, type: EventType.actionUpdated)
        #expect(updates.map(\.type) == [EventType.actionUpdated])
    }

    @Test func aFailedChangeLeavesNeitherRowsNorEvents() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let action = try await fixture.upcomingAction()
        // The organisation does not exist: the speaker must not be half-written.
        await #expect(throws: PicketlineError.notFound(entity: "organisation", reference: "ghost")) {
            try await fixture.store.addSpeaker(action: action.slug, SpeakerDraft(name: "Simon", organisation: "ghost"))
        }
        let counts = try await fixture.store.database.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM speakers")!, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox")!)
        }
        #expect(counts.0 == 0 && counts.1 == 1)
    }

    @Test func hiddenAddressesStayOutOfEventPayloads() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        _ = try await fixture.store.createAction(ActionDraft(
            title: "Occupation", location: Location(venue: "Secret depot", addressLines: ["1 Hidden Lane"], locality: "Leeds", isPublic: false),
            startsAt: StoreFixture.now.addingTimeInterval(3600), timeZone: "Europe/London"))
        let payload = try #require(try await fixture.store.outboxEvents(after: 0, limit: 1).first).payload
        #expect(!payload.contains("Hidden Lane") && !payload.contains("Secret depot") && payload.contains("Leeds"))
    }

    @Test func theDatabaseIsInWALModeWithForeignKeysFullSyncAndTempInMemory() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let (mode, foreignKeys, synchronous) = try await fixture.store.database.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode")!, try Int.fetchOne(db, sql: "PRAGMA foreign_keys")!,
             try Int.fetchOne(db, sql: "PRAGMA synchronous")!)
        }
        #expect(mode == "wal" && foreignKeys == 1 && synchronous == 2)
        // The connection that commits is the one that must fsync (GRDB sets it to NORMAL with WAL).
        let writerSynchronous = try await fixture.store.database.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous")! }
        #expect(writerSynchronous == 2)
        // Temporary tables and statement journals stay in memory (2 = MEMORY), on readers and the writer.
        let readerTemp = try await fixture.store.database.read { db in try Int.fetchOne(db, sql: "PRAGMA temp_store")! }
        let writerTemp = try await fixture.store.database.write { db in try Int.fetchOne(db, sql: "PRAGMA temp_store")! }
        #expect(readerTemp == 2 && writerTemp == 2)
        let status = try fixture.store.migrationStatus()
        #expect(status.applied == status.known && !status.known.isEmpty)
    }

    @Test func aCommandsOneConnectionStoreMakesANewFileWALWithFullSyncAndSharesItWithAPool() async throws {
        let fixture = try StoreFixture(concurrentReads: false); defer { fixture.remove() }
        #expect(!(fixture.store.database is DatabasePool))
        let (mode, foreignKeys, synchronous, temp) = try await fixture.store.database.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode")!, try Int.fetchOne(db, sql: "PRAGMA foreign_keys")!,
             try Int.fetchOne(db, sql: "PRAGMA synchronous")!, try Int.fetchOne(db, sql: "PRAGMA temp_store")!)
        }
        #expect(mode == "wal" && foreignKeys == 1 && synchronous == 2 && temp == 2)
        // A service's pool opened beside it sees its commits, and it sees the pool's.
        let action = try await fixture.upcomingAction()
        let service = try fixture.secondStore(); defer { try? service.close() }
        #expect(try await service.action(action.slug) == action)
        let other = try await service.createAction(ActionDraft(
            title: "Vigil", startsAt: StoreFixture.now.addingTimeInterval(86_400), timeZone: "Europe/London"))
        #expect(try await fixture.store.action(other.slug) == other)
        let status = try fixture.store.migrationStatus()
        #expect(status.applied == status.known && !status.known.isEmpty)
    }

    /// After a rollback of the binary, a database a newer Picketline migrated is refused, naming
    /// the migrations this one does not know, rather than written to as if it were its own.
    @Test func aDatabaseMigratedByANewerPicketlineIsRefusedNamingTheUnknownMigrations() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        try await fixture.store.database.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        for concurrentReads in [true, false] {
            do {
                _ = try SQLiteStore(path: fixture.store.path, concurrentReads: concurrentReads)
                Issue.record("opened a database with a migration from the future")
            } catch PicketlineError.unavailable(let detail) {
                #expect(detail.contains("v99-from-the-future") && detail.contains("newer Picketline"), "\(detail)")
            }
        }
    }

    /// A database file in a directory of its own, migrated only up to `migration`; the directory
    /// goes with `remove`.
    private func databaseMigrated(upTo migration: String) throws -> (path: String, old: DatabaseQueue, remove: () -> Void) {
        let directory = try StoreFixture.temporaryDirectory("old")
        let path = directory.appendingPathComponent("old.sqlite").path
        let old = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(old, upTo: migration)
        return (path, old, { try? FileManager.default.removeItem(at: directory) })
    }

    /// This code's store on a database left at `migration` (not migrated further), with a
    /// confirmed action tomorrow: for writing data as it stood before a later migration.
    private func storeOnSchema(upTo migration: String) async throws
        -> (path: String, store: SQLiteStore, action: Action, remove: () -> Void) {
        let (path, old, remove) = try databaseMigrated(upTo: migration)
        try old.close()
        let store = try SQLiteStore(path: path, migrate: false)
        let action = try await store.createAction(ActionDraft(
            title: "Picket", startsAt: Date().addingTimeInterval(86_400), timeZone: "Europe/London", status: .confirmed))
        return (path, store, action, remove)
    }

    @Test func aDatabaseFromBeforeV4IndexesOnlyOpenDeliveriesBySubscription() throws {
        let (path, old, remove) = try databaseMigrated(upTo: "v3-scheduler")
        defer { remove() }
        let indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'webhook_deliveries'"
        #expect(try old.read { db in try String.fetchAll(db, sql: indexes) }.contains("webhook_deliveries_subscription"))
        try old.close()

        let store = try SQLiteStore(path: path)
        let names = try store.database.read { db in try String.fetchAll(db, sql: indexes) }
        #expect(!names.contains("webhook_deliveries_subscription") && names.contains("webhook_deliveries_open_by_subscription"))
        // Cancelling a disabled webhook's open deliveries is the lookup the index is for.
        let plan = try store.database.read { db in
            try Row.fetchAll(db, sql: """
                EXPLAIN QUERY PLAN UPDATE webhook_deliveries SET status = 'cancelled'
                WHERE subscription_id = 1 AND status IN ('pending', 'delivering') AND id <> -1
                """).map { $0["detail"] as String }.joined(separator: " ")
        }
        #expect(plan.contains("webhook_deliveries_open_by_subscription"), "\(plan)")
        try store.close()
    }

    @Test func v5RebuildsAttendancesAndTheOutboxWithoutAutoincrementKeepingEveryRowAndReference() async throws {
        let (path, before, action, remove) = try await storeOnSchema(upTo: "v4-open-deliveries-by-subscription")
        defer { remove() }
        // Data written by this code on the v4 schema: RSVPs, their events, a delivery of one.
        for name in ["ada", "bo", "cy"] { _ = try await before.rsvp(action: action.slug, RSVP(name: name, email: "\(name)@example.org")) }
        _ = try await before.createSubscription(WebhookSubscriptionDraft(url: "https://hooks.example.org/a", eventTypes: ["*"]),
                                                secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        _ = try await before.createCallout(action: action.slug, message: "All out!")
        _ = try await before.expandOutbox(limit: 100)
        let attendancesBefore = try await before.attendances(action: action.slug)
        let eventsBefore = try await before.outboxEvents(after: 0, limit: 100)
        let deliveriesBefore = try await before.deliveries(DeliveryFilter())
        try before.close()

        let store = try SQLiteStore(path: path)
        let tables = try await store.database.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN ('attendances', 'outbox')")
        }
        #expect(tables.count == 2 && tables.allSatisfy { !$0.contains("AUTOINCREMENT") })
        #expect(try await store.attendances(action: action.slug) == attendancesBefore)
        #expect(try await store.outboxEvents(after: 0, limit: 100) == eventsBefore)
        #expect(try await store.deliveries(DeliveryFilter()) == deliveriesBefore && deliveriesBefore.count == 1)
        let indexes = try await store.database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('attendances', 'outbox')")
        }
        #expect(Set(indexes).isSuperset(of: ["attendances_action", "attendances_action_email"]) && indexes.count == 3)
        // The deliveries' foreign key still names the outbox, and ids go on from the last one.
        let reference = try await store.database.read { db in
            try String.fetchOne(db, sql: "SELECT \"table\" FROM pragma_foreign_key_list('webhook_deliveries') WHERE \"from\" = 'outbox_id'")
        }
        #expect(reference == "outbox")
        let next = try await store.rsvp(action: action.slug, RSVP(name: "Di", email: "di@example.org"))
        #expect(next.created && next.attendance.id == attendancesBefore.map(\.id).max()! + 1)
        #expect(try await store.outboxEvents(after: eventsBefore.last!.id, limit: 10).map(\.type) == ["attendance.created"])
        // The same e-mail again is still one RSVP: the unique index came back.
        #expect(try await !store.rsvp(action: action.slug, RSVP(name: "Ada L", email: "ada@example.org")).created)
        try store.close()
    }

    @Test func v6RebuildsTheAttemptLogWithoutAutoincrementKeepingEveryAttemptAndItsCascade() async throws {
        let (path, before, action, remove) = try await storeOnSchema(upTo: "v5-rowids-for-attendances-and-outbox")
        defer { remove() }
        // A call-out to two webhooks on the v5 schema, one delivered, one to be retried.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let kept = try await before.createSubscription(
            WebhookSubscriptionDraft(url: "https://hooks.example.org/a", eventTypes: ["callout.*"]), secret: secret)
        let removed = try await before.createSubscription(
            WebhookSubscriptionDraft(url: "https://hooks.example.org/b", eventTypes: ["callout.*"]), secret: secret)
        _ = try await before.createCallout(action: action.slug, message: "All out!")
        let claimed = try await before.expandAndClaim(events: 10, deliveries: 10, owner: "d", limit: 10, lease: 60).claimed
        #expect(claimed.count == 2)
        let now = Date()
        _ = try await before.recordAttempts(claimed.map { claim in
            claim.subscription.id == kept.id
                ? AttemptReport(deliveryID: claim.delivery.id, attemptedAt: now, statusCode: 204, latencyMilliseconds: 3,
                                responsePrefix: nil, error: nil, next: .delivered)
                : AttemptReport(deliveryID: claim.delivery.id, attemptedAt: now, statusCode: 503, latencyMilliseconds: 4,
                                responsePrefix: "busy", error: nil, next: .retry(at: now.addingTimeInterval(60)))
        }, owner: "d", disableAfter: 86_400)
        let deliveryOf = Dictionary(uniqueKeysWithValues: claimed.map { ($0.subscription.id, $0.delivery.id) })
        let keptAttempts = try await before.attempts(delivery: deliveryOf[kept.id]!)
        let removedAttempts = try await before.attempts(delivery: deliveryOf[removed.id]!)
        #expect(keptAttempts.count == 1 && removedAttempts.count == 1)
        try before.close()

        let store = try SQLiteStore(path: path)
        let (table, indexes, reference, sequences) = try await store.database.read { db in
            (try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'webhook_attempts'")!,
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'webhook_attempts'"),
             try String.fetchOne(db, sql: "SELECT \"table\" FROM pragma_foreign_key_list('webhook_attempts') WHERE \"from\" = 'delivery_id'"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_sequence"))
        }
        #expect(!table.contains("AUTOINCREMENT") && indexes == ["webhook_attempts_delivery"] && reference == "webhook_deliveries")
        #expect(!sequences.contains("webhook_attempts") && sequences.contains("webhook_deliveries"))
        #expect(try await store.attempts(delivery: deliveryOf[kept.id]!) == keptAttempts)
        // The retry's next attempt goes on from the last id, and removing its webhook still takes
        // its deliveries and their attempts with it.
        let retry = try await store.claimDeliveries([deliveryOf[removed.id]!], owner: "d", lease: 60)
        _ = try await store.recordAttempts([AttemptReport(deliveryID: retry[0].delivery.id, attemptedAt: Date(), statusCode: 503,
                                                          latencyMilliseconds: 5, responsePrefix: nil, error: nil,
                                                          next: .retry(at: Date().addingTimeInterval(60)))], owner: "d", disableAfter: 86_400)
        let retried = try await store.attempts(delivery: deliveryOf[removed.id]!)
        #expect(retried.map(\.id) == [removedAttempts[0].id, max(keptAttempts[0].id, removedAttempts[0].id) + 1])
        try await store.removeSubscription(removed.id)
        let left = try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_attempts")! }
        #expect(left == 1)
        try store.close()
    }

    @Test func reopeningTheFileKeepsEverythingAndMigratesNothingTwice() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let action = try await fixture.upcomingAction()
        try fixture.store.close()
        let reopened = try SQLiteStore(path: fixture.path, clock: fixture.clock)
        #expect(try await reopened.action(action.slug) == action)
    }

    @Test func concurrentRSVPsNeverExceedCapacity() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let action = try await fixture.upcomingAction(capacity: 10)
        // Two pools on one file: the same as two processes racing for the last places.
        let stores: [SQLiteStore] = [fixture.store, try fixture.secondStore()]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<60 {
                let store = stores[index % 2]
                group.addTask {
                    _ = try await store.rsvp(action: action.slug, RSVP(name: "Supporter \(index)", email: "s\(index)@example.org"))
                }
            }
            try await group.waitForAll()
        }
        let summary = try await fixture.store.attendanceSummary(action: action.slug)
        #expect(summary.accepted == 10 && summary.waitlisted == 50)
        // Concurrent declines promote exactly as many as they free.
        let placed = try await fixture.store.attendances(action: action.slug).filter { !$0.waitlisted }.prefix(4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (offset, attendance) in placed.enumerated() {
                let store = stores[offset % 2]
                group.addTask { _ = try await store.setAttendanceStatus(attendance.id, .declined) }
            }
            try await group.waitForAll()
        }
        let after = try await fixture.store.attendanceSummary(action: action.slug)
        #expect(after.accepted == 10 && after.waitlisted == 46 && after.declined == 4)
        let promotions = try await fixture.store.outboxEvents(after: 0, limit: 1_000).filter { $0.type == "attendance.promoted" }
        #expect(promotions.count == 4)
    }

    @Test func everyKindOfChangeEmitsItsEvent() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let store = fixture.store
        let action = try await fixture.upcomingAction()
        _ = try await store.createOrganisation(OrganisationDraft(name: "ACR"))
        _ = try await store.endorse(action: action.slug, organisation: "acr", role: .caller, state: .invited)
        _ = try await store.setEndorsement(action: action.slug, organisation: "acr", state: .confirmed, role: nil)
        let speaker = try await store.addSpeaker(action: action.slug, SpeakerDraft(name: "Simon"))
        _ = try await store.setSpeakerState(speaker.id, .confirmed)
        _ = try await store.updateAction(action.slug, ActionChanges(title: "Emergency picket — all out!"))
        let statement = try await store.createStatement(StatementDraft(title: "S", body: "B"))
        _ = try await store.sign(statement: statement.slug, .organisation("acr"))
        _ = try await store.reportIncident(action: action.slug, IncidentReport(kind: .policeAction, description: "Van arrived"))
        _ = try await store.cancelAction(action.slug, reason: nil)
        let types = try await store.outboxEvents(after: 0, limit: 100).map(\.type)
        #expect(types == ["action.created", "organisation.created", "endorsement.invited", "endorsement.confirmed",
                          "speaker.added", "speaker.confirmed", "action.updated", "statement.published", "statement.signed",
                          "incident.reported", "action.cancelled"])
        let positions = try await store.outboxEvents(after: 3, limit: 2).map(\.id)
        #expect(positions == [4, 5])
    }

    /// Who signed a private statement is not public: a person's name and affiliation go only with
    /// the personal data (subscriptions granted it); on a public statement they are public anyway.
    @Test func aPersonSigningAPrivateStatementIsNamedOnlyInThePersonalData() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let store = fixture.store
        let hidden = try await store.createStatement(StatementDraft(title: "Inside", body: "B", visibility: .private))
        let open = try await store.createStatement(StatementDraft(title: "Outside", body: "B"))
        let secret = try await store.sign(statement: hidden.slug, .person(name: "Private Signer", affiliation: "Secret Branch", email: "ps@example.org"))
        _ = try await store.sign(statement: open.slug, .person(name: "Public Signer", affiliation: "Unite", email: nil))
        _ = try await store.withdrawSignature(secret.id)
        let events = try await store.outboxEvents(after: 0, limit: 100).filter { $0.subjectType == "signature" }
        #expect(events.map(\.type) == ["statement.signed", "statement.signed", "statement.signature_withdrawn"])
        for event in [events[0], events[2]] {
            #expect(!event.payload.contains("Private Signer") && !event.payload.contains("Secret Branch"), "\(event.payload)")
            let personal = try #require(event.personalData)
            #expect(personal.contains("Private Signer") && personal.contains("Secret Branch"), "\(personal)")
        }
        #expect(events[0].personalData?.contains("ps@example.org") == true)
        #expect(events[1].payload.contains("Public Signer") && events[1].payload.contains("Unite") && events[1].personalData == nil)
    }

    @Test func aSpeakerAddedConfirmedIsAnnouncedAsAddedAndConfirmed() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let action = try await fixture.upcomingAction()
        _ = try await fixture.store.addSpeaker(action: action.slug, SpeakerDraft(name: "B Two", state: .confirmed))
        let types = try await fixture.store.outboxEvents(after: 0, limit: 100).map(\.type).filter { $0.hasPrefix("speaker.") }
        #expect(types == ["speaker.added", "speaker.confirmed"])
    }

    @Test func aFailingWriteInASharedCommitLeavesTheOthersIntact() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        // 40 concurrent creations of 10 distinct slugs: group commit puts many into one
        // transaction; each duplicate must fail alone, in its own savepoint.
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                group.addTask {
                    (try? await fixture.store.createOrganisation(OrganisationDraft(name: "Group \(index % 10)"))) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 10)
        #expect(try await fixture.store.organisations().count == 10)
        let events = try await fixture.store.outboxEvents(after: 0, limit: 100)
        #expect(events.count == 10 && Set(events.map(\.subjectID)).count == 10)
    }
}

@Suite struct ChangeVersionTests {
    @Test func theVersionMovesOnEveryCommitFromAnyConnectionAndOnlyThen() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let start = try #require(try fixture.store.changeVersion())
        _ = try await fixture.store.actions(ActionFilter(), page: .first)
        #expect(try fixture.store.changeVersion() == start)
        let action = try await fixture.upcomingAction()
        let afterOwnWrite = try #require(try fixture.store.changeVersion())
        #expect(afterOwnWrite != start)
        let other = try fixture.secondStore()
        _ = try await other.rsvp(action: action.slug, RSVP(name: "Ada", email: "ada@example.org"))
        #expect(try fixture.store.changeVersion() != afterOwnWrite)
        // A write that fails (rolled back) leaves it where it was.
        let settled = try fixture.store.changeVersion()
        await #expect(throws: PicketlineError.self) { _ = try await other.rsvp(action: "no-such-action", RSVP(name: "B", email: "b@example.org")) }
        #expect(try fixture.store.changeVersion() == settled)
    }
}

@Suite struct GroupCommitTests {
    /// Which transaction each write ran in, numbered by the commits before it.
    final class Ledger: @unchecked Sendable {
        // `lock` guards everything below; the writes run on the writer queue, the checks on the test's task.
        private let lock = NSLock()
        private var commits = 0
        private var hooked = false
        private var transactions: [Int] = []

        func record(_ db: Database) {
            lock.withLock {
                transactions.append(commits)
                guard !hooked else { return }
                hooked = true
                db.afterNextTransaction(onCommit: { _ in self.lock.withLock { self.commits += 1; self.hooked = false } })
            }
        }

        /// How many writes each committed transaction took, in commit order.
        var sizes: [Int] {
            lock.withLock { Dictionary(grouping: transactions, by: { $0 }).sorted { $0.key < $1.key }.map(\.value.count) }
        }
    }

    struct Refused: Error {}

    /// A table `t` on a fresh file, a group commit over it, and a ledger of its transactions.
    struct Writer {
        let directory: URL
        let pool: DatabasePool
        let commit: GroupCommit
        let ledger = Ledger()

        init(maximumBatch: Int, timings: WriteTimings? = nil) async throws {
            directory = try StoreFixture.temporaryDirectory("burst")
            pool = try DatabasePool(path: directory.appendingPathComponent("burst.sqlite").path)
            try await pool.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER)") }
            commit = GroupCommit(database: pool, maximumBatch: maximumBatch, timings: timings)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        /// Inserts `x`, recorded in the ledger.
        func insert(_ x: Int, throwsBeforeChanges: Bool = false) async throws {
            try await commit.write(throwsBeforeChanges: throwsBeforeChanges) { [ledger] db in
                ledger.record(db)
                try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [x])
            }
        }

        /// Runs `writes` as one burst: a first write holds the writer until all of them wait behind
        /// it, so they go into its transaction as far as `maximumBatch` allows. Returns whether the
        /// holding write succeeded, and each write's outcome.
        func burst(_ writes: [@Sendable () async throws -> Void]) async -> (held: Bool, outcomes: [Bool]) {
            await withTaskGroup(of: (Int, Bool).self) { group in
                group.addTask { [commit, ledger] in
                    do {
                        try await commit.write { (db: Database) -> Void in
                            ledger.record(db)
                            let deadline = Date().addingTimeInterval(10)
                            while commit.pendingCount < writes.count, Date() < deadline { usleep(1_000) }
                        }
                        return (-1, true)
                    } catch {
                        return (-1, false)
                    }
                }
                // The burst goes in once the first write holds the writer.
                let started = Date().addingTimeInterval(10)
                while commit.pendingCount > 0 || ledger.sizes.isEmpty, Date() < started {
                    try? await Task.sleep(for: .milliseconds(1))
                }
                for (index, write) in writes.enumerated() {
                    group.addTask {
                        do { try await write(); return (index, true) } catch { return (index, false) }
                    }
                }
                var held = false
                var outcomes = [Bool](repeating: false, count: writes.count)
                for await (index, succeeded) in group {
                    if index < 0 { held = succeeded } else { outcomes[index] = succeeded }
                }
                return (held, outcomes)
            }
        }

        func rows() async throws -> [Int] {
            try await pool.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t ORDER BY x") }
        }
    }

    @Test func writeTimingsHearOfEveryCommitAndEveryWrite() async throws {
        final class Heard: @unchecked Sendable {
            let lock = NSLock()
            var commits: [(writes: Int, nanoseconds: UInt64)] = []
            var answers: [UInt64] = []
        }
        let heard = Heard()
        let timings = WriteTimings(
            committed: { writes, nanoseconds in heard.lock.withLock { heard.commits.append((writes, nanoseconds)) } },
            answered: { nanoseconds in heard.lock.withLock { heard.answers.append(nanoseconds) } })
        let writer = try await Writer(maximumBatch: 4, timings: timings); defer { writer.remove() }
        // One write of the burst fails: it is undone alone, and still answered after the commit.
        let result = await writer.burst((0..<20).map { x in
            { if x == 7 { try await writer.commit.write { _ in throw Refused() } } else { try await writer.insert(x) } }
        })
        #expect(result.held && result.outcomes.filter { !$0 }.count == 1)
        let (commits, answers) = heard.lock.withLock { (heard.commits, heard.answers) }
        // The same transactions as the ledger saw, and an answer for each of the 21 writes.
        #expect(commits.map(\.writes) == [4, 4, 4, 4, 4, 1])
        #expect(answers.count == 21)
        #expect(commits.allSatisfy { $0.nanoseconds > 0 })
        // A write's wait holds its transaction's commit: no answer is shorter than the fastest commit.
        #expect(answers.min()! >= commits.map(\.nanoseconds).min()!)
        // The burst was queued before the first commit, so its last write waited through all six.
        #expect(answers.max()! >= commits.map(\.nanoseconds).reduce(0, +))
    }

    @Test func checkpointsAreStillRunAsSQLiteRunsThemAndTimedApart() async throws {
        final class Heard: @unchecked Sendable {
            let lock = NSLock()
            var checkpoints: [UInt64] = []
        }
        let heard = Heard()
        let timings = WriteTimings(committed: { _, _ in }, answered: { _ in },
                                   checkpointed: { nanoseconds in heard.lock.withLock { heard.checkpoints.append(nanoseconds) } })
        let writer = try await Writer(maximumBatch: 4, timings: timings); defer { writer.remove() }
        try writer.commit.timeCheckpoints()
        let file = writer.directory.appendingPathComponent("burst.sqlite").path
        let size = { (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0 }
        // Small commits stay in the WAL: the database file keeps its size.
        let before = size()
        for x in 0..<10 { try await writer.insert(x) }
        #expect(heard.lock.withLock { heard.checkpoints.isEmpty })
        #expect(size() == before)
        // A commit that leaves 1,000 pages or more in the WAL copies them into the database file
        // before it returns, as SQLite's automatic checkpoint does, and the time is reported.
        try await writer.commit.write { db in try db.execute(sql: "INSERT INTO t VALUES (zeroblob(5000000))") }
        #expect(heard.lock.withLock { heard.checkpoints.count } == 1)
        #expect(size() > 5_000_000)
    }

    @Test func aBurstOfWritesIsCommittedAtMostMaximumBatchAtATime() async throws {
        for (bound, sizes) in [(4, [4, 4, 4, 4, 4, 1]), (256, [21])] {
            let writer = try await Writer(maximumBatch: bound); defer { writer.remove() }
            let result = await writer.burst((0..<20).map { x in { try await writer.insert(x) } })
            #expect(result.held && result.outcomes.allSatisfy { $0 })
            #expect(try await writer.rows() == Array(0..<20))
            // All 21 writes wait when the first one's transaction looks for more: with a bound of
            // 4, full transactions of 4 and then the rest; unbounded, the whole burst in the first
            // (the case the bound is for).
            #expect(writer.ledger.sizes == sizes)
        }
    }

    @Test func aWriteWithoutASavepointThatFailsBeforeChangingAnythingFailsAlone() async throws {
        let writer = try await Writer(maximumBatch: 16); defer { writer.remove() }
        let result = await writer.burst([
            { try await writer.insert(1, throwsBeforeChanges: true) },
            { try await writer.commit.write(throwsBeforeChanges: true) { _ in throw Refused() } },
            { try await writer.insert(3) },
        ])
        #expect(result.held && result.outcomes == [true, false, true])
        #expect(try await writer.rows() == [1, 3])
        #expect(writer.ledger.sizes == [3])
    }

    @Test func aWriteWithoutASavepointThatFailsHalfDoneFailsItsWholeTransaction() async throws {
        let writer = try await Writer(maximumBatch: 16); defer { writer.remove() }
        let result = await writer.burst([
            { try await writer.insert(1) },
            { try await writer.commit.write(throwsBeforeChanges: true) { db in
                try db.execute(sql: "INSERT INTO t VALUES (2)")
                throw Refused()
            } },
            { try await writer.insert(3, throwsBeforeChanges: true) },
        ])
        // Its row cannot be undone alone, so nothing of the transaction is kept, and everyone in
        // it is told so.
        #expect(!result.held && result.outcomes == [false, false, false])
        #expect(try await writer.rows() == [])
        // The writer goes on.
        try await writer.insert(4, throwsBeforeChanges: true)
        #expect(try await writer.rows() == [4])
    }

    /// A COMMIT that SQLite refuses (here a deferred foreign key left dangling) leaves the
    /// transaction open: it is rolled back, every write in it fails, and the writer goes on.
    @Test func aRefusedCommitFailsTheWholeTransactionAndTheWriterGoesOn() async throws {
        let writer = try await Writer(maximumBatch: 16); defer { writer.remove() }
        try await writer.pool.write { db in
            try db.execute(sql: """
                CREATE TABLE parent (id INTEGER PRIMARY KEY);
                CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)
                """)
        }
        let result = await writer.burst([
            { try await writer.insert(1) },
            { try await writer.commit.write { db in try db.execute(sql: "INSERT INTO child VALUES (42)") } },
            { try await writer.insert(3, throwsBeforeChanges: true) },
        ])
        #expect(!result.held && result.outcomes == [false, false, false])
        #expect(try await writer.rows() == [])
        #expect(try await writer.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM child") } == 0)
        try await writer.insert(4)
        #expect(try await writer.rows() == [4])
    }
}

/// Endorsement events carry the action as every other event does: `data.action.{id, slug, …}`.
@Suite struct EndorsementEventTests {
    @Test func anEndorsementEventCarriesTheActionAtDataActionNotNestedTwice() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let action = try await fixture.upcomingAction()
        let union = try await fixture.store.createOrganisation(OrganisationDraft(name: "Leeds Tenants Union", kind: .union))
        _ = try await fixture.store.endorse(action: action.slug, organisation: union.slug, role: .supporter, state: .confirmed)
        let event = try #require(try await fixture.store.outboxEvents(after: 0, limit: 100).last { $0.type == EventType.endorsementAdded })
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as? [String: Any])
        let carried = try #require(payload["action"] as? [String: Any])
        #expect(carried["slug"] as? String == action.slug && carried["action"] == nil)
        #expect((payload["organisation"] as? [String: Any])?["slug"] as? String == union.slug)
    }
}
