import Foundation
import Hummingbird
import PicketlineCore

/// Settings of the HTTP service, read once at the edge and passed down.
public struct HTTPConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Largest request body accepted; larger ones get 413.
    public var maxBodyBytes = 64 * 1024
    /// Public RSVPs and signatures per client address per minute; beyond it, 429.
    public var publicWritesPerMinute = 30
    /// Where the service is reachable from outside, for links and calendar UIDs.
    public var publicBaseURL = "http://127.0.0.1:8080"
    /// Threads reading and writing sockets. Handlers run on Swift's own pool (a thread per core)
    /// and SQLite writes on one writer thread: half the cores is plenty for moving bytes, and on
    /// a 2-core machine one event loop instead of two left more of the CPU to the rest (RSVP
    /// intake +10 % in paired runs; the bare Hummingbird route gains nothing from it).
    public var eventLoops = HTTPConfiguration.defaultEventLoops
    /// Sites whose pages may call the API from the browser (`CORSPolicy`); none by default.
    public var corsOrigins: [String] = []

    public static var defaultEventLoops: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / 2) }

    public init() {}
}

/// The API's operations over a `Store`: one table of routes from which both the router and the
/// OpenAPI document are built.
struct APIService: Sendable {
    let store: any Store
    let configuration: HTTPConfiguration
    let clock: any WallClock
    let readiness: @Sendable () async -> String?
    /// The Prometheus text exposition, or nil when metrics are not enabled.
    var metrics: (@Sendable () async -> String)? = nil
    /// Call-outs and webhook administration; nil answers those routes with 503.
    var webhooks: WebhookAdministration? = nil
    /// Schedules and reminders; nil answers those routes with 503.
    var schedules: ScheduleAdministration? = nil
    /// Signs and checks RSVPs' manage tokens.
    let rsvpTokens = RSVPTokens()

    // MARK: Permissions

    /// Whether the caller may change this action: admins always, organisers when their
    /// organisation calls or co-organises it and has confirmed.
    func canManage(_ action: Action, _ caller: Caller) async throws -> Bool {
        if caller.isAdmin { return true }
        return try await managingRole(action, caller) != nil
    }

    /// The role through which an organiser's organisation manages the action (a confirmed caller
    /// or co-organiser), or nil; admins have none and need none.
    func managingRole(_ action: Action, _ caller: Caller) async throws -> EndorsementRole? {
        guard caller.organisationID != nil else { return nil }
        return Self.managingRole(in: try await store.endorsements(ofAction: String(action.id), includeWithdrawn: false), caller)
    }

    /// The same, among an action's endorsements already read.
    static func managingRole(in endorsements: [EndorsingOrganisation], _ caller: Caller) -> EndorsementRole? {
        guard let organisationID = caller.organisationID else { return nil }
        return endorsements.first { $0.organisation.id == organisationID && $0.endorsement.grantsManagement }?.endorsement.role
    }

    /// Whether an organiser may record or change `organisation`'s endorsement of an action it
    /// manages (`endorsements`: the action's, withdrawn ones included), to `role`. Only a caller
    /// touches a caller's endorsement or makes an organisation caller: a co-organiser could
    /// otherwise withdraw the caller, or promote itself, and lock the caller out of its own action
    /// (found by QA).
    func checkEndorsementChange(_ endorsements: [EndorsingOrganisation], _ caller: Caller, of organisation: Int64,
                                to role: EndorsementRole?) throws {
        guard !caller.isAdmin else { return }
        let current = endorsements.first { $0.organisation.id == organisation }?.endorsement.role
        if Self.managingRole(in: endorsements, caller) != .caller && (current == .caller || role == .caller) {
            throw APIError.forbidden("only the calling organisation changes a caller's endorsement or makes an organisation caller")
        }
    }

    /// The action if the caller may see it; private ones are 404 to others so they do not leak.
    func visibleAction(_ reference: String, _ caller: Caller) async throws -> Action {
        let action = try await store.action(reference)
        if action.visibility == .public { return action }
        if try await canManage(action, caller) { return action }
        throw APIError(PicketlineError.notFound(entity: "action", reference: reference))
    }

    /// The action if the caller may change it: 401 without a token, 403 for other organisations.
    func managedAction(_ reference: String, _ caller: Caller) async throws -> Action {
        guard caller.isAuthenticated else { throw APIError.unauthorized }
        let action = try await visibleAction(reference, caller)
        guard try await canManage(action, caller) else {
            throw APIError.forbidden("your organisation neither calls nor co-organises \(action.title)")
        }
        return action
    }

    /// An incident the caller's organisation may follow up. To anyone else it does not exist
    /// (404 as for an unknown id): neither its existence nor its action's name is given away.
    func managedIncident(_ id: Int64, _ caller: Caller) async throws -> Incident {
        guard caller.isAuthenticated else { throw APIError.unauthorized }
        let incident = try await store.incident(id)
        do {
            _ = try await managedAction(String(incident.actionID), caller)
        } catch let error as APIError where error.status == .forbidden || error.status == .notFound {
            throw APIError(PicketlineError.notFound(entity: "incident", reference: String(id)))
        }
        return incident
    }

    func visibleStatement(_ reference: String, _ caller: Caller) async throws -> Statement {
        let statement = try await store.statement(reference)
        if caller.isAdmin || statement.visibility == .public { return statement }
        throw APIError(PicketlineError.notFound(entity: "statement", reference: reference))
    }

