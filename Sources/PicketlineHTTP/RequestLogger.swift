import Foundation
import Hummingbird
import HTTPTypes
import Logging
import PicketlineCore

/// Gives every request an id (the client's `X-Request-ID` if it sent a sane one), puts it in the
/// logger's metadata and the response headers, and logs one line per request.
struct RequestLogger: RouterMiddleware {
    typealias Context = PicketlineRequestContext
    static let header = HTTPField.Name("X-Request-ID")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let sent = request.headers[Self.header].flatMap { $0.count <= 64 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } ? $0 : nil }
        let id = sent ?? UUID.random().uuidString.lowercased()
        var context = context
        context.logger[metadataKey: "request_id"] = "\(id)"
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[Self.header] = id
        let elapsed = ContinuousClock.now - start
        // Tenths of a millisecond, without `String(format:)` (it showed in profiles of every request).
        let tenths = elapsed.components.seconds * 10_000 + elapsed.components.attoseconds / 100_000_000_000_000
        context.logger.info("request", metadata: [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
            "ms": "\(tenths / 10).\(tenths % 10)",
        ])
        return response
    }
}
