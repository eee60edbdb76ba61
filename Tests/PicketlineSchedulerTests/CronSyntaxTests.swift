import Foundation
import PicketlineScheduler
import Testing

/// Every syntax form, checked by the fire times it produces (2026-01-01 is a Thursday).
struct CronSyntaxTests {
    static let newYear = "2026-01-01T00:00:00Z"

    @Test func starFiresEveryMinute() throws {
        #expect(try TestClock.fires("* * * * *", after: Self.newYear, count: 3)
            == ["2026-01-01T00:01+00:00", "2026-01-01T00:02+00:00", "2026-01-01T00:03+00:00"])
    }

    @Test func singleValuesFireOncePerDay() throws {
        #expect(try TestClock.fires("5 4 * * *", after: Self.newYear, count: 2)
            == ["2026-01-01T04:05+00:00", "2026-01-02T04:05+00:00"])
    }

    @Test func listsSelectEachValue() throws {
        #expect(try TestClock.fires("40,0,20 9 * * *", after: Self.newYear, count: 4)
            == ["2026-01-01T09:00+00:00", "2026-01-01T09:20+00:00", "2026-01-01T09:40+00:00", "2026-01-02T09:00+00:00"])
    }

    @Test func rangesIncludeBothEnds() throws {
        #expect(try TestClock.fires("0 9-11 * * *", after: Self.newYear, count: 4)
            == ["2026-01-01T09:00+00:00", "2026-01-01T10:00+00:00", "2026-01-01T11:00+00:00", "2026-01-02T09:00+00:00"])
    }

    @Test func starStepCountsFromTheStartOfTheRange() throws {
        #expect(try TestClock.fires("*/15 * * * *", after: Self.newYear, count: 4)
            == ["2026-01-01T00:15+00:00", "2026-01-01T00:30+00:00", "2026-01-01T00:45+00:00", "2026-01-01T01:00+00:00"])
        #expect(try TestClock.fires("0 */6 * * *", after: Self.newYear, count: 4)
            == ["2026-01-01T06:00+00:00", "2026-01-01T12:00+00:00", "2026-01-01T18:00+00:00", "2026-01-02T00:00+00:00"])
    }

    @Test func rangeStepStopsAtTheEndOfTheRange() throws {
        #expect(try TestClock.fires("1-30/7 * * * *", after: Self.newYear, count: 6)
            == ["2026-01-01T00:01+00:00", "2026-01-01T00:08+00:00", "2026-01-01T00:15+00:00",
                "2026-01-01T00:22+00:00", "2026-01-01T00:29+00:00", "2026-01-01T01:01+00:00"])
    }

    @Test func valueStepRunsToTheEndOfTheField() throws {
        #expect(try TestClock.fires("5/20 * * * *", after: Self.newYear, count: 4)
            == ["2026-01-01T00:05+00:00", "2026-01-01T00:25+00:00", "2026-01-01T00:45+00:00", "2026-01-01T01:05+00:00"])
    }

    @Test func aStepLargerThanTheFieldSelectsOnlyTheStart() throws {
        #expect(try TestClock.fires("7/100 * * * *", after: Self.newYear, count: 2)
            == ["2026-01-01T00:07+00:00", "2026-01-01T01:07+00:00"])
    }

    @Test func monthNamesAreCaseInsensitive() throws {
        let expected = ["2026-07-01T00:00+00:00", "2027-01-01T00:00+00:00", "2027-07-01T00:00+00:00"]
        #expect(try TestClock.fires("0 0 1 jan,JUL *", after: Self.newYear, count: 3) == expected)
        #expect(try TestClock.fires("0 0 1 1,7 *", after: Self.newYear, count: 3) == expected)
        #expect(try TestClock.fires("0 6 1 Jun-AUG *", after: Self.newYear, count: 4)
            == ["2026-06-01T06:00+00:00", "2026-07-01T06:00+00:00", "2026-08-01T06:00+00:00", "2027-06-01T06:00+00:00"])
    }

    @Test func dayNamesAreCaseInsensitive() throws {
        let weekdays = ["2026-01-01T09:00+00:00", "2026-01-02T09:00+00:00", "2026-01-05T09:00+00:00"]
        #expect(try TestClock.fires("0 9 * * mon-fri", after: Self.newYear, count: 3) == weekdays)
        #expect(try TestClock.fires("0 9 * * Mon-FRI", after: Self.newYear, count: 3) == weekdays)
        #expect(try TestClock.fires("0 9 * * 1-5", after: Self.newYear, count: 3) == weekdays)
    }

    @Test func sundayIsBothZeroAndSeven() throws {
        let sundays = ["2026-01-04T00:00+00:00", "2026-01-11T00:00+00:00"]
        #expect(try TestClock.fires("0 0 * * 0", after: Self.newYear, count: 2) == sundays)
        #expect(try TestClock.fires("0 0 * * 7", after: Self.newYear, count: 2) == sundays)
        #expect(try TestClock.fires("0 0 * * sun", after: Self.newYear, count: 2) == sundays)
        #expect(try TestClock.fires("0 0 * * MON-7", after: Self.newYear, count: 3)
            == ["2026-01-02T00:00+00:00", "2026-01-03T00:00+00:00", "2026-01-04T00:00+00:00"])
    }

    @Test func dayOfWeekStepsRunOverZeroToSeven() throws {
        // */2 is 0,2,4,6 (Sun, Tue, Thu, Sat); 1/2 is 1,3,5,7 (Mon, Wed, Fri, Sun).
        #expect(try TestClock.fires("0 0 * * */2", after: Self.newYear, count: 4)
            == ["2026-01-03T00:00+00:00", "2026-01-04T00:00+00:00", "2026-01-06T00:00+00:00", "2026-01-08T00:00+00:00"])
        #expect(try TestClock.fires("0 0 * * 1/2", after: Self.newYear, count: 4)
            == ["2026-01-02T00:00+00:00", "2026-01-04T00:00+00:00", "2026-01-05T00:00+00:00", "2026-01-07T00:00+00:00"])
    }

    @Test func fieldsMayBeSeparatedByAnyWhitespace() throws {
        #expect(try TestClock.fires(" 0\t9   * *  1 ", after: Self.newYear, count: 1) == ["2026-01-05T09:00+00:00"])
    }

    @Test(arguments: [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"), ("@DAILY", "0 0 * * *"),
    ])
    func macrosFireAsTheirExpansion(macro: String, expansion: String) throws {
        for zone in ["UTC", "Europe/London"] {
            for after in ["2026-01-01T00:00:00Z", "2026-03-28T12:00:00Z", "2026-10-24T12:00:00Z"] {
                #expect(try TestClock.fires(macro, after: after, in: zone, count: 30)
                    == TestClock.fires(expansion, after: after, in: zone, count: 30))
            }
        }
        #expect(try CronExpression(macro).description == macro)
    }

    @Test func descriptionIsTheOriginalText() throws {
        #expect(try CronExpression(" 0  9 * * mon-fri").description == " 0  9 * * mon-fri")
        #expect(try "\(CronExpression("@daily"))" == "@daily")
    }

    @Test func expressionsAreEqualWhenTheirTextIs() throws {
        #expect(try CronExpression("0 9 * * 1") == CronExpression("0 9 * * 1"))
        #expect(try CronExpression("0 9 * * 1") != CronExpression("0 9 * * mon"))
        let set: Set = try [CronExpression("@daily"), CronExpression("@daily"), CronExpression("0 0 * * *")]
        #expect(set.count == 2)
    }

    @Test func nextFireIsStrictlyAfterItsArgument() throws {
        let cron = try CronExpression("* * * * *")
        let zone = TestClock.zone("UTC")
        let fire = TestClock.instant("2026-01-01T00:01:00Z")
        #expect(cron.nextFire(after: fire, in: zone) == TestClock.instant("2026-01-01T00:02:00Z"))
        #expect(cron.nextFire(after: fire.addingTimeInterval(-0.001), in: zone) == fire)
        #expect(cron.nextFire(after: fire.addingTimeInterval(59.9), in: zone) == TestClock.instant("2026-01-01T00:02:00Z"))
    }

    @Test func nextFiresHandlesCountsOfZeroAndLess() throws {
        let cron = try CronExpression("@hourly")
        #expect(cron.nextFires(after: TestClock.instant(Self.newYear), in: TestClock.zone("UTC"), count: 0).isEmpty)
        #expect(cron.nextFires(after: TestClock.instant(Self.newYear), in: TestClock.zone("UTC"), count: -3).isEmpty)
    }

    @Test func farDatesEndAtTheYear9999() throws {
        let cron = try CronExpression("0 0 1 1 *")
        let zone = TestClock.zone("Europe/London")
        #expect(cron.nextFire(after: TestClock.instant("9998-06-01T00:00:00Z"), in: zone) == TestClock.instant("9999-01-01T00:00:00Z"))
        #expect(cron.nextFire(after: TestClock.instant("9999-06-01T00:00:00Z"), in: zone) == nil)
        #expect(cron.nextFire(after: .distantFuture, in: zone) == TestClock.instant("4002-01-01T00:00:00Z"))
        #expect(cron.nextFire(after: Date(timeIntervalSince1970: .infinity), in: zone) == nil)
        #expect(cron.nextFire(after: Date(timeIntervalSince1970: .nan), in: zone) == nil)
    }
}
