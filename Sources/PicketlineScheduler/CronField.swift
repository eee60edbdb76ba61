/// One of the five fields of a cron expression: its name, its range, the names it accepts, and
/// how its text turns into the set of values it selects.
enum CronField: Sendable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    /// What one field's text selects. Plain values are bits; the `L` and `#` extensions are
    /// kept apart because whether they match depends on the month.
    struct Selection: Hashable, Sendable {
        /// Bit `v` is set when value `v` is selected; day-of-week 7 is stored as 0 (Sunday).
        var values: UInt64 = 0
        /// Day of month `L`: the last day of the month.
        var lastDay = false
        /// Day of month `LW`: the last Monday-to-Friday day of the month.
        var lastWorkday = false
        /// Day of week `wL`: bit `w` set for the last such weekday of the month.
        var lastWeekdays: UInt8 = 0
        /// Day of week `w#n`: bit `w * 8 + n` set for the n-th such weekday of the month.
        var nthWeekdays: UInt64 = 0
    }

    var name: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    var bounds: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        // 7 is Sunday as well as 0, so that MON-7 and 1-7 can be written.
        case .dayOfWeek: 0...7
        }
    }

    static let monthAbbreviations = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let weekdayAbbreviations = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Parses a whole field: a comma-separated list of items.
    func parse(_ text: Substring) throws(CronParseError) -> Selection {
        var selection = Selection()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            if item.isEmpty {
                throw error(text, "empty item in list \(text)")
            }
            try parseItem(item, into: &selection)
        }
        return selection
    }

    private func parseItem(_ item: Substring, into selection: inout Selection) throws(CronParseError) {
        if item == "*" {
            selection.insert(bounds, step: 1, field: self)
            return
        }
        // The extensions are recognised before ranges and steps, in the order cronsim uses,
        // so that the same texts are accepted.
        if self == .dayOfWeek, item.contains(where: { $0 == "L" || $0 == "l" }) {
            selection.lastWeekdays |= 1 << UInt8(try lastWeekday(item) % 7)
            return
        }
        if self == .dayOfWeek, let hash = item.firstIndex(of: "#") {
            let weekday = try value(item[..<hash], in: item)
            let nth = try occurrence(item[item.index(after: hash)...], in: item)
            selection.nthWeekdays |= 1 << UInt64((weekday % 7) * 8 + nth)
            return
        }
        if let slash = item.firstIndex(of: "/") {
            let base = item[..<slash]
            let step = try step(item[item.index(after: slash)...], in: item)
            let span: ClosedRange<Int>
            if base == "*" {
                span = bounds
            } else if base.contains(where: { $0 == "-" }) {
                span = try range(base, in: item)
            } else {
                // `5/10` means 5 through the end of the range, every 10 (cronie and cronsim).
                span = try value(base, in: item)...bounds.upperBound
            }
            selection.insert(span, step: step, field: self)
            return
        }
        if item.contains(where: { $0 == "-" }) {
            selection.insert(try range(item, in: item), step: 1, field: self)
            return
        }
        if self == .dayOfMonth && item.count <= 2 {
            switch item.uppercased() {
            case "L":
                selection.lastDay = true
                return
            case "LW":
                selection.lastWorkday = true
                return
            default:
                break
            }
        }
        let single = try value(item, in: item)
        selection.insert(single...single, step: 1, field: self)
    }

    /// `5L` in day-of-week: the weekday number before the `L`.
    private func lastWeekday(_ item: Substring) throws(CronParseError) -> Int {
        let number = item.dropLast()
        guard item.last == "L" || item.last == "l", !number.isEmpty, number.allSatisfy(\.isASCIIDigit) else {
            throw error(item, "\(item): L in day-of-week goes after a weekday number, e.g. 5L for the last Friday")
        }
        return try value(number, in: item)
    }

    /// The `n` of `w#n`.
    private func occurrence(_ text: Substring, in item: Substring) throws(CronParseError) -> Int {
        guard !text.isEmpty else {
            throw error(item, "\(item): # needs an occurrence 1-5 after it, e.g. 2#2 for the second Tuesday")
        }
        guard let n = Self.decimal(text) else {
            throw error(item, "\(item): occurrence \(text) is not a number")
        }
        guard (1...5).contains(n) else {
            throw error(item, "\(item): occurrence \(text) is out of range 1-5")
        }
        return n
    }

    /// The `n` of `x/n`; any positive number is accepted, one larger than the range selects
    /// only the start.
    private func step(_ text: Substring, in item: Substring) throws(CronParseError) -> Int {
        guard !text.isEmpty else {
            throw error(item, "\(item): step is missing after /")
        }
        guard text.allSatisfy(\.isASCIIDigit) else {
            throw error(item, "\(item): step \(text) is not a number")
        }
        guard let step = Self.decimal(text) else { return Int.max }
        guard step > 0 else {
            throw error(item, "\(item): step must be at least 1")
        }
        return step
    }

    /// `a-b`, where either end may be a name; reversed ranges are rejected as cronsim does.
    private func range(_ text: Substring, in item: Substring) throws(CronParseError) -> ClosedRange<Int> {
        let dash = text.firstIndex(of: "-")!
        let startText = text[..<dash]
        let endText = text[text.index(after: dash)...]
        guard !startText.isEmpty else {
            throw error(item, "\(text): range is missing its start")
        }
        guard !endText.isEmpty else {
            throw error(item, "\(text): range is missing its end")
        }
        let start = try value(startText, in: item)
        let end = try value(endText, in: item)
        guard start <= end else {
            if self == .dayOfWeek && end == 0 {
                throw error(text, "range \(text) is reversed; write \(startText)-7 to end on Sunday")
            }
            throw error(text, "range \(text) is reversed")
        }
        return start...end
    }

    /// A single number or name.
    private func value(_ text: Substring, in item: Substring) throws(CronParseError) -> Int {
        if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) {
            guard let number = Self.decimal(text), bounds.contains(number) else {
                throw error(text, "\(text) is out of range \(bounds.lowerBound)-\(bounds.upperBound)")
            }
            return number
        }
        let upper = text.uppercased()
        switch self {
        case .month:
            if let index = Self.monthAbbreviations.firstIndex(of: upper) { return index + 1 }
        case .dayOfWeek:
            if let index = Self.weekdayAbbreviations.firstIndex(of: upper) { return index }
        default:
            break
        }
        throw error(text, notAValue(text, upper: upper, in: item))
    }

    private func notAValue(_ text: Substring, upper: String, in item: Substring) -> String {
        if text.isEmpty {
            return "\(item) has an empty value"
        }
        if text == "*" {
            return "\(item): * cannot be combined with a range or a name"
        }
        if text == "?" {
            return "? is not supported; use *"
        }
        if text.contains(where: { $0 == "#" }) && self != .dayOfWeek {
            return "\(item): # is only allowed in day-of-week, e.g. 2#2"
        }
        let isLastDaySyntax = upper == "L" || upper == "LW" || (upper.hasSuffix("L") && upper.dropLast().allSatisfy(\.isASCIIDigit))
        if isLastDaySyntax && (self == .minute || self == .hour || self == .month) {
            return "\(item): L is only allowed in day-of-month and day-of-week"
        }
        switch self {
        case .dayOfMonth where upper == "L" || upper == "LW":
            return "\(item): \(text) cannot be part of a range or a step"
        case .dayOfMonth:
            return "\(text) is not a day of the month; use 1-31, L or LW"
        case .month:
            return "\(text) is not a month; use 1-12 or JAN-DEC"
        case .dayOfWeek:
            return "\(text) is not a weekday; use 0-7 or SUN-SAT"
        case .minute, .hour:
            return "\(text) is not a number"
        }
    }

    private func error(_ token: Substring, _ reason: String) -> CronParseError {
        CronParseError(field: name, token: String(token), reason: reason)
    }

    /// The value of a run of ASCII digits, or nil if it is not one or does not fit an `Int`.
    static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty else { return nil }
        var result = 0
        for character in text.utf8 {
            guard character >= UInt8(ascii: "0"), character <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(character - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            result = sum
        }
        return result
    }
}

extension CronField.Selection {
    /// Adds every `step`-th value of `span`, starting at its lower bound.
    mutating func insert(_ span: ClosedRange<Int>, step: Int, field: CronField) {
        var v = span.lowerBound
        while v <= span.upperBound {
            values |= 1 << UInt64(field == .dayOfWeek ? v % 7 : v)
            let (next, overflow) = v.addingReportingOverflow(step)
            if overflow { break }
            v = next
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
