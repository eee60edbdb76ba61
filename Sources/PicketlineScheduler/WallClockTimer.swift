import Dispatch
import Foundation
import Synchronization

/// One `DispatchSourceTimer` on a wall-clock deadline, re-armed for every wait. A wall
/// deadline follows the system clock (a monotonic one would stop while the machine sleeps),
/// and `SchedulerLoop` caps every wait anyway.
final class WallClockTimer: Sendable {
    private struct State {
        /// Dispatch sources are thread-safe, but not marked `Sendable`; keeping it here
        /// makes every use go through the lock.
        let source: any DispatchSourceTimer
        /// The task waiting for the timer, if any.
        var waiter: CheckedContinuation<Void, Never>?
        /// A wake-up (or cancellation) that came while nobody was waiting: the next wait returns at once.
        var woken = false
    }

    private let state: Mutex<State>

    init(queue: DispatchQueue = DispatchQueue(label: "picketline.scheduler.timer")) {
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(wallDeadline: .distantFuture)
        state = Mutex(State(source: source))
        state.withLock { state in
            state.source.setEventHandler { [weak self] in self?.resumeWaiter(remember: false) }
            state.source.activate()
        }
    }

    deinit {
        state.withLock { state in
            state.source.setEventHandler(handler: nil)
            state.source.cancel()
        }
    }

    /// Suspends until `seconds` have passed on the wall clock, `wake()` is called, or the
    /// task is cancelled.
    func wait(seconds: TimeInterval) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let returnAtOnce = state.withLock { state in
                    if state.woken || Task.isCancelled {
                        state.woken = false
                        return true
                    }
                    state.waiter = continuation
                    state.source.schedule(wallDeadline: .now() + max(seconds, 0), leeway: .milliseconds(1))
                    return false
                }
                if returnAtOnce { continuation.resume() }
            }
        } onCancel: {
            resumeWaiter(remember: true)
        }
    }

    /// Ends the current wait now (or the next one, if none is in progress).
    func wake() {
        resumeWaiter(remember: true)
    }

    private func resumeWaiter(remember: Bool) {
        let waiter = state.withLock { state in
            let waiter = state.waiter
            state.waiter = nil
            if waiter == nil && remember { state.woken = true }
            return waiter
        }
        waiter?.resume()
    }
}
