import Foundation

/// A cron schedule in Vixie cron / cronie syntax (five fields, names, ranges, steps, lists,
/// `@daily`-style macros, and `L`, `LW`, `w#n`, `wL`), with next fire times computed the way
/// Debian cron runs jobs across daylight-saving changes.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The text the expression was parsed from, exactly as given.
    public let description: String

    /// Whether the schedule ever fires. `false` for expressions that parse but can never
    /// match, such as `0 0 */15 * 5#2` (the 1st, 16th and 31st, each only when it is a second
    /// Friday, which falls on the 8th to 14th); `nextFire` then returns nil at once.
    public let isSatisfiable: Bool

    /// Bit `m` set for each selected minute.
    let minutes: UInt64
    /// Bit `h` set for each selected hour.
    let hours: UInt32
    /// Bit `m` set for each selected month, 1 to 12.
    let months: UInt16
    let days: CronDayMasks
    /// Debian cron's "fixed-time job": neither the minute nor the hour field starts with `*`.
    /// Such a job runs once at the end of a skipped hour and only once in a repeated hour;
    /// every other job follows the wall clock.
    let isFixedTime: Bool

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    /// Parses `text`, throwing a `CronParseError` that names the field and the offending text.
    public init(_ text: String) throws(CronParseError) {
        let fields = try Self.fields(of: text)
        let minute = try CronField.minute.parse(fields[0])
        let hour = try CronField.hour.parse(fields[1])
        let dayOfMonth = try CronField.dayOfMonth.parse(fields[2])
        let month = try CronField.month.parse(fields[3])
        let dayOfWeek = try CronField.dayOfWeek.parse(fields[4])

        // Vixie cron: a field starting with `*` counts as unrestricted, even `*/2`; only when
        // both day fields are restricted does either one suffice.
        let requireBoth = fields[2].first == "*" || fields[4].first == "*"
        try Self.rejectDaysBeyondMonthEnd(fields[2], dayOfMonth, months: month.values, requireBoth: requireBoth)

        let days = CronDayMasks(dayOfMonth: dayOfMonth, dayOfWeek: dayOfWeek, requireBoth: requireBoth)
        self.description = text
        self.minutes = minute.values
        self.hours = UInt32(truncatingIfNeeded: hour.values)
        self.months = UInt16(truncatingIfNeeded: month.values)
        self.days = days
        self.isFixedTime = fields[0].first != "*" && fields[1].first != "*"
        self.isSatisfiable = (1...12).contains { month.values & (1 << UInt64($0)) != 0 && days.occur(inMonth: $0) }
    }

    /// The five field texts, with a macro expanded.
    private static func fields(of text: String) throws(CronParseError) -> [Substring] {
        // ASCII whitespace, as Vixie cron's isspace().
        let words = text.utf8
            .split(whereSeparator: { $0 == UInt8(ascii: " ") || (UInt8(ascii: "\t")...UInt8(ascii: "\r")).contains($0) })
            .map { Substring($0) }
        if let first = words.first, first.first == "@" {
            let macro = first.lowercased()
            guard let expansion = macros[macro] else {
                let reason = macro == "@reboot"
                    ? "@reboot has no fire times; it runs when cron starts"
                    : "unknown macro \(first); use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"
                throw CronParseError(field: "expression", token: String(first), reason: reason)
            }
            guard words.count == 1 else {
                throw CronParseError(field: "expression", token: text, reason: "unexpected text after \(first)")
            }
            return expansion.split(separator: " ")
        }
        guard words.count == 5 else {
            let hint = words.count == 6 ? " (a seconds field is not supported)" : ""
            throw CronParseError(field: "expression", token: text, reason: "expected 5 fields, got \(words.count)\(hint)")
        }
        return words
    }

    /// Rejects at parse time what cronsim rejects: when both day fields must match and the
    /// smallest selected day is past the end of every selected month (`0 0 30 2 *`).
    private static func rejectDaysBeyondMonthEnd(
        _ text: Substring, _ dayOfMonth: CronField.Selection, months: UInt64, requireBoth: Bool
    ) throws(CronParseError) {
        guard requireBoth, !dayOfMonth.lastDay, !dayOfMonth.lastWorkday, dayOfMonth.values != 0 else { return }
        let firstDay = dayOfMonth.values.trailingZeroBitCount
        let selectedMonths = (1...12).filter { months & (1 << UInt64($0)) != 0 }
        let longest = selectedMonths.map { CivilDate.daysInMonth(year: 2000, month: $0) }.max() ?? 31
        guard firstDay > longest else { return }
        let names = selectedMonths.map { Self.monthNames[$0 - 1] }
        let monthList = names.count == 1
            ? names[0]
            : names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
        let what = dayOfMonth.values.nonzeroBitCount == 1 ? "\(firstDay) never occurs" : "none of \(text) occurs"
        throw CronParseError(field: CronField.dayOfMonth.name, token: String(text), reason: "\(what) in \(monthList)")
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]

    /// Two expressions are equal when they were parsed from the same text.
    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool {
        lhs.description == rhs.description
    }

    /// Hashes the text the expression was parsed from.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }
}
