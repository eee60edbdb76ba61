import Foundation
import PicketlineScheduler

/// Reading and writing instants the way the tests state them: RFC 3339 in, and out as local
/// wall-clock minutes with the zone's offset (`2026-03-29T02:00+01:00`), which is how a person
/// checks a schedule by hand.
enum TestClock {
    static func instant(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: text) else {
            preconditionFailure("not an RFC 3339 time: \(text)")
        }
        return date
    }

    static func zone(_ identifier: String) -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else {
            preconditionFailure("unknown time zone \(identifier)")
        }
        return zone
    }

    /// `date` on `zone`'s wall clock, to the minute, with the offset then in force.
    static func local(_ date: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offset)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let seconds = c.second! == 0 ? "" : ":" + pad(c.second!)
        let sign = offset < 0 ? "-" : "+"
        let offsetText = sign + pad(abs(offset) / 3600) + ":" + pad(abs(offset) % 3600 / 60)
        return "\(pad(c.year!, 4))-\(pad(c.month!))-\(pad(c.day!))T\(pad(c.hour!)):\(pad(c.minute!))\(seconds)\(offsetText)"
    }

    /// The next `count` fire times of `expression` after `after`, as local strings, found by
    /// calling `nextFire` on each previous result.
    static func fires(_ expression: String, after: String, in zoneName: String = "UTC", count: Int) throws -> [String] {
        let cron = try CronExpression(expression)
        let zone = zone(zoneName)
        var result: [String] = []
        var cursor = instant(after)
        while result.count < count, let next = cron.nextFire(after: cursor, in: zone) {
            result.append(local(next, in: zone))
            cursor = next
        }
        return result
    }

    private static func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
