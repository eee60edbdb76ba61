import Foundation
import Hummingbird
import HummingbirdTesting
import PicketlineCore
import PicketlineStore
import Testing
@testable import PicketlineHTTP

/// Anonymous GETs are answered from `ResponseCache` while the database is unchanged; any commit,
/// from this process or another, makes the next answer fresh.
@Suite struct ResponseCacheTests {
    @Test func aChangeFromAnotherProcessShowsOnTheNextRequest() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        // Another pool on the same file stands for `picketline action create` run beside `serve`.
        let otherProcess = try SQLiteStore(path: fixture.store.path, clock: fixture.clock)
        try await fixture.test { client in
            let first = try await client.call(.get, "/api/v1/actions")
            #expect(try await client.call(.get, "/api/v1/actions").body == first.body)
            _ = try await otherProcess.createAction(ActionDraft(
                title: "Rally at the ministry", slug: "ministry-rally", startsAt: APIFixture.now.addingTimeInterval(7_200),
                timeZone: "Europe/London", status: .confirmed))
            let after = try object(try await client.call(.get, "/api/v1/actions").body)
            #expect((after["items"] as! [[String: Any]]).map { $0["slug"] as! String } == ["ministry-rally", "embassy-picket"])
            let renamed = try await otherProcess.updateAction("embassy-picket", ActionChanges(title: "Picket of the consulate"))
            #expect(renamed.title == "Picket of the consulate")
            #expect(try await client.call(.get, "/api/v1/actions/embassy-picket").body.contains("Picket of the consulate"))
        }
    }

    @Test func callersWithTokensAreNeverAnsweredFromTheCache() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let anonymous = try object(try await client.call(.get, "/api/v1/actions").body)
            let admin = try object(try await client.call(.get, "/api/v1/actions", headers: fixture.headers(.admin)).body)
            #expect(anonymous["total"] as? Int == 1 && admin["total"] as? Int == 2)
            let organiser = try await client.call(.get, "/api/v1/actions/embassy-picket", headers: fixture.headers(.organiser))
            #expect(organiser.body.contains("7 Hidden Mews"))
            #expect(!(try await client.call(.get, "/api/v1/actions/embassy-picket").body.contains("7 Hidden Mews")))
            // A write through the API is a commit like any other.
            let created = try await client.call(.post, "/api/v1/actions", headers: fixture.headers(.admin), json: """
                {"title": "Vigil", "start_date": "2026-12-03T18:00:00Z", "time_zone": "UTC", "status": "confirmed"}
                """)
            #expect(created.status == .created)
            #expect(try object(try await client.call(.get, "/api/v1/actions").body)["total"] as? Int == 2)
        }
    }

    @Test func theCacheKeepsAtMostItsCapacity() {
        let cache = ResponseCache(capacity: 3)
        for index in 0..<10 { cache.keep(Response(status: .ok), for: "/a?\(index)", version: 1) }
        #expect(cache.count <= 3)
        #expect(cache.response(for: "/a?9", version: 1) != nil)
        #expect(cache.response(for: "/a?9", version: 2) == nil)
        let full = ResponseCache(capacity: 3)
        for index in 0..<3 { full.keep(Response(status: .ok), for: "/a?\(index)", version: 1) }
        full.keep(Response(status: .ok), for: "/b", version: 2)
        #expect(full.count == 1)  // entries of an older version go first
    }
}
