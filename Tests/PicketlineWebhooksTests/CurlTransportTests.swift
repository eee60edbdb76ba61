import Foundation
import Synchronization
import Testing
import PicketlineCore
import PicketlineTestSupport
@testable import PicketlineWebhooks

/// Everything here talks only to `TestReceiver` on 127.0.0.1. Addresses elsewhere
/// appear only in guard tests, where the guard's refusal is asserted (`#require`)
/// before the transport is given the URL, so no packet can leave the machine.
@Suite("CurlTransport against a local receiver", .serialized)
struct CurlTransportTests {
    private static let loopbackOnly = [IPCIDR("127.0.0.1/32")!]

    private func makeTransport(_ adjust: (inout CurlTransport.Configuration) -> Void = { _ in }) -> CurlTransport {
        var configuration = CurlTransport.Configuration(
            connectTimeout: .seconds(2),
            totalTimeout: .seconds(5),
            allowList: Self.loopbackOnly
        )
        adjust(&configuration)
        return CurlTransport(configuration: configuration)
    }

    private func request(_ url: String, id: String = UUID().uuidString, body: String = #"{"ok":true}"#) -> WebhookRequest {
        WebhookRequest(id: id, url: url, headers: [], body: Array(body.utf8))
    }

    private func byID(_ responses: [WebhookResponse]) -> [String: WebhookResponse] {
        Dictionary(uniqueKeysWithValues: responses.map { ($0.requestID, $0) })
    }

    @Test("a signed delivery arrives with verifiable signature, id, timestamp, content type and user agent")
    func signedDelivery() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let secret = StandardWebhookSigner.generateSecret()
        let signer = try StandardWebhookSigner(secrets: [secret])
        let body = PayloadFormat.standard.render(eventType: "callout.created", timestamp: Date(),
                                                 data: .object(["callout": .object(["message": .string("Now!")])]))
        let timestamp = Int(Date().timeIntervalSince1970)
        let id = "msg_\(UUID().uuidString)"
        let request = WebhookRequest(id: id, url: receiver.url("/ok"),
                                     headers: signer.headers(id: id, timestamp: timestamp, body: body), body: body)

        let responses = await makeTransport().send([request])

        let response = try #require(responses.first)
        #expect(responses.count == 1)
        #expect(response.requestID == id)
        #expect(response.statusCode == 204)
        #expect(response.transportError == nil)
        #expect(response.latency > .zero && response.latency < .seconds(5))
        #expect(RetryPolicy().classify(response) == .delivered)

