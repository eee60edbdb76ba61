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
    private let key = Mutex<[UInt8]?>(nil)

    /// The token of an attendance.
    func token(for attendanceID: Int64, store: any Store) async throws -> String {
        Self.token(for: attendanceID, key: try await key(store))
    }

    /// Whether `token` is the attendance's (compared in constant time).
    func verifier(_ token: String?, store: any Store) async throws -> @Sendable (Int64) -> Bool {
        guard let token else { return { _ in false } }
        let key = try await key(store)
        return { id in
            let expected = Array(Self.token(for: id, key: key).utf8)
            let given = Array(token.utf8)
            guard expected.count == given.count else { return false }
            return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }

    private func key(_ store: any Store) async throws -> [UInt8] {
        if let known = key.withLock({ $0 }) { return known }
        let made = try await store.instanceKey(Self.keyName)
        key.withLock { $0 = made }
        return made
    }

    static func token(for attendanceID: Int64, key: [UInt8]) -> String {
        var id = attendanceID.bigEndian
        let mac = withUnsafeBytes(of: &id) { HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: key)) }
        var text = "rsvp_"
        text.reserveCapacity(37)
        for byte in mac.prefix(16) {
            JSONObjectWriter.forEachHexDigit(of: UInt64(byte), count: 2) { text.unicodeScalars.append(UnicodeScalar($0)) }
        }
        return text
    }
}
