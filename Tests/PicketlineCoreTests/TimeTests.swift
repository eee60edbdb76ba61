import Foundation
import Testing
@testable import PicketlineCore

@Test func rfc3339RoundTripsWithOffsets() throws {
    let date = try #require(RFC3339.date(from: "2022-01-08T12:00:00Z"))
    #expect(date.timeIntervalSince1970 == 1_641_643_200)
    #expect(RFC3339.date(from: "2022-01-08T13:00:00+01:00") == date)
    #expect(RFC3339.date(from: "2022-01-08T12:00:00.250Z")?.timeIntervalSince1970 == 1_641_643_200.25)
    #expect(RFC3339.string(from: date) == "2022-01-08T12:00:00Z")
    let newYork = TimeZone(identifier: "America/New_York")!
    #expect(RFC3339.string(from: date, in: newYork) == "2022-01-08T07:00:00-05:00")
}

@Test(arguments: ["2022-01-08", "2022-13-01T00:00:00Z", "2022-02-30T00:00:00Z", "2022-01-08T12:00:00", "2022-01-08T12:00:00+1"])
func malformedTimesAreRejected(_ text: String) {
    #expect(RFC3339.date(from: text) == nil)
}

@Test func localTimesAreReadInTheActionsZoneAcrossDST() throws {
    let london = TimeZone(identifier: "Europe/London")!
    let winter = try LocalTimeParser.instant("2022-01-08 12:00", in: london, field: "starts_at")
    #expect(RFC3339.string(from: winter) == "2022-01-08T12:00:00Z")
    let summer = try LocalTimeParser.instant("2026-07-01 12:00", in: london, field: "starts_at")
    #expect(RFC3339.string(from: summer) == "2026-07-01T11:00:00Z")
    // 01:30 does not exist on 2026-03-29 in London: read as just after the jump.
    let skipped = try LocalTimeParser.instant("2026-03-29 01:30", in: london, field: "starts_at")
    #expect(RFC3339.string(from: skipped, in: london) == "2026-03-29T02:30:00+01:00")
    // 01:30 happens twice on 2026-10-25: the first one.
    let repeated = try LocalTimeParser.instant("2026-10-25 01:30", in: london, field: "starts_at")
    #expect(RFC3339.string(from: repeated) == "2026-10-25T00:30:00Z")
    #expect(throws: PicketlineError.self) { try LocalTimeParser.instant("tomorrow noon", in: london, field: "starts_at") }
    #expect(throws: PicketlineError.self) { try LocalTimeParser.instant("9999-12-31T23:59:59-23:59", in: london, field: "at") }
    #expect(RFC3339.string(from: try LocalTimeParser.instant("9999-12-31T23:59:59Z", in: london, field: "at")) == "9999-12-31T23:59:59Z")
    // The reader is told about both (the CLI prints the note as a warning).
    #expect(LocalTimeParser.note("2026-03-29 01:30", instant: skipped, in: london)
            == "2026-03-29 01:30 does not exist in Europe/London (the clocks go forward that night); read as 2026-03-29T02:30:00+01:00")
    #expect(LocalTimeParser.note("2026-10-25 01:30", instant: repeated, in: london)
            == "2026-10-25 01:30 happens twice in Europe/London (the clocks go back that night); the first is used, "
               + "2026-10-25T01:30:00+01:00; give 2026-10-25T01:30:00+00:00 for the second")
    #expect(LocalTimeParser.note("2026-07-01 12:00", instant: summer, in: london) == nil)
    #expect(LocalTimeParser.note("2026-10-25T01:30:00+00:00", instant: repeated.addingTimeInterval(3_600), in: london) == nil)
}

@Test func civilArithmeticMatchesFoundationOverEightCenturies() {
    // From 1700: Foundation switches to the Julian calendar before 1582; ours stays proleptic Gregorian.
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = .gmt
    for days in stride(from: -98_000, through: 200_000, by: 997) {
        let seconds = Int64(days) * 86_400 + 45_296
        let civil = CivilDateTime(epochSeconds: seconds)
        let components = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                                 from: Date(timeIntervalSince1970: Double(seconds)))
        #expect(civil.year == components.year && civil.month == components.month && civil.day == components.day)
        #expect(civil.hour == 12 && civil.minute == 34 && civil.second == 56)
        #expect(civil.epochSeconds == seconds)
    }
}

/// One way of writing a time for people, in the CLI and in chat posts: the zone's everyday name
/// where English has one (British first, then American), else its offset.
@Test(arguments: [
    ("Europe/London", 1_641_643_200.0, "Sat 8 Jan 2022 12:00 GMT"),
    ("Europe/London", 1_657_278_000, "Fri 8 Jul 2022 12:00 BST"),
    ("Europe/Berlin", 1_657_278_000, "Fri 8 Jul 2022 13:00 CEST"),
    ("America/New_York", 1_641_643_200, "Sat 8 Jan 2022 07:00 EST"),
    ("America/New_York", 1_657_278_000, "Fri 8 Jul 2022 07:00 EDT"),
    ("Asia/Almaty", 1_641_643_200, "Sat 8 Jan 2022 18:00 GMT+6"),
    ("UTC", 1_664_625_600, "Sat 1 Oct 2022 12:00 UTC"),
])
func localTimesNameTheZoneAsPeopleDo(zone: String, epoch: Double, expected: String) throws {
    let text = LocalTime.string(Date(timeIntervalSince1970: epoch), in: try #require(TimeZone(identifier: zone)))
    #expect(text == expected)
}
