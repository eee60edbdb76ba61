import Dispatch
import Synchronization
import PicketlineCore

/// `WebhookTransport` on libcurl: one multi handle, driven by one dedicated thread,
/// shared by every `send` call; connections are reused through the multi's cache.
///
/// Each URL goes through `AddressGuard` first (unless turned off); allowed transfers
/// are pinned to the checked addresses with `CURLOPT_RESOLVE`, and the socket is
/// opened only for those addresses. Redirects are never followed.
public final class CurlTransport: WebhookTransport {
    /// Limits, timeouts and guard settings.
    public struct Configuration: Sendable {
        /// Transfers running at once; more are queued (also `CURLMOPT_MAX_TOTAL_CONNECTIONS`).
        public var maxConcurrentTransfers: Int
        /// Transfers running at once to one `host:port` (also `CURLMOPT_MAX_HOST_CONNECTIONS`).
        public var maxConnectionsPerHost: Int
        /// Time allowed to connect (including TLS).
        public var connectTimeout: Duration
        /// Time allowed for the whole transfer.
        public var totalTimeout: Duration
        /// Body bytes read at most; the transfer stops there and the response is marked truncated.
        public var maxResponseBodyBytes: Int
        /// Body bytes kept in `WebhookResponse.bodyPrefix`.
        public var storedBodyPrefixBytes: Int
        /// `User-Agent` header.
        public var userAgent: String
        /// Blocks the guard lets through although they are not public (e.g. `127.0.0.1/32` in tests).
        public var allowList: [IPCIDR]
        /// Whether to run the SSRF guard; off only for trusted, internal deployments.
        public var addressGuardEnabled: Bool

        /// Makes a configuration; every argument has the production default.
        public init(
            maxConcurrentTransfers: Int = 64,
            maxConnectionsPerHost: Int = 8,
            connectTimeout: Duration = .seconds(5),
            totalTimeout: Duration = .seconds(15),
            maxResponseBodyBytes: Int = 64 * 1_024,
            storedBodyPrefixBytes: Int = 1_024,
            userAgent: String = CurlTransport.defaultUserAgent,
            allowList: [IPCIDR] = [],
            addressGuardEnabled: Bool = true
        ) {
            self.maxConcurrentTransfers = maxConcurrentTransfers
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maxResponseBodyBytes = maxResponseBodyBytes
            self.storedBodyPrefixBytes = storedBodyPrefixBytes
            self.userAgent = userAgent
            self.allowList = allowList
            self.addressGuardEnabled = addressGuardEnabled
        }
    }

    /// `Picketline/<version>`, naming the release that sent the request.
    public static let defaultUserAgent = "Picketline/\(PicketlineVersion.current)"

    /// `nil` when libcurl loads (it is opened on first use; this loads it), otherwise why it does not.
    public static var libraryProblem: String? { CurlGlobal.problem }

    /// The settings this transport was made with.
    public let configuration: Configuration
    private let addressGuard: AddressGuard
    /// Made on the first request: libcurl with OpenSSL and its other libraries, `curl_global_init`
    /// and the curl thread cost about 8 MB, which a `serve` with no webhooks need never pay.
    private let lazyLoop = Mutex<CurlMultiLoop?>(nil)
    private var loop: CurlMultiLoop {
        lazyLoop.withLock { loop in
            if let loop { return loop }
            let made = CurlMultiLoop(configuration: configuration)
            loop = made
            return made
        }
    }
    // getaddrinfo blocks; keep it off the cooperative pool and off the curl thread.
    private static let resolveQueue = DispatchQueue(label: "picketline.webhooks.resolve", attributes: .concurrent)

