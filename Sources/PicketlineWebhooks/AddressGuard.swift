import CCurl
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SSRF guard: decides whether a webhook URL may be connected to, and to which addresses.
///
/// The URL is parsed with libcurl's own URL parser (so guard and transfer agree on
/// the host), the host is resolved with `getaddrinfo` (IPv4 and IPv6), and every
/// address must be public or inside the allow-list. The caller pins the transfer to
/// the returned addresses so a second DNS answer cannot swap them.
public struct AddressGuard: Sendable {
    /// The guard's answer for one URL.
    public enum Verdict: Sendable, Hashable {
        /// Connect only to `addresses` (all checked) for `host`:`port`.
        case allowed(host: String, port: Int, addresses: [IPAddress])
        /// Do not connect; `reason` says why, e.g. "127.0.0.1 is a loopback address".
        case refused(reason: String)
        /// The host name did not resolve; nothing was checked or connected to.
        case unresolvable(reason: String)
    }

    /// Scheme, host and port of a URL as libcurl parses it.
    struct Target: Sendable, Hashable {
        var scheme: String
        /// Lower-cased host name, or an IP literal without brackets.
        var host: String
        var port: Int
    }

    /// Resolves a host name to addresses; injectable for tests.
    typealias Resolver = @Sendable (_ host: String) -> Result<[IPAddress], ResolutionFailure>

    /// A failed resolution, with the resolver's message.
    struct ResolutionFailure: Error, Sendable {
        var message: String
    }

    /// A URL that cannot be used: malformed, or with a scheme other than http/https.
    struct URLProblem: Error, Sendable {
        var message: String
        var isDisallowedScheme = false
    }

    /// Blocks whose addresses are allowed even though they are not public.
    public var allowList: [IPCIDR]
    private let resolver: Resolver

    /// Makes a guard that resolves with the system resolver.
    public init(allowList: [IPCIDR] = []) {
        self.init(allowList: allowList, resolver: Self.systemResolve)
    }

    init(allowList: [IPCIDR], resolver: @escaping Resolver) {
        self.allowList = allowList
        self.resolver = resolver
    }

    /// Checks `url`: scheme, host resolution and every resolved address. Blocks while resolving.
    public func check(url: String) -> Verdict {
        let target: Target
        switch Self.target(of: url) {
        case .success(let parsed): target = parsed
        case .failure(let problem): return .refused(reason: problem.message)
        }
        return check(target)
    }

    /// Resolves and checks an already parsed target. Blocks while resolving.
    func check(_ target: Target) -> Verdict {
        let addresses: [IPAddress]
        if let literal = IPAddress(target.host) {
            addresses = [literal]
        } else {
            switch resolver(target.host) {
            case .success(let resolved) where !resolved.isEmpty: addresses = resolved
            case .success: return .unresolvable(reason: "\(target.host) resolved to no addresses")
            case .failure(let failure): return .unresolvable(reason: "could not resolve \(target.host): \(failure.message)")
            }
        }
        for address in addresses {
            if let reason = refusalReason(for: address) {
                let via = IPAddress(target.host) == nil ? " (\(target.host) resolves to it)" : ""
                return .refused(reason: reason + via)
            }
        }
        return .allowed(host: target.host, port: target.port, addresses: addresses)
    }

    /// Why `address` may not be connected to, or nil when it is public or allow-listed.
    public func refusalReason(for address: IPAddress) -> String? {
        if allowList.contains(where: { $0.contains(address) }) { return nil }
        return Self.classify(address).map { "\(address) is \($0)" }
    }

    /// The special-purpose class of `address` ("a loopback address", …), or nil for a public address.
    public static func classify(_ address: IPAddress) -> String? {
        if address.isIPv4 { return classifyIPv4(address) }
        for block in ipv6Blocks where block.cidr.contains(address) {
            switch block.kind {
            case .refused(let description):
                return description
            case .embedsIPv4(let form, let offset, let refuseAnyway):
                let embedded = IPAddress(bytes: Array(address.bytes[offset..<offset + 4]))!
                if let inner = classifyIPv4(embedded) {
                    return "\(form) of \(embedded), \(inner)"
                }
                if let refuseAnyway { return refuseAnyway }
                return nil
            }
        }
        return nil
    }

    // MARK: - URL parsing

    /// Why `url` itself cannot be used (malformed, or a scheme other than http and https), before
    /// any address is looked at; nil when it parses. No allow-list helps with these.
    public static func urlProblem(_ url: String) -> String? {
        if case .failure(let problem) = target(of: url) { return problem.message }
        return nil
    }

