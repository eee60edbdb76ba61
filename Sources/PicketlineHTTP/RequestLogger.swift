import Foundation
import Hummingbird
import HTTPTypes
import Logging
import PicketlineCore
import Synchronization

/// Gives every request an id (the client's `X-Request-ID` if it sent a sane one), puts it in the
/// logger's metadata and the response headers, and logs one line per request.
struct RequestLogger: RouterMiddleware {
    typealias Context = PicketlineRequestContext
    static let header = HTTPField.Name("X-Request-ID")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let sent = request.headers[Self.header].flatMap { $0.count <= 64 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } ? $0 : nil }
        let id = sent ?? RequestIDs.next()
        var context = context
        // Hummingbird's own `hb.request.id` would sit beside ours on every line: ours is the one
        // the client sees (`X-Request-ID`) and may have chosen.
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(id)
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

/// Request ids in the shape of a random (version 4) UUID, in lower case. They only tell one
/// request's log lines from another's, so they come from SplitMix64 over a counter seeded once from
/// the kernel: distinct within a process, different in every process, and without a system call
/// and a Foundation formatting per request.
enum RequestIDs {
    private static let counter = Atomic<UInt64>(seed())

    static func next() -> String {
        let step = counter.wrappingAdd(2, ordering: .relaxed).oldValue
        return format(mix(step), mix(step &+ 1))
    }

    /// The 36-character form, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, of two 64-bit halves.
    static func format(_ high: UInt64, _ low: UInt64) -> String {
        let high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000  // version 4
        let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000    // RFC 4122 variant
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            func put(_ value: UInt64, nibbles: Int) {
                JSONObjectWriter.forEachHexDigit(of: value, count: nibbles) { buffer[index] = $0; index += 1 }
            }
            func dash() { buffer[index] = UInt8(ascii: "-"); index += 1 }
            put(high >> 32, nibbles: 8); dash()
            put(high >> 16, nibbles: 4); dash()
            put(high, nibbles: 4); dash()
            put(low >> 48, nibbles: 4); dash()
            put(low, nibbles: 12)
            return index
        }
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func seed() -> UInt64 {
        var seed: UInt64 = 0
        withUnsafeMutableBytes(of: &seed) { SystemRandom.fill($0) }
        return seed
    }
}
