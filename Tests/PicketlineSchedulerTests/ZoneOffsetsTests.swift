import Foundation
import Testing
@testable import PicketlineScheduler

/// The transition table must give the same offsets as `TimeZone`, and resolve wall-clock
/// times in gaps and overlaps.
struct ZoneOffsetsTests {
    @Test(arguments: ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC", "Australia/Lord_Howe", "America/Santiago"])
    func offsetsAgreeWithTimeZone(identifier: String) {
        let zone = TimeZone(identifier: identifier)!
        let start: Int64 = 1_700_000_000
        let table = ZoneOffsets.covering(start, in: zone)
        // Every 3 hours 17 minutes for 10 years, plus the second before and at each transition.
        var instants: [Int64] = Array(stride(from: start, to: start + 10 * 365 * 86_400, by: 11_820))
        for transition in table.transitions where transition.instant > start {
            instants += [transition.instant - 1, transition.instant]
        }
        for instant in instants where table.covers(instant) {
            let expected = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
            #expect(table.segment(containing: instant).offset == expected, "\(identifier) at \(instant)")
        }
    }

    @Test func resolvesGapsOverlapsAndOrdinaryTimes() throws {
        let london = TimeZone(identifier: "Europe/London")!
        let table = ZoneOffsets.covering(1_774_000_000, in: london)
        let springLocal = CivilDate(year: 2026, month: 3, day: 29).daysSinceEpoch * 86_400
        let spring = springLocal + 3_600 // 01:00 GMT = 01:00 UTC
        #expect(table.resolve(local: springLocal + 5_400) == .skipped(transition: spring, localEnd: spring + 3_600))
        #expect(table.resolve(local: springLocal + 3_599) == .unique(spring - 1))
        #expect(table.resolve(local: springLocal + 7_200) == .unique(spring))
        let autumnLocal = CivilDate(year: 2026, month: 10, day: 25).daysSinceEpoch * 86_400
        let autumn = autumnLocal + 3_600 // 02:00 BST = 01:00 UTC
        #expect(table.resolve(local: autumnLocal + 5_400) == .repeated(autumn - 1_800, autumn + 1_800))
        #expect(table.resolve(local: autumnLocal + 7_200) == .unique(autumn + 3_600))
    }

    @Test func anExtendedTableEqualsOneBuiltWhole() {
        let zone = TimeZone(identifier: "Europe/London")!
        // Both seams fall exactly on transitions (29 Mar and 25 Oct 2026, 01:00 UTC), which
        // each part folds into its offsets.
        let spring: Int64 = 1_774_746_000
        let autumn: Int64 = 1_792_890_000
        let year: Int64 = 365 * 86_400
        let middle = ZoneOffsets(zone: zone, window: spring..<autumn)
        let extended = middle.extended(to: (spring - 5 * year)..<(autumn + 5 * year), in: zone)
        let whole = ZoneOffsets(zone: zone, window: (spring - 5 * year)..<(autumn + 5 * year))
        #expect(extended.window == whole.window)
        #expect(extended.initialOffset == whole.initialOffset)
        #expect(extended.transitions == whole.transitions)
        // October 2021, both changes of 2022 to 2030, March 2031.
        #expect(whole.transitions.count == 20)
        #expect(whole.transitions.contains(ZoneOffsets.Transition(instant: spring, offsetBefore: 0, offsetAfter: 3_600)))
    }

    @Test func searchesPastTheEndOfATableWindow() throws {
        // A yearly job iterated for a century crosses several 60-year windows.
        let cron = try CronExpression("30 1 29 3 *")
        let zone = TimeZone(identifier: "Europe/London")!
        let fires = cron.nextFires(after: Date(timeIntervalSince1970: 1_767_225_600), in: zone, count: 150)
        #expect(fires.count == 150)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        for (index, fire) in fires.enumerated() {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: fire)
            #expect(c.year == 2026 + index && c.month == 3 && c.day == 29)
            // On years when 29 March is the last Sunday, 01:30 does not exist: 02:00 BST.
            let skipped = zone.secondsFromGMT(for: fire) == 3_600 && zone.secondsFromGMT(for: fire - 1) == 0
            #expect(skipped ? (c.hour == 2 && c.minute == 0) : (c.hour == 1 && c.minute == 30), "\(fire)")
        }
    }

    @Test func concurrentCallersGetTheSameAnswersAsOne() async throws {
        let zones = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC", "Europe/Paris"]
        let expressions = try ["30 1 * * *", "*/7 * * * *", "0 0 29 2 *", "@hourly"].map { try CronExpression($0) }
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        func answers(_ zone: String) -> [[Date]] {
            expressions.map { $0.nextFires(after: start, in: TimeZone(identifier: zone)!, count: 200) }
        }
        let expected = zones.map(answers)
        let results = await withTaskGroup(of: (Int, [[Date]]).self) { group in
            for round in 0..<24 {
                group.addTask { (round % zones.count, answers(zones[round % zones.count])) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 24)
        for (index, answer) in results {
            #expect(answer == expected[index], "\(zones[index])")
        }
    }
}
