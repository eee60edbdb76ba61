import Foundation
import PicketlineCore

/// Which fire times of a due schedule to perform at `now`, following its catch-up policy.
///
/// A fire time is *on time* when it is at most `tolerance` old: a wake-up a little late
/// (a busy machine, a short suspend) is not downtime. Older ones were *missed*:
/// - `skip` performs the latest due time if it is on time, and drops the rest (a wake-up a few
///   minutes late does a minutely job once, not once for each minute);
/// - `once` performs one fire, for the latest due time, standing for all of them;
/// - `all` performs every due time, the latest `CatchUpPolicy.maximumFires` at most.
///
/// The next fire time is always the first one strictly after `now`.
public struct CatchUpPlan: Sendable, Equatable {
    /// The fires to perform, oldest first.
    public var fires: [PlannedFire]
    /// Due times that will not be performed.
    public var skipped: Int
    /// The first fire time after `now`; nil if the expression never fires again.
    public var nextFireAt: Date?

    /// How many due times are counted before giving up counting (a minutely job that was
    /// down for months); the next fire time is still exact.
    static let scanLimit = 100_000

    public init(fires: [PlannedFire], skipped: Int, nextFireAt: Date?) {
        self.fires = fires; self.skipped = skipped; self.nextFireAt = nextFireAt
    }

    /// Plans the fires of a schedule first due at `firstDue`.
    public init(cron: CronExpression, zone: TimeZone, firstDue: Date, policy: CatchUpPolicy, now: Date,
                tolerance: TimeInterval) {
        var latest: [Date] = []
        var onTime: [Date] = []
        var total = 0
        var cursor: Date? = firstDue
        while let time = cursor, time <= now, total < Self.scanLimit {
            total += 1
            if now.timeIntervalSince(time) <= tolerance { onTime.append(time) }
            latest.append(time)
            if latest.count > 2 * CatchUpPolicy.maximumFires { latest.removeFirst(CatchUpPolicy.maximumFires) }
            cursor = cron.nextFire(after: time, in: zone)
        }
        latest = Array(latest.suffix(CatchUpPolicy.maximumFires))
        switch policy {
        case .skip:
            fires = onTime.last.map { [PlannedFire(scheduledFor: $0)] } ?? []
        case .once:
            fires = latest.last.map { [PlannedFire(scheduledFor: $0, coversMissed: total - 1)] } ?? []
        case .all:
            fires = latest.map { PlannedFire(scheduledFor: $0) }
        }
        skipped = policy == .once ? 0 : total - fires.count
        nextFireAt = cron.nextFire(after: now, in: zone)
    }
}
