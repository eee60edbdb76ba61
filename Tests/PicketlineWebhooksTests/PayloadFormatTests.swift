import Foundation
import Testing
import PicketlineCore
@testable import PicketlineWebhooks

@Suite("Payload formats")
struct PayloadFormatTests {
    private let timestamp = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01T00:00:00Z

    private func action(url: String? = "https://picketline.example/actions/17") -> JSONValue {
        var action: [String: JSONValue] = [
            "id": .integer(17),
            "title": .string("Picket of the Kazakhstan Embassy"),
            "target": .string("Embassy of Kazakhstan"),
            "starts_at": .string("2022-01-08T12:00:00Z"),
            "time_zone": .string("Europe/London"),
            "location": .object(["venue": .string("Embassy of Kazakhstan"), "locality": .string("London")]),
        ]
        if let url { action["url"] = .string(url) }
        return .object(action)
    }

    private func callout(message: String = "Emergency picket after the arrests this morning. Bring banners!") -> JSONValue {
        .object(["action": action(), "callout": .object(["id": .integer(3), "message": .string(message)])])
    }

    /// Parses rendered bytes with Foundation's JSON parser (independent of our serialiser).
    private func parse(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test("standard: envelope with type, timestamp and data, keys in that order")
    func standard() throws {
        let bytes = PayloadFormat.standard.render(eventType: "callout.created", timestamp: timestamp, data: callout())
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"type":"callout.created","timestamp":"2026-01-01T00:00:00Z","data":{"#))
        let object = try parse(bytes)
        #expect(object["type"] as? String == "callout.created")
        let data = try #require(object["data"] as? [String: Any])
        let action = try #require(data["action"] as? [String: Any])
        #expect(action["title"] as? String == "Picket of the Kazakhstan Embassy")
        #expect((action["id"] as? NSNumber)?.intValue == 17)
        // Round trip through JSONValue.
        let decoded = try JSONValue(parsing: Data(bytes))
        #expect(decoded["data"] == callout())
    }

    @Test("standard: output is deterministic (keys inside data sorted)")
    func standardMatchesVector() throws {
        let data: JSONValue = .object(["event_id": .integer(42), "name": .string("Ada"), "email": .string("ada@example.com")])
        let text = String(decoding: PayloadFormat.standard.render(eventType: "rsvp.created", timestamp: timestamp, data: data), as: UTF8.self)
        #expect(text == #"{"type":"rsvp.created","timestamp":"2026-01-01T00:00:00Z","data":{"email":"ada@example.com","event_id":42,"name":"Ada"}}"#)
    }

    @Test("slack: readable call-out text with the link")
    func slack() throws {
        let object = try parse(PayloadFormat.slack.render(eventType: "callout.created", timestamp: timestamp, data: callout()))
        let text = try #require(object["text"] as? String)
        #expect(text == """
            📣 Call-out for Picket of the Kazakhstan Embassy (Sat 8 Jan 2022 12:00 GMT, Embassy of Kazakhstan, London): \
            Emergency picket after the arrests this morning. Bring banners!
            <https://picketline.example/actions/17>
            """)
        #expect(object.count == 1)
    }

    @Test("slack: markup in user text is escaped so it cannot ping the channel")
    func slackEscaping() throws {
        let object = try parse(PayloadFormat.slack.render(eventType: "callout.created", timestamp: timestamp,
                                                          data: callout(message: "<!channel> come & help")))
        let text = try #require(object["text"] as? String)
        #expect(text.contains("&lt;!channel&gt; come &amp; help"))
        #expect(!text.contains("<!channel>"))
    }

    /// A reminder event's data with the keys the store writes (ReminderPayload): kind, offset, offset_seconds.
    private func reminder(kind: String, offset: String, seconds: Int) -> JSONValue {
        .object(["action": action(), "reminder": .object([
            "kind": .string(kind), "offset": .string(offset), "offset_seconds": .integer(seconds)])])
    }

    @Test("discord: reminder text, no mentions allowed")
    func discordReminder() throws {
        let data = reminder(kind: "before_start", offset: "24h before", seconds: 86_400)
        let object = try parse(PayloadFormat.discord.render(eventType: "reminder.due", timestamp: timestamp, data: data))
        let content = try #require(object["content"] as? String)
        #expect(content == """
            ⏰ Reminder: Picket of the Kazakhstan Embassy starts in 24 hours (Sat 8 Jan 2022 12:00 GMT, Embassy of Kazakhstan, London)
            https://picketline.example/actions/17
            """)
        let mentions = try #require(object["allowed_mentions"] as? [String: Any])
        #expect((mentions["parse"] as? [Any])?.isEmpty == true)
    }

    /// Found by QA: a 30-minute reminder sent 8 minutes late (nothing was running when it fell
    /// due) still said "starts in 30 minutes". The text counts from when it fired.
    @Test("slack: a reminder fired late says how long is left then, not its offset")
    func lateReminder() throws {
        let data = reminder(kind: "before_start", offset: "30m before", seconds: 1_800)
        let start = try #require(RFC3339.date(from: "2022-01-08T12:00:00Z"))
        func text(firedAt: Date) throws -> String {
            try #require(try parse(PayloadFormat.slack.render(eventType: "reminder.due", timestamp: firedAt, data: data))["text"] as? String)
        }
        #expect(try text(firedAt: start.addingTimeInterval(-1_800)).hasPrefix("⏰ Reminder: Picket of the Kazakhstan Embassy starts in 30 minutes ("))
        // Seconds late, as the scheduler fires: still the offset.
        #expect(try text(firedAt: start.addingTimeInterval(-1_795)).contains("starts in 30 minutes"))
        #expect(try text(firedAt: start.addingTimeInterval(-1_329)).contains("starts in 22 minutes"))
        #expect(try text(firedAt: start.addingTimeInterval(-30)).contains("is coming up"))
        let day = reminder(kind: "before_start", offset: "24h before", seconds: 86_400)
        let late = try #require(try parse(PayloadFormat.discord.render(eventType: "reminder.due", timestamp: start.addingTimeInterval(-4 * 3_600),
                                                                      data: day))["content"] as? String)
        #expect(late.hasPrefix("⏰ Reminder: Picket of the Kazakhstan Embassy starts in 4 hours ("), "\(late)")
    }

    @Test("slack: a report-back after the end says the action ended, not that it is coming up")
    func slackReportBack() throws {
        let data = reminder(kind: "after_end", offset: "2h after", seconds: 7_200)
        let object = try parse(PayloadFormat.slack.render(eventType: "reminder.due", timestamp: timestamp, data: data))
        let text = try #require(object["text"] as? String)
        #expect(text.hasPrefix("⏰ Report-back: Picket of the Kazakhstan Embassy ended 2 hours ago (Sat 8 Jan 2022 12:00 GMT"), "\(text)")
        #expect(!text.contains("coming up") && !text.contains("starts in"))
    }

    @Test("discord: long call-outs are cut to 2000 characters with an ellipsis, keeping the link")
    func discordTruncation() throws {
        let long = String(repeating: "Solidarity forever! ✊ ", count: 300)
        let object = try parse(PayloadFormat.discord.render(eventType: "callout.created", timestamp: timestamp, data: callout(message: long)))
        let content = try #require(object["content"] as? String)
        #expect(content.utf16.count <= 2_000)
        #expect(content.utf16.count > 1_900)
        #expect(content.hasSuffix("…\nhttps://picketline.example/actions/17"))
        #expect(content.hasPrefix("📣 Call-out for Picket of the Kazakhstan Embassy"))
    }

    @Test("other events get a generic readable line; missing fields degrade gracefully")
    func generic() throws {
        let object = try parse(PayloadFormat.slack.render(eventType: "endorsement.added", timestamp: timestamp, data: .object(["action": action(url: nil)])))
        #expect(object["text"] as? String == "🔔 Endorsement added: Picket of the Kazakhstan Embassy (Sat 8 Jan 2022 12:00 GMT, Embassy of Kazakhstan, London)")
        let bare = try parse(PayloadFormat.discord.render(eventType: "subscription.test", timestamp: timestamp, data: .object([:])))
        #expect(bare["content"] as? String == "🔔 Subscription test")
        let noAction = EventSummary(eventType: "callout.created", data: .object(["callout": .object(["message": .string("Now!")])]))
        #expect(noAction.text == "📣 Call-out for an action: Now!")
        #expect(noAction.link == nil)
        let summer = EventSummary.formatStart("2022-07-08T12:00:00+01:00", timeZone: "Europe/London")
        #expect(summer == "Fri 8 Jul 2022 12:00 BST")  // as the command line writes it (it was "GMT+1" here)
        #expect(EventSummary.formatStart("not a date", timeZone: nil) == "not a date")
        #expect(EventSummary.describe(minutes: 90) == "1 hour 30 minutes")
        #expect(EventSummary.describe(minutes: 2_880) == "2 days")
        #expect(EventSummary.describe(minutes: 60) == "1 hour")
        #expect(EventSummary.describe(minutes: 15) == "15 minutes")
    }

    @Test("a cancellation carries its reason, an update what changed")
    func cancellationAndUpdate() throws {
        let cancelled = try parse(PayloadFormat.slack.render(eventType: "action.cancelled", timestamp: timestamp, data: .object([
            "action": action(url: nil), "changed": .array([.string("status")]), "reason": .string("The embassy agreed to meet us")])))
        #expect(cancelled["text"] as? String
            == "🚫 Cancelled: Picket of the Kazakhstan Embassy (Sat 8 Jan 2022 12:00 GMT, Embassy of Kazakhstan, London). Reason: The embassy agreed to meet us")
        let noReason = EventSummary(eventType: "action.cancelled", data: .object(["action": action(url: nil), "reason": .string("  ")]))
        #expect(noReason.text == "🚫 Cancelled: Picket of the Kazakhstan Embassy (Sat 8 Jan 2022 12:00 GMT, Embassy of Kazakhstan, London)")
        let moved = EventSummary(eventType: "action.updated", data: .object([
            "action": action(url: nil), "changed": .array([.string("starts_at"), .string("location")])]))
        #expect(moved.text.hasSuffix("London); changed: starts at, location"), "\(moved.text)")
    }

    @Test("non-http links are dropped")
    func unsafeLink() {
        let summary = EventSummary(eventType: "callout.created", data: .object(["action": action(url: "javascript:alert(1)")]))
        #expect(summary.link == nil)
    }

    @Test("JSONValue escapes control characters and keeps valid JSON")
    func escaping() throws {
        let value: JSONValue = .object(["s": .string("quote \" backslash \\ newline \n tab \t bell \u{7} ünï 📣 \u{2028}"),
                                        "n": .number(1.5), "i": .integer(-3), "b": .bool(true), "z": .null,
                                        "inf": .number(.infinity), "a": .array([.integer(1), .string("x")])])
        let text = value.serialized
        #expect(text.contains(#"\u0007"#))
        #expect(text.contains(#"\u2028"#))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["s"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{7} ünï 📣 \u{2028}")
        #expect(parsed["inf"] is NSNull)
        #expect(try JSONValue(parsing: Data(#"{"x":[1,2.5,"s",true,null]}"#.utf8))
            == .object(["x": .array([.integer(1), .number(2.5), .string("s"), .bool(true), .null])]))
    }
}
