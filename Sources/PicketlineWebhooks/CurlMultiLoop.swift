import CCurl
import Dispatch
import Foundation
import PicketlineCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one curl multi handle and the thread that drives it.
///
/// Threading invariant (why `@unchecked Sendable` is sound):
/// - `multi`, every easy handle, `waiting`, `active`, `activePerHost`, `idle` and
///   every `Transfer` are touched only by the loop thread (`run()`), from its start
///   until it calls `curl_multi_cleanup`.
/// - Other threads touch only `inbox` (behind its Mutex) and call
///   `pl_multi_wakeup(multi)`, which libcurl documents as safe from any thread.
///   That call happens while holding the inbox lock and only while `inbox.closed`
///   is false; the loop thread sets `closed` under the same lock before cleanup, so
///   the multi handle is never woken after it is freed.
final class CurlMultiLoop: @unchecked Sendable {
    /// One request ready for curl: URL checked, pin entry computed.
    struct Job: Sendable {
        var request: WebhookRequest
        /// `host:port`, for the per-host limit.
        var hostKey: String
        /// `CURLOPT_RESOLVE` entry pinning the host to checked addresses, if it is a name.
        var resolveEntry: String?
        /// Addresses the socket may connect to; nil when the guard is off.
        var allowedAddresses: Set<IPAddress>?
        var completion: @Sendable (WebhookResponse) -> Void
    }

    private struct Inbox {
        var pending: [Job] = []
        var stopping = false
        var closed = false
        /// Set by `stopStarting`: transfers under way finish, nothing else starts.
        var noNewStarts = false
    }

    /// An easy handle with the error buffer curl writes into.
    private struct EasyHandle {
        let handle: UnsafeMutableRawPointer
        let errorBuffer: UnsafeMutablePointer<CChar>
    }

    /// Per-transfer state the curl callbacks write into (loop thread only).
    private final class Transfer {
        let job: Job
        let easy: EasyHandle
        let maxBody: Int
        let prefixLimit: Int
        var headerList: UnsafeMutablePointer<curl_slist>?
        var resolveList: UnsafeMutablePointer<curl_slist>?
        var prefix: [UInt8] = []
        var bytesRead = 0
        var truncated = false
        var retryAfterValue: String?
        var blockedConnection: String?

        init(job: Job, easy: EasyHandle, maxBody: Int, prefixLimit: Int) {
            self.job = job
            self.easy = easy
            self.maxBody = maxBody
            self.prefixLimit = prefixLimit
        }

        func receiveBody(_ data: UnsafeRawBufferPointer) -> Int {
            let accepted = min(max(0, maxBody - bytesRead), data.count)
            let room = max(0, prefixLimit - prefix.count)
            if room > 0 { prefix.append(contentsOf: data.prefix(min(room, accepted))) }
            bytesRead += accepted
            if accepted < data.count {
                truncated = true
                return 0 // makes curl abort the transfer with CURLE_WRITE_ERROR
            }
            return data.count
        }

        func receiveHeader(_ data: UnsafeRawBufferPointer) {
            // Runs for every header line of every response, on the loop thread: look at bytes
            // first and make a String only for the one header wanted.
            if data.starts(with: Self.statusLinePrefix) {
                // A new status line (after 1xx or a proxy CONNECT) starts a new header block.
                retryAfterValue = nil
                return
            }
            guard data.count > Self.retryAfterName.count, let first = data.first, first | 0x20 == UInt8(ascii: "r"),
                  let colon = data.firstIndex(of: UInt8(ascii: ":")) else { return }
            let line = String(decoding: data, as: UTF8.self)
            let colonIndex = line.utf8.index(line.startIndex, offsetBy: colon)
            if line[..<colonIndex].trimmingCharacters(in: .whitespaces).lowercased() == "retry-after" {
                retryAfterValue = line[line.index(after: colonIndex)...].trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }

        private static let statusLinePrefix = Array("HTTP/".utf8)
        private static let retryAfterName = Array("retry-after".utf8)

        /// Opens the socket only when curl is about to connect to a checked address, so
        /// nothing (a stale DNS cache entry, a curl quirk) can route around the guard.
        func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
            var raw = [UInt8](repeating: 0, count: 16)
            let length = Int(pl_sockaddr_ip(address, &raw))
            guard length > 0, let ip = IPAddress(bytes: Array(raw.prefix(length))) else {
                blockedConnection = "connection blocked: not an IP socket"
                return CURL_SOCKET_BAD
            }
            guard let allowed = job.allowedAddresses, allowed.contains(ip) else {
                blockedConnection = "connection to \(ip) blocked: not one of the checked addresses"
                return CURL_SOCKET_BAD
            }
            return socket(address.pointee.family, address.pointee.socktype, address.pointee.protocol)
        }