    /// A statement as the caller may see it: the id of a private action it belongs to is left out
    /// for anyone but an admin (the action itself is 404 to them; its id should not show either).
    func statementResource(_ statement: Statement, _ caller: Caller) async throws -> StatementResource {
        var resource = StatementResource(statement)
        if !caller.isAdmin, let actionID = statement.actionID,
           (try? await store.action(String(actionID)))?.visibility != .public {
            resource.actionID = nil
        }
        return resource
    }

    /// A statement to read, with its signatories. A withdrawn one is taken down: its text and the
    /// names of the people who signed it are no longer shown to anyone but admins. A link to it
    /// answers 410 Gone, saying so, rather than 404; signing it is a conflict (409).
    func readableStatement(_ reference: String, _ caller: Caller) async throws -> Statement {
        let statement = try await visibleStatement(reference, caller)
        guard statement.status == .withdrawn, !caller.isAdmin else { return statement }
        throw APIError(.gone, code: "withdrawn", message: "\(statement.title) was withdrawn", field: "statement")
    }

    // MARK: Bodies

    /// A location; when `patching`, only the fields sent change and null clears one.
    static func locationBody(patching: Bool) -> BodySchema {
        BodySchema([
            field("venue", .string(), nullable: patching), field("address_lines", .array(.string()), nullable: patching),
            field("locality", .string(), nullable: patching), field("region", .string(), nullable: patching),
            field("postal_code", .string(), nullable: patching), field("country", .string(), nullable: patching, "two-letter code"),
            field("location", .object(BodySchema([field("latitude", .number, required: true), field("longitude", .number, required: true)])),
                  nullable: patching),
            field("public", .boolean, patching ? "true reveals the address to the public, false hides it (unchanged when absent)"
                                               : "false hides the address from the public (default true)"),
        ])
    }

    static func actionBody(creating: Bool) -> BodySchema {
        BodySchema([
            field("title", .string(), required: creating), field("kind", vocabulary(ActionKind.self)),
            field("description", .string(), nullable: true), field("target", .string(), nullable: true),
            field("location", .object(locationBody(patching: !creating))),
            field("start_date", .string(), required: creating,
                  "RFC 3339, or local \"2026-12-05 12:00\" read in time_zone; changed without end_date, the end moves with it (the length is kept)"),
            field("end_date", .string(), nullable: true, "null removes the end (RSVPs then close three hours after the start)"),
            field("time_zone", .string(), required: creating,
                  "IANA zone, e.g. Europe/London; changed alone, the local start and end times stay (12:00 stays 12:00 in the new zone)"),
            field("status", vocabulary(ActionStatus.self)), field("visibility", vocabulary(Visibility.self)),
            field("capacity", .integer(minimum: 0), nullable: true, "null: unlimited"),
            field("campaign", .string(), nullable: true, "campaign id or slug"), field("source_url", .string(), nullable: true),
        ] + (creating ? [field("slug", .string(), "taken already: 409; without one, made from the title (-2, -3 … when taken)"),
                         field("caller", .string(), "organisation id or slug recorded as caller (organisers: their own)")] : []))
    }

    func location(_ object: JSONObject) throws -> Location {
        var location = Location(
            venue: object.string("venue"), addressLines: object.strings("address_lines") ?? [], locality: object.string("locality"),
            region: object.string("region"), postalCode: object.string("postal_code"), country: object.string("country"),
            isPublic: object.bool("public") ?? true)
        if let coordinates = object.object("location") {
            location.latitude = coordinates.double("latitude")
            location.longitude = coordinates.double("longitude")
        }
        return location
    }

    /// The fields of a PATCH's location that were sent: null or "" clears one.
    func locationChanges(_ object: JSONObject) -> LocationChanges {
        func text(_ key: String) -> String? { object.isNull(key) ? "" : object.string(key) }
        var changes = LocationChanges(
            venue: text("venue"), addressLines: object.isNull("address_lines") ? [] : object.strings("address_lines"),
            locality: text("locality"), region: text("region"), postalCode: text("postal_code"), country: text("country"))
        if object.isNull("location") {
            changes.coordinates = .some(nil)
        } else if let coordinates = object.object("location"), let latitude = coordinates.double("latitude"),
                  let longitude = coordinates.double("longitude") {
            changes.coordinates = .some(.init(latitude: latitude, longitude: longitude))
        }
        return changes
    }

    func instant(_ object: JSONObject, _ key: String, zone: TimeZone) throws -> Date? {
        guard let text = object.string(key) else { return nil }
        do { return try LocalTimeParser.instant(text, in: zone, field: key) } catch let error as PicketlineError { throw APIError(error) }
    }

    func zone(_ identifier: String) throws -> TimeZone {
        do { return TimeZone(identifier: try Validation.timeZone(identifier, field: "time_zone"))! } catch let error as PicketlineError {
            throw APIError(error)
        }
    }
}

// MARK: Responses

extension APIService {
    func ok<T: Encodable>(_ value: T, _ status: HTTPResponse.Status = .ok) throws -> Response { try JSONBody.response(status, value) }

    func page(_ page: Page<Action>, showAddress: (Action) -> Bool) -> PageResource<ActionResource> {
        PageResource(items: page.items.map { ActionResource($0, showAddress: showAddress($0)) }, total: page.total,
                     page: page.page, perPage: page.perPage, totalPages: page.totalPages)
    }
}
