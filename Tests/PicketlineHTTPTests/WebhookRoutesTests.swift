import Foundation
import Hummingbird
import HummingbirdTesting
import PicketlineCore
import PicketlineHTTP
import PicketlineStore
import PicketlineTestSupport
import PicketlineWebhooks
import Testing

/// The call-out and webhook routes through the real router, on a real SQLite store.
@Suite struct WebhookRoutesTests {
    struct Fixture {
        let directory: URL
        let store: SQLiteStore
        let admin: String
        let caller: String
        let stranger: String
        let action: Action

        init() async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("picketline-http-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try SQLiteStore(path: directory.appendingPathComponent("api.sqlite").path)
            let acr = try await store.createOrganisation(OrganisationDraft(name: "Anti*Capitalist Resistance", kind: .party))
            let other = try await store.createOrganisation(OrganisationDraft(name: "Workers Power", kind: .party))
            action = try await store.createAction(ActionDraft(
                title: "Picket of the Kazakhstan Embassy", startsAt: Date().addingTimeInterval(86_400), timeZone: "Europe/London",
                status: .confirmed, caller: acr.slug))
            admin = APITokens.generate()
            caller = APITokens.generate()
            stranger = APITokens.generate()
            _ = try await store.createToken(name: "admin", role: .admin, organisation: nil, tokenHash: APITokens.hash(admin))
            _ = try await store.createToken(name: "acr", role: .organiser, organisation: acr.slug, tokenHash: APITokens.hash(caller))
            _ = try await store.createToken(name: "wp", role: .organiser, organisation: other.slug, tokenHash: APITokens.hash(stranger))
        }

        /// The app with webhooks wired as `serve` wires them; `allowLoopback` is the tests' allow-list.
        func app(webhooks: Bool = true, allowLoopback: Bool = true) -> some ApplicationProtocol {
            let addressGuard = AddressGuard(allowList: allowLoopback ? [IPCIDR("127.0.0.1/32")!] : [])
            let administration = WebhookAdministration(
                deliveries: store, callouts: store,
                refusal: { url in
                    switch await addressGuard.checkResolving(url: url) {
                    case .allowed: nil
                    case .refused(let reason), .unresolvable(let reason): "\(url) is refused: \(reason)"
                    }
                },
                newSecret: { StandardWebhookSigner.generateSecret() }, secretOverlap: 3_600)
            return Application(router: buildRouter(store: store, tokens: store, configuration: HTTPConfiguration(),
                                                   webhooks: webhooks ? administration : nil))
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    private func headers(_ token: String?) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let token { fields[.authorization] = "Bearer \(token)" }
        return fields
    }

