import Foundation

/// RFC 3339 instants: parsing with any offset, formatting in UTC or in a zone with its offset.
public enum RFC3339 {
    /// "2022-01-08T12:00:00Z" (fractional seconds dropped).
    public static func string(from date: Date) -> String {
        string(from: date, in: .gmt)
    }

    /// "2022-01-08T12:00:00+00:00" style in the given zone; UTC is written `Z`.
    public static func string(from date: Date, in zone: TimeZone) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let utc = zone.identifier == "GMT" || zone.identifier == "UTC"
        let offset = utc ? 0 : zone.secondsFromGMT(for: date)
        let local = CivilDateTime(epochSeconds: seconds + Int64(offset))
        // Written digit by digit: `String(format:)` was a visible share of every JSON answer.
        var text = DigitWriter(capacity: 25)
        text.date(local, separator: UInt8(ascii: "T"))
        if utc {
            text.byte(UInt8(ascii: "Z"))
        } else {
            text.byte(UInt8(ascii: offset < 0 ? "-" : "+"))
            text.digits(abs(offset) / 3600, 2)
            text.byte(UInt8(ascii: ":"))
            text.digits(abs(offset) % 3600 / 60, 2)
        }
        return text.string
    }

    /// "2022-01-08 12:00:00.000" in UTC, milliseconds truncated: the text form SQLite stores dates
    /// in (the same as GRDB's), written without a `DateFormatter`. A date read back from that text
    /// is a whole number of milliseconds only up to floating-point error, so a value within a
    /// microsecond below the next millisecond counts as that millisecond: writing a date that was
    /// read gives the same text again (tested), instead of creeping back a millisecond a save.
    public static func databaseString(from date: Date) -> String {
        let exact = date.timeIntervalSince1970 * 1000
        var rounded = exact.rounded(.down)
        if exact - rounded > 0.999 { rounded += 1 }
        let milliseconds = Int64(rounded)
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        var text = DigitWriter(capacity: 23)
        text.date(CivilDateTime(epochSeconds: seconds), separator: UInt8(ascii: " "))
        text.byte(UInt8(ascii: "."))
        text.digits(Int(milliseconds - seconds * 1000), 3)
        return text.string
    }

    /// Parses the stored form `databaseString` writes ("2022-01-08 12:00:00.000", UTC); nil for
    /// any other text. Reading it by hand spares a process the first use of a UTC `Calendar` (about
    /// a millisecond of every command that reads an action) and each row a calendar computation.
    public static func date(fromDatabaseString text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 23, bytes[4] == 45, bytes[7] == 45, bytes[10] == 32, bytes[13] == 58, bytes[16] == 58,
                  bytes[19] == 46 else { return nil }
            func number(_ start: Int, _ length: Int) -> Int? {
                var value = 0
                for index in start..<(start + length) {
                    let digit = bytes[index] &- 48
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int(digit)
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                  let minute = number(14, 2), let second = number(17, 2), let milliseconds = number(20, 3),
                  (1...12).contains(month), (1...CivilDateTime.daysIn(month: month, year: year)).contains(day),
                  hour < 24, minute < 60, second < 60 else { return nil }
            let civil = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
            // The same arithmetic as Foundation's Gregorian calendar, which GRDB reads these with:
            // seconds since 2001 plus the nanoseconds, so that both give the very same `Date`.
            let sinceReference = Double(civil.epochSeconds - 978_307_200)
            return Date(timeIntervalSinceReferenceDate: sinceReference + Double(milliseconds * 1_000_000) / 1_000_000_000)
        }
    }

    /// Parses "2022-01-08T12:00:00Z", "…+01:00", with or without fractional seconds, "T" or space.
    public static func date(from text: String) -> Date? {
        let chars = Array(text.utf8)
        func number(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= chars.count else { return nil }
            var value = 0
            for index in start..<(start + length) {
                let c = chars[index]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard chars.count >= 20, let year = number(0, 4), chars[4] == 45, let month = number(5, 2), chars[7] == 45,
              let day = number(8, 2), chars[10] == 84 || chars[10] == 116 || chars[10] == 32,
              let hour = number(11, 2), chars[13] == 58, let minute = number(14, 2), chars[16] == 58,
              let second = number(17, 2)
        else { return nil }
        guard (1...12).contains(month), (1...CivilDateTime.daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        var fraction = 0.0
        if index < chars.count, chars[index] == 46 {
            index += 1
            var scale = 0.1
            let start = index
            while index < chars.count, chars[index] >= 48 && chars[index] <= 57 {
                fraction += Double(chars[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < chars.count else { return nil }
        var offset = 0
        if chars[index] == 90 || chars[index] == 122 {
            guard index + 1 == chars.count else { return nil }
        } else if chars[index] == 43 || chars[index] == 45 {
            guard index + 6 == chars.count, let oh = number(index + 1, 2), chars[index + 3] == 58,
                  let om = number(index + 4, 2), oh < 24, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (chars[index] == 45 ? -1 : 1)
        } else {
            return nil
        }
        let local = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59))
        return Date(timeIntervalSince1970: Double(local.epochSeconds - Int64(offset)) + fraction)
    }
}

/// A calendar date and time without a zone, with exact proleptic Gregorian arithmetic.
public struct CivilDateTime: Sendable, Equatable, Hashable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year; self.month = month; self.day = day; self.hour = hour; self.minute = minute; self.second = second
    }

    /// The civil time of a count of seconds since 1970-01-01T00:00 (in whatever zone they are counted).
    public init(epochSeconds: Int64) {
        let days = Int(epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400)
        let rest = Int(epochSeconds - Int64(days) * 86_400)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d,
                  hour: rest / 3600, minute: rest % 3600 / 60, second: rest % 60)
    }

    /// Seconds since 1970-01-01T00:00 of this civil time.
    public var epochSeconds: Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days in a month of a year.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The instant this wall-clock time denotes in a zone. For a time skipped by a DST jump
    /// it returns the instant the same distance after the jump; for a repeated time, the first.
    public func instant(in zone: TimeZone) -> Date {
        let naive = epochSeconds
        // Try the offsets in force a day either side; pick the earliest that round-trips.
        let candidates = Set([zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(naive - 86_400))),
                              zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(naive))),
                              zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(naive + 86_400)))])
        let matches = candidates.map { naive - Int64($0) }
            .filter { Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0)))) == naive - $0 }
            .sorted()
        if let first = matches.first { return Date(timeIntervalSince1970: Double(first)) }
        // Skipped: interpret with the offset before the jump (lands after it).
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(naive - 86_400)))
        return Date(timeIntervalSince1970: Double(naive - Int64(before)))
    }
}

