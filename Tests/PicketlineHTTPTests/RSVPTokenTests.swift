import Testing
@testable import PicketlineHTTP

/// The manage token is `rsvp_` and the first 128 bits of HMAC-SHA256(instance key, the
/// attendance id as 8 big-endian bytes), in lower-case hex. Tokens already handed out must keep
/// verifying, so its value is pinned to a published vector, not only to itself.
@Suite struct RSVPTokenTests {
    /// RFC 4231, test case 1: key 0x0b × 20, data "Hi There" (8 bytes, read here as the id
    /// 0x4869205468657265), HMAC-SHA256 b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7.
    @Test func theTokenIsTheHMACOfTheIDCutTo128Bits() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        #expect(RSVPTokens.token(for: 0x4869_2054_6865_7265, key: key) == "rsvp_b0344c61d8db38535ca8afceaf0bf12b")
    }

    /// One keyed MAC serves every request at once: each token starts from a copy of the keyed
    /// state, so tokens made concurrently equal those made one at a time with a fresh key.
    @Test func oneKeyedMACGivesTheSameTokensFromManyTasksAtOnce() async {
        let key: [UInt8] = (0..<32).map { UInt8($0 * 7 & 0xFF) }
        let shared = RSVPTokens.KeyedMAC(key: key)
        let ids: [Int64] = [0, 1, 2, 255, 256, 65_537, Int64.max, -1] + (1_000..<1_200).map(Int64.init)
        let made = await withTaskGroup(of: [(Int64, String)].self) { group in
            for _ in 0..<8 { group.addTask { ids.map { ($0, shared.token(for: $0)) } } }
            return await group.reduce(into: [(Int64, String)]()) { $0 += $1 }
        }
        #expect(made.count == ids.count * 8)
        for (id, token) in made { #expect(token == RSVPTokens.token(for: id, key: key)) }
        #expect(Set(ids.map { shared.token(for: $0) }).count == ids.count)
        #expect(shared.token(for: 1).count == 37 && shared.token(for: 1).hasPrefix("rsvp_"))
    }
}
