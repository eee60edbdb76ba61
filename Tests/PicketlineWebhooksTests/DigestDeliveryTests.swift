import Foundation
import PicketlineCore
import PicketlineScheduler
import PicketlineStore
import PicketlineTestSupport
import Testing
@testable import PicketlineWebhooks

/// The scheduler and the sender together: a weekly digest fires on an injected clock, becomes an
/// outbox event, and the dispatcher delivers it, signed, to a real receiver on 127.0.0.1.
@Suite struct DigestDeliveryTests {
    @Test func aWeeklyDigestFiresOnAnInjectedClockAndReachesAReceiverThroughTheOutbox() async throws {
        let clock = ManualClock(DispatchFixture.start) // Tuesday 2026-12-01 09:00 UTC
        let fixture = try DispatchFixture(manualClock: clock); defer { fixture.remove() }
        let picket = try await fixture.picket()        // Tuesday 2026-12-08
        let subscription = try await fixture.subscribe("/ok", events: ["digest.*"])
        _ = try await fixture.subscribe("/ok?f=chat", format: .slack, events: ["digest.*"])
        let engine = SchedulerEngine(store: fixture.store, clock: clock)
        _ = try await engine.addSchedule(ScheduleDraft(kind: .digest, cron: "0 9 * * mon", timeZone: "Europe/London",
                                                       campaign: "kazakhstan-solidarity"))

        // Sunday: nothing is due yet.
        clock.set(RFC3339.date(from: "2026-12-06T12:00:00Z")!)
        _ = try await engine.fireDue()
        _ = try await fixture.dispatcher().drain()
        #expect(fixture.receiver.requests.filter { $0.path == "/ok" && $0.query("f") == nil }.isEmpty)

        // Monday 09:00 London: the digest fires once, however often the engine wakes.
        clock.set(RFC3339.date(from: "2026-12-07T09:00:01Z")!)
        _ = try await engine.fireDue()
        _ = try await engine.fireDue()
        _ = try await fixture.dispatcher().drain()
        let received = fixture.receiver.requests.filter { $0.path == "/ok" && $0.query("f") == nil }
        #expect(received.count == 1)
        let request = try #require(received.first)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(body["type"] as? String == "digest.due")
        #expect(request.text.contains(picket.slug) && request.text.contains("Picket of the Kazakhstan Embassy"))
        try StandardWebhookSigner.verify(
            signatureHeader: try #require(request.header("webhook-signature")), id: try #require(request.header("webhook-id")),
            timestamp: Int(try #require(request.header("webhook-timestamp")))!, body: request.body,
            secrets: [subscription.secret], now: clock.now())

        // A chat channel gets the list itself: one line per action, with its time and place.
        let chat = try #require(fixture.receiver.requests.first { $0.query("f") == "chat" })
        let text = try #require((try JSONSerialization.jsonObject(with: Data(chat.body)) as? [String: Any])?["text"] as? String)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("🗓️ ") == true && lines.first?.hasSuffix(": 1 action coming up") == true, "\(text)")
        #expect(lines.count == 2 && lines[1].hasPrefix("• Picket of the Kazakhstan Embassy (Tue 8 Dec 2026"), "\(text)")
        #expect(lines[1].contains(picket.sourceURL ?? "no source url"), "\(text)")

        // The next Monday fires again; the ledger keeps one fire per week.
        clock.set(RFC3339.date(from: "2026-12-14T09:00:01Z")!)
        _ = try await engine.fireDue()
        _ = try await fixture.dispatcher().drain()
        #expect(fixture.receiver.requests.filter { $0.path == "/ok" && $0.query("f") == nil }.count == 2)
        #expect(fixture.receiver.requests.filter { $0.query("f") == "chat" }.count == 2)
    }
}
