import Foundation
import Hummingbird
import Metrics
import PicketlineCore

/// An error as the API returns it: a status and `{"error": {"code", "message", "field"}}`.
/// Every failure leaving a handler becomes one of these (see `ErrorMiddleware`).
public struct APIError: Error, HTTPResponseError, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status; self.code = code; self.message = message; self.field = field
    }

    static func badRequest(_ field: String?, _ message: String) -> APIError {
        APIError(.badRequest, code: "invalid", message: message, field: field)
    }
    static let unauthorized = APIError(.unauthorized, code: "unauthorized",
                                       message: "missing, unknown or revoked token; send Authorization: Bearer <token>")
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "forbidden", message: message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message: message) }
    static let tooLarge = APIError(.contentTooLarge, code: "too_large", message: "the request body is larger than the configured limit")

    /// Maps a domain error: invalid → 400, not found → 404, conflict → 409, unavailable → 503.
    /// The domain's names for the few fields the API calls otherwise (OSDI's `start_date`, the
    /// request's `event_types`, the nested `location.location`), so that `field` names what was sent.
    static let requestNames = [
        "starts_at": "start_date", "ends_at": "end_date", "occurred_at": "occurred_date", "events": "event_types", "tz": "time_zone",
        "location.latitude": "location.location.latitude", "location.longitude": "location.location.longitude",
    ]

    init(_ error: PicketlineError) {
        switch error {
        case .invalid(let field, let reason):
            let name = Self.requestNames[field] ?? field
            let said = Self.requestNames.reduce(reason) { text, rename in
                // Only the snake_case names ("must be after starts_at"); "events" is also a word.
                rename.key.contains("_") ? text.replacingOccurrences(of: rename.key, with: rename.value) : text
            }
            self.init(.badRequest, code: error.code, message: "\(name): \(said)", field: name)
        case .notFound: self.init(.notFound, code: error.code, message: error.message, field: error.field)
        case .conflict(let field, _): self.init(.conflict, code: error.code, message: error.message, field: field)
        case .unavailable: self.init(.serviceUnavailable, code: error.code, message: error.message)
        }
    }

    struct Body: Encodable {
        struct Detail: Encodable { var code: String; var message: String; var field: String? }
        var error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONBody.response(status, Body(error: .init(code: code, message: message, field: field)))
        for field in headers { response.headers.append(field) }
        return response
    }
}

/// Turns everything a handler throws into an `APIError` response; internal errors are logged
/// and answered with a generic 500 that carries no database or system text.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = PicketlineRequestContext
    /// The methods each path answers, for 405 and OPTIONS (with `Allow`) where there is no route.
    var methods = RouteMethods([])

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as PicketlineError {
            if case .unavailable(let detail) = error {
                Counter(label: "picketline_database_errors_total").increment()
                context.logger.error("store unavailable", metadata: ["detail": "\(detail)", "path": "\(request.uri.path)"])
            }
            return try APIError(error).response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try APIError.tooLarge.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = methods.allowed(request.uri.path)
            guard !allowed.isEmpty else {
                return try APIError.notFound("no route \(request.method) \(request.uri.path)").response(from: request, context: context)
            }
            let allow = allowed.joined(separator: ", ")
            if request.method == .options { return Response(status: .noContent, headers: [.allow: allow]) }
            var refusal = APIError(.methodNotAllowed, code: "method_not_allowed",
                                   message: "\(request.method) is not allowed on \(request.uri.path); it answers \(allow)")
            refusal.headers[.allow] = allow
            return try refusal.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .methodNotAllowed {
            return try APIError(.methodNotAllowed, code: "method_not_allowed", message: "\(request.method) is not allowed on \(request.uri.path)")
                .response(from: request, context: context)
        } catch {
            context.logger.error("internal error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return try APIError(.internalServerError, code: "internal", message: "internal error; it has been logged")
                .response(from: request, context: context)
        }
    }
}

import NIOCore

/// Which methods the API's paths answer: a request path against each route's template, where
/// `{name}` stands for one segment and `{name}.ics` for one ending so.
struct RouteMethods: Sendable {
    private let routes: [(segments: [Substring], method: String)]

    init(_ routes: [Route]) {
        self.routes = routes.map { ($0.path.split(separator: "/"), $0.method.rawValue) }
    }

    /// The methods `path` answers (HEAD wherever GET), in a fixed order; empty when none.
    func allowed(_ path: String) -> [String] {
        let segments = path.split(separator: "/")
        // As the router does, a template with a literal suffix ({action}.ics) wins over a plain capture.
        var best = -1
        var methods = Set<String>()
        for route in routes where route.segments.count == segments.count {
            var suffixes = 0
            let fits = zip(route.segments, segments).allSatisfy { template, segment in
                guard template.first == "{", let close = template.firstIndex(of: "}") else { return template == segment }
                let suffix = template[template.index(after: close)...]
                if !suffix.isEmpty { suffixes += 1 }
                return segment.count > suffix.count && segment.hasSuffix(suffix)
            }
            guard fits, suffixes >= best else { continue }
            if suffixes > best { best = suffixes; methods = [] }
            methods.insert(route.method)
        }
        if methods.contains("GET") { methods.insert("HEAD") }
        return ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"].filter(methods.contains)
    }
}
