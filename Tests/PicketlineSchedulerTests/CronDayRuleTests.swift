import Foundation
import PicketlineScheduler
import Testing

/// Day-of-month and day-of-week: Vixie cron's OR/AND rule, `L`, `LW`, `#`, `wL`, month ends,
/// leap days and schedules that can never fire.
struct CronDayRuleTests {
    static let newYear = "2026-01-01T00:00:00Z"

    @Test func restrictedDayFieldsMatchEitherDay() throws {
        // The 1st, the 15th and every Friday.
        #expect(try TestClock.fires("30 4 1,15 * 5", after: Self.newYear, count: 8) == [
            "2026-01-01T04:30+00:00", "2026-01-02T04:30+00:00", "2026-01-09T04:30+00:00", "2026-01-15T04:30+00:00",
            "2026-01-16T04:30+00:00", "2026-01-23T04:30+00:00", "2026-01-30T04:30+00:00", "2026-02-01T04:30+00:00",
        ])
    }

    @Test func aDayFieldStartingWithStarMakesBothRequired() throws {
        // */10 is the 1st, 11th, 21st and 31st, but it starts with `*`: only Mondays among them.
        #expect(try TestClock.fires("0 0 */10 * 1", after: Self.newYear, count: 4) == [
            "2026-05-11T00:00+00:00", "2026-06-01T00:00+00:00", "2026-08-31T00:00+00:00", "2026-09-21T00:00+00:00",
        ])
        // Same on the other side: the 1st, when it is a Sunday, Tuesday, Thursday or Saturday.
        #expect(try TestClock.fires("0 0 1 * */2", after: Self.newYear, count: 4) == [
            "2026-02-01T00:00+00:00", "2026-03-01T00:00+00:00", "2026-08-01T00:00+00:00", "2026-09-01T00:00+00:00",
        ])
    }

    @Test func starInOneDayFieldLeavesTheOtherInCharge() throws {
        #expect(try TestClock.fires("0 0 * * 1", after: Self.newYear, count: 2) == ["2026-01-05T00:00+00:00", "2026-01-12T00:00+00:00"])
        #expect(try TestClock.fires("0 0 13 * *", after: Self.newYear, count: 2) == ["2026-01-13T00:00+00:00", "2026-02-13T00:00+00:00"])
    }

    @Test func lastDayOfMonthFollowsMonthLengthAndLeapYears() throws {
        #expect(try TestClock.fires("0 12 L * *", after: Self.newYear, count: 4) == [
            "2026-01-31T12:00+00:00", "2026-02-28T12:00+00:00", "2026-03-31T12:00+00:00", "2026-04-30T12:00+00:00",
        ])
        #expect(try TestClock.fires("0 12 l 2 *", after: Self.newYear, count: 3) == [
            "2026-02-28T12:00+00:00", "2027-02-28T12:00+00:00", "2028-02-29T12:00+00:00",
        ])
    }

    @Test func lastWorkdayOfMonthSkipsTheWeekend() throws {
        // 31 Jan 2026 is a Saturday and 31 May a Sunday.
        #expect(try TestClock.fires("0 12 LW * *", after: Self.newYear, count: 5) == [
            "2026-01-30T12:00+00:00", "2026-02-27T12:00+00:00", "2026-03-31T12:00+00:00",
            "2026-04-30T12:00+00:00", "2026-05-29T12:00+00:00",
        ])
    }

    @Test func nthWeekdayOfMonth() throws {
        let secondTuesdays = ["2026-01-13T19:00+00:00", "2026-02-10T19:00+00:00", "2026-03-10T19:00+00:00"]
        #expect(try TestClock.fires("0 19 * * 2#2", after: Self.newYear, count: 3) == secondTuesdays)
        #expect(try TestClock.fires("0 19 * * tue#2", after: Self.newYear, count: 3) == secondTuesdays)
        #expect(try TestClock.fires("0 18 * * 4#1", after: Self.newYear, count: 2) == ["2026-01-01T18:00+00:00", "2026-02-05T18:00+00:00"])
        #expect(try TestClock.fires("0 0 * * 7#1", after: Self.newYear, count: 2) == ["2026-01-04T00:00+00:00", "2026-02-01T00:00+00:00"])
    }

    @Test func fifthWeekdayOnlyInMonthsThatHaveOne() throws {
        #expect(try TestClock.fires("0 0 * * 1#5", after: Self.newYear, count: 4) == [
            "2026-03-30T00:00+00:00", "2026-06-29T00:00+00:00", "2026-08-31T00:00+00:00", "2026-11-30T00:00+00:00",
        ])
    }

    @Test func lastWeekdayOfMonth() throws {
        #expect(try TestClock.fires("0 19 * * 5L", after: Self.newYear, count: 3) == [
            "2026-01-30T19:00+00:00", "2026-02-27T19:00+00:00", "2026-03-27T19:00+00:00",
        ])
        #expect(try TestClock.fires("0 0 * * 0L,7L", after: Self.newYear, count: 2) == ["2026-01-25T00:00+00:00", "2026-02-22T00:00+00:00"])
    }

    @Test func leapDayFiresEveryFourYears() throws {
        #expect(try TestClock.fires("0 0 29 2 *", after: Self.newYear, count: 3) == [
            "2028-02-29T00:00+00:00", "2032-02-29T00:00+00:00", "2036-02-29T00:00+00:00",
        ])
        // 2100 is not a leap year.
        #expect(try TestClock.fires("0 0 29 2 *", after: "2096-03-01T00:00:00Z", count: 1) == ["2104-02-29T00:00+00:00"])
    }

    @Test func thirtyFirstSkipsShortMonths() throws {
        #expect(try TestClock.fires("45 23 31 * *", after: Self.newYear, count: 5) == [
            "2026-01-31T23:45+00:00", "2026-03-31T23:45+00:00", "2026-05-31T23:45+00:00",
            "2026-07-31T23:45+00:00", "2026-08-31T23:45+00:00",
        ])
    }

    @Test func rareSchedulesAreFoundDecadesAhead() throws {
        // 29 February on a Monday: 2072 to 2112 is the longest wait, 40 years.
        #expect(try TestClock.fires("0 0 * 2 1#5", after: "2000-01-01T00:00:00Z", count: 5) == [
            "2016-02-29T00:00+00:00", "2044-02-29T00:00+00:00", "2072-02-29T00:00+00:00",
            "2112-02-29T00:00+00:00", "2140-02-29T00:00+00:00",
        ])
    }

    @Test func rareWallClockSchedulesAreFoundAcrossManyDaylightSavingChanges() throws {
        let clock = ContinuousClock()
        var fires: [String] = []
        let elapsed = try clock.measure {
            fires = try TestClock.fires("*/30 23 * 2 1#5", after: "2016-02-29T23:15:00Z", in: "Europe/London", count: 2)
        }
        #expect(fires == ["2016-02-29T23:30+00:00", "2044-02-29T23:00+00:00"])
        // Scanning 28 years minute by minute would take seconds.
        #expect(elapsed < .milliseconds(500))
    }

    @Test func restrictedDaysBeyondTheMonthStillFireOnTheOtherField() throws {
        // Both day fields restricted: the 30th never comes in February, Mondays do.
        let cron = try CronExpression("0 0 30 2 1")
        #expect(cron.isSatisfiable)
        #expect(try TestClock.fires("0 0 30 2 1", after: Self.newYear, count: 2) == ["2026-02-02T00:00+00:00", "2026-02-09T00:00+00:00"])
    }

    @Test(arguments: ["0 0 */15 * 5#2", "0 0 */31 * 1#2", "0 0 */20 * 2L", "0 0 */29 2 5#5"])
    func unsatisfiableSchedulesParseButNeverFire(text: String) throws {
        let cron = try CronExpression(text)
        #expect(!cron.isSatisfiable)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(cron.nextFire(after: TestClock.instant(Self.newYear), in: TestClock.zone("Europe/London")) == nil)
            #expect(cron.nextFires(after: TestClock.instant(Self.newYear), in: TestClock.zone("UTC"), count: 5).isEmpty)
        }
        #expect(elapsed < .milliseconds(100))
    }

    @Test(arguments: ["* * * * *", "0 0 29 2 *", "0 0 * 2 1#5", "0 0 L 2 *", "0 0 */10 * 1", "0 0 1 * 1#1"])
    func ordinarySchedulesAreSatisfiable(text: String) throws {
        #expect(try CronExpression(text).isSatisfiable)
    }
}
