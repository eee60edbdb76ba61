import Foundation
import PicketlineCore

/// A token bucket per client address: `limit` requests a minute, refilled continuously.
actor RateLimiter {
    private struct Bucket { var tokens: Double; var updated: Date }
    private var buckets: [String: Bucket] = [:]
    private let limit: Double
    private let clock: any WallClock

    init(perMinute limit: Int, clock: any WallClock) {
        self.limit = Double(max(1, limit))
        self.clock = clock
    }

    /// Takes one token for `client`; returns nil when allowed, or the seconds to wait.
    func take(_ client: String) -> Int? {
        let now = clock.now()
        var bucket = buckets[client] ?? Bucket(tokens: limit, updated: now)
        bucket.tokens = min(limit, bucket.tokens + now.timeIntervalSince(bucket.updated) * limit / 60)
        bucket.updated = now
        defer {
            buckets[client] = bucket
            if buckets.count > 50_000 { prune(now) }
        }
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            return nil
        }
        return max(1, Int(((1 - bucket.tokens) * 60 / limit).rounded(.up)))
    }

    /// Forgets clients whose buckets are full again, so memory stays bounded.
    private func prune(_ now: Date) {
        buckets = buckets.filter { now.timeIntervalSince($0.value.updated) < 60 }
    }
}
