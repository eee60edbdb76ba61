import Foundation
import Hummingbird
import HummingbirdTesting
import PicketlineCore
import Testing
@testable import PicketlineHTTP

/// End to end over a real socket on 127.0.0.1 (HummingbirdTesting's `.live`), where the client
/// address is real and rate limiting is per address.
@Suite struct LiveServerTests {
    @Test func overARealConnectionAnRSVPIsRecordedAndTheRateLimitIsPerAddress() async throws {
        let fixture = try await APIFixture.make { $0.publicWritesPerMinute = 2 }; defer { fixture.remove() }
        try await fixture.application.test(.live) { client in
            let first = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances",
                                              headers: [.contentType: "application/json"],
                                              json: #"{"name": "Live One", "email": "live1@example.org"}"#)
            #expect(first.status == .created && first.headers[RequestLogger.header] != nil)
            _ = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances", json: #"{"name": "Live Two", "phone": "+44 7700 900111"}"#)
            let third = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances", json: #"{"name": "Live Three", "email": "live3@example.org"}"#)
            #expect(third.status == .tooManyRequests)
            // Authenticated organisers are not rate limited.
            let organiser = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances", headers: fixture.headers(.organiser),
                                                  json: #"{"name": "Steward entry", "email": "steward@example.org"}"#)
            #expect(organiser.status == .created)
            let names = try await fixture.store.attendances(action: "embassy-picket").map(\.name)
            #expect(names.contains("Live One") && names.contains("Live Two") && !names.contains("Live Three"))
            let health = try await client.call(.get, "/healthz")
            #expect(health.status == .ok && health.body == #"{"status":"ok"}"#)
        }
    }
}
