import Foundation
import PicketlineCore

/// Decides what happens after a delivery attempt: done, retry later, give up, or disable the subscription.
///
/// Classification:
/// - 2xx: delivered (even if reading the rest of the body then failed — the receiver acknowledged).
/// - 410 Gone: disable the subscription.
/// - 3xx: a failed attempt, retried like any other failure (redirects are never followed,
///   so a receiver that moved must update its URL; retrying gives it time to do so).
/// - 429, 5xx, other 4xx, timeouts, connection errors and guard refusals: retried
///   (Standard Webhooks practice: any non-2xx is retried; DNS may change for a guard refusal).
/// - A request the transport could not even build (malformed URL or header): give up at once.
public struct RetryPolicy: Sendable {
    /// What a single response means.
    public enum Outcome: Sendable, Hashable {
        /// The receiver accepted the message.
        case delivered
        /// The attempt failed and may succeed later.
        case retryable(reason: String)
        /// The receiver said 410 Gone.
        case gone
        /// The request can never succeed as built.
        case permanentFailure(reason: String)
    }

    /// What to do next.
    public enum Decision: Sendable, Hashable {
        /// Done; nothing more to send.
        case delivered
        /// Try again at this time.
        case retry(at: Date)
        /// Stop: the give-up window has passed or the failure is permanent.
        case giveUp
        /// Stop and disable the subscription (410 Gone).
        case disableSubscription
    }

    /// The default delays: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
    public static let defaultDelays: [TimeInterval] = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400]

    /// Base delay after attempt n is `delays[n-1]`; past the end the last delay repeats.
    public var delays: [TimeInterval]
    /// Relative jitter: each delay is scaled by a random factor in `1 ± jitter`.
    public var jitter: Double
    /// `Retry-After` values above this are capped.
    public var maxRetryAfter: TimeInterval
    /// No retry is scheduled later than this long after the first attempt.
    public var giveUpAfter: TimeInterval
    /// Uniform random numbers in `0..<1`; inject a fixed source in tests.
    public var random: @Sendable () -> Double

    /// Makes a policy; defaults are the production schedule, ±15 % jitter, 24 h cap, 5-day window.
    public init(
        delays: [TimeInterval] = RetryPolicy.defaultDelays,
        jitter: Double = 0.15,
        maxRetryAfter: TimeInterval = 86_400,
        giveUpAfter: TimeInterval = 5 * 86_400,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        precondition(!delays.isEmpty, "a retry schedule needs at least one delay")
        self.delays = delays
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
        self.giveUpAfter = giveUpAfter
        self.random = random
    }

    /// An exponential schedule: `first`, `first·factor`, … each capped at `maximum`.
    public static func exponentialDelays(first: TimeInterval, factor: Double, maximum: TimeInterval, count: Int) -> [TimeInterval] {
        (0..<max(1, count)).map { min(maximum, first * pow(factor, Double($0))) }
    }

    /// Classifies one response (see the type's documentation for the rules).
    public func classify(_ response: WebhookResponse) -> Outcome {
        if let status = response.statusCode {
            switch status {
            case 200...299: return .delivered
            case 410: return .gone
            case 300...399: return .retryable(reason: "HTTP \(status) (redirects are not followed)")
            case 429: return .retryable(reason: "HTTP 429 (rate limited)")
            default: return .retryable(reason: "HTTP \(status)")
            }
        }
        if response.errorCategory == .invalidRequest {
            return .permanentFailure(reason: response.transportError ?? "invalid request")
        }
        return .retryable(reason: response.transportError ?? "no HTTP response")
    }

    /// The delay before the attempt after `attemptNumber` (1-based): jittered schedule
    /// delay, raised to `retryAfter` (capped at `maxRetryAfter`) when that is longer.
    public func delay(afterAttempt attemptNumber: Int, retryAfter: Double? = nil) -> TimeInterval {
        let base = delays[min(max(attemptNumber, 1), delays.count) - 1]
        let unit = min(max(random(), 0), 1)
        let scheduled = base * (1 + jitter * (2 * unit - 1))
        guard let retryAfter, retryAfter > 0 else { return scheduled }
        return max(scheduled, min(retryAfter, maxRetryAfter))
    }

    /// The decision after attempt `attemptNumber` (1-based) got `response`.
    public func nextAttempt(attemptNumber: Int, response: WebhookResponse, firstAttemptAt: Date, now: Date) -> Decision {
        switch classify(response) {
        case .delivered:
            return .delivered
        case .gone:
            return .disableSubscription
        case .permanentFailure:
            return .giveUp
        case .retryable:
            let next = now.addingTimeInterval(delay(afterAttempt: attemptNumber, retryAfter: response.retryAfter))
            if next.timeIntervalSince(firstAttemptAt) > giveUpAfter { return .giveUp }
            return .retry(at: next)
        }
    }
}
