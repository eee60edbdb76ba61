import Foundation
import PicketlineCore

/// A human-readable line for an event, plus the action's link if it has one.
///
/// Used by the chat formats (Slack, Discord); expects the payload keys
/// `action {id, title, target, starts_at, time_zone, location {venue, locality}, url?}`,
/// `callout {id, message}`, `reminder {kind, offset_seconds}`, and beside an action's cancellation
/// or update its `reason` and `changed` (field names), and a digest's `schedule`, `scope`, `count`
/// and `actions`.
public struct EventSummary: Sendable, Hashable {
    /// The readable text, without the link.
    public var text: String
    /// The action's `url`, when it is an http(s) URL.
    public var link: String?

    /// Builds the summary for `eventType` from its `data` object; `at` is when the event happened
    /// (a reminder's firing), against which a late reminder says how long is really left.
    public init(eventType: String, data: JSONValue, at: Date? = nil) {
        let action = data["action"]
        let title = action?["title"]?.stringValue.flatMap(Self.nonEmpty) ?? "an action"
        let details = action.map(Self.details(of:)).map { $0.isEmpty ? "" : " (\($0))" } ?? ""
        switch eventType {
        case "callout.created":
            let message = data["callout"]?["message"]?.stringValue.flatMap(Self.nonEmpty)
            text = "📣 Call-out for \(title)\(details)" + (message.map { ": \($0)" } ?? "")
        case "reminder.due":
            // The store's `reminder {kind, offset_seconds}`: before the start, or a report-back after the end.
            let reminder = data["reminder"]
            let offset = reminder?["offset_seconds"]?.intValue ?? 0
            var minutes = offset / 60
            // Fired late (nothing was running when it fell due, and reminders are still sent until
            // the start): "starts in 30 minutes" would be wrong 8 minutes later. When it fired a
            // minute or more after its time, the whole minutes left then (under one: "coming up").
            if reminder?["kind"]?.stringValue == ReminderKind.beforeStart.rawValue, let at,
               let startsAt = action?["starts_at"]?.stringValue.flatMap(RFC3339.date(from:)) {
                let left = startsAt.timeIntervalSince(at)
                if left > 0, left <= Double(offset - 60) { minutes = Int((left / 60).rounded(.down)) }
            }
            if reminder?["kind"]?.stringValue == ReminderKind.afterEnd.rawValue {
                text = "⏰ Report-back: \(title) ended" + (minutes > 0 ? " \(Self.describe(minutes: minutes)) ago" : "") + details
            } else if minutes > 0 {
                text = "⏰ Reminder: \(title) starts in \(Self.describe(minutes: minutes))\(details)"
            } else {
                text = "⏰ Reminder: \(title) is coming up\(details)"
            }
        case "digest.due":
            // The store's `{schedule {name}, scope {name}, count, actions [action…]}`: one line each.
            let name = data["schedule"]?["name"]?.stringValue.flatMap(Self.nonEmpty) ?? "Digest"
            let scope = data["scope"]?["name"]?.stringValue.flatMap(Self.nonEmpty)
            let actions = data["actions"]?.arrayValue ?? []
            let count = data["count"]?.intValue ?? actions.count
            var lines = ["🗓️ \(name)\(scope.map { " (\($0))" } ?? ""): "
                + (count == 0 ? "no actions coming up" : "\(count) action\(count == 1 ? "" : "s") coming up")]
            for action in actions.prefix(Self.digestLines) {
                let title = action["title"]?.stringValue.flatMap(Self.nonEmpty) ?? "an action"
                let details = Self.details(of: action)
                let url = (action["url"] ?? action["source_url"])?.stringValue.flatMap(Self.webLink)
                lines.append("• \(title)" + (details.isEmpty ? "" : " (\(details))") + (url.map { " \($0)" } ?? ""))
            }
            if count > min(actions.count, Self.digestLines) { lines.append("… and \(count - min(actions.count, Self.digestLines)) more") }
            text = lines.joined(separator: "\n")
            link = nil
            return
        case "action.cancelled":
            // The organisers' reason is what people in the channel ask first.
            let reason = data["reason"]?.stringValue.flatMap(Self.nonEmpty)
            text = "🚫 Cancelled: \(title)\(details)" + (reason.map { ". Reason: \($0)" } ?? "")
        case "action.updated":
            // What changed, so nobody has to compare the old post with the new one.
            let changed = data["changed"]?.arrayValue?.compactMap(\.stringValue).map { $0.replacingOccurrences(of: "_", with: " ") } ?? []
            text = "🔔 Action updated: \(title)\(details)" + (changed.isEmpty ? "" : "; changed: \(changed.joined(separator: ", "))")
        default:
            let headline = "🔔 \(Self.humanize(eventType))"
            text = action == nil ? headline : "\(headline): \(title)\(details)"
        }
        link = action?["url"]?.stringValue.flatMap(Self.webLink)
    }

    /// The most actions a digest lists one by one (a chat message is read, not searched).
    static let digestLines = 20

    /// An http(s) URL, or nil: other schemes are never offered as links.
    static func webLink(_ url: String) -> String? {
        url.lowercased().hasPrefix("https://") || url.lowercased().hasPrefix("http://") ? url : nil
    }

    /// "Sat 8 Jan 2022 12:00 GMT, Embassy of Kazakhstan, London" — the parts that are present.
    static func details(of action: JSONValue) -> String {
        var parts: [String] = []
        if let startsAt = action["starts_at"]?.stringValue {
            parts.append(formatStart(startsAt, timeZone: action["time_zone"]?.stringValue))
        }
        for key in ["venue", "locality"] {
            if let value = action["location"]?[key]?.stringValue.flatMap(nonEmpty) { parts.append(value) }
        }
        return parts.joined(separator: ", ")
    }

    /// Formats an RFC 3339 time in the action's time zone; returns the input unchanged if it does not parse.
    static func formatStart(_ rfc3339: String, timeZone identifier: String?) -> String {
        guard let date = RFC3339.date(from: rfc3339) else { return rfc3339 }
        return LocalTime.string(date, in: identifier.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!)
    }

    /// 1440 → "24 hours", 90 → "1 hour 30 minutes", 2880 → "2 days".
    static func describe(minutes: Int) -> String {
        func unit(_ count: Int, _ name: String) -> String { "\(count) \(name)\(count == 1 ? "" : "s")" }
        if minutes > 1_440, minutes % 1_440 == 0 { return unit(minutes / 1_440, "day") }
        if minutes < 60 { return unit(minutes, "minute") }
        let hours = unit(minutes / 60, "hour")
        return minutes % 60 == 0 ? hours : "\(hours) \(unit(minutes % 60, "minute"))"
    }

    /// "action.cancelled" → "Action cancelled".
    static func humanize(_ eventType: String) -> String {
        let words = eventType.split(whereSeparator: { $0 == "." || $0 == "_" || $0 == "-" }).joined(separator: " ")
        guard let first = words.first else { return "Event" }
        return first.uppercased() + words.dropFirst()
    }

    private static func nonEmpty(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
