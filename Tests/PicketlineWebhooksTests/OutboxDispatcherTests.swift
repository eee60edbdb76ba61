import Foundation
import Logging
import PicketlineCore
import PicketlineStore
import PicketlineTestSupport
import ServiceLifecycle
import Testing
@testable import PicketlineWebhooks

/// The dispatcher end to end: real store, real curl transport, real receivers on 127.0.0.1.
@Suite("Outbox dispatcher", .serialized)
struct OutboxDispatcherTests {
    private func json(_ request: RecordedRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    private func verify(_ request: RecordedRequest, secrets: [String], now: Date? = Date()) throws {
        try StandardWebhookSigner.verify(
            signatureHeader: try #require(request.header("webhook-signature")), id: try #require(request.header("webhook-id")),
            timestamp: try #require(Int(request.header("webhook-timestamp") ?? "")), body: request.body, secrets: secrets, now: now)
    }

    @Test("a call-out reaches a receiver in each format, signed so the reference implementation accepts it")
    func calloutInEachFormat() async throws {
        let fixture = try DispatchFixture(); defer { fixture.remove() }
        let picket = try await fixture.picket()
        let standard = try await fixture.subscribe("/ok?f=standard", format: .standard)
        let slack = try await fixture.subscribe("/ok?f=slack", format: .slack)
        let discord = try await fixture.subscribe("/ok?f=discord", format: .discord)
        let message = "Emergency picket at the embassy tomorrow 12:00 — all out! <!channel> @everyone"
        let callout = try await fixture.store.createCallout(action: picket.slug, message: message)

        let report = try await fixture.dispatcher().drain()

        #expect(report.claimed == 3 && report.delivered == 3)
        let requests = Dictionary(uniqueKeysWithValues: fixture.receiver.requests.map { ($0.query("f") ?? "", $0) })
        #expect(requests.count == 3)
        let deliveries = try await fixture.store.deliveries(DeliveryFilter())
        for (name, subscription) in [("standard", standard), ("slack", slack), ("discord", discord)] {
            let request = try #require(requests[name])
            #expect(request.method == "POST")
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("user-agent") == "Picketline/\(PicketlineVersion.current)")
            #expect(request.header("webhook-id") == deliveries.first { $0.subscriptionID == subscription.id }?.messageID)
            try verify(request, secrets: [subscription.secret])
            if PythonReference.isAvailable {
                let status = PythonReference.run(script: """
                    import os
                    from standardwebhooks.webhooks import Webhook
                    Webhook(os.environ["SECRET"]).verify(os.environ["BODY"].encode(), {
                        "webhook-id": os.environ["ID"], "webhook-timestamp": os.environ["TS"], "webhook-signature": os.environ["SIG"]})
                    """, environment: ["SECRET": subscription.secret, "BODY": request.text, "ID": request.header("webhook-id")!,
                                       "TS": request.header("webhook-timestamp")!, "SIG": request.header("webhook-signature")!])
                #expect(status == 0, "standardwebhooks rejected the \(name) signature")
            }
        }

        let standardRequest = try #require(requests["standard"])
        let slackRequest = try #require(requests["slack"])
        let discordRequest = try #require(requests["discord"])
        let envelope = try json(standardRequest)
        #expect(envelope["type"] as? String == "callout.created")
        // The event's place in the outbox, for receivers that order what arrives in parallel.
        let calloutEvent = try #require(try await fixture.store.outboxEvents(after: 0, limit: 1_000).last { $0.type == "callout.created" })
        #expect(envelope["sequence"] as? Int == Int(calloutEvent.id))
        #expect(standardRequest.text.contains(#""timestamp":"\#(RFC3339.string(from: calloutEvent.occurredAt))","sequence":\#(calloutEvent.id),"data":"#))
        let data = try #require(envelope["data"] as? [String: Any])
        #expect((data["callout"] as? [String: Any])?["message"] as? String == message)
        #expect((data["action"] as? [String: Any])?["slug"] as? String == picket.slug)
        #expect(data["personal_data"] == nil)

        let text = try #require(try json(slackRequest)["text"] as? String)
        #expect(text.hasPrefix("📣 Call-out for Picket of the Kazakhstan Embassy (Tue 8 Dec 2026 09:00 GMT"))
        #expect(text.contains("Embassy of the Republic of Kazakhstan, London"))
        #expect(text.contains("all out! &lt;!channel&gt;"), "markup in the message must not ping the channel")
        #expect(text.hasSuffix("<https://anticapitalistresistance.org/london-picket-of-kazakhstan-embassy/>"))

        let discordBody = try json(discordRequest)
        let content = try #require(discordBody["content"] as? String)
        #expect(content.contains(message) && content.hasSuffix("\nhttps://anticapitalistresistance.org/london-picket-of-kazakhstan-embassy/"))
        #expect((discordBody["allowed_mentions"] as? [String: Any])?["parse"] as? [Any] != nil)

        let status = try await fixture.store.calloutStatus(callout.id)
        #expect(status.deliveries.map(\.status) == [.delivered, .delivered, .delivered])
    }

    @Test("failures are retried on the schedule, with the same webhook-id, judged by the injected clock")
    func retrySchedule() async throws {
        let clock = ManualClock(DispatchFixture.start)
        let fixture = try DispatchFixture(manualClock: clock); defer { fixture.remove() }
        let picket = try await fixture.picket()
        _ = try await fixture.subscribe("/fail")
        _ = try await fixture.store.createCallout(action: picket.slug, message: "All out!")
        let dispatcher = fixture.dispatcher(delays: [5, 300, 1_800])
        let start = clock.now()

        #expect(try await dispatcher.drain().retrying == 1)
        var delivery = try #require(try await fixture.store.deliveries(DeliveryFilter()).first)
        #expect(delivery.status == .pending && delivery.attempts == 1 && delivery.nextAttemptAt == start.addingTimeInterval(5))
        #expect(delivery.lastStatusCode == 500)

        #expect(try await dispatcher.drain().claimed == 0, "not due yet")
        clock.advance(by: 4.9)
        #expect(try await dispatcher.drain().claimed == 0, "not due yet")
        clock.advance(by: 0.1)
        #expect(try await dispatcher.drain().retrying == 1)
        delivery = try await fixture.store.delivery(delivery.id)
        #expect(delivery.attempts == 2 && delivery.nextAttemptAt == start.addingTimeInterval(5 + 300))

        clock.advance(by: 300)
        #expect(try await dispatcher.drain().retrying == 1)
        delivery = try await fixture.store.delivery(delivery.id)
        #expect(delivery.nextAttemptAt == start.addingTimeInterval(5 + 300 + 1_800))
        clock.advance(by: 1_800)
        _ = try await dispatcher.drain()
        delivery = try await fixture.store.delivery(delivery.id)
        // Past the end of the schedule its last delay repeats.
        #expect(delivery.attempts == 4 && delivery.nextAttemptAt == start.addingTimeInterval(5 + 300 + 1_800 + 1_800))

        let attempts = try await fixture.store.attempts(delivery: delivery.id)
        #expect(attempts.map(\.attemptedAt) == [0, 5, 305, 2_105].map { start.addingTimeInterval($0) })
        #expect(attempts.allSatisfy { $0.statusCode == 500 && $0.error == "HTTP 500" && $0.responsePrefix == "boom" })
        let ids = Set(fixture.receiver.requests.compactMap { $0.header("webhook-id") })
        #expect(fixture.receiver.requests.count == 4 && ids == [delivery.messageID])
    }

    @Test("a subscription failing for the whole window is disabled, and webhook.disabled is written")
    func failingWindowDisables() async throws {
        let clock = ManualClock(DispatchFixture.start)
        let fixture = try DispatchFixture(manualClock: clock); defer { fixture.remove() }
        let picket = try await fixture.picket()
        let subscription = try await fixture.subscribe("/fail")
        _ = try await fixture.store.createCallout(action: picket.slug, message: "All out!")
        let dispatcher = fixture.dispatcher(delays: [600], disableAfter: 3_600)
        var disabled: [Int64] = []
        for _ in 0..<10 where disabled.isEmpty {
            disabled = try await dispatcher.drain().disabledSubscriptions
            clock.advance(by: 600)
        }
        #expect(disabled == [subscription.id])
        #expect(fixture.receiver.requests.count == 7, "attempts at 0, 10, …, 60 minutes")
        #expect(try await fixture.store.subscription(subscription.id).state == .disabled)
        #expect(try await fixture.store.outboxEvents(after: 0, limit: 100).last?.type == EventType.webhookDisabled)
    }

    @Test("410 Gone disables the subscription: one webhook.disabled event, its other deliveries cancelled")
    func goneDisables() async throws {
        let fixture = try DispatchFixture(); defer { fixture.remove() }
        let picket = try await fixture.picket()
        let gone = try await fixture.subscribe("/gone")
        let fine = try await fixture.subscribe("/ok")
        _ = try await fixture.store.createCallout(action: picket.slug, message: "First")
        _ = try await fixture.store.createCallout(action: picket.slug, message: "Second")

        let report = try await fixture.dispatcher().drain()

        #expect(report.disabledSubscriptions == [gone.id] && report.delivered == 2)
        let disabled = try await fixture.store.subscription(gone.id)
        #expect(disabled.state == .disabled && disabled.disabledReason == "the receiver answered 410 Gone")
        #expect(try await fixture.store.subscription(fine.id).state == .active)
        let statuses = try await fixture.store.deliveries(DeliveryFilter(subscriptionID: gone.id)).map(\.status)
        #expect(statuses.contains(.failed) && statuses.allSatisfy { $0 == .failed || $0 == .cancelled })
        let events = try await fixture.store.outboxEvents(after: 0, limit: 100).filter { $0.type == EventType.webhookDisabled }
        #expect(events.count == 1 && events.first?.subjectID == gone.id)
        // Nothing more goes to it.
        _ = try await fixture.store.createCallout(action: picket.slug, message: "Third")
        let before = fixture.receiver.requests.filter { $0.path == "/gone" }.count
        _ = try await fixture.dispatcher().drain()
        #expect(fixture.receiver.requests.filter { $0.path == "/gone" }.count == before)
    }

    @Test("a 3xx is a failure and its Location is not followed")
    func redirectsNotFollowed() async throws {
        let clock = ManualClock(DispatchFixture.start)
        let fixture = try DispatchFixture(manualClock: clock); defer { fixture.remove() }
        let picket = try await fixture.picket()
        _ = try await fixture.subscribe("/redirect")
        _ = try await fixture.store.createCallout(action: picket.slug, message: "All out!")
        let report = try await fixture.dispatcher().drain()
        #expect(report.retrying == 1 && report.delivered == 0)
        #expect(fixture.receiver.requests.map(\.path) == ["/redirect"])
        let delivery = try #require(try await fixture.store.deliveries(DeliveryFilter()).first)
        #expect(delivery.status == .pending && delivery.lastStatusCode == 301)
        #expect(delivery.lastError == "HTTP 301 (redirects are not followed)")
    }

    @Test("Retry-After (seconds or HTTP-date) pushes the next attempt out")
    func retryAfterHonoured() async throws {
        let clock = ManualClock(DispatchFixture.start)
        let fixture = try DispatchFixture(manualClock: clock); defer { fixture.remove() }
        let picket = try await fixture.picket()
        let seconds = try await fixture.subscribe("/ratelimit")
        let date = try await fixture.subscribe("/ratelimit-date")
        _ = try await fixture.store.createCallout(action: picket.slug, message: "All out!")
        #expect(try await fixture.dispatcher(delays: [5, 300]).drain().retrying == 2)
        let bySeconds = try #require(try await fixture.store.deliveries(DeliveryFilter(subscriptionID: seconds.id)).first)
        let byDate = try #require(try await fixture.store.deliveries(DeliveryFilter(subscriptionID: date.id)).first)
        #expect(bySeconds.lastStatusCode == 429 && bySeconds.nextAttemptAt == clock.now().addingTimeInterval(7))
        let wait = byDate.nextAttemptAt.timeIntervalSince(clock.now())
        #expect(byDate.lastStatusCode == 503 && wait > 100 && wait <= 121)
    }

    @Test("no more requests are in flight than the global and the per-host limits")
    func concurrencyLimits() async throws {
        let fixture = try DispatchFixture(); defer { fixture.remove() }
        let picket = try await fixture.picket()
        for index in 0..<24 { _ = try await fixture.subscribe("/count?ms=150&s=\(index)") }
        _ = try await fixture.store.createCallout(action: picket.slug, message: "All out!")
        let report = try await fixture.dispatcher { $0.maxConcurrentTransfers = 4; $0.maxConnectionsPerHost = 8 }.drain()
        #expect(report.delivered == 24)
        #expect(fixture.receiver.maxInFlight <= 4)
        #expect(fixture.receiver.maxInFlight >= 2, "requests should overlap")

        let perHost = try DispatchFixture(); defer { perHost.remove() }
        let other = try await perHost.picket()
        for index in 0..<12 { _ = try await perHost.subscribe("/count?ms=150&s=\(index)") }
        _ = try await perHost.store.createCallout(action: other.slug, message: "All out!")
        #expect(try await perHost.dispatcher { $0.maxConcurrentTransfers = 16; $0.maxConnectionsPerHost = 3 }.drain().delivered == 12)
        #expect(perHost.receiver.maxInFlight <= 3 && perHost.receiver.maxInFlight >= 2)
    }

    @Test("attendee names and e-mails go only to subscriptions granted personal data")
    func personalDataOnlyWhenGranted() async throws {
        let fixture = try DispatchFixture(); defer { fixture.remove() }
        let picket = try await fixture.picket()
        _ = try await fixture.subscribe("/ok?who=granted", events: ["attendance.*"], personalData: true)
        _ = try await fixture.subscribe("/ok?who=plain", events: ["attendance.*"])
        _ = try await fixture.subscribe("/ok?who=chat", format: .slack, events: ["attendance.*"])
        _ = try await fixture.store.rsvp(action: picket.slug, RSVP(name: "Ada Lovelace", email: "ada@example.org", phone: "+44 7700 900123"))
        #expect(try await fixture.dispatcher().drain().delivered == 3)
        let bodies = Dictionary(uniqueKeysWithValues: fixture.receiver.requests.map { ($0.query("who") ?? "", $0.text) })
        let granted = try #require(bodies["granted"])
        #expect(granted.contains("ada@example.org") && granted.contains("Ada Lovelace") && granted.contains("\"personal_data\""))
        for name in ["plain", "chat"] {
            let body = try #require(bodies[name])
            #expect(!body.contains("ada@example.org") && !body.contains("Ada Lovelace") && !body.contains("7700"))
        }
    }

    @Test("after rotation both secrets sign until the overlap ends")
    func rotatedSecretSignsTwice() async throws {
        let clock = ManualClock(DispatchFixture.start)
        let fixture = try DispatchFixture(manualClock: clock); defer { fixture.remove() }
        let picket = try await fixture.picket()
        let original = try await fixture.subscribe("/ok")
        let newSecret = StandardWebhookSigner.generateSecret()
        _ = try await fixture.store.rotateSecret(original.id, newSecret: newSecret, overlap: 3_600, dropPrevious: false)
        _ = try await fixture.store.createCallout(action: picket.slug, message: "During the overlap")
        _ = try await fixture.dispatcher().drain()
        clock.advance(by: 3_601)
        _ = try await fixture.store.createCallout(action: picket.slug, message: "After it")
        _ = try await fixture.dispatcher().drain()
        let requests = fixture.receiver.requests
        #expect(requests.count == 2)
        #expect(requests[0].header("webhook-signature")?.split(separator: " ").count == 2)
        try verify(requests[0], secrets: [original.secret], now: nil)
        try verify(requests[0], secrets: [newSecret], now: nil)
        #expect(requests[1].header("webhook-signature")?.split(separator: " ").count == 1)
        try verify(requests[1], secrets: [newSecret], now: nil)
        #expect(throws: StandardWebhookSigner.SignatureError.noMatchingSignature) {
            try verify(requests[1], secrets: [original.secret], now: nil)
        }
    }

