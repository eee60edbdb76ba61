import HTTPTypes
import Hummingbird
import PicketlineCore

/// Cross-origin requests from the sites named in `http.cors_origins` (a campaign's own pages
/// posting RSVPs and signatures from the browser). An allowed origin's preflight is answered
/// here with the methods its path takes; its requests get `Access-Control-Allow-Origin`, errors
/// included, so that a page can read the JSON error. Other origins get no CORS headers, and with
/// no origins configured nothing changes. No credentials: tokens travel in `Authorization`.
struct CORSPolicy: RouterMiddleware {
    typealias Context = PicketlineRequestContext
    /// Lower-cased origins such as `https://campaign.example.org`, or `*` for any.
    let origins: Set<String>
    let methods: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains("*") || origins.contains(origin.lowercased()) else {
            return try await next(request, context)
        }
        let allowOrigin = origins.contains("*") ? "*" : origin
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            let allowed = methods.allowed(request.uri.path)
            guard !allowed.isEmpty else { return try await next(request, context) }
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: allowOrigin, .accessControlAllowMethods: allowed.joined(separator: ", "),
                .accessControlAllowHeaders: "Authorization, Content-Type, \(RequestLogger.header.canonicalName)",
                .accessControlMaxAge: "600", .vary: "Origin",
            ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allowOrigin
        response.headers[.accessControlExposeHeaders] = "Retry-After, \(RequestLogger.header.canonicalName)"
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        return response
    }
}

extension HTTPConfiguration {
    /// An origin as `http.cors_origins` takes it: `*`, or an http(s) scheme and host with an
    /// optional port and nothing after; lower-cased, without a trailing slash.
    public static func corsOrigin(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" { return trimmed }
        let lowered = (trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed).lowercased()
        guard let schemeEnd = lowered.range(of: "://"), ["http", "https"].contains(lowered[..<schemeEnd.lowerBound]),
              case let rest = lowered[schemeEnd.upperBound...], !rest.isEmpty,
              !rest.contains(where: { "/?#@ ".contains($0) }) else {
            throw PicketlineError.invalid(field: "http.cors_origins",
                                          reason: "\(trimmed.debugDescription) is not an origin such as https://campaign.example.org (or *)")
        }
        return lowered
    }
}
