import Foundation
import Hummingbird
import HummingbirdTesting
import PicketlineCore
import Testing
@testable import PicketlineHTTP

/// iCalendar and CSV output, read back by real parsers (Python's `icalendar` and `csv`).
@Suite struct FeedTests {
    static let awkwardTitle = "Picket: \"Free them all\"; no, really, all — Zhanaozen, Almaty & Aktau"

    @Test(.enabled(if: PythonTool.has(module: "icalendar"), "needs the icalendar package (Deploy/test.sh installs it)"))
    func calendarsParseWithStableUIDsIncreasingSequenceAndCancelledStatus() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        let long = String(repeating: "Solidarity with the workers of Kazakhstan. ", count: 6) + "Ünïcödé ✊"
        _ = try await fixture.store.updateAction("embassy-picket", ActionChanges(title: Self.awkwardTitle, description: long))
        try await fixture.test { client in
            let first = try await client.call(.get, "/api/v1/actions/embassy-picket.ics")
            #expect(first.status == .ok && first.headers[.contentType]?.hasPrefix("text/calendar") == true)
            #expect(first.body.contains("\r\n") && first.body.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 75 })
            let parsed = try Self.parse(first.body, in: fixture)
            #expect(parsed["summary"] as? String == Self.awkwardTitle)
            #expect(parsed["description"] as? String == long + "\n\nTarget: " || (parsed["description"] as? String)?.hasPrefix(long) == true)
            #expect(parsed["uid"] as? String == "action-\(fixture.publicAction.id)@127.0.0.1")
            #expect(parsed["dtstart"] as? String == "2026-12-02T09:00:00+00:00")
            #expect(parsed["status"] as? String == "CONFIRMED")
            #expect(!(parsed["location"] as? String ?? "").contains("Hidden Mews"))
            let firstSequence = try #require(parsed["sequence"] as? Int)

            _ = try await client.call(.post, "/api/v1/actions/embassy-picket/cancel", headers: fixture.headers(.admin), json: "{}")
            let cancelled = try Self.parse(try await client.call(.get, "/api/v1/actions/embassy-picket.ics").body, in: fixture)
            #expect(cancelled["status"] as? String == "CANCELLED")
            #expect((cancelled["sequence"] as? Int ?? 0) > firstSequence)
            #expect(cancelled["uid"] as? String == parsed["uid"] as? String)

            let feed = try await client.call(.get, "/api/v1/calendar.ics?campaign=kazakhstan")
            let events = try Self.parse(feed.body, in: fixture, all: true)["count"] as? Int
            #expect(events == 1) // the private meeting is not in the public feed
        }
    }

    /// Found by QA: a CR alone went into DESCRIPTION raw, and a letter with many combining marks
    /// made a folded line longer than 75 octets (folding went by whole characters).
    @Test func calendarTextEscapesEveryLineBreakAndFoldsByOctets() {
        #expect(ICalendar.escape("a\rb\r\nc\nd") == "a\\nb\\nc\\nd")
        #expect(ICalendar.escape("tab\there, bell\u{7}; \\") == "tab\there\\, bell\\; \\\\")
        let zalgo = "DESCRIPTION:zalgo a" + String(repeating: "\u{301}", count: 60) + " end"
        let folded = ICalendar.fold(zalgo)
        #expect(folded.split(separator: "\r\n", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 75 })
        // Unfolding (dropping CRLF and one space, scalar by scalar: a space before a combining
        // mark is one character with it) gives the line back.
        var unfolded = String.UnicodeScalarView(), scalars = Array(folded.unicodeScalars), index = 0
        while index < scalars.count {
            if scalars[index] == "\r", index + 2 < scalars.count, scalars[index + 1] == "\n", scalars[index + 2] == " " { index += 3; continue }
            unfolded.append(scalars[index]); index += 1
        }
        #expect(String(unfolded) == zalgo)
    }

    @Test func csvExportsQuoteAsRFC4180AndReadBack() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        _ = try await fixture.store.sign(statement: "release", .person(name: "Smith, \"Red\" Jo", affiliation: "UCU, \"Leeds\" branch", email: nil))
        // Names are one line (refused otherwise); a line break inside a field is still quoted.
        #expect(CSV.render(header: ["a", "b"], rows: [["x\ny", "z"]]) == "a,b\r\n\"x\ny\",z\r\n")
        try await fixture.test { client in
            let csv = try await client.call(.get, "/api/v1/statements/release/signatures.csv")
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.body.contains("\"Smith, \"\"Red\"\" Jo\""))
            let rows = try Self.readCSV(csv.body, in: fixture)
            #expect(rows.first == ["name", "affiliation", "kind", "signed_date"])
            #expect(rows.count == 3)
            #expect(rows.last?[0] == "Smith, \"Red\" Jo" && rows.last?[1] == "UCU, \"Leeds\" branch")
            #expect(!csv.body.contains("ada.secret@example.org"))
            let attendance = try await client.call(.get, "/api/v1/actions/embassy-picket/attendances.csv", headers: fixture.headers(.organiser))
            let attendees = try Self.readCSV(attendance.body, in: fixture)
            #expect(attendees.count == 2 && attendees[1][2] == "ada.secret@example.org")
            let endorsements = try Self.readCSV(try await client.call(.get, "/api/v1/actions/embassy-picket/endorsements.csv").body, in: fixture)
            #expect(endorsements.map { $0[0] } == ["organisation", "Anti*Capitalist Resistance"])
        }
    }

    /// Names from the public that a spreadsheet would run as formulas are written as text.
    @Test func csvExportsNeutraliseFormulasButNotPhoneNumbers() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        let formulas = ["=HYPERLINK(\"http://example.org\",\"x\")", "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "=cmd|' /C calc'!A0",
                        "-2+3", "+5+5", "-5", "+"]
        for (index, name) in formulas.enumerated() {
            _ = try await fixture.store.sign(statement: "release", .person(name: name, affiliation: "Branch \(index)", email: nil))
        }
        _ = try await fixture.store.rsvp(action: "embassy-picket", RSVP(name: "=1+2", phone: "+44 7700 900555"))
        try await fixture.test { client in
            let rows = try Self.readCSV(try await client.call(.get, "/api/v1/statements/release/signatures.csv").body, in: fixture)
            for name in formulas { #expect(rows.contains { $0[0] == "'" + name }, "\(name) not neutralised: \(rows)") }
            let attendance = try await client.call(.get, "/api/v1/actions/embassy-picket/attendances.csv", headers: fixture.headers(.organiser))
            let attendees = try Self.readCSV(attendance.body, in: fixture)
            #expect(attendees.contains { $0[1] == "'=1+2" && $0[3] == "+44 7700 900555" }, "\(attendees)")
        }
    }

    /// Parses with Python's icalendar; returns the first event's fields, or the event count with `all`.
    static func parse(_ text: String, in fixture: APIFixture, all: Bool = false) throws -> [String: Any] {
        let file = fixture.directory.appendingPathComponent("\(UUID().uuidString).ics")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try PythonTool.run(["-c", """
            import json, sys, icalendar
            cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
            events = [e for e in cal.walk('VEVENT')]
            if sys.argv[2] == 'all':
                print(json.dumps({'count': len(events)}))
            else:
                e = events[0]
                print(json.dumps({'summary': str(e['SUMMARY']), 'description': str(e.get('DESCRIPTION', '')),
                                  'uid': str(e['UID']), 'dtstart': e['DTSTART'].dt.isoformat(),
                                  'status': str(e['STATUS']), 'sequence': int(e['SEQUENCE']),
                                  'location': str(e.get('LOCATION', ''))}))
            """, file.path, all ? "all" : "first"])
        #expect(result.status == 0, "\(result.output)")
        return try object(result.output)
    }

    /// Reads CSV with Python's csv module and returns the rows.
    static func readCSV(_ text: String, in fixture: APIFixture) throws -> [[String]] {
        let file = fixture.directory.appendingPathComponent("\(UUID().uuidString).csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try PythonTool.run(["-c", """
            import csv, json, sys
            print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))
            """, file.path])
        #expect(result.status == 0, "\(result.output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String]])
    }
}
