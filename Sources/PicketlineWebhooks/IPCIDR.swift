/// An address block such as `10.0.0.0/8` or `::1/128`.
public struct IPCIDR: Sendable, Hashable, CustomStringConvertible {
    /// First address of the block (host bits cleared).
    public let network: IPAddress
    /// Number of leading bits that must match.
    public let prefixLength: Int

    /// Parses `address/prefix`; a bare address means a single-address block.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddress(String(parts[0])) else { return nil }
        let maxLength = address.bytes.count * 8
        var length = maxLength
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maxLength).contains(parsed), parts[1].allSatisfy(\.isNumber) else {
                return nil
            }
            length = parsed
        }
        self.init(address: address, prefixLength: length)
    }

    /// Makes a block from an address and prefix length; host bits are cleared.
    public init(address: IPAddress, prefixLength: Int) {
        let length = max(0, min(prefixLength, address.bytes.count * 8))
        self.prefixLength = length
        self.network = IPAddress(bytes: Self.masked(address.bytes, length))!
    }

    /// True when `address` lies in this block. An IPv4 block also matches the
    /// IPv4-mapped IPv6 spelling (`::ffff:a.b.c.d`), which reaches the same host.
    public func contains(_ address: IPAddress) -> Bool {
        let candidate = network.isIPv4 ? (address.ipv4Mapped ?? address) : address
        guard candidate.bytes.count == network.bytes.count else { return false }
        return Self.masked(candidate.bytes, prefixLength) == network.bytes
    }

    /// `network/prefixLength`.
    public var description: String { "\(network)/\(prefixLength)" }

    static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bitsInByte = max(0, min(8, length - index * 8))
            let mask: UInt8 = bitsInByte == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - bitsInByte))
            return byte & mask
        }
    }
}
