import Foundation
import GRDB
import PicketlineCore
@testable import PicketlineStore
import Synchronization
import Testing

/// Waiting for another process's write lock (a command while `serve` commits RSVPs).
@Suite struct BusyWaitTests {
    @Test func itTriesEvery100MicrosecondsFor20MillisecondsThenEveryMillisecondUntilItsBudgetIsSlept() {
        #expect(BusyWait.slept(before: 0) == 0)
        #expect(BusyWait.slept(before: 1) == 100)
        #expect(BusyWait.slept(before: 200) == 20_000)
        #expect(BusyWait.slept(before: 210) == 30_000)
        let wait = BusyWait.callback(timeout: 0.025)
        #expect(wait(0) && wait(199) && wait(204), "24 ms slept: one more try")
        #expect(!wait(205) && !wait(10_000), "25 ms slept: SQLITE_BUSY")
        #expect(!BusyWait.callback(timeout: 0)(0))
    }

    /// Another connection takes the write lock again within microseconds of each commit, as
    /// `serve`'s group commit does under load. SQLite's own busy timeout (sleeps growing to 100
    /// ms) mostly missed those gaps for seconds; the store's write must land while the other
    /// connection is still at it.
    @Test func aWriteGetsInBetweenAnotherConnectionsBackToBackTransactions() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        var configuration = Configuration()
        configuration.busyMode = .callback(BusyWait.callback(timeout: 10))
        let other = try DatabaseQueue(path: fixture.path, configuration: configuration)
        try await other.write { try $0.execute(sql: "CREATE TABLE other_writes (n INTEGER)") }

        let cycles = 3_000
        let done = Atomic(0), stop = Atomic(false)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { finished.signal() }
            for _ in 0..<cycles where !stop.load(ordering: .acquiring) {
                try? other.writeWithoutTransaction { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    try db.execute(sql: "INSERT INTO other_writes VALUES (1)")
                    usleep(1_000)
                    try db.execute(sql: "COMMIT")
                }
                done.add(1, ordering: .releasing)
            }
        }
        thread.start()
        for _ in 0..<10_000 where done.load(ordering: .acquiring) < 3 { try await Task.sleep(for: .milliseconds(1)) }

        let organisation = try await fixture.store.createOrganisation(OrganisationDraft(name: "Strike committee"))
        let landedAfter = done.load(ordering: .acquiring)
        stop.store(true, ordering: .releasing)
        finished.wait()

        #expect(landedAfter >= 3 && landedAfter < cycles, "landed after \(landedAfter) of the other's \(cycles) transactions")
        #expect(try await fixture.store.organisation(String(organisation.id)).name == "Strike committee")
    }
}