/// Reads the times people type: RFC 3339 with an offset, or a local "2022-01-08 12:00" in a zone.
public enum LocalTimeParser {
    /// Parses `text` as an instant; local forms are read in `zone`.
    public static func instant(_ text: String, in zone: TimeZone, field: String) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = RFC3339.date(from: trimmed) {
            // Stored and shown as four-digit years in UTC: 9999-12-31T23:59:59-23:59 would be year 10000.
            guard date.timeIntervalSince1970 < 253_402_300_800 else {
                throw PicketlineError.invalid(field: field, reason: "\(text.debugDescription) is after the year 9999")
            }
            return date
        }
        let pieces = trimmed.replacingOccurrences(of: "T", with: " ").split(separator: " ")
        let dateParts = pieces.first.map { $0.split(separator: "-").map { Int($0) } } ?? []
        let timeParts = pieces.count > 1 ? pieces[1].split(separator: ":").map { Int($0) } : [0, 0]
        guard pieces.count <= 2, dateParts.count == 3, (2...3).contains(timeParts.count),
              let year = dateParts[0], let month = dateParts[1], let day = dateParts[2],
              let hour = timeParts[0], let minute = timeParts[1],
              (1...12).contains(month), (1...CivilDateTime.daysIn(month: month, year: year)).contains(day),
              (0..<24).contains(hour), (0..<60).contains(minute)
        else {
            throw PicketlineError.invalid(field: field,
                reason: "\(text.debugDescription) is not a time like \"2022-01-08 12:00\" or \"2022-01-08T12:00:00Z\"")
        }
        let second = timeParts.count == 3 ? (timeParts[2] ?? 0) : 0
        return CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second).instant(in: zone)
    }

    /// What a reader should be told about how a local `text` was read as `instant`: nil for an
    /// ordinary time (or one with an offset); for a time the clocks skip, that it was read as the
    /// same distance after the jump; for one they repeat, that the first was taken.
    public static func note(_ text: String, instant: Date, in zone: TimeZone) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard RFC3339.date(from: trimmed) == nil else { return nil }
        let local = Int64(instant.timeIntervalSince1970) + Int64(zone.secondsFromGMT(for: instant))
        let read = RFC3339.string(from: instant, in: zone)
        let typed = (try? Self.instant(trimmed, in: TimeZone(secondsFromGMT: 0)!, field: "")).map { Int64($0.timeIntervalSince1970) }
        if let typed, typed != local {
            return "\(trimmed) does not exist in \(zone.identifier) (the clocks go forward that night); read as \(read)"
        }
        // Repeated: the clocks go back by `shift` within the day, and the same wall-clock time
        // comes round again that much later.
        let shift = zone.secondsFromGMT(for: instant) - zone.secondsFromGMT(for: instant.addingTimeInterval(86_400))
        let later = instant.addingTimeInterval(Double(shift))
        if shift > 0, Int64(later.timeIntervalSince1970) + Int64(zone.secondsFromGMT(for: later)) == local {
            return "\(trimmed) happens twice in \(zone.identifier) (the clocks go back that night); the first is used, \(read); "
                + "give \(RFC3339.string(from: later, in: zone)) for the second"
        }
        return nil
    }
}

/// Appends zero-padded numbers to a byte buffer; for timestamps on hot paths.
struct DigitWriter {
    private var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ byte: UInt8) { bytes.append(byte) }

    mutating func digits(_ value: Int, _ width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = max(0, value)
        if rest >= divisor * 10 {  // wider than asked (a year past 9999): write it all
            for character in String(rest).utf8 { bytes.append(character) }
            return
        }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// "YYYY-MM-DD<separator>HH:MM:SS".
    mutating func date(_ time: CivilDateTime, separator: UInt8) {
        digits(time.year, 4); byte(UInt8(ascii: "-")); digits(time.month, 2); byte(UInt8(ascii: "-")); digits(time.day, 2)
        byte(separator)
        digits(time.hour, 2); byte(UInt8(ascii: ":")); digits(time.minute, 2); byte(UInt8(ascii: ":")); digits(time.second, 2)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
