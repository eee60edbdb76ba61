import Foundation
import PicketlineCore

/// Runs a `SchedulerEngine` on one wall-clock Dispatch timer: fire what is due, ask the
/// database for the earliest due time, arm the timer for it (at most `maxWait` away), and
/// on every wake read the database again. No polling, no thread per job, no sleeping.
public final class SchedulerLoop: Sendable {
    public let engine: SchedulerEngine
    private let timer = WallClockTimer()

    public init(engine: SchedulerEngine) {
        self.engine = engine
    }

    /// Runs until the task is cancelled. Reports every pass that did something; errors
    /// (a busy or missing database) are reported and retried after a short wait.
    public func run(onReport: @escaping @Sendable (FireReport) -> Void,
                    onError: @escaping @Sendable (any Error) -> Void) async {
        while !Task.isCancelled {
            var delay: TimeInterval
            do {
                let passTime = engine.clock.now()
                let report = try await engine.fireDue(at: passTime)
                if !report.isEmpty { onReport(report) }
                delay = try await engine.delayAfterPass(at: passTime, report: report)
            } catch {
                if Task.isCancelled { break }
                onError(error)
                delay = min(5, engine.settings.maxWait)
            }
            await timer.wait(seconds: delay)
        }
    }

    /// Makes the loop re-read the database now, e.g. after this process added a schedule.
    public func wake() {
        timer.wake()
    }
}
