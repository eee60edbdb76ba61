import Foundation
import PicketlineCore
import PicketlineStore

/// A store on a fresh SQLite file in a temporary directory (so WAL and foreign keys are real),
/// with a clock the test controls.
struct StoreFixture {
    let directory: URL
    let path: String
    let clock: ManualClock
    let store: SQLiteStore

    /// 2026-12-01T09:00:00Z: the "now" of every store test.
    static let now = Date(timeIntervalSince1970: 1_796_115_600)

    /// With `concurrentReads: false`, the one-connection store an admin command opens.
    init(concurrentReads: Bool = true) throws {
        directory = try Self.temporaryDirectory("store")
        path = directory.appendingPathComponent("test.sqlite").path
        clock = ManualClock(Self.now)
        store = try SQLiteStore(path: path, clock: clock, concurrentReads: concurrentReads)
    }

    /// A new, empty directory of its own under the system's temporary one (`picketline-<purpose>-<uuid>`).
    static func temporaryDirectory(_ purpose: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picketline-\(purpose)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A second connection pool on the same file, as another process would have.
    func secondStore() throws -> SQLiteStore { try SQLiteStore(path: path, clock: clock) }

    /// An action a week from now, optionally capped.
    func upcomingAction(title: String = "Emergency picket", capacity: Int? = nil) async throws -> Action {
        try await store.createAction(ActionDraft(
            title: title, location: Location(venue: "Town hall", locality: "Leeds", country: "GB"),
            startsAt: Self.now.addingTimeInterval(7 * 86_400), endsAt: Self.now.addingTimeInterval(7 * 86_400 + 7_200),
            timeZone: "Europe/London", status: .confirmed, capacity: capacity))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// The ways to build a `Store` for the contract tests; a PostgreSQL store will add itself here.
enum StoreFactory: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// As `serve` opens it: a pool of readers beside the writer.
    case sqliteFile
    /// As a command that runs and exits opens it: one connection.
    case sqliteOneConnection

    var testDescription: String { rawValue }

    func make() throws -> (store: any Store, clock: ManualClock, cleanup: () -> Void) {
        let fixture = try StoreFixture(concurrentReads: self == .sqliteFile)
        return (fixture.store, fixture.clock, fixture.remove)
    }
}

import Testing
