import Crypto
import Foundation
import PicketlineCore

/// Signs and verifies webhooks the Standard Webhooks way (`webhook-signature: v1,<base64 HMAC-SHA256>`).
///
/// Holds one or more secrets; with several (during rotation) every signature is
/// sent, space-separated, so receivers holding either secret accept the message.
public struct StandardWebhookSigner: Sendable {
    /// Why a secret or a signature was rejected.
    public enum SignatureError: Error, Sendable, Equatable {
        /// The secret is not `whsec_` + base64 of 24–64 bytes.
        case invalidSecret
        /// The signer was made with no secrets.
        case noSecrets
        /// The timestamp is further from `now` than the tolerance allows.
        case timestampOutOfTolerance
        /// No `v1,` signature in the header matched.
        case noMatchingSignature
    }

    /// Prefix of every secret.
    public static let secretPrefix = "whsec_"
    /// Allowed decoded secret lengths in bytes.
    public static let secretByteRange = 24...64

    // Raw key bytes: SymmetricKey is not Sendable in swift-crypto 3.x.
    private let keys: [[UInt8]]

    /// Makes a signer from `whsec_` secrets, newest first; throws on an invalid one.
    public init(secrets: [String]) throws {
        guard !secrets.isEmpty else { throw SignatureError.noSecrets }
        keys = try secrets.map { try Self.key(fromSecret: $0).withUnsafeBytes { Array($0) } }
    }

    /// A new random secret: `whsec_` + base64 of `byteCount` random bytes (24–64).
    public static func generateSecret(byteCount: Int = 32) -> String {
        precondition(secretByteRange.contains(byteCount), "secret length must be 24–64 bytes")
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: byteCount * 8))
        let bytes = key.withUnsafeBytes { Data($0) }
        return secretPrefix + bytes.base64EncodedString()
    }

    /// The `webhook-signature` value for one secret: `v1,<base64 HMAC-SHA256("id.timestamp.body")>`.
    public static func sign(id: String, timestamp: Int, body: [UInt8], secret: String) throws -> String {
        signature(id: id, timestamp: timestamp, body: body, key: try key(fromSecret: secret))
    }

    /// The `webhook-signature` value for all of this signer's secrets, space-separated.
    public func signature(id: String, timestamp: Int, body: [UInt8]) -> String {
        keys.map { Self.signature(id: id, timestamp: timestamp, body: body, key: SymmetricKey(data: $0)) }.joined(separator: " ")
    }

    /// The headers a Standard Webhooks receiver expects: id, timestamp, signature and JSON content type.
    public func headers(id: String, timestamp: Int, body: [UInt8]) -> [HeaderField] {
        [
            HeaderField(name: "webhook-id", value: id),
            HeaderField(name: "webhook-timestamp", value: String(timestamp)),
            HeaderField(name: "webhook-signature", value: signature(id: id, timestamp: timestamp, body: body)),
            HeaderField(name: "Content-Type", value: "application/json"),
        ]
    }

    /// Checks a `webhook-signature` header against any of `secrets`.
    ///
    /// Passes when one `v1,` entry matches one secret. With `now` set, the timestamp
    /// must also be within `tolerance` seconds of it (replay protection); pass nil to skip that.
    public static func verify(
        signatureHeader: String,
        id: String,
        timestamp: Int,
        body: [UInt8],
        secrets: [String],
        now: Date? = Date(),
        tolerance: TimeInterval = 300
    ) throws {
        let keys = try secrets.map(key(fromSecret:))
        if let now, abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) > tolerance {
            throw SignatureError.timestampOutOfTolerance
        }
        let message = signedContent(id: id, timestamp: timestamp, body: body)
        for entry in signatureHeader.split(separator: " ") {
            guard entry.hasPrefix("v1,"), let mac = Data(base64Encoded: String(entry.dropFirst(3))) else { continue }
            for key in keys where HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: key) {
                return
            }
        }
        throw SignatureError.noMatchingSignature
    }

    private static func key(fromSecret secret: String) throws -> SymmetricKey {
        var encoded = String(secret.dropFirst(secretPrefix.count))
        // Some issuers strip base64 padding; the reference library accepts that too.
        if encoded.count % 4 != 0 { encoded += String(repeating: "=", count: 4 - encoded.count % 4) }
        guard secret.hasPrefix(secretPrefix),
              let bytes = Data(base64Encoded: encoded),
              secretByteRange.contains(bytes.count)
        else { throw SignatureError.invalidSecret }
        return SymmetricKey(data: bytes)
    }

    private static func signedContent(id: String, timestamp: Int, body: [UInt8]) -> [UInt8] {
        Array("\(id).\(timestamp).".utf8) + body
    }

    private static func signature(id: String, timestamp: Int, body: [UInt8], key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: signedContent(id: id, timestamp: timestamp, body: body), using: key)
        return "v1," + Data(mac).base64EncodedString()
    }
}
