import Foundation
import GRDB
import Testing
import PicketlineCore
@testable import PicketlineStore

/// The hand-written row mappings (Records+Rows.swift) against the real tables: every column is
/// written, what is written reads back equal, and dates use the same text as GRDB's own.
@Suite struct RecordMappingTests {
    @Test(arguments: [0.0, 1_641_643_200.25, 1_641_643_200.999, 1_500_000_000.0004, 4_102_444_800.123, -1.5, 951_782_400.5])
    func databaseStringsMatchGRDBs(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(RFC3339.databaseString(from: date) == String.fromDatabaseValue(date.databaseValue))
    }

    /// A date read back and written again keeps its text, for any microsecond (a seeded sweep).
    @Test func databaseStringsSurviveARoundTrip() throws {
        var generator = SeededGenerator(seed: 0x5EED)
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &generator))
            let text = RFC3339.databaseString(from: date)
            let readBack = try #require(Date.fromDatabaseValue(text.databaseValue))
            #expect(RFC3339.databaseString(from: readBack) == text)
            #expect(abs(readBack.timeIntervalSince(date)) < 0.001)
            // A time derived from a stored one, as reminders are from their action's start.
            let derived = readBack.addingTimeInterval(-3_600)
            let derivedText = RFC3339.databaseString(from: derived)
            #expect(RFC3339.databaseString(from: try #require(Date.fromDatabaseValue(derivedText.databaseValue))) == derivedText)
        }
    }

    /// The stored form read by hand gives the very `Date` GRDB gives (a seeded sweep), and
    /// anything else is left to GRDB.
    @Test func storedDatesReadByHandEqualGRDBs() throws {
        var generator = SeededGenerator(seed: 0xDA7E)
        for _ in 0..<20_000 {
            let text = RFC3339.databaseString(from: Date(timeIntervalSince1970: Double.random(in: -2_208_988_800..<4_102_444_800, using: &generator)))
            let mine = try #require(RFC3339.date(fromDatabaseString: text), "\(text)")
            #expect(mine == Date.fromDatabaseValue(text.databaseValue), "\(text)")
        }
        for other in ["2022-01-08 12:00:00", "2022-01-08T12:00:00.000", "2022-01-08 12:00:00.000Z", "2022-02-30 12:00:00.000",
                      "2022-01-08 24:00:00.000", "2022-01-08 12:00:0x.000", "", "2022-01-08 12:00:00.0000"] {
            #expect(RFC3339.date(fromDatabaseString: other) == nil, "\(other)")
        }
        // A row holding another form GRDB knows still reads, through GRDB.
        let queue = try DatabaseQueue()
        let dates = try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT '2022-01-08 12:00' AS a, '2022-01-08 12:00:00.250' AS b, NULL AS c")
                .map { (try $0.date("a"), try $0.date("b"), try $0.optionalDate("c")) }
        }
        #expect(dates?.0 == Date(timeIntervalSince1970: 1_641_643_200))
        #expect(dates?.1 == Date(timeIntervalSince1970: 1_641_643_200.25))
        #expect(dates?.2 == nil)
    }

    @Test func rfc3339StringsInZonesKeepTheirOffsets() throws {
        let date = Date(timeIntervalSince1970: 1_711_846_800)  // 2024-03-31T01:00:00Z, London has just gone to BST
        #expect(RFC3339.string(from: date) == "2024-03-31T01:00:00Z")
        #expect(RFC3339.string(from: date, in: try #require(TimeZone(identifier: "Europe/London"))) == "2024-03-31T02:00:00+01:00")
        #expect(RFC3339.string(from: date, in: try #require(TimeZone(identifier: "Asia/Kolkata"))) == "2024-03-31T06:30:00+05:30")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59Z")
    }

    /// Columns each mapping writes, against the table's own columns (`waitlisted_at` is kept by
    /// the store's own statements, not by the record).
    @Test func everyColumnIsWritten() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        let action = try await fixture.upcomingAction()
        let attendance = try await fixture.store.rsvp(action: action.slug, RSVP(name: "Ada", email: "ada@example.org")).attendance
        let event = try #require(try await fixture.store.outboxEvents(after: 0, limit: 100).last)
        try await fixture.store.database.read { db in
            func columns(_ table: String) throws -> Set<String> { Set(try db.columns(in: table).map(\.name)) }
            let actionColumns = try columns("actions"), attendanceColumns = try columns("attendances"), outboxColumns = try columns("outbox")
            let written = (action: Set(try ActionRecord(action).databaseDictionary.keys),
                           attendance: Set(try attendance.databaseDictionary.keys), event: Set(try event.databaseDictionary.keys))
            #expect(written.action == actionColumns)
            #expect(written.attendance == attendanceColumns.subtracting(["waitlisted_at"]))
            #expect(written.event == outboxColumns)
        }
    }

    @Test func whatIsWrittenReadsBackEqual() async throws {
        let fixture = try StoreFixture(); defer { fixture.remove() }
        var draft = ActionDraft(
            title: "Vigil", location: Location(venue: "Embassy", addressLines: ["125 Pall Mall", "St James's"], locality: "London",
                                               postalCode: "SW1Y 5EA", country: "GB", latitude: 51.5066, longitude: -0.1336,
                                               isPublic: false),
            startsAt: StoreFixture.now.addingTimeInterval(86_400), endsAt: nil, timeZone: "Europe/London",
            status: .confirmed, capacity: 2)
        draft.description = "Candles"
        let action = try await fixture.store.createAction(draft)
        let ada = try await fixture.store.rsvp(action: action.slug, RSVP(name: "Ada", email: "ada@example.org", phone: "+44 20 7946 0000",
                                                                         consentToContact: true)).attendance
        let checkedIn = try await fixture.store.checkIn(ada.id)
        #expect(try await fixture.store.action(action.slug) == action)
        #expect(try await fixture.store.attendance(ada.id) == checkedIn)
        #expect(checkedIn.checkedInAt == StoreFixture.now && checkedIn.consentToContact && checkedIn.phone == "+44 20 7946 0000")
        let events = try await fixture.store.outboxEvents(after: 0, limit: 100)
        try await fixture.store.database.write { db in
            // Through the Codable-free mapping and back again, unchanged.
            for event in events {
                var copy = event
                copy.id = event.id + 1_000
                copy.eventID = event.eventID + "-copy"
                try copy.insert(db)
                #expect(try OutboxEvent.fetchOne(db, key: copy.id) == copy)
            }
            var record = ActionRecord(action)
            record.id = 999
            record.slug = "copy"
            try record.insert(db)
            #expect(try ActionRecord.fetchOne(db, key: 999)?.action.location == action.location)
        }
    }
}

@Suite struct AttendancePayloadTextTests {
    @Test(arguments: [nil, AttendanceStatus.tentative])
    func writtenPayloadsMatchTheEncoder(previous: AttendanceStatus?) throws {
        for (email, phone) in [("ada@example.org", nil), (nil, "+44 20 7946 0000"), ("a\"b@example.org", "+1 (555) 010")] as [(String?, String?)] {
            let attendance = Attendance(
                id: 7, actionID: 3, name: "Ada \"Countess\" Lovelace / Zoë", email: email, phone: phone, consentToContact: email != nil,
                status: .accepted, waitlisted: phone != nil, attended: false, checkedInAt: nil, createdAt: .now, updatedAt: .now)
            let payload = AttendancePayload(attendance, previousStatus: previous)
            #expect(payload.json == (try PicketlineJSON.string(payload)))
            let personal = AttendancePersonalData(attendance)
            #expect(personal.json == (try PicketlineJSON.string(personal)))
        }
    }
}

/// A small deterministic generator (SplitMix64), so the sweep is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
