import Foundation

/// Parser for the HTTP `Retry-After` header (RFC 9110 §10.2.3).
public enum RetryAfter {
    /// Seconds to wait from `now`, or nil when `value` is neither delta-seconds nor an HTTP-date.
    /// A date in the past gives 0.
    public static func seconds(from value: String, now: Date = Date()) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        if trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // Absurdly long digit strings overflow Int; treat them as "very long".
            return Double(trimmed).map { min($0, Double(Int32.max)) }
        }
        guard let date = httpDate(trimmed) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// Parses the three HTTP-date forms: IMF-fixdate, RFC 850 and asctime.
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var day: Int?, month: Int?, year: Int?, clock: String?
        if parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT" {
            // Sun, 06 Nov 1994 08:49:37 GMT
            day = Int(parts[1]); month = monthNumber(parts[2]); year = Int(parts[3]); clock = parts[4]
        } else if parts.count == 4, parts[0].hasSuffix(","), parts[3] == "GMT" {
            // Sunday, 06-Nov-94 08:49:37 GMT
            let dmy = parts[1].split(separator: "-").map(String.init)
            guard dmy.count == 3, let shortYear = Int(dmy[2]) else { return nil }
            day = Int(dmy[0]); month = monthNumber(dmy[1]); clock = parts[2]
            // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
            year = dmy[2].count == 2 ? (shortYear < 70 ? 2000 + shortYear : 1900 + shortYear) : shortYear
        } else if parts.count == 5 {
            // Sun Nov  6 08:49:37 1994
            month = monthNumber(parts[1]); day = Int(parts[2]); clock = parts[3]; year = Int(parts[4])
        }
        guard let day, let month, let year, let clock, (1...31).contains(day) else { return nil }
        let hms = clock.split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, (0...23).contains(hms[0]), (0...59).contains(hms[1]), (0...60).contains(hms[2]) else {
            return nil
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hms[0] * 3_600 + hms[1] * 60 + hms[2]
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func monthNumber(_ name: String) -> Int? {
        months.firstIndex(of: name.lowercased()).map { $0 + 1 }
    }

    // Howard Hinnant's days_from_civil: proleptic Gregorian date to days since 1970-01-01.
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
