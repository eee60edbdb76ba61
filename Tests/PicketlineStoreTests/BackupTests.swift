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
    }
}
