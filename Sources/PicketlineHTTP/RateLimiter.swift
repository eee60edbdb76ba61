import Foundation
import PicketlineCore
import Synchronization

/// A token bucket per client address: `limit` requests a minute, refilled continuously.
///
/// A lock rather than an actor: taking a token is a few arithmetic operations, and an actor
/// made every public RSVP hop to the actor's executor and back.
final class RateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var updated: Date }
    private let buckets = Mutex<[String: Bucket]>([:])
    private let limit: Double
    private let clock: any WallClock

    init(perMinute limit: Int, clock: any WallClock) {
        self.limit = Double(max(1, limit))
        self.clock = clock
    }

    /// Takes one token for `client`; returns nil when allowed, or the seconds to wait.
    func take(_ client: String) -> Int? {
        let now = clock.now()
        let limit = self.limit
        return buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: limit, updated: now)
            bucket.tokens = min(limit, bucket.tokens + now.timeIntervalSince(bucket.updated) * limit / 60)
            bucket.updated = now
            defer {
                buckets[client] = bucket
                // Forgets clients whose buckets are full again, so memory stays bounded.
                if buckets.count > 50_000 { buckets = buckets.filter { now.timeIntervalSince($0.value.updated) < 60 } }
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) * 60 / limit).rounded(.up)))
        }
    }
}
