import Foundation
import Testing
import PicketlineCore
@testable import PicketlineWebhooks

@Suite("Retry policy")
struct RetryPolicyTests {
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    private func policy(random: Double) -> RetryPolicy {
        RetryPolicy(random: { random })
    }

    private func response(_ status: Int?, retryAfter: Double? = nil, category: TransportErrorCategory? = nil) -> WebhookResponse {
        WebhookResponse(requestID: "r", statusCode: status, retryAfter: retryAfter, errorCategory: category,
                        transportError: category.map { "\($0.rawValue): detail" })
    }

    @Test("the default schedule without jitter (random = 0.5)")
    func schedule() {
        let policy = policy(random: 0.5)
        let expected: [TimeInterval] = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400]
        for (index, delay) in expected.enumerated() {
            #expect(policy.delay(afterAttempt: index + 1) == delay)
        }
        // Past the end of the schedule the last delay repeats.
        #expect(policy.delay(afterAttempt: 10) == 86_400)
        #expect(policy.delay(afterAttempt: 50) == 86_400)
    }

    @Test("jitter stays within ±15 % and follows the injected random source")
    func jitter() {
        #expect(policy(random: 0).delay(afterAttempt: 2) == 300 * 0.85)
        #expect(abs(policy(random: 0.999_999).delay(afterAttempt: 2) - 300 * 1.15) < 0.001)
        #expect(policy(random: 0.25).delay(afterAttempt: 2) == 300 * 0.925)
        let live = RetryPolicy()
        for _ in 0..<200 {
            let delay = live.delay(afterAttempt: 3)
            #expect(delay >= 1_800 * 0.85 && delay <= 1_800 * 1.15)
        }
    }

    @Test("Retry-After wins when longer, is capped at 24 h, and is ignored when shorter")
    func retryAfter() {
        let policy = policy(random: 0.5)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 7) == 7)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 3) == 5)
        #expect(policy.delay(afterAttempt: 2, retryAfter: 7) == 300)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 10 * 86_400) == 86_400)
    }

    @Test("exponential schedules can be generated")
    func exponential() {
        #expect(RetryPolicy.exponentialDelays(first: 5, factor: 4, maximum: 1_000, count: 5) == [5, 20, 80, 320, 1_000])
    }

    @Test("classification of statuses and transport errors")
    func classification() {
        let policy = RetryPolicy()
        #expect(policy.classify(response(200)) == .delivered)
        #expect(policy.classify(response(204)) == .delivered)
        #expect(policy.classify(response(410)) == .gone)
        #expect(policy.classify(response(301)) == .retryable(reason: "HTTP 301 (redirects are not followed)"))
        #expect(policy.classify(response(429)) == .retryable(reason: "HTTP 429 (rate limited)"))
        #expect(policy.classify(response(500)) == .retryable(reason: "HTTP 500"))
        #expect(policy.classify(response(400)) == .retryable(reason: "HTTP 400"))
        #expect(policy.classify(response(404)) == .retryable(reason: "HTTP 404"))
        #expect(policy.classify(response(nil, category: .timeout)) == .retryable(reason: "timeout: detail"))
        #expect(policy.classify(response(nil, category: .connect)) == .retryable(reason: "connect: detail"))
        #expect(policy.classify(response(nil, category: .refusedByGuard)) == .retryable(reason: "refused-by-guard: detail"))
        #expect(policy.classify(response(nil, category: .invalidRequest)) == .permanentFailure(reason: "invalid-request: detail"))
    }

    @Test("decisions: delivered, retry at now + delay, disable on 410, give up after the window")
    func decisions() {
        let policy = policy(random: 0.5)
        #expect(policy.nextAttempt(attemptNumber: 1, response: response(204), firstAttemptAt: start, now: start) == .delivered)
        #expect(policy.nextAttempt(attemptNumber: 1, response: response(410), firstAttemptAt: start, now: start) == .disableSubscription)
        #expect(policy.nextAttempt(attemptNumber: 1, response: response(500), firstAttemptAt: start, now: start)
            == .retry(at: start.addingTimeInterval(5)))
        let later = start.addingTimeInterval(3_600)
        #expect(policy.nextAttempt(attemptNumber: 3, response: response(503), firstAttemptAt: start, now: later)
            == .retry(at: later.addingTimeInterval(1_800)))
        #expect(policy.nextAttempt(attemptNumber: 1, response: response(429, retryAfter: 7), firstAttemptAt: start, now: start)
            == .retry(at: start.addingTimeInterval(7)))
        #expect(policy.nextAttempt(attemptNumber: 1, response: response(nil, category: .invalidRequest), firstAttemptAt: start, now: start)
            == .giveUp)
        // 4.5 days in, another 24 h would pass the 5-day window.
        let late = start.addingTimeInterval(4.5 * 86_400)
        #expect(policy.nextAttempt(attemptNumber: 9, response: response(500), firstAttemptAt: start, now: late) == .giveUp)
        // A custom window.
        let short = RetryPolicy(giveUpAfter: 60, random: { 0.5 })
        #expect(short.nextAttempt(attemptNumber: 2, response: response(500), firstAttemptAt: start, now: start) == .giveUp)
    }

    @Test("a full run against a simulated clock ends with give-up inside the window")
    func simulatedRun() {
        let policy = policy(random: 0.5)
        var now = start
        var attempts = 0
        var decision = RetryPolicy.Decision.retry(at: start)
        while case .retry(let at) = decision, attempts < 100 {
            now = at
            attempts += 1
            decision = policy.nextAttempt(attemptNumber: attempts, response: response(500), firstAttemptAt: start, now: now)
        }
        #expect(decision == .giveUp)
        #expect(now.timeIntervalSince(start) <= 5 * 86_400)
        // 9 scheduled delays (~3.15 days), then 24 h repeats until the window closes.
        #expect(attempts == 11)
    }

    @Test("Retry-After parsing: delta-seconds and the three HTTP-date forms")
    func retryAfterParsing() {
        let now = Date(timeIntervalSince1970: 784_111_717) // Sun, 06 Nov 1994 08:48:37 GMT
        #expect(RetryAfter.seconds(from: "7", now: now) == 7)
        #expect(RetryAfter.seconds(from: " 120 ", now: now) == 120)
        #expect(RetryAfter.seconds(from: "Sun, 06 Nov 1994 08:49:37 GMT", now: now) == 60)
        #expect(RetryAfter.seconds(from: "Sunday, 06-Nov-94 08:49:37 GMT", now: now) == 60)
        #expect(RetryAfter.seconds(from: "Sun Nov  6 08:49:37 1994", now: now) == 60)
        #expect(RetryAfter.seconds(from: "Sun, 06 Nov 1994 08:00:00 GMT", now: now) == 0)
        #expect(RetryAfter.seconds(from: "-5", now: now) == nil)
        #expect(RetryAfter.seconds(from: "soon", now: now) == nil)
        #expect(RetryAfter.seconds(from: "", now: now) == nil)
        #expect(RetryAfter.seconds(from: "Sun, 32 Nov 1994 08:49:37 GMT", now: now) == nil)
    }
}
