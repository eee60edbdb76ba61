import Dispatch
import Foundation
import Hummingbird
import Metrics

/// Records every request in the metrics registry under the names Hummingbird's own metrics
/// middleware uses, so that `/metrics` reads the same: `hb.requests` and
/// `http.server.request.duration` by route, method and status, `hb.request.errors` by route,
/// method and error status, and `http.server.active_requests` by method.
///
/// The difference: the time is taken when the handler returns, not once the body is written.
/// Learning when the body is written means wrapping it in a closure, which takes every response
/// off Hummingbird's one-write path: the head and the body then went out as two `write(2)`s, each
/// its own hop to the event loop (an RSVP cost 5–10 µs more of CPU for it).
struct RequestMetrics: RouterMiddleware {
    typealias Context = PicketlineRequestContext
    private let handles = Handles()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = handles.active(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let endpoint = handles.endpoint(Endpoint(route: context.endpointPath ?? "Unknown", method: request.method,
                                                     status: response.status))
            endpoint.requests.increment()
            endpoint.duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let endpoint = handles.endpoint(Endpoint(route: context.endpointPath ?? "NotFound", method: request.method,
                                                     status: status))
            endpoint.requests.increment()
            endpoint.errors.increment()
            throw error
        }
    }

    struct Endpoint: Hashable {
        var route: String
        var method: HTTPRequest.Method
        var status: HTTPResponse.Status
    }

    struct EndpointHandles {
        let requests: Counter
        let duration: Metrics.Timer
        let errors: Counter

        init(_ endpoint: Endpoint) {
            let route = ("http.route", endpoint.route), method = ("http.request.method", endpoint.method.rawValue)
            let code = String(endpoint.status.code)
            requests = Counter(label: "hb.requests", dimensions: [route, method, ("http.response.status_code", code)])
            duration = Metrics.Timer(label: "http.server.request.duration",
                                     dimensions: [route, method, ("http.response.status_code", code)], preferredDisplayUnit: .seconds)
            errors = Counter(label: "hb.request.errors", dimensions: [route, method, ("error.type", code)])
        }
    }

    /// Metric handles made once per method or endpoint: the factory's own lookup is by label and
    /// dimensions, slower than a dictionary keyed by three small values.
    final class Handles: @unchecked Sendable {
        // `lock` guards both dictionaries.
        private let lock = NSLock()
        private var byMethod: [HTTPRequest.Method: Meter] = [:]
        private var byEndpoint: [Endpoint: EndpointHandles] = [:]

        func active(_ method: HTTPRequest.Method) -> Meter {
            lock.withLock {
                if let meter = byMethod[method] { return meter }
                let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
                byMethod[method] = meter
                return meter
            }
        }

        func endpoint(_ endpoint: Endpoint) -> EndpointHandles {
            lock.withLock {
                if let handles = byEndpoint[endpoint] { return handles }
                let handles = EndpointHandles(endpoint)
                byEndpoint[endpoint] = handles
                return handles
            }
        }
    }
}
