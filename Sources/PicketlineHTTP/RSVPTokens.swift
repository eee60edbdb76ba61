import Crypto
import Foundation
import PicketlineCore
import Synchronization

/// Manage tokens for RSVPs made without an account: `rsvp_` and 32 hex digits, an HMAC-SHA256 of
/// the attendance's id under a key of this instance (`Store.instanceKey`), cut to 128 bits.
///
/// Whoever RSVPs gets one with the first answer, and sends it with a later answer from the same
/// e-mail or phone to change it. Without it a later anonymous answer changes nothing: an e-mail
/// address is not a secret, and anyone knowing it could otherwise decline someone else's place
/// or rewrite their name and phone. Nothing is stored per RSVP; the key is read once.
final class RSVPTokens: Sendable {
    static let keyName = "rsvp-manage-tokens"
    private let mac = Mutex<KeyedMAC?>(nil)

    /// The token of an attendance.
    func token(for attendanceID: Int64, store: any Store) async throws -> String {
        try await mac(store).token(for: attendanceID)
    }

    /// Whether `token` is the attendance's (compared in constant time).
    func verifier(_ token: String?, store: any Store) async throws -> @Sendable (Int64) -> Bool {
        guard let token else { return { _ in false } }
        let mac = try await mac(store)
        return { id in
            let expected = Array(mac.token(for: id).utf8)
            let given = Array(token.utf8)
            guard expected.count == given.count else { return false }
            return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }

    private func mac(_ store: any Store) async throws -> KeyedMAC {
        if let known = mac.withLock({ $0 }) { return known }
        let made = KeyedMAC(key: try await store.instanceKey(Self.keyName))
        mac.withLock { $0 = made }
        return made
    }

    static func token(for attendanceID: Int64, key: [UInt8]) -> String {
        KeyedMAC(key: key).token(for: attendanceID)
    }

    /// HMAC-SHA256 with its key already taken in: each token copies it and hashes only the id,
    /// rather than padding and hashing the key twice again (the hashers copy on write, so the
    /// shared one is never changed and may be used from any thread).
    struct KeyedMAC: @unchecked Sendable {
        private let keyed: HMAC<SHA256>

        init(key: [UInt8]) { keyed = HMAC<SHA256>(key: SymmetricKey(data: key)) }

        func token(for attendanceID: Int64) -> String {
            var mac = keyed
            withUnsafeBytes(of: attendanceID.bigEndian) { mac.update(data: $0) }
            let prefix = "rsvp_".utf8
            let digits = 32
            return mac.finalize().withUnsafeBytes { code in
                String(unsafeUninitializedCapacity: prefix.count + digits) { text in
                    var index = text.initialize(fromContentsOf: prefix)
                    for byte in code.prefix(digits / 2) {
                        JSONObjectWriter.forEachHexDigit(of: UInt64(byte), count: 2) { text[index] = $0; index += 1 }
                    }
                    return index
                }
            }
        }
    }
}
