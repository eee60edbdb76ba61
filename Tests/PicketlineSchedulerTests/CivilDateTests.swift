import Foundation
import Testing
@testable import PicketlineScheduler

/// The calendar arithmetic that replaces Foundation's `Calendar` in the search.
struct CivilDateTests {
    @Test func knownDates() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch == 11_017)
        #expect(CivilDate(year: 1969, month: 12, day: 31).daysSinceEpoch == -1)
        #expect(CivilDate(year: 1, month: 1, day: 1).daysSinceEpoch == -719_162)
        #expect(CivilDate(daysSinceEpoch: 20_454) == CivilDate(year: 2026, month: 1, day: 1))
    }

    @Test func roundTripsAndAgreesWithFoundationOverFourCenturies() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // Every 7th day from 1800 to 2200 covers every weekday and month end.
        var days = CivilDate(year: 1800, month: 1, day: 1).daysSinceEpoch
        let end = CivilDate(year: 2200, month: 1, day: 1).daysSinceEpoch
        while days < end {
            let civil = CivilDate(daysSinceEpoch: days)
            #expect(civil.daysSinceEpoch == days)
            let components = calendar.dateComponents([.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            #expect(civil == CivilDate(year: components.year!, month: components.month!, day: components.day!), "day \(days)")
            #expect(CivilDate.weekday(daysSinceEpoch: days) == components.weekday! - 1, "day \(days)")
            days += 7 + days % 3
        }
    }

    @Test func everyDayOfA400YearCycleFollowsThePreviousOne() {
        // Starting before the epoch, across 1900 and 2100 (not leap years) and 2000 (leap).
        var expected = CivilDate(year: 1800, month: 1, day: 1)
        var mismatches: [Int64] = []
        for days in expected.daysSinceEpoch..<(expected.daysSinceEpoch + 146_097) {
            let date = CivilDate(daysSinceEpoch: days)
            if date != expected || date.daysSinceEpoch != days {
                mismatches.append(days)
            }
            expected.day += 1
            if expected.day > CivilDate.daysInMonth(year: expected.year, month: expected.month) {
                expected.day = 1
                expected.month += 1
                if expected.month > 12 {
                    expected.month = 1
                    expected.year += 1
                }
            }
        }
        #expect(mismatches.isEmpty)
        #expect(expected == CivilDate(year: 2200, month: 1, day: 1))
    }

    @Test func monthLengthsAndLeapYears() {
        #expect(CivilDate.daysInMonth(year: 2026, month: 2) == 28)
        #expect(CivilDate.daysInMonth(year: 2028, month: 2) == 29)
        #expect(CivilDate.daysInMonth(year: 2100, month: 2) == 28)
        #expect(CivilDate.daysInMonth(year: 2000, month: 2) == 29)
        #expect(CivilDate.daysInMonth(year: 2026, month: 4) == 30)
        #expect(CivilDate.daysInMonth(year: 2026, month: 12) == 31)
        #expect(CivilDate.weekday(daysSinceEpoch: 0) == 4)
        #expect(CivilDate.weekday(daysSinceEpoch: -4) == 0)
    }
}
