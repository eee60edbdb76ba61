import Foundation
import PicketlineScheduler
import Testing

/// Daylight-saving changes of 2026, worked out by hand from the zones' rules:
/// Europe/London 29 Mar 01:00 GMT -> 02:00 BST and 25 Oct 02:00 BST -> 01:00 GMT;
/// America/New_York 8 Mar 02:00 EST -> 03:00 EDT and 1 Nov 02:00 EDT -> 01:00 EST;
/// Australia/Sydney 5 Apr 03:00 AEDT -> 02:00 AEST and 4 Oct 02:00 AEST -> 03:00 AEDT.
struct CronDaylightSavingTests {
    // MARK: Fixed-time jobs (neither minute nor hour starts with `*`)

    @Test func londonFixedTimeInTheSkippedHourFiresWhenClocksGoForward() throws {
        #expect(try TestClock.fires("30 1 * * *", after: "2026-03-28T12:00:00Z", in: "Europe/London", count: 3) == [
            "2026-03-29T02:00+01:00", "2026-03-30T01:30+01:00", "2026-03-31T01:30+01:00",
        ])
    }

    @Test func londonFixedTimesInTheSkippedHourCollapseIntoOneFire() throws {
        #expect(try TestClock.fires("15,45 1 * * *", after: "2026-03-28T12:00:00Z", in: "Europe/London", count: 3) == [
            "2026-03-29T02:00+01:00", "2026-03-30T01:15+01:00", "2026-03-30T01:45+01:00",
        ])
        // The 01:00 job moves to 02:00, where the 02:00 job also is: one fire.
        #expect(try TestClock.fires("0 1,2 * * *", after: "2026-03-28T12:00:00Z", in: "Europe/London", count: 3) == [
            "2026-03-29T02:00+01:00", "2026-03-30T01:00+01:00", "2026-03-30T02:00+01:00",
        ])
    }

    @Test func londonFixedTimeInTheRepeatedHourFiresOnlyTheFirstTime() throws {
        #expect(try TestClock.fires("30 1 * * *", after: "2026-10-24T12:00:00+01:00", in: "Europe/London", count: 2) == [
            "2026-10-25T01:30+01:00", "2026-10-26T01:30+00:00",
        ])
        #expect(try TestClock.fires("0 0-3 * * *", after: "2026-10-25T00:00:00+01:00", in: "Europe/London", count: 4) == [
            "2026-10-25T01:00+01:00", "2026-10-25T02:00+00:00", "2026-10-25T03:00+00:00", "2026-10-26T00:00+00:00",
        ])
    }

    @Test func fixedTimeAfterTheSecondPassOfARepeatedHourIsTomorrows() throws {
        // 01:30 BST was before 01:10 GMT; it must not come back.
        #expect(try TestClock.fires("30 1 * * *", after: "2026-10-25T01:10:00Z", in: "Europe/London", count: 1) == [
            "2026-10-26T01:30+00:00",
        ])
    }

    @Test func newYorkFixedTimes() throws {
        #expect(try TestClock.fires("30 2 * * *", after: "2026-03-07T12:00:00-05:00", in: "America/New_York", count: 2) == [
            "2026-03-08T03:00-04:00", "2026-03-09T02:30-04:00",
        ])
        #expect(try TestClock.fires("30 1 * * *", after: "2026-10-31T12:00:00-04:00", in: "America/New_York", count: 2) == [
            "2026-11-01T01:30-04:00", "2026-11-02T01:30-05:00",
        ])
        // 02:30 comes once in November: the repeated hour is 01:00-02:00.
        #expect(try TestClock.fires("30 2 * * *", after: "2026-10-31T12:00:00-04:00", in: "America/New_York", count: 2) == [
            "2026-11-01T02:30-05:00", "2026-11-02T02:30-05:00",
        ])
    }

    @Test func sydneyFixedTimes() throws {
        #expect(try TestClock.fires("30 2 * * *", after: "2026-04-04T12:00:00+11:00", in: "Australia/Sydney", count: 2) == [
            "2026-04-05T02:30+11:00", "2026-04-06T02:30+10:00",
        ])
        #expect(try TestClock.fires("30 2 * * *", after: "2026-10-03T12:00:00+10:00", in: "Australia/Sydney", count: 2) == [
            "2026-10-04T03:00+11:00", "2026-10-05T02:30+11:00",
        ])
    }

    // MARK: Wall-clock jobs (minute or hour starts with `*`)

    @Test func londonWallClockJobsSkipTheMissingHour() throws {
        #expect(try TestClock.fires("*/30 1 * * *", after: "2026-03-28T00:00:00Z", in: "Europe/London", count: 4) == [
            "2026-03-28T01:00+00:00", "2026-03-28T01:30+00:00", "2026-03-30T01:00+01:00", "2026-03-30T01:30+01:00",
        ])
        #expect(try TestClock.fires("0 * * * *", after: "2026-03-28T23:30:00Z", in: "Europe/London", count: 3) == [
            "2026-03-29T00:00+00:00", "2026-03-29T02:00+01:00", "2026-03-29T03:00+01:00",
        ])
    }

    @Test func londonWallClockJobsFireTwiceInTheRepeatedHour() throws {
        #expect(try TestClock.fires("*/30 1 * * *", after: "2026-10-25T00:00:00+01:00", in: "Europe/London", count: 5) == [
            "2026-10-25T01:00+01:00", "2026-10-25T01:30+01:00", "2026-10-25T01:00+00:00", "2026-10-25T01:30+00:00",
            "2026-10-26T01:00+00:00",
        ])
        #expect(try TestClock.fires("@hourly", after: "2026-10-24T23:30:00+01:00", in: "Europe/London", count: 4) == [
            "2026-10-25T00:00+01:00", "2026-10-25T01:00+01:00", "2026-10-25T01:00+00:00", "2026-10-25T02:00+00:00",
        ])
    }

    @Test func newYorkWallClockJobs() throws {
        #expect(try TestClock.fires("*/20 1 * * *", after: "2026-11-01T00:00:00-04:00", in: "America/New_York", count: 7) == [
            "2026-11-01T01:00-04:00", "2026-11-01T01:20-04:00", "2026-11-01T01:40-04:00",
            "2026-11-01T01:00-05:00", "2026-11-01T01:20-05:00", "2026-11-01T01:40-05:00",
            "2026-11-02T01:00-05:00",
        ])
        #expect(try TestClock.fires("0 */2 * * *", after: "2026-03-07T23:00:00-05:00", in: "America/New_York", count: 3) == [
            "2026-03-08T00:00-05:00", "2026-03-08T04:00-04:00", "2026-03-08T06:00-04:00",
        ])
    }

    @Test func sydneyWallClockJobs() throws {
        #expect(try TestClock.fires("0 * * * *", after: "2026-10-04T00:30:00+10:00", in: "Australia/Sydney", count: 3) == [
            "2026-10-04T01:00+10:00", "2026-10-04T03:00+11:00", "2026-10-04T04:00+11:00",
        ])
        #expect(try TestClock.fires("0 * * * *", after: "2026-04-05T00:30:00+11:00", in: "Australia/Sydney", count: 5) == [
            "2026-04-05T01:00+11:00", "2026-04-05T02:00+11:00", "2026-04-05T02:00+10:00",
            "2026-04-05T03:00+10:00", "2026-04-05T04:00+10:00",
        ])
        #expect(try TestClock.fires("*/15 2 * * *", after: "2026-10-03T12:00:00+10:00", in: "Australia/Sydney", count: 2) == [
            "2026-10-05T02:00+11:00", "2026-10-05T02:15+11:00",
        ])
    }

    @Test func wallClockJobAfterTheSecondPassContinuesInIt() throws {
        #expect(try TestClock.fires("*/30 1 * * *", after: "2026-10-25T01:10:00Z", in: "Europe/London", count: 2) == [
            "2026-10-25T01:30+00:00", "2026-10-26T01:00+00:00",
        ])
    }

    @Test func zonesWithoutDaylightSavingKeepTheirOffset() throws {
        #expect(try TestClock.fires("30 1 * * *", after: "2026-03-28T12:00:00Z", in: "Asia/Kolkata", count: 2) == [
            "2026-03-29T01:30+05:30", "2026-03-30T01:30+05:30",
        ])
        #expect(try TestClock.fires("0 9 * * *", after: "2026-03-28T12:00:00Z", in: "Etc/GMT-3", count: 1) == ["2026-03-29T09:00+03:00"])
    }
}
