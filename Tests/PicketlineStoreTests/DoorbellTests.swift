import Foundation
import Synchronization
import Testing
import PicketlineCore
@testable import PicketlineStore

/// The doorbell between an admin command and a running service on the same database.
@Suite struct DoorbellTests {
    /// Counts rings; waits boundedly for the next one.
    final class Rings: Sendable {
        private let count = Mutex(0)
        func ring() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
        /// Polls every 5 ms for at most `seconds` until more than `before` rings came.
        func waitBeyond(_ before: Int, seconds: Double = 10) async -> Bool {
            for _ in 0..<Int(seconds * 200) {
                if value > before { return true }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return value > before
        }
    }

    @Test func aCommitFromAStoreThatRingsWakesTheWatcherAndOneThatDoesNotStaysSilent() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let bell = Doorbell.path(forDatabase: fixture.path)
        // Without a watcher, ringing leaves nothing behind.
        let ringer = try SQLiteStore(path: fixture.path, clock: fixture.clock, ringsDoorbell: true)
        _ = try await ringer.createCampaign(CampaignDraft(name: "Before", slug: "before"))
        #expect(!FileManager.default.fileExists(atPath: bell))

        let rings = Rings()
        let watch = try DoorbellWatch(database: fixture.path) { rings.ring() }
        #expect(FileManager.default.fileExists(atPath: bell))
        _ = try await ringer.createCampaign(CampaignDraft(name: "First", slug: "first"))
        #expect(await rings.waitBeyond(0))

        // The fixture's own store does not ring: its commit is not reported.
        let seen = rings.value
        _ = try await fixture.store.createCampaign(CampaignDraft(name: "Quiet", slug: "quiet"))
        try await Task.sleep(for: .milliseconds(200))
        #expect(rings.value == seen)

        // The doorbell removed under the watcher is made again, and rings still arrive.
        try FileManager.default.removeItem(atPath: bell)
        #expect(await rings.waitBeyond(seen))
        #expect(FileManager.default.fileExists(atPath: bell))
        let afterRemoval = rings.value
        Doorbell.ring(database: fixture.path)
        #expect(await rings.waitBeyond(afterRemoval))

        // Once cancelled, nothing more is reported.
        watch.cancel()
        try await Task.sleep(for: .milliseconds(50))
        let final = rings.value
        Doorbell.ring(database: fixture.path)
        try await Task.sleep(for: .milliseconds(200))
        #expect(rings.value == final)
        try ringer.close()
    }
}
