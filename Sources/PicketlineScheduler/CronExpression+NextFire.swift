import Foundation

extension CronExpression {
    /// The first fire time strictly after `after`, in `timeZone`'s wall clock; nil when the
    /// schedule never fires (see `isSatisfiable`) or the answer would be past the year 9999.
    ///
    /// Across daylight-saving changes it behaves as Debian cron (and cronsim): a fixed-time
    /// job (neither minute nor hour starts with `*`) due in a skipped hour fires once when
    /// the clocks have gone forward, and in a repeated hour only the first time round; any
    /// other job fires at every wall-clock time that exists, twice in a repeated hour.
    public func nextFire(after: Date, in timeZone: TimeZone) -> Date? {
        guard isSatisfiable, let start = Self.seconds(after) else { return nil }
        var table: ZoneOffsets?
        return nextFire(after: start, in: timeZone, table: &table).map(Self.date)
    }

    /// The next `count` fire times after `after`, in order; fewer if the schedule ends.
    public func nextFires(after: Date, in timeZone: TimeZone, count: Int) -> [Date] {
        guard isSatisfiable, count > 0, var instant = Self.seconds(after) else { return [] }
        var table: ZoneOffsets?
        var fires: [Date] = []
        fires.reserveCapacity(count)
        while fires.count < count, let next = nextFire(after: instant, in: timeZone, table: &table) {
            fires.append(Self.date(next))
            instant = next
        }
        return fires
    }

    /// Instants from 0001-01-01 to 9999-12-31 UTC; other years are not worth supporting.
    static let supportedInstants: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// How many years ahead a search looks before giving up, as cronsim. A satisfiable
    /// schedule always fires sooner: the rarest month shape (a 29 February on a given
    /// weekday) recurs at most 40 years apart.
    static let searchYears = 50

    static func seconds(_ date: Date) -> Int64? {
        let interval = date.timeIntervalSince1970.rounded(.down)
        guard interval.isFinite, interval >= Double(supportedInstants.lowerBound), interval <= Double(supportedInstants.upperBound) else {
            return nil
        }
        return Int64(interval)
    }

    static func date(_ instant: Int64) -> Date {
        Date(timeIntervalSince1970: Double(instant))
    }

    /// The first fire instant after `after` (whole seconds since 1970 UTC). `table` carries
    /// the zone's offsets from one call to the next.
    func nextFire(after: Int64, in zone: TimeZone, table: inout ZoneOffsets?) -> Int64? {
        let next = isFixedTime
            ? nextFixedTimeFire(after: after, in: zone, table: &table)
            : nextWallClockFire(after: after, in: zone, table: &table)
        guard let next, next <= Self.supportedInstants.upperBound else { return nil }
        return next
    }

    /// Wall-clock jobs: the first instant after `after` whose local time matches. Walks the
    /// zone's constant-offset segments, so skipped times are never matched and repeated
    /// times are matched in both segments.
    private func nextWallClockFire(after: Int64, in zone: TimeZone, table: inout ZoneOffsets?) -> Int64? {
        var instant = after + 1
        // The first match at or after `from` is also the first at or after any later start
        // up to `match`: a rare schedule decades ahead is searched for once, not once per
        // segment on the way.
        var previous: (from: Int64, match: Int64)?
        // Each round moves to a later segment; a satisfiable schedule needs at most a few
        // hundred of them (two transitions a year for 50 years, plus window edges).
        for _ in 0..<1_000 {
            let offsets = Self.offsets(covering: instant, in: zone, table: &table)
            let segment = offsets.segment(containing: instant)
            let start = instant + segment.offset
            let local: Int64
            if let previous, previous.from <= start, start <= previous.match {
                local = previous.match
            } else {
                guard let match = nextLocalMatch(atOrAfter: start) else { return nil }
                local = match
                previous = (start, match)
            }
            let candidate = local - segment.offset
            if candidate < segment.end {
                return candidate
            }
            instant = segment.end
        }
        return nil
    }

