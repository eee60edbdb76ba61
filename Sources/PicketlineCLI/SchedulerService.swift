import Foundation
import Logging
import Metrics
import PicketlineCore
import PicketlineScheduler
import ServiceLifecycle

/// The scheduler as a swift-service-lifecycle service: `serve` runs it beside the HTTP app,
/// `schedule run` on its own. On graceful shutdown it stops between passes (each fire is
/// one short transaction, so nothing is left half done).
struct SchedulerService: Service {
    let loop: SchedulerLoop
    let logger: Logger

    init(engine: SchedulerEngine, logger: Logger) {
        self.loop = SchedulerLoop(engine: engine)
        self.logger = logger
    }

    func run() async throws {
        let logger = logger
        do {
            // Reminders of actions made before the configured defaults changed follow the new ones.
            let synced = try await loop.engine.store.syncReminders()
            logger.info("scheduler started", metadata: [
                "max_wait_seconds": "\(Int(loop.engine.settings.maxWait))", "actions_synced": "\(synced)"])
        } catch {
            logger.error("scheduler could not sync reminders", metadata: ["error": "\(error)"])
        }
        let loop = loop
        await cancelWhenGracefulShutdown {
            await loop.run(
                onReport: { report in
                    Self.log(report, logger)
                    Self.measure(report, at: Date())
                },
                onError: { error in logger.error("scheduler pass failed; retrying", metadata: ["error": "\(error)"]) })
        }
        logger.info("scheduler stopped")
    }

    /// Lateness of each fire against its due time, for `/metrics`.
    static func measure(_ report: FireReport, at now: Date) {
        let lateness = Timer(label: "picketline_scheduler_lateness_seconds")
        for firing in report.sentReminders {
            lateness.recordNanoseconds(Int64(max(0, now.timeIntervalSince(firing.reminder.dueAt)) * 1e9))
        }
        for firing in report.schedules {
            lateness.recordNanoseconds(Int64(max(0, now.timeIntervalSince(firing.scheduledFor)) * 1e9))
        }
        Counter(label: "picketline_scheduler_fires_total", dimensions: [("kind", "reminder")]).increment(by: report.sentReminders.count)
        Counter(label: "picketline_scheduler_fires_total", dimensions: [("kind", "schedule")]).increment(by: report.schedules.count)
    }

    /// One structured line per thing that happened.
    static func log(_ report: FireReport, _ logger: Logger) {
        for firing in report.reminders {
            let metadata: Logger.Metadata = [
                "action": "\(firing.actionSlug)", "offset": "\(firing.reminder.offset)",
                "due": "\(RFC3339.string(from: firing.reminder.dueAt))"]
            if firing.reminder.state == .missed {
                logger.warning("reminder missed: too late to send", metadata: metadata)
            } else if let outboxID = firing.outboxID {
                logger.info("reminder sent", metadata: metadata.merging(["outbox": "\(outboxID)"]) { $1 })
            } else {
                logger.notice("reminder already in the ledger; not sent again", metadata: metadata)
            }
        }
        for firing in report.schedules {
            logger.info("schedule fired", metadata: [
                "schedule": "\(firing.name)", "kind": "\(firing.kind.rawValue)",
                "scheduled_for": "\(RFC3339.string(from: firing.scheduledFor))", "result": "\(firing.detail)"])
        }
        for skipped in report.skipped {
            logger.notice("missed fire times skipped (catch-up policy)", metadata: [
                "schedule": "\(skipped.name)", "count": "\(skipped.count)"])
        }
        for problem in report.problems { logger.error("schedule cannot run", metadata: ["problem": "\(problem)"]) }
    }
}
