import Foundation
import PicketlineScheduler
import Testing

/// The 875 answers of cronsim 2.8 (Debian cron semantics) in the shared fixture.
struct CronsimVectorTests {
    struct VectorFile: Decodable {
        let generator: String
        let cases: [Vector]
    }

    struct Vector: Decodable {
        let expression: String
        let timeZone: String
        let after: String
        let next: [String]
    }

    static func loadVectors() throws -> [Vector] {
        let url = try #require(Bundle.module.url(forResource: "cronsim-vectors", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(VectorFile.self, from: Data(contentsOf: url)).cases
    }

    @Test func fixtureHoldsAll875Cases() throws {
        let vectors = try Self.loadVectors()
        #expect(vectors.count == 875)
        #expect(vectors.allSatisfy { $0.next.count == 8 })
    }

    @Test func everyFireTimeMatchesCronsimWhenIteratingNextFire() throws {
        var checked = 0
        for (index, vector) in try Self.loadVectors().enumerated() {
            let zone = TestClock.zone(vector.timeZone)
            let expression = try CronExpression(vector.expression)
            var cursor = TestClock.instant(vector.after)
            for (fire, expectedText) in vector.next.enumerated() {
                let expected = TestClock.instant(expectedText)
                let actual = expression.nextFire(after: cursor, in: zone)
                #expect(
                    actual == expected,
                    "case \(index): `\(vector.expression)` in \(vector.timeZone) after \(vector.after), fire \(fire): got \(actual.map { TestClock.local($0, in: zone) } ?? "nil"), cronsim says \(expectedText)"
                )
                guard let actual else { break }
                cursor = actual
                checked += 1
            }
        }
        #expect(checked == 875 * 8)
    }

    @Test func nextFiresReturnsTheSameEightTimes() throws {
        for (index, vector) in try Self.loadVectors().enumerated() {
            let zone = TestClock.zone(vector.timeZone)
            let fires = try CronExpression(vector.expression).nextFires(after: TestClock.instant(vector.after), in: zone, count: 8)
            #expect(
                fires == vector.next.map(TestClock.instant),
                "case \(index): `\(vector.expression)` in \(vector.timeZone) after \(vector.after): got \(fires.map { TestClock.local($0, in: zone) })"
            )
        }
    }
}