    private func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    @Test func anOrganiserOfTheActionSendsACalloutAndOthersMayNot() async throws {
        let fixture = try await Fixture(); defer { fixture.remove() }
        let path = "/api/v1/actions/\(fixture.action.slug)/callouts"
        let body = ByteBuffer(string: #"{"message":"Emergency picket tomorrow 12:00 — all out!"}"#)
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: path, method: .post, headers: headers(nil), body: body) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: path, method: .post, headers: headers(fixture.stranger), body: body) { #expect($0.status == .forbidden) }
            try await client.execute(uri: path, method: .post, headers: headers(fixture.caller), body: ByteBuffer(string: #"{"message":" "}"#)) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: path, method: .post, headers: headers(fixture.caller), body: body) { response in
                #expect(response.status == .created)
                let created = try json(response.body)
                #expect(created["message"] as? String == "Emergency picket tomorrow 12:00 — all out!")
                #expect((created["event_id"] as? String)?.hasPrefix("evt_") == true && created["action_id"] as? Int == Int(fixture.action.id))
            }
            try await client.execute(uri: "/api/v1/callouts/1", method: .get, headers: headers(fixture.caller)) { response in
                #expect(response.status == .ok)
                let status = try json(response.body)
                #expect(status["deliveries"] as? [Any] != nil)
            }
            try await client.execute(uri: "/api/v1/callouts/1", method: .get, headers: headers(fixture.stranger)) { #expect($0.status == .forbidden) }
        }
        let events = try await fixture.store.outboxEvents(after: 0, limit: 100).filter { $0.type == EventType.calloutCreated }
        #expect(events.count == 1)
    }

    @Test func adminsManageWebhooksAndSeeTheSecretOnlyOnCreationAndRotation() async throws {
        let fixture = try await Fixture(); defer { fixture.remove() }
        let create = ByteBuffer(string: #"{"url":"http://127.0.0.1:9/hook","format":"slack","event_types":["callout.*"]}"#)
        try await fixture.app(allowLoopback: false).test(.router) { client in
            try await client.execute(uri: "/api/v1/webhooks", method: .post, headers: headers(fixture.admin), body: create) { response in
                #expect(response.status == .badRequest)
                let error = try #require(try json(response.body)["error"] as? [String: Any])
                #expect(error["field"] as? String == "url")
                #expect((error["message"] as? String)?.contains("127.0.0.1 is a loopback address") == true)
            }
        }
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/webhooks", method: .post, headers: headers(fixture.caller), body: create) {
                #expect($0.status == .forbidden)
            }
            var secret = ""
            try await client.execute(uri: "/api/v1/webhooks", method: .post, headers: headers(fixture.admin), body: create) { response in
                #expect(response.status == .created)
                let created = try json(response.body)
                secret = try #require(created["secret"] as? String)
                #expect(secret.hasPrefix("whsec_") && created["format"] as? String == "slack" && created["state"] as? String == "active")
            }
            try await client.execute(uri: "/api/v1/webhooks", method: .get, headers: headers(fixture.admin)) { response in
                #expect(response.status == .ok)
                #expect(!String(buffer: response.body).contains("whsec_"))
            }
            try await client.execute(uri: "/api/v1/webhooks/1", method: .patch, headers: headers(fixture.admin),
                                     body: ByteBuffer(string: #"{"active":false,"event_types":["callout.*","reminder.*"]}"#)) { response in
                let updated = try json(response.body)
                #expect(updated["state"] as? String == "disabled" && (updated["event_types"] as? [String])?.count == 2)
                #expect(updated["secret"] == nil)
            }
            try await client.execute(uri: "/api/v1/webhooks/1/rotate-secret", method: .post, headers: headers(fixture.admin)) { response in
                let rotated = try json(response.body)
                let newSecret = try #require(rotated["secret"] as? String)
                #expect(newSecret != secret && rotated["previous_secret_expires"] != nil)
            }
            // Again within the overlap: the old secret would stop at once (QA), so 409 unless asked for.
            try await client.execute(uri: "/api/v1/webhooks/1/rotate-secret", method: .post, headers: headers(fixture.admin)) { response in
                let error = try json(response.body)["error"] as? [String: Any]
                #expect(response.status == .conflict && error?["field"] as? String == "previous_secret")
            }
            try await client.execute(uri: "/api/v1/webhooks/1/rotate-secret", method: .post, headers: headers(fixture.admin),
                                     body: ByteBuffer(string: #"{"drop_previous":true}"#)) { response in
                let body = try json(response.body)
                #expect(response.status == .ok && body["previous_secret_expires"] != nil)
            }
            // The overlap can be chosen per rotation, as with the CLI's --overlap-hours; 0 drops the old secret now.
            try await client.execute(uri: "/api/v1/webhooks/1/rotate-secret", method: .post, headers: headers(fixture.admin),
                                     body: ByteBuffer(string: #"{"overlap_hours":0}"#)) { response in
                let rotated = try json(response.body)
                #expect(response.status == .ok && rotated["secret"] != nil)
                #expect(rotated["previous_secret_expires"] == nil)
            }
            for (body, field) in [(#"{"overlap_hours":-2}"#, "overlap_hours"), (#"{"overlap_hours":"48"}"#, "overlap_hours"),
                                  (#"{"overlap_hours":100000}"#, "overlap_hours"), (#"{"drop_previous":"yes"}"#, "drop_previous"),
                                  (#"{"overlap":48}"#, "overlap")] {
                try await client.execute(uri: "/api/v1/webhooks/1/rotate-secret", method: .post, headers: headers(fixture.admin),
                                         body: ByteBuffer(string: body)) { response in
                    let error = try json(response.body)["error"] as? [String: Any]
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(error?["field"] as? String == field, "\(body)")
                }
            }
            try await client.execute(uri: "/api/v1/webhooks/1/deliveries", method: .get, headers: headers(fixture.admin)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/v1/webhooks/1", method: .delete, headers: headers(fixture.admin)) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/webhooks/1", method: .get, headers: headers(fixture.admin)) {
                #expect($0.status == .notFound)
            }
        }
    }

    /// Found by QA: the list gave the newest 100 whatever `page` said, and took `page=0`.
    @Test func aSubscriptionsDeliveriesArePaginatedLikeTheOtherLists() async throws {
        let fixture = try await Fixture(); defer { fixture.remove() }
        let subscription = try await fixture.store.createSubscription(
            WebhookSubscriptionDraft(url: "https://hooks.example.org/x", eventTypes: ["callout.*"]), secret: StandardWebhookSigner.generateSecret())
        for message in ["One", "Two", "Three"] { _ = try await fixture.store.createCallout(action: fixture.action.slug, message: message) }
        _ = try await fixture.store.expandOutbox(limit: 100)
        let all = try await fixture.store.deliveries(DeliveryFilter(subscriptionID: subscription.id)).map(\.id)
        #expect(all.count == 3)
        try await fixture.app().test(.router) { client in
            for (query, ids) in [("per_page=2", Array(all.prefix(2))), ("per_page=2&page=2", [all[2]]), ("page=3&per_page=2", [])] {
                try await client.execute(uri: "/api/v1/webhooks/\(subscription.id)/deliveries?\(query)", method: .get,
                                         headers: headers(fixture.admin)) { response in
                    let body = try json(response.body)
                    #expect((body["items"] as? [[String: Any]])?.compactMap { ($0["id"] as? NSNumber)?.int64Value } == ids, "\(query)")
                    #expect(body["total"] as? Int == 3 && body["total_pages"] as? Int == 2 && body["per_page"] as? Int == 2)
                }
            }
            for (query, field) in [("page=0", "page"), ("per_page=1000", "per_page"), ("page=x", "page")] {
                try await client.execute(uri: "/api/v1/webhooks/\(subscription.id)/deliveries?\(query)", method: .get,
                                         headers: headers(fixture.admin)) { response in
                    #expect(response.status == .badRequest)
                    let error = try json(response.body)["error"] as? [String: Any]
                    #expect(error?["field"] as? String == field, "\(query)")
                }
            }
        }
    }

    @Test func clientsSeeTheCategoryOfADeliveryErrorNotCurlsDetail() async throws {
        let fixture = try await Fixture(); defer { fixture.remove() }
        let closed = try TestReceiver()
        closed.stop()
        let subscription = try await fixture.store.createSubscription(
            WebhookSubscriptionDraft(url: closed.url("/hook"), eventTypes: ["callout.*"]), secret: StandardWebhookSigner.generateSecret())
        _ = try await fixture.store.createCallout(action: fixture.action.slug, message: "All out!")
        let transport = CurlTransport(configuration: .init(connectTimeout: .seconds(2), totalTimeout: .seconds(5),
                                                           allowList: [IPCIDR("127.0.0.1/32")!]))
        #expect(try await OutboxDispatcher(store: fixture.store, transport: transport).drain().retrying == 1)
        let stored = try #require(try await fixture.store.deliveries(DeliveryFilter()).first?.lastError)
        #expect(stored.hasPrefix("connect: ") && stored.count > "connect: ".count)
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/webhooks/\(subscription.id)/deliveries", method: .get, headers: headers(fixture.admin)) { response in
                let items = try #require(try json(response.body)["items"] as? [[String: Any]])
                #expect(items.first?["last_error"] as? String == "connect")
            }
            try await client.execute(uri: "/api/v1/callouts/1", method: .get, headers: headers(fixture.caller)) { response in
                let deliveries = try #require(try json(response.body)["deliveries"] as? [[String: Any]])
                #expect(deliveries.first?["last_error"] as? String == "connect")
            }
        }
    }

    @Test func theWebhookRoutesAreInTheOpenAPIDocumentAndAnswer503WhenNotWired() async throws {
        let fixture = try await Fixture(); defer { fixture.remove() }
        try await fixture.app(webhooks: false).test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                let document = try json(response.body)
                let paths = try #require(document["paths"] as? [String: Any])
                for path in ["/api/v1/actions/{action}/callouts", "/api/v1/callouts/{callout}", "/api/v1/webhooks",
                             "/api/v1/webhooks/{webhook}", "/api/v1/webhooks/{webhook}/rotate-secret", "/api/v1/webhooks/{webhook}/deliveries"] {
                    #expect(paths[path] != nil, "missing \(path)")
                }
                let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
                #expect(schemas["Webhook"] != nil && schemas["Callout"] != nil && schemas["Delivery"] != nil)
            }
            try await client.execute(uri: "/api/v1/webhooks", method: .get, headers: headers(fixture.admin)) {
                #expect($0.status == .serviceUnavailable)
            }
        }
    }
}
