import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Raw HTTP/1.1 over a POSIX socket to 127.0.0.1: for a `serve` child process (Foundation on
/// Linux cannot load http URLs without FoundationNetworking) and for requests an HTTP client
/// library would not send. Every read waits at most 5 s.
public enum LoopbackHTTP {
    /// Writes `request` and reads the answer: until the server closes (`untilClose`), else the
    /// first bytes that arrive. Nil when the connection cannot be made or sent on.
    public static func exchange(port: Int, request: String, untilClose: Bool) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let bytes = Array(request.utf8)
        guard send(fd, bytes, bytes.count, 0) == bytes.count else { return nil }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<10_000 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
            if !untilClose { break }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