    /// Fixed-time jobs: Debian cron's rule, as cronsim implements it. The search runs on
    /// the wall clock; a match in a repeated hour is taken at its first occurrence, and a
    /// match in a skipped hour moves to the first whole minute after the gap.
    private func nextFixedTimeFire(after: Int64, in zone: TimeZone, table: inout ZoneOffsets?) -> Int64? {
        let offsets = Self.offsets(covering: after, in: zone, table: &table)
        var local = after + offsets.segment(containing: after).offset + 1
        // A candidate at or before `after` only comes up when `after` is the second pass
        // through a repeated hour; the next candidate is then past it.
        for _ in 0..<1_000 {
            guard let match = nextLocalMatch(atOrAfter: local) else { return nil }
            var resolution = table?.resolve(local: match)
            if resolution == nil {
                resolution = Self.offsets(covering: match, in: zone, table: &table).resolve(local: match)
            }
            let candidate: Int64
            switch resolution {
            case .unique(let instant)?, .repeated(let instant, _)?:
                candidate = instant
                local = match + 1
            case .skipped(let transition, let localEnd)?:
                // cronsim adds whole minutes until the time exists.
                let shifted = match + (localEnd - match + 59) / 60 * 60
                candidate = transition + (shifted - localEnd)
                local = shifted + 1
            case nil:
                return nil
            }
            if candidate > after {
                return candidate
            }
        }
        return nil
    }

    private static func offsets(covering instant: Int64, in zone: TimeZone, table: inout ZoneOffsets?) -> ZoneOffsets {
        if let table, table.covers(instant) {
            return table
        }
        let covering = ZoneOffsets.covering(instant, in: zone)
        table = covering
        return covering
    }

    /// The first local time (wall-clock seconds since 1970-01-01T00:00) at or after `start`
    /// whose minute matches all five fields. Jumps month by month, then through the day,
    /// hour and minute bitsets; never steps minute by minute.
    func nextLocalMatch(atOrAfter start: Int64) -> Int64? {
        let startMinute = start >= 0 ? (start + 59) / 60 : start / 60
        var dayNumber = startMinute >= 0 ? startMinute / 1440 : (startMinute - 1439) / 1440
        var minuteOfDay = Int(startMinute - dayNumber * 1440)
        let startDate = CivilDate(daysSinceEpoch: dayNumber)
        var year = startDate.year
        var month = startDate.month
        var day = startDate.day
        let lastYear = year + Self.searchYears

        while year <= lastYear {
            if months & (1 &<< UInt16(month)) == 0 {
                let laterMonths = months & (UInt16.max &<< UInt16(month + 1))
                if laterMonths != 0 {
                    month = laterMonths.trailingZeroBitCount
                } else {
                    year += 1
                    month = months.trailingZeroBitCount
                }
                day = 1
                minuteOfDay = 0
                continue
            }
            let length = CivilDate.daysInMonth(year: year, month: month)
            let firstDayNumber = CivilDate(year: year, month: month, day: 1).daysSinceEpoch
            let matchingDays = days.days(length: length, firstWeekday: CivilDate.weekday(daysSinceEpoch: firstDayNumber))
                & (UInt32.max &<< UInt32(day))
            if matchingDays != 0 {
                let matchDay = matchingDays.trailingZeroBitCount
                if matchDay != day {
                    day = matchDay
                    minuteOfDay = 0
                }
                dayNumber = firstDayNumber + Int64(day - 1)
                if let minute = firstMatchingMinute(atOrAfter: minuteOfDay) {
                    return (dayNumber * 1440 + Int64(minute)) * 60
                }
                // Nothing left today: the next matching day of this month, from midnight.
                // `<<`, not `&<<`: after day 31 the shift is 32 and must clear every bit.
                let laterDays = matchingDays & (UInt32.max << (day + 1))
                if laterDays != 0 {
                    let nextDay = laterDays.trailingZeroBitCount
                    dayNumber = firstDayNumber + Int64(nextDay - 1)
                    return (dayNumber * 1440 + Int64(firstMatchingMinute(atOrAfter: 0)!)) * 60
                }
            }
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
            day = 1
            minuteOfDay = 0
        }
        return nil
    }

    /// The first matching minute of a day at or after `minuteOfDay`, or nil if none is left.
    @inline(__always)
    private func firstMatchingMinute(atOrAfter minuteOfDay: Int) -> Int? {
        let hour = minuteOfDay / 60
        let minute = minuteOfDay - hour * 60
        let laterHours = hours & (UInt32.max &<< UInt32(hour))
        guard laterHours != 0 else { return nil }
        let matchHour = laterHours.trailingZeroBitCount
        if matchHour == hour {
            let laterMinutes = minutes & (UInt64.max &<< UInt64(minute))
            if laterMinutes != 0 {
                return hour * 60 + laterMinutes.trailingZeroBitCount
            }
            let nextHours = hours & (UInt32.max &<< UInt32(hour + 1))
            guard nextHours != 0 else { return nil }
            return nextHours.trailingZeroBitCount * 60 + minutes.trailingZeroBitCount
        }
        return matchHour * 60 + minutes.trailingZeroBitCount
    }
}