        let seen = try #require(receiver.requests.first)
        #expect(seen.method == "POST")
        #expect(seen.path == "/ok")
        #expect(seen.body == body)
        #expect(seen.header("webhook-id") == id)
        #expect(seen.header("webhook-timestamp") == String(timestamp))
        #expect(seen.header("content-type") == "application/json")
        #expect(seen.header("user-agent") == "Picketline/\(PicketlineVersion.current)")
        #expect(seen.header("expect") == nil)
        let signature = try #require(seen.header("webhook-signature"))
        try StandardWebhookSigner.verify(signatureHeader: signature, id: try #require(seen.header("webhook-id")),
                                         timestamp: try #require(Int(seen.header("webhook-timestamp") ?? "")),
                                         body: seen.body, secrets: [secret])
    }

    @Test("each receiver behaviour is reported and classified correctly")
    func behaviours() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let paths = ["/fail", "/gone", "/redirect", "/ratelimit", "/ratelimit-date", "/drop", "/missing"]
        let responses = byID(await makeTransport().send(paths.map { request(receiver.url($0), id: $0) }))
        #expect(responses.count == paths.count)
        let policy = RetryPolicy(random: { 0.5 })
        let now = Date()
        func decide(_ path: String) -> RetryPolicy.Decision? {
            responses[path].map { policy.nextAttempt(attemptNumber: 1, response: $0, firstAttemptAt: now, now: now) }
        }

        #expect(responses["/fail"]?.statusCode == 500)
        #expect(responses["/fail"]?.bodyPrefix == Array("boom".utf8))
        #expect(decide("/fail") == .retry(at: now.addingTimeInterval(5)))

        #expect(responses["/gone"]?.statusCode == 410)
        #expect(decide("/gone") == .disableSubscription)

        #expect(responses["/redirect"]?.statusCode == 301)
        #expect(decide("/redirect") == .retry(at: now.addingTimeInterval(5)))
        #expect(!receiver.requests.contains { $0.path == "/redirect-target" }, "the redirect must not be followed")

        #expect(responses["/ratelimit"]?.statusCode == 429)
        #expect(responses["/ratelimit"]?.retryAfter == 7)
        #expect(decide("/ratelimit") == .retry(at: now.addingTimeInterval(7)))

        #expect(responses["/ratelimit-date"]?.statusCode == 503)
        let dated = try #require(responses["/ratelimit-date"]?.retryAfter)
        #expect(dated > 100 && dated <= 121)

        let dropped = try #require(responses["/drop"])
        #expect(dropped.statusCode == nil)
        #expect(dropped.errorCategory == .receive)
        #expect(dropped.transportError?.hasPrefix("receive: ") == true)
        #expect(decide("/drop") == .retry(at: now.addingTimeInterval(5)))

        #expect(responses["/missing"]?.statusCode == 404)
        #expect(decide("/missing") == .retry(at: now.addingTimeInterval(5)))
    }

    @Test("the total timeout is honoured")
    func timeout() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let transport = makeTransport { $0.totalTimeout = .milliseconds(300) }
        let started = ContinuousClock.now
        let response = try #require(await transport.send([request(receiver.url("/slow?ms=3000"))]).first)
        let elapsed = ContinuousClock.now - started
        #expect(response.statusCode == nil)
        #expect(response.errorCategory == .timeout)
        #expect(response.transportError?.hasPrefix("timeout: ") == true)
        #expect(elapsed < .seconds(2))
        #expect(response.latency >= .milliseconds(250))
        if case .retry = RetryPolicy().nextAttempt(attemptNumber: 1, response: response, firstAttemptAt: Date(), now: Date()) {
        } else {
            Issue.record("a timeout must be retried")
        }
    }

    @Test("the stored body is cut at the prefix length while the whole body is read")
    func bodyPrefix() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let expected = (0..<5_000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let short = try #require(await makeTransport { $0.storedBodyPrefixBytes = 100 }.send([request(receiver.url("/big?n=5000"))]).first)
        #expect(short.statusCode == 200)
        #expect(short.bodyPrefix == Array(expected.prefix(100)))
        #expect(short.bodyBytesRead == 5_000)
        #expect(!short.bodyTruncated)
        let standard = try #require(await makeTransport().send([request(receiver.url("/big?n=5000"))]).first)
        #expect(standard.bodyPrefix == Array(expected.prefix(1_024)))
    }

    @Test("reading stops at the maximum body size without turning the response into an error")
    func maxBody() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let response = try #require(await makeTransport().send([request(receiver.url("/big?n=300000"))]).first)
        #expect(response.statusCode == 200)
        #expect(response.bodyTruncated)
        #expect(response.bodyBytesRead == 64 * 1_024)
        #expect(response.bodyPrefix.count == 1_024)
        #expect(response.transportError == nil)
        #expect(RetryPolicy().classify(response) == .delivered)
    }

    @Test("no more than maxConcurrentTransfers run at once (limit 4, 20 slow requests)")
    func concurrencyLimit() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let transport = makeTransport { $0.maxConcurrentTransfers = 4 }
        let responses = await transport.send((0..<20).map { _ in request(receiver.url("/count?ms=250")) })
        #expect(responses.count == 20)
        #expect(responses.allSatisfy { $0.statusCode == 204 })
        #expect(receiver.maxInFlight <= 4)
        #expect(receiver.maxInFlight >= 2, "requests should actually overlap")
    }

    @Test("no more than maxConnectionsPerHost run at once to one host")
    func perHostLimit() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let transport = makeTransport { $0.maxConcurrentTransfers = 16; $0.maxConnectionsPerHost = 2 }
        let responses = await transport.send((0..<8).map { _ in request(receiver.url("/count?ms=200")) })
        #expect(responses.allSatisfy { $0.statusCode == 204 })
        #expect(receiver.maxInFlight <= 2)
    }

    @Test("after stopStarting, the transfer under way finishes and the waiting ones are never sent")
    func stopStartingLetsTheRunningTransferFinishAndSendsNoOther() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let transport = makeTransport { $0.maxConcurrentTransfers = 16; $0.maxConnectionsPerHost = 1 }
        let sending = Task { await transport.send((0..<4).map { request(receiver.url("/slow?ms=400"), id: "r\($0)") }) }
        // The first is under way (one per host), the other three wait their turn.
        for _ in 0..<200 where receiver.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        transport.stopStarting()
        let responses = await sending.value
        #expect(responses.count == 4)
        #expect(responses.filter { $0.statusCode == 204 }.count == 1)
        #expect(responses.filter { $0.errorCategory == .shutdown }.count == 3)
        // Nothing handed over afterwards is sent either.
        let late = await transport.send([request(receiver.url("/ok"), id: "late")])
        #expect(late.map(\.errorCategory) == [.shutdown])
        try await Task.sleep(for: .milliseconds(100))
        #expect(receiver.requests.count == 1)
    }

    @Test("concurrent send calls on one transport each get exactly their own responses")
    func concurrentSends() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let transport = makeTransport()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in 0..<6 {
                group.addTask {
                    let ids = (0..<5).map { "batch\(batch)-\($0)" }
                    let responses = await transport.send(ids.map { request(receiver.url("/count?ms=50"), id: $0) })
                    #expect(Set(responses.map(\.requestID)) == Set(ids))
                    #expect(responses.allSatisfy { $0.statusCode == 204 })
                }
            }
            try await group.waitForAll()
        }
        #expect(receiver.requests.count == 30)
    }

    @Test("connections are reused between sends")
    func connectionReuse() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let transport = makeTransport()
        for _ in 0..<4 {
            let response = try #require(await transport.send([request(receiver.url("/ok"))]).first)
            #expect(response.statusCode == 204)
        }
        #expect(receiver.requests.count == 4)
        #expect(receiver.connectionsAccepted == 1)
    }

    @Test("a closed port is a connect error")
    func connectRefused() async throws {
        let closed = try TestReceiver()
        closed.stop()
        let response = try #require(await makeTransport().send([request(closed.url("/ok"))]).first)
        #expect(response.statusCode == nil)
        #expect(response.errorCategory == .connect)
        #expect(response.transportError?.hasPrefix("connect: ") == true)
    }

    @Test("the guard refuses non-public targets with a reason and makes no connection")
    func guardRefusals() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let port = receiver.port
        let transport = makeTransport { $0.allowList = [] }
        let expectations: [(url: String, reason: String)] = [
            (receiver.url("/ok"), "127.0.0.1 is a loopback address"),
            ("http://localhost:\(port)/ok", "127.0.0.1 is a loopback address (localhost resolves to it)"),
            ("http://[::1]:\(port)/ok", "::1 is a loopback address"),
            ("http://[::ffff:127.0.0.1]:\(port)/ok", "::ffff:127.0.0.1 is an IPv4-mapped form of 127.0.0.1, a loopback address"),
            ("http://0.0.0.0:\(port)/ok", "0.0.0.0 is the unspecified address"),
            ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address (the cloud metadata endpoint)"),
            ("http://10.1.2.3/hook", "10.1.2.3 is a private address"),
            ("https://100.64.0.1/hook", "100.64.0.1 is a carrier-grade NAT (shared) address"),
            ("ftp://127.0.0.1:\(port)/", "ftp is not an allowed scheme (only http and https)"),
        ]
        // Safety net: never hand the transport a URL the guard would let through.
        let checker = AddressGuard()
        for expectation in expectations {
            guard case .refused = checker.check(url: expectation.url) else {
                Issue.record("guard did not refuse \(expectation.url)")
                return
            }
        }
        let responses = byID(await transport.send(expectations.map { request($0.url, id: $0.url) }))
        for expectation in expectations {
            let response = try #require(responses[expectation.url])
            #expect(response.statusCode == nil)
            #expect(response.errorCategory == .refusedByGuard)
            #expect(response.transportError == "refused-by-guard: \(expectation.reason)")
            #expect(RetryPolicy().classify(response) == .retryable(reason: response.transportError!))
        }
        #expect(receiver.connectionsAccepted == 0)
        #expect(receiver.requests.isEmpty)
    }

    @Test("allow-listing 127.0.0.1/32 lets the same URL through")
    func allowListed() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let refused = try #require(await makeTransport { $0.allowList = [] }.send([request(receiver.url("/ok"))]).first)
        #expect(refused.errorCategory == .refusedByGuard)
        #expect(receiver.connectionsAccepted == 0)
        let allowed = try #require(await makeTransport { $0.allowList = [IPCIDR("127.0.0.1/32")!] }.send([request(receiver.url("/ok"))]).first)
        #expect(allowed.statusCode == 204)
        #expect(receiver.connectionsAccepted == 1)
    }

    @Test("a host name is pinned to the checked address (no second lookup), Host header kept")
    func pinning() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        // `.invalid` never resolves (RFC 6761): the request can only arrive through the pin.
        let host = "pinned-webhook-test.invalid"
        let lookups = Mutex(0)
        let checker = AddressGuard(allowList: Self.loopbackOnly) { name in
            lookups.withLock { $0 += 1 }
            return name == host ? .success([IPAddress("127.0.0.1")!]) : .failure(.init(message: "unknown"))
        }
        let configuration = CurlTransport.Configuration(connectTimeout: .seconds(2), totalTimeout: .seconds(5), allowList: Self.loopbackOnly)
        let transport = CurlTransport(configuration: configuration, addressGuard: checker)
        let url = "http://\(host):\(receiver.port)/ok"
        let responses = await transport.send([request(url, id: "a"), request(url, id: "b")])
        #expect(responses.allSatisfy { $0.statusCode == 204 })
        #expect(receiver.requests.map { $0.header("host") } == ["\(host):\(receiver.port)", "\(host):\(receiver.port)"])
        #expect(lookups.withLock { $0 } == 1, "one lookup per host and batch")
    }

    @Test("a host name resolved by the system (localhost) works when allow-listed")
    func systemResolvedName() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let transport = makeTransport { $0.allowList = [IPCIDR("127.0.0.0/8")!, IPCIDR("::1/128")!] }
        let response = try #require(await transport.send([request("http://localhost:\(receiver.port)/ok")]).first)
        #expect(response.statusCode == 204)
    }

    @Test("the socket is refused if curl ever tries an address the guard did not check")
    func socketLevelBlock() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        // Pin to 127.0.0.1 but say only 127.0.0.2 was checked: the open-socket hook must refuse.
        let loop = CurlMultiLoop(configuration: CurlTransport.Configuration(connectTimeout: .seconds(2), totalTimeout: .seconds(5)))
        let response = await withCheckedContinuation { continuation in
            loop.submit([CurlMultiLoop.Job(
                request: request("http://blocked-webhook-test.invalid:\(receiver.port)/ok", id: "x"),
                hostKey: "blocked-webhook-test.invalid:\(receiver.port)",
                resolveEntry: "blocked-webhook-test.invalid:\(receiver.port):127.0.0.1",
                allowedAddresses: [IPAddress("127.0.0.2")!],
                completion: { continuation.resume(returning: $0) }
            )])
        }
        loop.shutdown()
        #expect(response.errorCategory == .refusedByGuard)
        #expect(response.transportError == "refused-by-guard: connection to 127.0.0.1 blocked: not one of the checked addresses")
        #expect(receiver.connectionsAccepted == 0)
    }

    @Test("an IPv6 pin entry is understood; an unchecked address in it is skipped at the socket, not connected")
    func ipv6PinEntry() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        // The entry lists [::1] first, but only 127.0.0.1 counts as checked: curl must parse the
        // bracketed IPv6 form, get refused a socket for ::1 (so nothing is sent there) and fall back.
        let host = "pinned6-webhook-test.invalid"
        let loop = CurlMultiLoop(configuration: CurlTransport.Configuration(connectTimeout: .seconds(2), totalTimeout: .seconds(5)))
        let response = await withCheckedContinuation { continuation in
            loop.submit([CurlMultiLoop.Job(
                request: request("http://\(host):\(receiver.port)/ok", id: "v6"),
                hostKey: "\(host):\(receiver.port)",
                resolveEntry: "\(host):\(receiver.port):[::1],127.0.0.1",
                allowedAddresses: [IPAddress("127.0.0.1")!],
                completion: { continuation.resume(returning: $0) }
            )])
        }
        loop.shutdown()
        #expect(response.statusCode == 204, "\(response.transportError ?? "")")
        #expect(receiver.requests.first?.header("host") == "\(host):\(receiver.port)")
    }

    @Test("header injection and malformed URLs are refused before any connection")
    func invalidRequests() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let transport = makeTransport()
        var injected = request(receiver.url("/ok"), id: "crlf")
        injected.headers = [HeaderField(name: "X-Note", value: "a\r\nX-Evil: 1")]
        var badName = request(receiver.url("/ok"), id: "name")
        badName.headers = [HeaderField(name: "Bad Name", value: "x")]
        var hostOverride = request(receiver.url("/ok"), id: "host")
        hostOverride.headers = [HeaderField(name: "Host", value: "internal.example")]
        var lengthOverride = request(receiver.url("/ok"), id: "length")
        lengthOverride.headers = [HeaderField(name: "CONTENT-LENGTH", value: "1")]
        let responses = byID(await transport.send([injected, badName, hostOverride, lengthOverride, request("http//nothing", id: "url")]))
        for id in ["crlf", "name", "host", "length", "url"] {
            #expect(responses[id]?.errorCategory == .invalidRequest)
        }
        #expect(RetryPolicy().nextAttempt(attemptNumber: 1, response: responses["url"]!, firstAttemptAt: Date(), now: Date()) == .giveUp)
        #expect(receiver.connectionsAccepted == 0)
    }

    @Test("a content type the request sets, in any case, is sent as it is and not doubled")
    func ownContentType() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        var plain = request(receiver.url("/ok"), id: "plain")
        plain.headers = [HeaderField(name: "CONTENT-type", value: "text/plain")]
        let responses = byID(await makeTransport().send([plain]))
        #expect(responses["plain"]?.statusCode == 204)
        let received = try #require(receiver.requests.first)
        #expect(received.headers.filter { $0.name.lowercased() == "content-type" }.map(\.value) == ["text/plain"])
    }

    @Test("an empty batch returns at once; a disabled guard allows loopback without an allow-list")
    func emptyAndDisabledGuard() async throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        #expect(await makeTransport().send([]).isEmpty)
        let transport = makeTransport { $0.allowList = []; $0.addressGuardEnabled = false }
        let response = try #require(await transport.send([request(receiver.url("/ok"), body: "")]).first)
        #expect(response.statusCode == 204)
        #expect(receiver.requests.first?.body.isEmpty == true)
        #expect(receiver.requests.first?.header("content-length") == "0")
    }
}
