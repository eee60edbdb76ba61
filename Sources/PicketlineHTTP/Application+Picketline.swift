import Foundation
import Hummingbird
import Logging
import NIOCore
import PicketlineCore

/// Builds the router: error mapping, authentication, then every route of `APIService` with its
/// access rule, rate limit and body validation applied uniformly. Tests call this too.
public func buildRouter(store: any Store, tokens: any TokenStore, configuration: HTTPConfiguration,
                        clock: any WallClock = SystemClock(),
                        readiness: @escaping @Sendable () async -> String? = { nil },
                        metrics: (@Sendable () async -> String)? = nil,
                        webhooks: WebhookAdministration? = nil,
                        schedules: ScheduleAdministration? = nil) -> Router<PicketlineRequestContext> {
    // HEAD on every GET route (curl -I, link checkers, monitors): the GET's headers, no body.
    let router = Router(context: PicketlineRequestContext.self, options: .autoGenerateHeadEndpoints)
    if metrics != nil { router.add(middleware: RequestMetrics()) }
    router.add(middleware: RequestLogger())
    let service = APIService(store: store, configuration: configuration, clock: clock, readiness: readiness, metrics: metrics,
                             webhooks: webhooks, schedules: schedules)
    let methods = RouteMethods(service.routes)
    if !configuration.corsOrigins.isEmpty {
        router.add(middleware: CORSPolicy(origins: Set(configuration.corsOrigins.map { $0.lowercased() }), methods: methods))
    }
    router.add(middleware: ErrorMiddleware(methods: methods))
    router.add(middleware: TokenAuthenticator(tokens: tokens))
    let limiter = RateLimiter(perMinute: configuration.publicWritesPerMinute, clock: clock)
    let cache = ResponseCache()
    // Routes with a literal suffix ({action}.ics) go first so that the plain capture does not take them.
    let routes = service.routes.sorted { ($0.path.contains("}.") ? 0 : 1) < ($1.path.contains("}.") ? 0 : 1) }
    for route in routes {
        router.on(RouterPath(route.path), method: route.method) { request, context -> Response in
            switch route.access {
            case .everyone: break
            case .everyoneRateLimited:
                if !context.caller.isAuthenticated, let wait = limiter.take(context.clientAddress) {
                    var error = APIError(.tooManyRequests, code: "rate_limited",
                                         message: "too many requests from this address; try again in \(wait) s")
                    error.headers[.retryAfter] = String(wait)
                    throw error
                }
            case .organiser:
                guard context.caller.isAuthenticated else { throw APIError.unauthorized }
            case .admin:
                guard context.caller.isAuthenticated else { throw APIError.unauthorized }
                guard context.caller.isAdmin else { throw APIError.forbidden("this needs an admin token") }
            }
            var body: JSONObject?
            if let schema = route.body {
                body = try await JSONBody.object(request, limit: configuration.maxBodyBytes, schema: schema)
            }
            let input = RouteInput(request: request, context: context, body: body)
            if route.cachedWhenAnonymous, !context.caller.isAuthenticated, let version = try? store.changeVersion() {
                let key = request.uri.description
                if let kept = cache.response(for: key, version: version) { return kept }
                let response = try await route.handler(input)
                if response.status == .ok { cache.keep(response, for: key, version: version) }
                return response
            }
            return try await route.handler(input)
        }
    }
    return router
}

/// The HTTP application `picketline serve` runs on `eventLoops` (see `HTTPConfiguration.eventLoops`);
/// graceful shutdown comes from the service group.
public func buildApplication(store: any Store, tokens: any TokenStore, configuration: HTTPConfiguration,
                             eventLoops: any EventLoopGroup,
                             logger: Logger, readiness: @escaping @Sendable () async -> String?,
                             metrics: (@Sendable () async -> String)? = nil,
                             webhooks: WebhookAdministration? = nil,
                             schedules: ScheduleAdministration? = nil) -> some ApplicationProtocol {
    let router = buildRouter(store: store, tokens: tokens, configuration: configuration, readiness: readiness,
                             metrics: metrics, webhooks: webhooks, schedules: schedules)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Picketline"),
        eventLoopGroupProvider: .shared(eventLoops),
        logger: logger)
}
