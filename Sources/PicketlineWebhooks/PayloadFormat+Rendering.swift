import Foundation
import PicketlineCore

/// Rendering of each format: the Standard Webhooks envelope, or readable chat text.
extension PayloadFormat {
    /// The request body for an event, as UTF-8 JSON. `sequence` is the event's position in the
    /// outbox: deliveries run in parallel and retries come late, so a receiver that keeps state
    /// orders events by it, not by arrival.
    public func render(eventType: String, timestamp: Date, sequence: Int64? = nil, data: JSONValue) -> [UInt8] {
        var json = ""
        switch self {
        case .standard:
            // Written by hand to keep the documented key order: type, timestamp, sequence, data.
            json = "{\"type\":"
            JSONValue.writeString(eventType, to: &json)
            json += ",\"timestamp\":"
            JSONValue.writeString(RFC3339.string(from: timestamp), to: &json)
            if let sequence { json += ",\"sequence\":\(sequence)" }
            json += ",\"data\":" + data.serialized + "}"
        case .slack:
            let summary = EventSummary(eventType: eventType, data: data, at: timestamp)
            var text = Self.slackEscaped(summary.text)
            if let link = summary.link { text += "\n<\(Self.slackEscaped(link))>" }
            json = JSONValue.object(["text": .string(text)]).serialized
        case .discord:
            let summary = EventSummary(eventType: eventType, data: data, at: timestamp)
            let content = Self.discordContent(text: summary.text, link: summary.link)
            // Call-out messages are user-written: never let them ping @everyone or roles.
            json = JSONValue.object([
                "content": .string(content),
                "allowed_mentions": .object(["parse": .array([])]),
            ]).serialized
        }
        return Array(json.utf8)
    }

    /// Slack treats `&`, `<` and `>` as markup (`<!channel>` pings everyone).
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Text plus link, cut at a character boundary with "…" so the whole fits the limit;
    /// the link is kept whole when it fits on its own. Counted in UTF-16 units, which is
    /// never less than Discord's own count.
    static func discordContent(text: String, link: String?) -> String {
        let limit = discordContentLimit
        let suffix = link.map { "\n" + $0 } ?? ""
        if text.utf16.count + suffix.utf16.count <= limit { return text + suffix }
        let keepLink = suffix.utf16.count + 1 < limit / 2
        let budget = limit - (keepLink ? suffix.utf16.count : 0) - 1
        var cut = ""
        var used = 0
        for character in text {
            let size = String(character).utf16.count
            if used + size > budget { break }
            cut.append(character)
            used += size
        }
        return cut.trimmingCharacters(in: .whitespaces) + "…" + (keepLink ? suffix : "")
    }
}
