// Value types and the transport protocol. Foundation-only on purpose: they are
// meant to move into the Core module, which must not depend on curl or Crypto.
import Foundation

/// One HTTP header, kept as an ordered name/value pair.
public struct HeaderField: Sendable, Hashable, Codable {
    /// Header name as it goes on the wire, e.g. `webhook-id`.
    public var name: String
    /// Header value, without the trailing CRLF.
    public var value: String

    /// Makes a header from its name and value.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One outbound webhook delivery attempt: a POST of `body` to `url`.
public struct WebhookRequest: Sendable, Hashable {
    /// The delivery's key; the matching `WebhookResponse.requestID` carries it back.
    public var id: String
    /// Absolute `http` or `https` URL of the receiver.
    public var url: String
    /// Headers to send, in order (signature, `webhook-id`, content type, …).
    public var headers: [HeaderField]
    /// Raw request body.
    public var body: [UInt8]

    /// Makes a request.
    public init(id: String, url: String, headers: [HeaderField], body: [UInt8]) {
        self.id = id
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// Short, stable category of a failure that happened before or instead of an HTTP response.
public enum TransportErrorCategory: String, Sendable, Hashable, Codable {
    /// The connect or total timeout ran out.
    case timeout
    /// The host name could not be resolved.
    case dns
    /// The TCP connection could not be made (refused, unreachable).
    case connect
    /// TLS handshake or certificate verification failed.
    case tls
    /// Sending the request failed.
    case send
    /// The receiver closed the connection or sent a malformed response.
    case receive
    /// The address guard refused the URL; no connection was made.
    case refusedByGuard = "refused-by-guard"
    /// The request itself is unusable (malformed URL, header with CR/LF, …).
    case invalidRequest = "invalid-request"
    /// The transport was shut down before the request finished.
    case shutdown
    /// Anything else curl reported.
    case other
}

/// What happened to one `WebhookRequest`.
public struct WebhookResponse: Sendable, Hashable {
    /// The `WebhookRequest.id` this answers.
    public var requestID: String
    /// HTTP status code, or nil when no HTTP response was received.
    public var statusCode: Int?
    /// Time from the start of the transfer to its end.
    public var latency: Duration
    /// The first bytes of the response body (at most the configured prefix length).
    public var bodyPrefix: [UInt8]
    /// How many body bytes were read in total (reading stops at the configured maximum).
    public var bodyBytesRead: Int
    /// True when reading stopped at the maximum body size before the body ended.
    public var bodyTruncated: Bool
    /// Seconds to wait, from the response's `Retry-After` header (delta-seconds or HTTP-date).
    public var retryAfter: Double?
    /// Category of the failure when the transfer did not complete normally.
    public var errorCategory: TransportErrorCategory?
    /// Human-readable failure text, `"<category>: <detail>"`, nil on a normal completion.
    public var transportError: String?

    /// Makes a response.
    public init(
        requestID: String,
        statusCode: Int?,
        latency: Duration = .zero,
        bodyPrefix: [UInt8] = [],
        bodyBytesRead: Int = 0,
        bodyTruncated: Bool = false,
        retryAfter: Double? = nil,
        errorCategory: TransportErrorCategory? = nil,
        transportError: String? = nil
    ) {
        self.requestID = requestID
        self.statusCode = statusCode
        self.latency = latency
        self.bodyPrefix = bodyPrefix
        self.bodyBytesRead = bodyBytesRead
        self.bodyTruncated = bodyTruncated
        self.retryAfter = retryAfter
        self.errorCategory = errorCategory
        self.transportError = transportError
    }

    /// A response for a request that failed without any HTTP exchange.
    public static func failure(
        requestID: String,
        category: TransportErrorCategory,
        detail: String,
        latency: Duration = .zero
    ) -> WebhookResponse {
        WebhookResponse(
            requestID: requestID,
            statusCode: nil,
            latency: latency,
            errorCategory: category,
            transportError: "\(category.rawValue): \(detail)"
        )
    }
}

/// Sends batches of webhook requests.
public protocol WebhookTransport: Sendable {
    /// Sends every request and returns when all have finished: one response per
    /// request, in any order, matched by `WebhookResponse.requestID`.
    func send(_ requests: [WebhookRequest]) async -> [WebhookResponse]

    /// Starts sending every request and returns once they are handed over, usually before they
    /// finish; `each` is then called exactly once per request as it finishes, on any thread, in any
    /// order. Lets a caller record results while other requests are still in flight.
    func start(_ requests: [WebhookRequest], each: @escaping @Sendable (WebhookResponse) -> Void) async

    /// For a graceful stop: requests already under way finish; those not yet started, and any
    /// handed over later, end at once with `WebhookErrorCategory.shutdown`, never sent.
    func stopStarting()
}

extension WebhookTransport {
    /// Transports that start every request at once have nothing waiting to hold back.
    public func stopStarting() {}
    /// On top of `send`: the responses come all together when the last one is in.
    public func start(_ requests: [WebhookRequest], each: @escaping @Sendable (WebhookResponse) -> Void) async {
        let transport = self
        Task { for response in await transport.send(requests) { each(response) } }
    }
}
