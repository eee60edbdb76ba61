/// The days of a month that a cron expression's day-of-month and day-of-week fields select,
/// precomputed for every shape a month can have (28 to 31 days, starting on any weekday), so
/// that finding the next matching day is one table look-up and a bit scan.
struct CronDayMasks: Hashable, Sendable {
    /// Indexed by `(length - 28) * 7 + firstWeekday`; bit `d` is set when day `d` matches.
    private let masks: [UInt32]

    /// Combines the two fields: with `requireBoth` a day must match both (Vixie cron's rule
    /// when either field starts with `*`), otherwise either.
    init(dayOfMonth: CronField.Selection, dayOfWeek: CronField.Selection, requireBoth: Bool) {
        // Days 1, 8, 15, 22 and 29, shifted to start on the first day with a given weekday.
        let everySeventhDay: UInt32 = 1 | 1 << 7 | 1 << 14 | 1 << 21 | 1 << 28
        var masks: [UInt32] = []
        masks.reserveCapacity(28)
        for length in 28...31 {
            let monthDays = (UInt32.max >> (31 - length)) & ~1
            for firstWeekday in 0..<7 {
                var domDays = UInt32(truncatingIfNeeded: dayOfMonth.values) & monthDays
                if dayOfMonth.lastDay {
                    domDays |= 1 << length
                }
                if dayOfMonth.lastWorkday {
                    let lastDayWeekday = (firstWeekday + length - 1) % 7
                    domDays |= 1 << (lastDayWeekday == 6 ? length - 1 : lastDayWeekday == 0 ? length - 2 : length)
                }
                var dowDays: UInt32 = 0
                for weekday in 0..<7 {
                    let firstDay = (weekday - firstWeekday + 7) % 7 + 1
                    let days = (everySeventhDay << firstDay) & monthDays
                    if dayOfWeek.values & (1 << UInt64(weekday)) != 0 {
                        dowDays |= days
                    }
                    if dayOfWeek.lastWeekdays & (1 << UInt8(weekday)) != 0 {
                        dowDays |= 1 << (31 - days.leadingZeroBitCount)
                    }
                    let nth = (dayOfWeek.nthWeekdays >> UInt64(weekday * 8)) & 0b11_1110
                    if nth != 0 {
                        // Bit n of `nth` selects the n-th such day: the (n-1)-th bit of `days`.
                        var remaining = days
                        for n in 1...5 {
                            let day = remaining.trailingZeroBitCount
                            guard day < 32 else { break }
                            if nth & (1 << UInt64(n)) != 0 {
                                dowDays |= 1 << day
                            }
                            remaining &= remaining - 1
                        }
                    }
                }
                masks.append(requireBoth ? domDays & dowDays : domDays | dowDays)
            }
        }
        self.masks = masks
    }

    /// The matching days of a month with `length` days whose first day falls on
    /// `firstWeekday` (0 is Sunday).
    @inline(__always)
    func days(length: Int, firstWeekday: Int) -> UInt32 {
        masks[(length - 28) &* 7 &+ firstWeekday]
    }

    /// Whether some day of `month` matches in some year: every month shape occurs within a
    /// 400-year Gregorian cycle, so this is exact.
    func occur(inMonth month: Int) -> Bool {
        let lengths: ClosedRange<Int> = switch month {
        case 2: 28...29
        case 4, 6, 9, 11: 30...30
        default: 31...31
        }
        return lengths.contains { length in
            (0..<7).contains { days(length: length, firstWeekday: $0) != 0 }
        }
    }
}
