import Foundation
import Testing
import PicketlineCore
import PicketlineScheduler
import PicketlineStore
import Synchronization

/// The real trigger: one wall-clock Dispatch timer armed for the earliest due job.
@Suite struct SchedulerLoopTests {
    @Test(.timeLimit(.minutes(1)))
    func theDispatchTimerFiresAReminderOnItsDueTimeNotAtTheNextMaximumWait() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picketline-loop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("loop.sqlite").path)
        // Its "1h before" reminder falls due two seconds from now; the loop may wait up to a
        // minute, so firing well before that shows the timer was armed for the due time itself.
        // (How late it fires is a benchmark figure; under the parallel test run a pass can take
        // half a second of CPU, so the bound here is generous.)
        let start = Date().addingTimeInterval(3_600 + 2)
        let action = try await store.createAction(ActionDraft(title: "Snap picket", startsAt: start, timeZone: "Europe/London",
                                                              status: .confirmed))
        let due = try #require(try await store.reminders(action: action.slug).last?.reminder.dueAt)

        let loop = SchedulerLoop(engine: SchedulerEngine(store: store, settings: .init(maxWait: 60)))
        let task = Task { await loop.run(onReport: { _ in }, onError: { _ in }) }
        var event: OutboxEvent?
        let deadline = Date().addingTimeInterval(30)
        while event == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            event = try await store.outboxEvents(after: 0, limit: 100).first { $0.type == EventType.reminderDue }
        }
        task.cancel()
        await task.value  // the loop stops promptly when cancelled, mid-wait

        let fired = try #require(event)
        let lateness = fired.occurredAt.timeIntervalSince(due)
        #expect(lateness >= -0.001 && lateness < 10, "fired \(lateness) s after its due time")
        try store.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func wakingTheLoopMakesItReadTheDatabaseAgainAtOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picketline-loop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("loop.sqlite").path)
        let loop = SchedulerLoop(engine: SchedulerEngine(store: store, settings: .init(maxWait: 600)))
        let passes = PassCounter()
        let task = Task { await loop.run(onReport: { _ in passes.increment() }, onError: { _ in }) }
        try await Task.sleep(for: .milliseconds(300))
        // An action whose reminder is already due is added behind the loop's back (as another
        // process would); the loop is waiting for up to ten minutes, and wake() cuts that short.
        let action = try await store.createAction(ActionDraft(title: "Picket", startsAt: Date().addingTimeInterval(3_600 + 0.5),
                                                              timeZone: "UTC", status: .confirmed))
        try await Task.sleep(for: .seconds(1))
        loop.wake()
        let deadline = Date().addingTimeInterval(10)
        while passes.value == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        task.cancel()
        await task.value
        #expect(passes.value >= 1)
        #expect(try await store.reminders(action: action.slug).last?.reminder.state == .sent)
        try store.close()
    }

    /// A reminder falling due between the pass's look and the next-due query used to be taken for
    /// one stuck in another process and wait a whole second; at 10,000 reminders a minute that
    /// happened often enough to show at p99.
    @Test func aReminderThatFellDueDuringThePassIsFiredAtOnce() {
        let pass = Date(timeIntervalSince1970: 1_800_000_000)
        let now = pass.addingTimeInterval(0.004)
        #expect(SchedulerEngine.delay(nextDue: pass.addingTimeInterval(0.002), passTime: pass, passDidSomething: false,
                                      now: now, maxWait: 60) == 0)
        // Already due when the pass looked and still pending: held elsewhere, so back off a second.
        #expect(SchedulerEngine.delay(nextDue: pass.addingTimeInterval(-0.5), passTime: pass, passDidSomething: false,
                                      now: now, maxWait: 60) == 1)
        // A pass that fired something looks again at once for whatever is left.
        #expect(SchedulerEngine.delay(nextDue: pass.addingTimeInterval(-0.5), passTime: pass, passDidSomething: true,
                                      now: now, maxWait: 60) == 0)
        #expect(SchedulerEngine.delay(nextDue: pass.addingTimeInterval(30), passTime: pass, passDidSomething: false,
                                      now: now, maxWait: 10) == 10)
        #expect(SchedulerEngine.delay(nextDue: nil, passTime: pass, passDidSomething: false, now: now, maxWait: 60) == 60)
    }
}

/// Counts reports from the loop's callback.
final class PassCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
