import Foundation
import PicketlineCore
import PicketlineScheduler
@testable import PicketlineStore

/// A real SQLite file in a temporary directory, a `ManualClock`, and an engine on both.
struct SchedulerFixture {
    let directory: URL
    let path: String
    let clock: ManualClock
    let store: SQLiteStore
    let engine: SchedulerEngine

    /// 2026-12-01T09:00:00Z, a Tuesday.
    static let now = TestClock.instant("2026-12-01T09:00:00Z")

    init(now: Date = Self.now, reminderDefaults: [ReminderOffset] = ReminderOffset.standard) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("picketline-scheduler-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("test.sqlite").path
        clock = ManualClock(now)
        store = try SQLiteStore(path: path, clock: clock, reminderDefaults: reminderDefaults)
        engine = SchedulerEngine(store: store, clock: clock)
    }

    /// Another connection pool on the same file with its own engine, as a second process would have.
    func secondEngine() throws -> SchedulerEngine {
        SchedulerEngine(store: try SQLiteStore(path: path, clock: clock), clock: clock)
    }

    /// A confirmed public action starting `hours` from the clock's now, lasting two hours.
    func action(startingIn hours: Double, title: String = "Emergency picket", campaign: String? = nil,
                zone: String = "Europe/London") async throws -> Action {
        let start = clock.now().addingTimeInterval(hours * 3_600)
        return try await store.createAction(ActionDraft(
            title: title, target: "Embassy of Kazakhstan",
            location: Location(venue: "Embassy of Kazakhstan", addressLines: ["125 Pall Mall"], locality: "London", country: "GB"),
            startsAt: start, endsAt: start.addingTimeInterval(7_200), timeZone: zone, status: .confirmed, campaign: campaign))
    }

    /// Outbox events of one type, oldest first.
    func events(_ type: String) async throws -> [OutboxEvent] {
        try await store.outboxEvents(after: 0, limit: 100_000).filter { $0.type == type }
    }

    /// An event's payload as a JSON object.
    static func payload(_ event: OutboxEvent) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as! [String: Any]
    }

    /// Moves the clock to each due time in turn and fires, until `end`; returns every report.
    @discardableResult
    func runUntil(_ end: Date, engine: SchedulerEngine? = nil) async throws -> [FireReport] {
        let engine = engine ?? self.engine
        var reports: [FireReport] = []
        while let next = try await engine.nextDueTime(), next <= end {
            clock.set(max(next, clock.now()))
            reports.append(try await engine.fireDue())
        }
        clock.set(end)
        return reports
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
