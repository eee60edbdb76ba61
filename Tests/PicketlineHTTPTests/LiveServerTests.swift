#if canImport(Glibc)
import Glibc
#endif
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
            let status = try RawHTTP.statusLine(port: port, request: "POST /api/v1/actions/embassy-picket/attendances HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{\"name\": \"A\"")
            #expect(status.hasPrefix("HTTP/1.1 413"), "\(status)")
        }
    }
}

/// One request written as raw bytes on a socket to 127.0.0.1 (for what an HTTP client library
/// would not send), and the status line read back; waits at most 5 s for it.
enum RawHTTP {
    static func statusLine(port: Int, request: String) throws -> String {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EIO) }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let bytes = Array(request.utf8)
        guard send(socket, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EIO) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = recv(socket, &buffer, buffer.count, 0)
        guard count > 0 else { return "(no answer within 5 s)" }
        return String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
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
