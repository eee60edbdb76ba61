import Foundation
import Hummingbird
import HummingbirdTesting
import PicketlineCore
import PicketlineTestSupport
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
            #expect(first.status == .created)
            // Every response carries a request id: the client's own when it sent a sane one.
            let uuidShape = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/
            #expect(first.headers[RequestLogger.header]?.wholeMatch(of: uuidShape) != nil)
            let chosen = try await client.call(.get, "/healthz", headers: [RequestLogger.header: "trace-42"])
            #expect(chosen.headers[RequestLogger.header] == "trace-42")
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

extension LiveServerTests {
    /// A client announcing a body over the limit is answered 413 at once, not after waiting
    /// (until it gave up) for bytes it never sends.
    @Test func aBodyAnnouncedOverTheLimitIsRefusedBeforeItArrives() async throws {
        let fixture = try await APIFixture.make { $0.maxBodyBytes = 2_048 }; defer { fixture.remove() }
        try await fixture.application.test(.live) { client in
            let port = try #require(client.port)
            let answer = LoopbackHTTP.exchange(port: port, request: "POST /api/v1/actions/embassy-picket/attendances HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{\"name\": \"A\"", untilClose: false)
            #expect(answer?.hasPrefix("HTTP/1.1 413") == true, "\(answer ?? "no connection")")
        }
    }
}

@Suite struct RequestIDTests {
    @Test func idsAreVersionFourUUIDsInLowerCaseAndDistinct() {
        #expect(RequestIDs.format(0, 0) == "00000000-0000-4000-8000-000000000000")
        #expect(RequestIDs.format(.max, .max) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        #expect(RequestIDs.format(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210) == "01234567-89ab-4def-bedc-ba9876543210")
        let ids = (0..<10_000).map { _ in RequestIDs.next() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { UUID(uuidString: $0) != nil && $0 == $0.lowercased() })
    }
}