    @Test("a delivery the SSRF guard refuses fails with the reason in the attempt log and connects nowhere")
    func guardRefusalIsLogged() async throws {
        let fixture = try DispatchFixture(); defer { fixture.remove() }
        let picket = try await fixture.picket()
        _ = try await fixture.subscribe("/ok")
        _ = try await fixture.store.createCallout(action: picket.slug, message: "All out!")
        #expect(try await fixture.dispatcher { $0.allowList = [] }.drain().retrying == 1)
        let delivery = try #require(try await fixture.store.deliveries(DeliveryFilter()).first)
        let attempt = try #require(try await fixture.store.attempts(delivery: delivery.id).first)
        #expect(attempt.statusCode == nil && attempt.error == "refused-by-guard: 127.0.0.1 is a loopback address")
        #expect(fixture.receiver.connectionsAccepted == 0)
    }

    /// Runs the service, sends a call-out to a receiver answering after `receiverDelay` ms, and
    /// triggers graceful shutdown once the request has arrived; returns how long stopping took.
    private func shutDownMidRequest(_ fixture: DispatchFixture, receiverDelay: Int, grace: Duration) async throws -> Duration {
        let picket = try await fixture.picket()
        _ = try await fixture.subscribe("/slow?ms=\(receiverDelay)")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let service = OutboxDispatcherService(dispatcher: fixture.dispatcher(), pollInterval: .milliseconds(100),
                                              shutdownGrace: grace, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        let running = Task { try await group.run() }
        _ = try await fixture.store.createCallout(action: picket.slug, message: "All out!")
        #expect(await fixture.eventually { !fixture.receiver.requests.isEmpty })
        let stopping = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        return ContinuousClock.now - stopping
    }

    @Test("the service delivers new events while running and stops on graceful shutdown")
    func serviceRunsAndStops() async throws {
        let fixture = try DispatchFixture(); defer { fixture.remove() }
        // Shut down while the request is in flight: the grace lets it finish and be recorded.
        _ = try await shutDownMidRequest(fixture, receiverDelay: 300, grace: .seconds(10))
        let delivery = try #require(try await fixture.store.deliveries(DeliveryFilter()).first)
        #expect(delivery.status == .delivered && delivery.leaseOwner == nil)
    }

    @Test("a batch still in flight when the shutdown grace runs out is handed back, not lost")
    func shutdownHandsBackUnfinishedDeliveries() async throws {
        let fixture = try DispatchFixture(); defer { fixture.remove() }
        let stopping = try await shutDownMidRequest(fixture, receiverDelay: 4_000, grace: .milliseconds(200))
        #expect(stopping < .seconds(3), "the grace bounds the wait")
        let delivery = try #require(try await fixture.store.deliveries(DeliveryFilter()).first)
        #expect(delivery.status == .pending && delivery.leaseOwner == nil && delivery.attempts == 0)
        #expect(try await fixture.store.claimDueDeliveries(owner: "next", limit: 10, lease: 60).count == 1)
    }
}

@Suite struct DispatcherWakeTests {
    @Test(.timeLimit(.minutes(1)))
    func wakingTheServiceDeliversACallOutLongBeforeTheNextPoll() async throws {
        let fixture = try DispatchFixture(); defer { fixture.remove() }
        let picket = try await fixture.picket()
        _ = try await fixture.subscribe("/ok")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // A poll every ten minutes: only the wake-up can explain a delivery within the test.
        let service = OutboxDispatcherService(dispatcher: fixture.dispatcher(), pollInterval: .seconds(600), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(300))  // the service has had its first look and sleeps
        _ = try await fixture.store.createCallout(action: picket.slug, message: "All out!")
        service.wake()
        #expect(await fixture.eventually { !fixture.receiver.requests.isEmpty })
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test func aWakeBeforeTheSleepIsKeptAndASleepEndsOnItsOwn() async {
        let signal = WakeSignal()
        signal.wake()
        let early = ContinuousClock.now
        await signal.sleep(for: .seconds(600))  // returns at once: the wake was kept
        #expect(ContinuousClock.now - early < .seconds(60))
        let timed = ContinuousClock.now
        await signal.sleep(for: .milliseconds(20))
        #expect(ContinuousClock.now - timed >= .milliseconds(20))
        let woken = Task { await signal.sleep(for: .seconds(600)) }
        try? await Task.sleep(for: .milliseconds(50))
        signal.wake()
        await woken.value
    }
}