        func freeLists() {
            pl_slist_free_all(headerList)
            pl_slist_free_all(resolveList)
            headerList = nil
            resolveList = nil
        }
    }

    private let configuration: CurlTransport.Configuration
    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private let stopped = DispatchSemaphore(value: 0)

    // Loop-thread state.
    /// Jobs not started yet, oldest first from `waitingHead`; a started job leaves a nil behind,
    /// so that starting one of a thousand queued does not copy the other 999.
    private var waiting: [Job?] = []
    private var waitingHead = 0
    private var hasWaiting: Bool { waitingHead < waiting.count }
    private var needsScheduling = false
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var activePerHost: [String: Int] = [:]
    private var idle: [EasyHandle] = []

    init(configuration: CurlTransport.Configuration) {
        precondition(CurlGlobal.problem == nil, "CurlMultiLoop made before libcurl was loaded")
        guard let multi = pl_multi_init() else { fatalError("curl_multi_init failed") }
        self.configuration = configuration
        self.multi = multi
        let maxTotal = max(1, configuration.maxConcurrentTransfers)
        _ = pl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxTotal)
        _ = pl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, configuration.maxConnectionsPerHost))
        // Keep as many idle connections as we may have transfers, for reuse.
        _ = pl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxTotal)
        let thread = Thread { [self] in self.run() }
        thread.name = "pl-webhook-curl" // at most 15 bytes, or Linux ignores it
        thread.start()
    }

    /// Queues jobs; each job's completion runs exactly once, on the loop thread
    /// (or right here if the loop has already stopped).
    func submit(_ jobs: [Job]) {
        guard !jobs.isEmpty else { return }
        let accepted = inbox.withLock { inbox -> Bool in
            guard !inbox.closed, !inbox.stopping, !inbox.noNewStarts else { return false }
            inbox.pending.append(contentsOf: jobs)
            _ = pl_multi_wakeup(multi)
            return true
        }
        if !accepted {
            for job in jobs { job.completion(Self.shutdownResponse(job)) }
        }
    }

    /// Lets the transfers under way finish and starts no other: every job still waiting (for a
    /// connection, or for its host's turn) and every one submitted later completes at once as
    /// shut down, never sent. For a graceful stop, before `shutdown`.
    func stopStarting() {
        inbox.withLock { inbox in
            inbox.noNewStarts = true
            _ = pl_multi_wakeup(multi)
        }
    }

    /// Stops the loop, fails anything unfinished, frees curl state, and waits for the thread to end.
    func shutdown() {
        let wasRunning = inbox.withLock { inbox -> Bool in
            guard !inbox.stopping else { return false }
            inbox.stopping = true
            _ = pl_multi_wakeup(multi)
            return true
        }
        if wasRunning { stopped.wait() }
    }

    // MARK: - Loop thread

    private func run() {
        while true {
            let (incoming, stopping, noNewStarts) = inbox.withLock { inbox -> ([Job], Bool, Bool) in
                defer { inbox.pending.removeAll() }
                return (inbox.pending, inbox.stopping, inbox.noNewStarts)
            }
            if stopping { break }
            if !incoming.isEmpty {
                waiting.append(contentsOf: incoming)
                needsScheduling = true
            }
            if noNewStarts, hasWaiting {
                failWaiting()
                needsScheduling = false
            }
            if needsScheduling { startWaitingTransfers() }
            var running: Int32 = 0
            _ = pl_multi_perform(multi, &running)
            let finishedCount = collectFinishedTransfers()
            if finishedCount > 0, hasWaiting { continue }
            var ready: Int32 = 0
            _ = pl_multi_poll(multi, nil, 0, 1_000, &ready)
        }
        let leftovers = inbox.withLock { inbox -> [Job] in
            inbox.closed = true
            defer { inbox.pending.removeAll() }
            return inbox.pending
        }
        for (handle, transfer) in active {
            pl_multi_remove_handle(multi, handle)
            transfer.freeLists()
            release(transfer.easy)
            transfer.job.completion(Self.shutdownResponse(transfer.job))
        }
        active.removeAll()
        failWaiting(also: leftovers)
        for easy in idle { destroy(easy) }
        idle.removeAll()
        pl_multi_cleanup(multi)
        stopped.signal()
    }

    /// Ends every job not yet started (and `also`) as shut down, never sent; empties the queue.
    private func failWaiting(also extra: [Job] = []) {
        for job in waiting[waitingHead...].compactMap({ $0 }) + extra { job.completion(Self.shutdownResponse(job)) }
        waiting.removeAll()
        waitingHead = 0
    }

    private func startWaitingTransfers() {
        needsScheduling = false
        let limit = max(1, configuration.maxConcurrentTransfers)
        let perHost = max(1, configuration.maxConnectionsPerHost)
        guard active.count < limit, hasWaiting else { return }
        // In order, skipping (and keeping) jobs whose host is at its limit; stops once all the
        // free places are taken, so a completion starts one job without walking the whole queue.
        var index = waitingHead
        while index < waiting.count, active.count < limit {
            if let job = waiting[index], activePerHost[job.hostKey, default: 0] < perHost {
                waiting[index] = nil
                start(job)
            }
            index += 1
        }
        while waitingHead < waiting.count, waiting[waitingHead] == nil { waitingHead += 1 }
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        } else if waitingHead >= 1_024, waitingHead * 2 >= waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
    }

    private func start(_ job: Job) {
        let easy = idle.popLast() ?? makeEasyHandle()
        easy.errorBuffer[0] = 0
        let transfer = Transfer(
            job: job,
            easy: easy,
            maxBody: max(0, configuration.maxResponseBodyBytes),
            prefixLimit: max(0, configuration.storedBodyPrefixBytes)
        )
        if let problem = configure(transfer) {
            transfer.freeLists()
            release(easy)
            job.completion(.failure(requestID: job.request.id, category: .invalidRequest, detail: problem))
            return
        }
        let added = pl_multi_add_handle(multi, easy.handle)
        guard added == CURLM_OK else {
            transfer.freeLists()
            release(easy)
            let detail = String(cString: pl_multi_strerror(added))
            job.completion(.failure(requestID: job.request.id, category: .other, detail: detail))
            return
        }
        active[easy.handle] = transfer
        activePerHost[job.hostKey, default: 0] += 1
    }

    /// Sets every option for one transfer; returns a problem description if curl refused one.
    private func configure(_ transfer: Transfer) -> String? {
        let handle = transfer.easy.handle
        let request = transfer.job.request
        let userdata = Unmanaged.passUnretained(transfer).toOpaque()
        var failures: [String] = []
        func check(_ code: CURLcode, _ what: String) {
            if code != CURLE_OK { failures.append("\(what): \(String(cString: pl_easy_strerror(code)))") }
        }

        check(pl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, transfer.easy.errorBuffer), "error buffer")
        check(pl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "nosignal")
        check(pl_easy_setopt_string(handle, CURLOPT_URL, request.url), "url")
        check(pl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "protocols")
        check(pl_easy_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), "redirect protocols")
        check(pl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), "followlocation")
        // An empty proxy string disables proxies from the environment (http_proxy, …),
        // which would otherwise make the pinned address meaningless.
        check(pl_easy_setopt_string(handle, CURLOPT_PROXY, ""), "proxy")
        check(pl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(configuration.connectTimeout)), "connect timeout")
        check(pl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(configuration.totalTimeout)), "timeout")
        check(pl_easy_setopt_string(handle, CURLOPT_USERAGENT, configuration.userAgent), "user agent")
        check(pl_easy_setopt_long(handle, CURLOPT_POST, 1), "post")
        check(pl_easy_setopt_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count), "body size")
        if request.body.isEmpty {
            // A NULL body would make curl read the body from stdin.
            check(pl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, ""), "body")
        } else {
            request.body.withUnsafeBytes { bytes in
                check(pl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)), "body")
            }
        }

        var lines = request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        if !request.headers.contains(where: { CurlTransport.sameName($0.name, "content-type") }) {
            lines.append("Content-Type: application/json")
        }
        // curl adds "Expect: 100-continue" to larger POSTs and then waits for the
        // receiver; most webhook receivers never send 100, so that only adds latency.
        if !request.headers.contains(where: { CurlTransport.sameName($0.name, "expect") }) { lines.append("Expect:") }
        for line in lines { transfer.headerList = pl_slist_append(transfer.headerList, line) }
        check(pl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, transfer.headerList), "headers")

        if let entry = transfer.job.resolveEntry {
            transfer.resolveList = pl_slist_append(nil, entry)
            check(pl_easy_setopt_slist(handle, CURLOPT_RESOLVE, transfer.resolveList), "resolve")
        }
        if transfer.job.allowedAddresses != nil {
            check(pl_easy_setopt_opensocket_callback(handle, { clientp, _, address in
                guard let clientp, let address else { return CURL_SOCKET_BAD }
                let transfer = Unmanaged<Transfer>.fromOpaque(clientp).takeUnretainedValue()
                return transfer.openSocket(address)
            }), "opensocket")
            check(pl_easy_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, userdata), "opensocket data")
        }

        check(pl_easy_setopt_write_callback(handle, { data, size, count, userdata in
            guard let userdata else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
            return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
        }), "write callback")
        check(pl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata), "write data")
        check(pl_easy_setopt_header_callback(handle, { data, size, count, userdata in
            guard let userdata else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
            transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }), "header callback")
        check(pl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, userdata), "header data")
        return failures.isEmpty ? nil : failures.joined(separator: "; ")
    }

    /// Returns how many transfers finished.
    private func collectFinishedTransfers() -> Int {
        var count = 0
        var remaining: Int32 = 0
        while let message = pl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            let result = message.pointee.data.result
            guard let transfer = active.removeValue(forKey: handle) else { continue }
            pl_multi_remove_handle(multi, handle)
            activePerHost[transfer.job.hostKey, default: 1] -= 1
            if activePerHost[transfer.job.hostKey] == 0 { activePerHost[transfer.job.hostKey] = nil }
            let response = makeResponse(transfer, result: result)
            transfer.freeLists()
            release(transfer.easy)
            count += 1
            needsScheduling = true
            transfer.job.completion(response)
        }
        return count
    }

    private func makeResponse(_ transfer: Transfer, result: CURLcode) -> WebhookResponse {
        let handle = transfer.easy.handle
        var code = 0
        _ = pl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        var seconds = 0.0
        _ = pl_easy_getinfo_double(handle, CURLINFO_TOTAL_TIME, &seconds)
        var response = WebhookResponse(
            requestID: transfer.job.request.id,
            statusCode: code > 0 ? code : nil,
            latency: .seconds(seconds),
            bodyPrefix: transfer.prefix,
            bodyBytesRead: transfer.bytesRead,
            bodyTruncated: transfer.truncated,
            retryAfter: transfer.retryAfterValue.flatMap { RetryAfter.seconds(from: $0) }
        )
        let stoppedAtLimit = result == CURLE_WRITE_ERROR && transfer.truncated
        if result != CURLE_OK, !stoppedAtLimit {
            let category: TransportErrorCategory
            let detail: String
            if let blocked = transfer.blockedConnection {
                category = .refusedByGuard
                detail = blocked
            } else {
                category = Self.category(of: result)
                let buffer = String(cString: transfer.easy.errorBuffer)
                detail = buffer.isEmpty ? String(cString: pl_easy_strerror(result)) : buffer
            }
            response.errorCategory = category
            response.transportError = "\(category.rawValue): \(detail)"
        }
        return response
    }

    private func makeEasyHandle() -> EasyHandle {
        guard let handle = pl_easy_init() else { fatalError("curl_easy_init failed") }
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        buffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        return EasyHandle(handle: handle, errorBuffer: buffer)
    }

    /// Returns a handle to the idle pool (reset, so no option leaks into the next transfer).
    private func release(_ easy: EasyHandle) {
        pl_easy_reset(easy.handle)
        if idle.count < max(1, configuration.maxConcurrentTransfers) {
            idle.append(easy)
        } else {
            destroy(easy)
        }
    }

    private func destroy(_ easy: EasyHandle) {
        pl_easy_cleanup(easy.handle)
        easy.errorBuffer.deallocate()
    }

    // MARK: - Helpers

    private static func shutdownResponse(_ job: Job) -> WebhookResponse {
        .failure(requestID: job.request.id, category: .shutdown, detail: "transport shut down before the request finished")
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1_000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    static func category(of code: CURLcode) -> TransportErrorCategory {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .dns
        case CURLE_COULDNT_CONNECT:
            return .connect
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND:
            return .tls
        case CURLE_SEND_ERROR:
            return .send
        case CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP2,
             CURLE_HTTP2_STREAM:
            return .receive
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidRequest
        default:
            return .other
        }
    }
}