    static func target(of url: String) -> Result<Target, URLProblem> {
        if let problem = CurlGlobal.problem { return .failure(URLProblem(message: problem)) }
        guard let handle = pl_url() else { return .failure(URLProblem(message: "could not parse URL")) }
        defer { pl_url_cleanup(handle) }
        let status = pl_url_set(handle, CURLUPART_URL, url, 0)
        guard status == CURLUE_OK else {
            return .failure(URLProblem(message: "invalid URL: \(String(cString: pl_url_strerror(status)))"))
        }
        guard let scheme = part(handle, CURLUPART_SCHEME, flags: 0)?.lowercased() else {
            return .failure(URLProblem(message: "invalid URL: no scheme"))
        }
        guard scheme == "http" || scheme == "https" else {
            return .failure(URLProblem(message: "\(scheme) is not an allowed scheme (only http and https)", isDisallowedScheme: true))
        }
        guard var host = part(handle, CURLUPART_HOST, flags: UInt32(CURLU_PUNYCODE)), !host.isEmpty else {
            return .failure(URLProblem(message: "invalid URL: no host"))
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let portText = part(handle, CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)),
              let port = Int(portText), (1...65_535).contains(port)
        else { return .failure(URLProblem(message: "invalid URL: bad port")) }
        return .success(Target(scheme: scheme, host: host.lowercased(), port: port))
    }

    private static func part(_ handle: OpaquePointer, _ which: CURLUPart, flags: UInt32) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard pl_url_get(handle, which, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { pl_free(value) }
        return String(cString: value)
    }

    // MARK: - Resolution

    static let systemResolve: Resolver = { host in
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { return .failure(ResolutionFailure(message: String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var cursor = list
        while let entry = cursor {
            if let sockaddr = entry.pointee.ai_addr {
                switch entry.pointee.ai_family {
                case AF_INET:
                    let raw = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    if let address = withUnsafeBytes(of: raw, { IPAddress(bytes: Array($0)) }) { addresses.append(address) }
                case AF_INET6:
                    let raw = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    if let address = withUnsafeBytes(of: raw, { IPAddress(bytes: Array($0)) }) { addresses.append(address) }
                default:
                    break
                }
            }
            cursor = entry.pointee.ai_next
        }
        var seen = Set<IPAddress>()
        return .success(addresses.filter { seen.insert($0).inserted })
    }

    // MARK: - Address classes

    private static let ipv4Blocks: [(cidr: IPCIDR, description: String)] = ([
        ("0.0.0.0/32", "the unspecified address"),
        ("0.0.0.0/8", "a 'this network' address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a carrier-grade NAT (shared) address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.169.254/32", "a link-local address (the cloud metadata endpoint)"),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "an IETF protocol assignment address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a 6to4 relay anycast address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("255.255.255.255/32", "the broadcast address"),
        ("240.0.0.0/4", "a reserved address"),
    ] as [(String, String)]).map { (IPCIDR($0.0)!, $0.1) }

    private enum IPv6Kind {
        case refused(String)
        /// Carries an IPv4 address at byte `offset`; refused when that address is.
        /// `refuseAnyway` refuses the form even for a public IPv4 address.
        case embedsIPv4(form: String, offset: Int, refuseAnyway: String?)
    }

    // Checked in order: specific blocks before the blocks that contain them.
    private static let ipv6Blocks: [(cidr: IPCIDR, kind: IPv6Kind)] = ([
        ("::/128", .refused("the unspecified address")),
        ("::1/128", .refused("a loopback address")),
        ("::ffff:0:0/96", .embedsIPv4(form: "an IPv4-mapped form", offset: 12, refuseAnyway: nil)),
        ("::ffff:0:0:0/96", .embedsIPv4(form: "an IPv4-translated form", offset: 12, refuseAnyway: nil)),
        ("::/96", .embedsIPv4(form: "an IPv4-compatible form", offset: 12,
                              refuseAnyway: "a deprecated IPv4-compatible address")),
        ("64:ff9b::/96", .embedsIPv4(form: "a NAT64 form", offset: 12, refuseAnyway: nil)),
        ("64:ff9b:1::/48", .refused("a local-use NAT64 address")),
        ("100::/64", .refused("a discard-only address")),
        ("2001::/32", .refused("a Teredo tunnelling address")),
        ("2001:2::/48", .refused("a benchmarking address")),
        ("2001:db8::/32", .refused("a documentation address")),
        ("2002::/16", .embedsIPv4(form: "a 6to4 form", offset: 2, refuseAnyway: nil)),
        ("fc00::/7", .refused("a unique-local (private) address")),
        ("fe80::/10", .refused("a link-local address")),
        ("fec0::/10", .refused("a site-local address")),
        ("ff00::/8", .refused("a multicast address")),
    ] as [(String, IPv6Kind)]).map { (IPCIDR($0.0)!, $0.1) }

    private static func classifyIPv4(_ address: IPAddress) -> String? {
        ipv4Blocks.first(where: { $0.cidr.contains(address) })?.description
    }
}

extension AddressGuard {
    /// `check(url:)` run off the cooperative thread pool (resolving blocks).
    public func checkResolving(url: String) async -> Verdict {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.check(url: url)) }
        }
    }
}
