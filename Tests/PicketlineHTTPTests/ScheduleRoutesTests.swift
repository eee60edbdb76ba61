import Foundation
import Hummingbird
import HummingbirdTesting
import PicketlineCore
import Testing
@testable import PicketlineHTTP

@Suite struct ScheduleRoutesTests {
    @Test func schedulesAreManagedOverTheAPIWithPreciseCronErrors() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let created = try await client.call(.post, "/api/v1/schedules", headers: fixture.headers(.admin),
                                                json: #"{"name": "weekly", "kind": "digest", "cron": "0 9 * * mon", "time_zone": "Europe/London"}"#)
            #expect(created.status == .created)
            let schedule = try object(created.body)
            // 2026-12-01 is a Tuesday: the next Monday 09:00 in London (GMT in December).
            #expect(schedule["next_fire_date"] as? String == "2026-12-07T09:00:00+00:00")
            let bad = try await client.call(.post, "/api/v1/schedules", headers: fixture.headers(.admin),
                                            json: #"{"kind": "digest", "cron": "0 0 32 * *", "time_zone": "UTC"}"#)
            #expect(bad.status == .badRequest)
            let error = try object(bad.body)["error"] as? [String: Any]
            #expect(error?["field"] as? String == "cron" && error?["message"] as? String == "cron: day-of-month: 32 is out of range 1-31")
            let paused = try object(try await client.call(.post, "/api/v1/schedules/weekly/pause", headers: fixture.headers(.admin)).body)
            #expect(paused["state"] as? String == "paused" && paused["next_fire_date"] == nil)
            let list = try object(try await client.call(.get, "/api/v1/schedules", headers: fixture.headers(.admin)).body)
            #expect((list["items"] as? [Any])?.count == 2)
        }
    }

    @Test func anOrganiserSetsAndReadsTheirActionsReminders() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let set = try await client.call(.post, "/api/v1/actions/embassy-picket/reminders", headers: fixture.headers(.organiser),
                                            json: #"{"offsets": ["3h before", "2h after"]}"#)
            #expect(set.status == .ok)
            let items = try object(set.body)["items"] as! [[String: Any]]
            #expect(Set(items.compactMap { $0["offset_seconds"] as? Int }) == [10_800, 7_200])
            // The picket starts 2026-12-02 09:00 London time; 3 h before is 06:00 there.
            #expect(items.contains { $0["due_date"] as? String == "2026-12-02T06:00:00+00:00" && $0["state"] as? String == "pending" })
            let bad = try await client.call(.post, "/api/v1/actions/embassy-picket/reminders", headers: fixture.headers(.organiser),
                                            json: #"{"offsets": ["soon"]}"#)
            #expect(bad.status == .badRequest)
            // null (documented: follow the defaults) is accepted although the field is required.
            let reset = try await client.call(.post, "/api/v1/actions/embassy-picket/reminders", headers: fixture.headers(.organiser),
                                              json: #"{"offsets": null}"#)
            #expect(reset.status == .ok)
            #expect(try await client.call(.post, "/api/v1/actions/embassy-picket/reminders", headers: fixture.headers(.organiser),
                                          json: "{}").status == .badRequest)
        }
    }
}
