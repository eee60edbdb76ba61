import Foundation
import GRDB
import Testing
import PicketlineCore
@testable import PicketlineStore

@Suite struct BackupTests {
    @Test func aBackupTakenDuringWritesRestoresEveryRowCommittedBeforeIt() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let action = try await fixture.upcomingAction()
        let writer = try fixture.secondStore()
        // Writes keep going in another pool while the backup runs.
        let writing = Task {
            var written = 0
            for index in 0..<400 {
                _ = try await writer.rsvp(action: action.slug, RSVP(name: "S\(index)", email: "s\(index)@example.org"))
                written += 1
            }
            return written
        }
        while try await fixture.store.attendances(action: action.slug).count < 50 { try await Task.sleep(for: .milliseconds(5)) }
        let committedBefore = try await fixture.store.attendances(action: action.slug).count
        let backupPath = fixture.directory.appendingPathComponent("backup.sqlite").path
        let summary = try fixture.store.backup(to: backupPath)
        #expect(try await writing.value == 400)

        let copy = try SQLiteStore(path: backupPath, clock: fixture.clock)
        #expect(try copy.healthChecks().allSatisfy(\.ok))
        let restoredRows = try await copy.attendances(action: action.slug)
        #expect(restoredRows.count >= committedBefore)
        // Consistent: each RSVP in the copy has its outbox event, and nothing else.
        let events = try await copy.outboxEvents(after: 0, limit: 10_000).filter { $0.type == "attendance.created" }
        #expect(events.count == restoredRows.count && summary.events == events.count + 1)
        // A gap-free prefix of the writer's sequence.
        #expect(restoredRows.map(\.name) == (0..<restoredRows.count).map { "S\($0)" })
    }

    @Test func restoreRefusesToOverwriteNewerDataWithoutForce() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let action = try await fixture.upcomingAction()
        let backupPath = fixture.directory.appendingPathComponent("backup.sqlite").path
        _ = try fixture.store.backup(to: backupPath)
        fixture.clock.advance(by: 60)
        _ = try await fixture.store.rsvp(action: action.slug, RSVP(name: "Later", email: "later@example.org"))
        #expect(throws: PicketlineError.self) { try fixture.store.restore(from: backupPath, force: false) }
        #expect(try await fixture.store.attendances(action: action.slug).count == 1)
        _ = try fixture.store.restore(from: backupPath, force: true)
        #expect(try await fixture.store.attendances(action: action.slug).isEmpty)
        #expect(try await fixture.store.action(action.slug) == action)
    }

    /// Bookkeeping a fresh database has too does not count as data; a row in any other table,
    /// one no list names included, does.
    @Test func anyTableButTheBookkeepingOnesHoldsData() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        try await fixture.store.database.write { db in
            try db.execute(sql: "INSERT INTO instance_keys (name, value) VALUES ('rsvp', x'00')")
            try db.execute(sql: "INSERT OR REPLACE INTO dispatch_cursors (name, position) VALUES ('webhooks', 0)")
        }
        #expect(try !fixture.store.holdsData())
        try await fixture.store.database.write { db in
            try db.execute(sql: "INSERT INTO scheduler_ledger (job, scheduled_for, fired_at) VALUES ('x', 'a', 'b')")
        }
        #expect(try fixture.store.holdsData())
    }

    @Test func restoreRefusesFilesThatAreNotPicketlineDatabases() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let junk = fixture.directory.appendingPathComponent("junk.sqlite").path
        try Data("not a database at all".utf8).write(to: URL(fileURLWithPath: junk))
        #expect(throws: PicketlineError.self) { try fixture.store.restore(from: junk, force: true) }
        #expect(throws: PicketlineError.self) { try fixture.store.restore(from: junk + ".missing", force: true) }
    }

    @Test func aBackupToAMissingFolderOrOntoTheDatabaseItselfIsRefusedNamingTheFile() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let missing = fixture.directory.appendingPathComponent("no-such-folder/backup.sqlite").path
        #expect(throws: PicketlineError.invalid(field: "file", reason: "the folder \(fixture.directory.appendingPathComponent("no-such-folder").path) does not exist")) {
            try fixture.store.backup(to: missing)
        }
        let itself = fixture.directory.appendingPathComponent("./test.sqlite").path
        #expect(throws: PicketlineError.invalid(field: "file", reason: "\(itself) is the database itself; give another file")) {
            try fixture.store.backup(to: itself)
        }
        // A hard link is the database under another name.
        let link = fixture.directory.appendingPathComponent("link.sqlite").path
        #expect(Foundation.link(fixture.store.path, link) == 0)
        #expect(throws: PicketlineError.invalid(field: "file", reason: "\(link) is the database itself (a link to it); give another file")) {
            try fixture.store.backup(to: link)
        }
    }

    /// What is at the destination is replaced only if it is an earlier copy: never a folder, the
    /// database's own journal or doorbell, or a file of something else (the folder and the WAL
    /// were deleted, and the live database lost with them).
    @Test func aBackupReplacesAnEarlierCopyButNeverAFolderTheJournalOrAnotherFile() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        _ = try await fixture.upcomingAction()
        let folder = fixture.directory.appendingPathComponent("important")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        #expect(throws: PicketlineError.self) { try fixture.store.backup(to: folder.path) }
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("notes.txt").path))
        for companion in ["-wal", "-shm", "-wake"] {
            #expect(throws: PicketlineError.self) { try fixture.store.backup(to: fixture.store.path + companion) }
        }
        let notes = fixture.directory.appendingPathComponent("notes.txt").path
        try Data("minutes of the meeting".utf8).write(to: URL(fileURLWithPath: notes))
        #expect(throws: PicketlineError.self) { try fixture.store.backup(to: notes) }
        #expect(try String(contentsOfFile: notes, encoding: .utf8) == "minutes of the meeting")
        #expect(try await fixture.store.actions(ActionFilter(), page: PageRequest()).items.count == 1)
        // An earlier copy is replaced.
        let copy = fixture.directory.appendingPathComponent("backup.sqlite").path
        _ = try fixture.store.backup(to: copy)
        _ = try await fixture.store.createAction(ActionDraft(title: "Second picket", startsAt: fixture.clock.now().addingTimeInterval(86_400),
                                                             timeZone: "UTC"))
        #expect(try fixture.store.backup(to: copy).actions == 2)
        // Another database in use is not an earlier copy: refused, and left as it was (QA).
        let other = fixture.directory.appendingPathComponent("other.sqlite").path
        let otherStore = try SQLiteStore(path: other, clock: fixture.clock)
        _ = try await otherStore.createOrganisation(OrganisationDraft(name: "Only in the other", kind: .union))
        let error = #expect(throws: PicketlineError.self) { try fixture.store.backup(to: other) }
        #expect(error?.description.contains("is a database in use") == true, "\(String(describing: error))")
        #expect(try await otherStore.organisations().map(\.name) == ["Only in the other"])
        // Closed, it is still in WAL mode: still refused.
        try otherStore.close()
        #expect(throws: PicketlineError.self) { try fixture.store.backup(to: other) }
        #expect(try SQLiteStore.summary(ofFile: other).actions == 0)
    }

    /// A token revoked after the backup leaves no time to compare; a restore over a database
    /// that holds anything therefore needs force, and into an empty one it does not.
    @Test func restoreOverADatabaseThatHoldsDataNeedsForceEvenWithoutNewerEvents() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        _ = try await fixture.store.createToken(name: "laptop", role: .admin, organisation: nil, tokenHash: String(repeating: "a", count: 64))
        let backupPath = fixture.directory.appendingPathComponent("backup.sqlite").path
        _ = try fixture.store.backup(to: backupPath)
        _ = try await fixture.store.revokeToken("laptop")
        #expect(throws: PicketlineError.self) { try fixture.store.restore(from: backupPath, force: false) }
        #expect(try await fixture.store.tokens().allSatisfy { $0.revokedAt != nil })
        let empty = try SQLiteStore(path: fixture.directory.appendingPathComponent("new.sqlite").path, clock: fixture.clock)
        _ = try empty.restore(from: backupPath, force: false)
        #expect(try await empty.tokens().map(\.name) == ["laptop"])
    }
}
