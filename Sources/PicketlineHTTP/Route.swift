import Foundation
import Hummingbird
import PicketlineCore

/// Who may call a route at all; finer checks (an organiser's own actions) happen in handlers.
enum Access: Sendable {
    /// Anyone; a token, if sent, must be valid.
    case everyone
    /// Anyone, limited per client address (public writes: RSVP, signing).
    case everyoneRateLimited
    /// Admins and organisers.
    case organiser
    /// Admins only.
    case admin
}

/// A query parameter a route understands.
struct QueryParameter: Sendable {
    var name: String
    var schema: Schema
    var description: String
}

/// What a successful call returns.
struct Success: Sendable {
    var status: Int
    var mediaType: String
    var schema: Schema?

    static func json(_ status: Int = 200, _ schema: Schema) -> Success { Success(status: status, mediaType: "application/json", schema: schema) }
    static func text(_ mediaType: String) -> Success { Success(status: 200, mediaType: mediaType, schema: .string()) }
}

/// The parsed parts of a request, handed to a route's handler.
struct RouteInput: Sendable {
    var request: Request
    var context: PicketlineRequestContext
    var body: JSONObject?

    var caller: Caller { context.caller }

    /// A path parameter, percent-decoding undone (`future%2Drally` is `future-rally`).
    func parameter(_ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.contains("%") ? raw.removingPercentEncoding ?? raw : raw
    }

    func id(_ name: String) throws -> Int64 {
        let text = try parameter(name)
        guard let id = Int64(text) else { throw APIError.badRequest(name, "\(name): \(text.debugDescription) is not an id") }
        return id
    }

    func query(_ name: String) -> String? { request.uri.queryParameters.get(name) }

    func queryInt(_ name: String) throws -> Int? {
        guard let text = query(name) else { return nil }
        guard let value = Int(text) else { throw APIError.badRequest(name, "\(name): \(text.debugDescription) is not a whole number") }
        return value
    }

    func queryDate(_ name: String) throws -> Date? {
        guard let text = query(name) else { return nil }
        guard let date = RFC3339.date(from: text) else {
            throw APIError.badRequest(name, "\(name): \(text.debugDescription) is not an RFC 3339 time such as 2026-12-05T12:00:00Z")
        }
        return date
    }

    func queryChoice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = query(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw APIError.badRequest(name, "\(name): \(text.debugDescription) is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    func pageRequest() throws -> PageRequest {
        do { return try PageRequest(page: try queryInt("page") ?? 1, perPage: try queryInt("per_page") ?? 25) } catch let error as PicketlineError {
            throw APIError(error)
        }
    }

    /// The validated body (routes with a body schema always have one).
    var json: JSONObject { body! }
}

/// One operation of the API: everything the router and the OpenAPI document need, in one place,
/// so the document cannot drift from what the server does.
struct Route: Sendable {
    var method: HTTPRequest.Method
    /// OpenAPI-style path (`/api/v1/actions/{action}`), which Hummingbird's router also reads.
    var path: String
    var summary: String
    var tag: String
    var access: Access
    var query: [QueryParameter] = []
    var body: BodySchema?
    var success: Success
    /// Error statuses this route can answer with, besides 500.
    var errors: [Int] = []
    /// For anonymous callers the answer depends only on the URI and the stored data (not on the
    /// time or the caller), so it is kept in the `ResponseCache` until the data changes.
    var cachedWhenAnonymous = false
    var handler: @Sendable (RouteInput) async throws -> Response

    /// Path parameter names, in order.
    var pathParameters: [String] {
        path.split(separator: "/").compactMap { segment in
            guard let open = segment.firstIndex(of: "{"), let close = segment.firstIndex(of: "}") else { return nil }
            return String(segment[segment.index(after: open)..<close])
        }
    }

    /// Every error status the route may return, from its access rule, body and parameters.
    var allErrors: [Int] {
        var statuses = Set(errors)
        if body != nil { statuses.formUnion([400, 413]) }
        if !query.isEmpty { statuses.insert(400) }
        // A filter naming a campaign or an organisation that does not exist is a 404.
        if query.contains(where: { $0.name == "campaign" || $0.name == "organisation" }) { statuses.insert(404) }
        // A path parameter read as an id ("abc") is a 400; one naming nothing, a 404.
        if !pathParameters.isEmpty { statuses.formUnion([400, 404]) }
        switch access {
        case .everyone: statuses.insert(401)
        case .everyoneRateLimited: statuses.formUnion([401, 429])
        case .organiser, .admin: statuses.formUnion([401, 403])
        }
        statuses.insert(503)
        return statuses.sorted()
    }
}
