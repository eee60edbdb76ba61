import Foundation
import Hummingbird
import HummingbirdTesting
import PicketlineCore
import PicketlineStore
import PicketlineScheduler
import PicketlineWebhooks
import Testing
@testable import PicketlineHTTP

/// A real SQLite store in a temporary folder with a small world in it: two organisations with
/// organiser tokens, an admin token, a public action called by ACR with a hidden address and an
/// attendee, a private action, an incident and a statement.
struct APIFixture {
    let directory: URL
    let store: SQLiteStore
    let clock: ManualClock
    var configuration = HTTPConfiguration()
    var adminToken = ""
    var organiserToken = ""
    var otherOrganiserToken = ""
    var publicAction: Action!
    var privateAction: Action!
    var attendance: Attendance!
    var incident: Incident!
    var statement: PicketlineCore.Statement!
    var speaker: Speaker!
    var signature: Signature!
    var callout: Callout!
    var webhook: WebhookSubscription!
    var schedule: Schedule!

    static let now = Date(timeIntervalSince1970: 1_796_115_600) // 2026-12-01T09:00:00Z
    static let secrets = ["ada.secret@example.org", "+44 7700 900999", "Ada Secretname", "7 Hidden Mews",
                          "Arrested near the van", "Comrade X"]

    static func make(configure: (inout HTTPConfiguration) -> Void = { _ in }) async throws -> APIFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picketline-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = ManualClock(now)
        let store = try SQLiteStore(path: directory.appendingPathComponent("api.sqlite").path, clock: clock)
        var fixture = APIFixture(directory: directory, store: store, clock: clock)
        configure(&fixture.configuration)
        _ = try await store.createOrganisation(OrganisationDraft(name: "Anti*Capitalist Resistance", slug: "acr", kind: .party))
        _ = try await store.createOrganisation(OrganisationDraft(name: "Workers Power", slug: "workers-power", kind: .party))
        _ = try await store.createCampaign(CampaignDraft(name: "Kazakhstan solidarity", slug: "kazakhstan"))
        fixture.adminToken = try await fixture.token("admin", .admin, nil)
        fixture.organiserToken = try await fixture.token("acr", .organiser, "acr")
        fixture.otherOrganiserToken = try await fixture.token("wp", .organiser, "workers-power")
        fixture.publicAction = try await store.createAction(ActionDraft(
            title: "Picket of the embassy", slug: "embassy-picket",
            location: Location(venue: "Embassy", addressLines: ["7 Hidden Mews"], locality: "London", country: "GB", isPublic: false),
            startsAt: now.addingTimeInterval(86_400), endsAt: now.addingTimeInterval(86_400 + 7_200), timeZone: "Europe/London",
            status: .confirmed, capacity: 100, campaign: "kazakhstan", caller: "acr"))
        fixture.privateAction = try await store.createAction(ActionDraft(
            title: "Planning meeting", slug: "planning", startsAt: now.addingTimeInterval(3_600), timeZone: "Europe/London",
            visibility: .private, caller: "acr"))
        _ = try await store.endorse(action: "embassy-picket", organisation: "workers-power", role: .supporter, state: .invited)
        fixture.speaker = try await store.addSpeaker(action: "embassy-picket", SpeakerDraft(name: "Simon", organisation: "acr", role: .chair, state: .confirmed))
        _ = try await store.addSpeaker(action: "embassy-picket", SpeakerDraft(name: "Unconfirmed Person"))
        fixture.attendance = try await store.rsvp(action: "embassy-picket", RSVP(
            name: "Ada Secretname", email: "ada.secret@example.org", phone: "+44 7700 900999")).attendance
        fixture.incident = try await store.reportIncident(action: "embassy-picket", IncidentReport(
            kind: .arrest, description: "Arrested near the van", peopleConcerned: "Comrade X"))
        fixture.statement = try await store.createStatement(StatementDraft(
            title: "Release the detainees", slug: "release", body: "We demand:", demands: ["Release all detainees"], campaign: "kazakhstan"))
        fixture.signature = try await store.sign(statement: "release", .person(name: "Bob Signer", affiliation: "UCU", email: "ada.secret@example.org"))
        _ = try await store.createOrganisation(OrganisationDraft(name: "rs21", slug: "rs21", kind: .party))
        fixture.webhook = try await store.createSubscription(
            WebhookSubscriptionDraft(url: "http://127.0.0.1:9/hook", format: .slack), secret: StandardWebhookSigner.generateSecret())
        fixture.callout = try await store.createCallout(action: "embassy-picket", message: "All out to the embassy!")
        fixture.schedule = try await SchedulerEngine(store: store, clock: clock).addSchedule(
            ScheduleDraft(name: "monday-digest", kind: .digest, cron: "0 9 * * mon", timeZone: "Europe/London", campaign: "kazakhstan"))
        return fixture
    }

    private func token(_ name: String, _ role: TokenRole, _ organisation: String?) async throws -> String {
        let secret = APITokens.generate()
        _ = try await store.createToken(name: name, role: role, organisation: organisation, tokenHash: APITokens.hash(secret))
        return secret
    }

    var application: some ApplicationProtocol {
        let addressGuard = AddressGuard(allowList: [IPCIDR("127.0.0.1/32")!])
        let webhooks = WebhookAdministration(
            deliveries: store, callouts: store,
            refusal: { url in
                switch await addressGuard.checkResolving(url: url) {
                case .allowed: nil
                case .refused(let reason), .unresolvable(let reason): "\(url) is refused: \(reason)"
                }
            },
            newSecret: { StandardWebhookSigner.generateSecret() }, secretOverlap: 3_600)
        let engine = SchedulerEngine(store: store, clock: clock)
        let schedules = ScheduleAdministration(store: store, add: { try await engine.addSchedule($0) }, resume: { try await engine.resume($0) })
        return Application(router: buildRouter(store: store, tokens: store, configuration: configuration, clock: clock,
                                               webhooks: webhooks, schedules: schedules))
    }

    /// Runs `body` against the router in process.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await application.test(.router, body)
    }

    /// Replaces `{placeholders}` in a documented path with this fixture's ids and slugs.
    func concrete(_ path: String) -> String {
        path.replacingOccurrences(of: "{action}", with: "embassy-picket")
            .replacingOccurrences(of: "{statement}", with: "release")
            .replacingOccurrences(of: "{campaign}", with: "kazakhstan")
            .replacingOccurrences(of: "{organisation}", with: path.contains("/endorsements/") ? "workers-power" : "acr")
            .replacingOccurrences(of: "{incident}", with: String(incident.id))
            .replacingOccurrences(of: "{attendance}", with: String(attendance.id))
            .replacingOccurrences(of: "{speaker}", with: String(speaker.id))
            .replacingOccurrences(of: "{signature}", with: String(signature.id))
            .replacingOccurrences(of: "{callout}", with: String(callout.id))
            .replacingOccurrences(of: "{webhook}", with: String(webhook.id))
            .replacingOccurrences(of: "{schedule}", with: schedule.name)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// The callers of the permission matrix.
enum Who: String, CaseIterable, Sendable {
    case nobody, otherOrganiser, organiser, admin
}

extension APIFixture {
    func headers(_ who: Who) -> HTTPFields {
        switch who {
        case .nobody: return [.contentType: "application/json"]
        case .otherOrganiser: return [.authorization: "Bearer \(otherOrganiserToken)", .contentType: "application/json"]
        case .organiser: return [.authorization: "Bearer \(organiserToken)", .contentType: "application/json"]
        case .admin: return [.authorization: "Bearer \(adminToken)", .contentType: "application/json"]
        }
    }
}

extension TestClientProtocol {
    /// Sends a request and returns status, headers and body text.
    func call(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], json: String? = nil) async throws
        -> (status: HTTPResponse.Status, headers: HTTPFields, body: String) {
        let response = try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return (response.status, response.headers, String(buffer: response.body))
    }
}

/// Parses a JSON object body.
func object(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
}