    /// The curl thread starts with the first request.
    public convenience init(configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, addressGuard: AddressGuard(allowList: configuration.allowList))
    }

    init(configuration: Configuration, addressGuard: AddressGuard) {
        self.configuration = configuration
        self.addressGuard = addressGuard
    }

    deinit {
        lazyLoop.withLock { $0?.shutdown() }
    }

    /// Lets the requests under way finish and sends no other; see `WebhookTransport.stopStarting`.
    public func stopStarting() {
        lazyLoop.withLock { $0?.stopStarting() }
    }

    /// Sends all requests concurrently (within the limits) and returns one response per request.
    ///
    /// Cancelling the calling task does not abort transfers; they end by themselves
    /// within `totalTimeout`.
    public func send(_ requests: [WebhookRequest]) async -> [WebhookResponse] {
        guard !requests.isEmpty else { return [] }
        let (stream, continuation) = AsyncStream<WebhookResponse>.makeStream()
        await start(requests) { continuation.yield($0) }
        var responses: [WebhookResponse] = []
        responses.reserveCapacity(requests.count)
        for await response in stream {
            responses.append(response)
            if responses.count == requests.count { break }
        }
        continuation.finish()
        return responses
    }

    /// Checks and queues every request; `each` gets each response as its transfer ends (refusals at once).
    public func start(_ requests: [WebhookRequest], each: @escaping @Sendable (WebhookResponse) -> Void) async {
        guard !requests.isEmpty else { return }
        if let problem = CurlGlobal.problem {
            for request in requests { each(.failure(requestID: request.id, category: .other, detail: problem)) }
            return
        }
        var immediate: [WebhookResponse] = []
        var parsed: [(request: WebhookRequest, target: AddressGuard.Target)] = []
        for request in requests {
            if let problem = Self.headerProblem(request.headers) {
                immediate.append(.failure(requestID: request.id, category: .invalidRequest, detail: problem))
                continue
            }
            switch AddressGuard.target(of: request.url) {
            case .success(let target):
                parsed.append((request, target))
            case .failure(let problem):
                let category: TransportErrorCategory = problem.isDisallowedScheme ? .refusedByGuard : .invalidRequest
                immediate.append(.failure(requestID: request.id, category: category, detail: problem.message))
            }
        }

        var verdicts: [AddressGuard.Target: AddressGuard.Verdict] = [:]
        if configuration.addressGuardEnabled {
            verdicts = await checkTargets(Set(parsed.map(\.target)))
        }

        var jobs: [(WebhookRequest, String, String?, Set<IPAddress>?)] = []
        for (request, target) in parsed {
            let hostKey = "\(target.host):\(target.port)"
            guard configuration.addressGuardEnabled else {
                jobs.append((request, hostKey, nil, nil))
                continue
            }
            switch verdicts[target] {
            case .allowed(let host, let port, let addresses):
                // IP literals need no pin: curl does not resolve them.
                let pin = IPAddress(host) == nil
                    ? "\(host):\(port):" + addresses.map(\.uriForm).joined(separator: ",")
                    : nil
                jobs.append((request, hostKey, pin, Set(addresses)))
            case .refused(let reason):
                immediate.append(.failure(requestID: request.id, category: .refusedByGuard, detail: reason))
            case .unresolvable(let reason):
                immediate.append(.failure(requestID: request.id, category: .dns, detail: reason))
            case nil:
                immediate.append(.failure(requestID: request.id, category: .other, detail: "address check missing"))
            }
        }

        for response in immediate { each(response) }
        loop.submit(jobs.map { request, hostKey, pin, allowed in
            CurlMultiLoop.Job(request: request, hostKey: hostKey, resolveEntry: pin, allowedAddresses: allowed, completion: each)
        })
    }

    private func checkTargets(_ targets: Set<AddressGuard.Target>) async -> [AddressGuard.Target: AddressGuard.Verdict] {
        let addressGuard = self.addressGuard
        return await withTaskGroup(of: (AddressGuard.Target, AddressGuard.Verdict).self) { group in
            for target in targets {
                group.addTask {
                    let verdict = await withCheckedContinuation { continuation in
                        Self.resolveQueue.async { continuation.resume(returning: addressGuard.check(target)) }
                    }
                    return (target, verdict)
                }
            }
            var verdicts: [AddressGuard.Target: AddressGuard.Verdict] = [:]
            for await (target, verdict) in group { verdicts[target] = verdict }
            return verdicts
        }
    }

    /// RFC 9110 `tchar`: letters, digits and ``!#$%&'*+-.^_`|~``, as a byte table (checked for every
    /// header of every request).
    private static let tokenBytes: [Bool] = (0..<256).map { byte in
        let scalar = Unicode.Scalar(UInt8(byte))
        return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar)
    }
    private static let reservedHeaders: [String] = ["host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer"]

    /// Whether a header name equals `lowercase` (given in lower case), ignoring ASCII case.
    static func sameName(_ name: String, _ lowercase: String) -> Bool {
        name.utf8.count == lowercase.utf8.count
            && zip(name.utf8, lowercase.utf8).allSatisfy { pair in (pair.0 >= 65 && pair.0 <= 90 ? pair.0 | 0x20 : pair.0) == pair.1 }
    }

    /// Header names must be RFC 9110 tokens and values must not contain CR, LF or NUL
    /// (they would let a subscriber's custom header inject more headers). Framing and
    /// routing headers are curl's to set: overriding them could desync the connection
    /// or make the receiver see another host than the one that was checked.
    static func headerProblem(_ headers: [HeaderField]) -> String? {
        for header in headers {
            // Compared byte by byte, case-insensitively: no lower-cased copy per header per request.
            if reservedHeaders.contains(where: { Self.sameName(header.name, $0) }) { return "header \(header.name) is set by the transport" }
            let validName = !header.name.isEmpty && header.name.utf8.allSatisfy { Self.tokenBytes[Int($0)] }
            if !validName { return "invalid header name \(String(reflecting: header.name))" }
            // CR, LF and NUL are single bytes in UTF-8 and never part of a longer sequence.
            if header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
                return "header \(header.name) has a control character in its value"
            }
        }
        return nil
    }
}
