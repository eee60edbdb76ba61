import Synchronization

/// A sleep that `wake()` can cut short. A wake that comes while nobody sleeps is kept, so the
/// next sleep returns at once: a call-out committed just before the dispatcher lies down is
/// not left for the next poll.
final class WakeSignal: Sendable {
    private struct State {
        var sleeper: CheckedContinuation<Void, Never>?
        var pending = false
        /// Which sleep a timeout belongs to, so a late timeout cannot end a later sleep.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Ends the current sleep now, or the next one before it starts.
    func wake() {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper else {
                state.pending = true
                return nil
            }
            state.sleeper = nil
            return sleeper
        }
        sleeper?.resume()
    }

    /// Sleeps for `duration`, until `wake()`, or until the task is cancelled.
    func sleep(for duration: Duration) async {
        let generation = state.withLock { state -> UInt64 in
            state.generation &+= 1
            return state.generation
        }
        let timeout = Task { [weak self] in
            try? await Task.sleep(for: duration)
            self?.endSleep(generation)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.pending || state.generation != generation || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.sleeper = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            endSleep(generation)
        }
        timeout.cancel()
    }

    private func endSleep(_ generation: UInt64) {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation, let sleeper = state.sleeper else { return nil }
            state.sleeper = nil
            return sleeper
        }
        sleeper?.resume()
    }
}
