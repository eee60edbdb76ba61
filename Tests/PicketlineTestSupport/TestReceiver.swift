import Foundation
import PicketlineCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One request as the receiver saw it.
public struct RecordedRequest: Sendable {
    public var method: String
    /// The request target: path and query.
    public var path: String
    public var headers: [HeaderField]
    public var body: [UInt8]

    /// The first header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// A query parameter of the request target.
    public func query(_ name: String) -> String? {
        guard let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.first.map(String.init) == name { return parts.count == 2 ? String(parts[1]) : "" }
        }
        return nil
    }

    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A tiny HTTP/1.1 receiver on 127.0.0.1 (ephemeral port) for webhook tests.
///
/// One thread accepts; each connection gets a thread that serves requests with
/// keep-alive until the client closes, 5 s of idleness, or `stop()`. The path picks
/// the behaviour:
/// `/ok` 204 · `/slow?ms=N` waits N ms then 204 · `/fail` 500 · `/gone` 410 ·
/// `/redirect` 301 to `/redirect-target` · `/ratelimit` 429 + `Retry-After: 7` ·
/// `/ratelimit-date` 503 + HTTP-date `Retry-After` 120 s ahead · `/drop` closes without
/// answering · `/count?ms=N` tracks concurrent requests while waiting N ms ·
/// `/big?n=N` 200 with an N-byte body. Anything else is 404.
public final class TestReceiver: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var connectionsAccepted = 0
        var inFlight = 0
        var maxInFlight = 0
        var stopping = false
        var liveThreads = 0
    }

    /// The port it listens on.
    public let port: Int
    private let listener: Int32
    private let state = Mutex(State())

    /// Starts listening on 127.0.0.1 on a free port.
    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ReceiverError.socket(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw ReceiverError.socket(errno)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        state.withLock { $0.liveThreads += 1 }
        Thread { [self] in acceptLoop() }.start()
    }

    /// Why the listening socket could not be set up.
    public enum ReceiverError: Error { case socket(Int32) }

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Every request so far, in arrival order.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }
    /// TCP connections accepted so far.
    public var connectionsAccepted: Int { state.withLock { $0.connectionsAccepted } }
    /// The most `/count` requests that were being served at once.
    public var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    /// Stops accepting, ends every connection thread (waiting at most 5 s), closes the socket.
    public func stop() {
        state.withLock { $0.stopping = true }
        let deadline = Date().addingTimeInterval(5)
        while state.withLock({ $0.liveThreads }) > 0, Date() < deadline { usleep(10_000) }
        close(listener)
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func acceptLoop() {
        defer { state.withLock { $0.liveThreads -= 1 } }
        while !stopping {
            var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            state.withLock {
                $0.connectionsAccepted += 1
                $0.liveThreads += 1
            }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            close(fd)
            state.withLock { $0.liveThreads -= 1 }
        }
        var buffer: [UInt8] = []
        while let request = readRequest(fd, &buffer) {
            state.withLock { $0.requests.append(request) }
            guard respond(to: request, on: fd) else { return }
            if request.header("connection")?.lowercased() == "close" { return }
        }
    }

    /// Reads one request; nil on close, error, idleness or stop.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> RecordedRequest? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var idleSince = Date()
        func fill() -> Bool {
            while !stopping {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 50) <= 0 {
                    if Date().timeIntervalSince(idleSince) > 5 { return false }
                    continue
                }
                var chunk = [UInt8](repeating: 0, count: 16_384)
                let count = recv(fd, &chunk, chunk.count, 0)
                guard count > 0 else { return false }
                buffer.append(contentsOf: chunk[0..<count])
                idleSince = Date()
                return true
            }
            return false
        }
        var headerEnd: Int?
        while headerEnd == nil {
            if buffer.count >= 4 {
                headerEnd = (0...(buffer.count - 4)).first { buffer[$0..<$0 + 4].elementsEqual(separator) }
            }
            if headerEnd == nil, !fill() { return nil }
        }
        let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        let headers = lines.compactMap { line -> HeaderField? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return HeaderField(
                name: String(line[..<colon]),
                value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            )
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        let bodyStart = headerEnd! + 4
        while buffer.count < bodyStart + length {
            if !fill() { return nil }
        }
        let body = Array(buffer[bodyStart..<bodyStart + length])
        buffer.removeFirst(bodyStart + length)
        return RecordedRequest(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
    }

    /// Writes the response for the path's behaviour; false to close the connection.
    private func respond(to request: RecordedRequest, on fd: Int32) -> Bool {
        let parts = request.path.split(separator: "?", maxSplits: 1)
        let path = String(parts.first ?? "")
        var query: [String: Int] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=")
                if kv.count == 2, let value = Int(kv[1]) { query[String(kv[0])] = value }
            }
        }
        switch path {
        case "/ok":
            return write(fd, status: "204 No Content")
        case "/slow":
            pause(milliseconds: query["ms"] ?? 2_000)
            return write(fd, status: "204 No Content")
        case "/fail":
            return write(fd, status: "500 Internal Server Error", body: Array("boom".utf8))
        case "/gone":
            return write(fd, status: "410 Gone")
        case "/redirect":
            return write(fd, status: "301 Moved Permanently", headers: ["Location: /redirect-target"])
        case "/ratelimit":
            return write(fd, status: "429 Too Many Requests", headers: ["Retry-After: 7"])
        case "/ratelimit-date":
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let date = formatter.string(from: Date().addingTimeInterval(120))
            return write(fd, status: "503 Service Unavailable", headers: ["Retry-After: \(date)"])
        case "/drop":
            return false
        case "/count":
            state.withLock {
                $0.inFlight += 1
                $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
            }
            pause(milliseconds: query["ms"] ?? 200)
            state.withLock { $0.inFlight -= 1 }
            return write(fd, status: "204 No Content")
        case "/big":
            let size = query["n"] ?? 5_000
            let body = (0..<size).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            return write(fd, status: "200 OK", body: body)
        default:
            return write(fd, status: "404 Not Found")
        }
    }

    private func pause(milliseconds: Int) {
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1_000)
        while Date() < deadline, !stopping { usleep(10_000) }
    }

    private func write(_ fd: Int32, status: String, headers: [String] = [], body: [UInt8] = []) -> Bool {
        var head = "HTTP/1.1 \(status)\r\n"
        for header in headers { head += header + "\r\n" }
        if !status.hasPrefix("204") { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a client that hung up must not kill the test process with SIGPIPE.
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }
}
