import Testing
import PicketlineCore
@testable import PicketlineWebhooks

@Suite("Address guard")
struct AddressGuardTests {
    @Test("IPCIDR parses blocks and bare addresses, and matches")
    func cidr() throws {
        let loopback = try #require(IPCIDR("127.0.0.1/32"))
        #expect(loopback.contains(IPAddress("127.0.0.1")!))
        #expect(!loopback.contains(IPAddress("127.0.0.2")!))
        // The IPv4-mapped spelling reaches the same host, so it matches too.
        #expect(loopback.contains(IPAddress("::ffff:127.0.0.1")!))

        let ten = try #require(IPCIDR("10.0.0.0/8"))
        #expect(ten.contains(IPAddress("10.255.1.2")!))
        #expect(!ten.contains(IPAddress("11.0.0.1")!))
        #expect(IPCIDR("10.1.2.3/8")?.description == "10.0.0.0/8")

        let v6 = try #require(IPCIDR("::1/128"))
        #expect(v6.contains(IPAddress("::1")!))
        #expect(!v6.contains(IPAddress("127.0.0.1")!))
        #expect(IPCIDR("fc00::/7")?.contains(IPAddress("fd12:3456::1")!) == true)
        #expect(IPCIDR("192.168.1.1")?.prefixLength == 32)
        #expect(IPCIDR("2001:db8::1")?.prefixLength == 128)

        for bad in ["", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/8/8", "example.com/8", "10.0.0/8", "10.0.0.0/ 8"] {
            #expect(IPCIDR(bad) == nil, "\(bad) should not parse")
        }
    }

    @Test("non-public addresses are classified", arguments: [
        ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"),
        ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"),
        ("169.254.169.254", "cloud metadata"), ("169.254.1.1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"), ("100.127.255.255", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"), ("0.1.2.3", "this network"),
        ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"), ("255.255.255.255", "broadcast"),
        ("192.0.2.1", "documentation"), ("198.18.0.1", "benchmarking"),
        ("::1", "loopback"), ("::", "unspecified"),
        ("fc00::1", "unique-local"), ("fd00:1234::1", "unique-local"),
        ("fe80::1", "link-local"), ("febf::1", "link-local"), ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "IPv4-mapped form of 127.0.0.1, a loopback"),
        ("::ffff:169.254.169.254", "IPv4-mapped form of 169.254.169.254, a link-local"),
        ("::ffff:10.0.0.1", "IPv4-mapped form of 10.0.0.1, a private"),
        ("::127.0.0.1", "IPv4-compatible form of 127.0.0.1, a loopback"),
        ("::8.8.8.8", "deprecated IPv4-compatible"),
        ("64:ff9b::127.0.0.1", "NAT64 form of 127.0.0.1, a loopback"),
        ("64:ff9b::a9fe:a9fe", "NAT64 form of 169.254.169.254"),
        ("64:ff9b:1::1", "local-use NAT64"),
        ("2002:7f00:1::1", "6to4 form of 127.0.0.1"),
        ("2001:db8::1", "documentation"), ("2001:0:4136:e378::1", "Teredo"),
    ])
    func refused(address: String, expected: String) throws {
        let ip = try #require(IPAddress(address))
        let reason = try #require(AddressGuard().refusalReason(for: ip))
        #expect(reason.contains(expected), "\(reason)")
        #expect(reason.hasPrefix(ip.description + " is "))
    }

    @Test("public addresses are allowed", arguments: [
        "8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "169.253.1.1", "223.255.255.255",
        "2606:4700:4700::1111", "2a00:1450:4009:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808",
    ])
    func allowed(address: String) throws {
        let ip = try #require(IPAddress(address))
        #expect(AddressGuard.classify(ip) == nil)
    }

    @Test("reason text is clear")
    func reasonText() {
        #expect(AddressGuard().refusalReason(for: IPAddress("127.0.0.1")!) == "127.0.0.1 is a loopback address")
    }

    @Test("the allow-list lifts the guard only for matching addresses")
    func allowList() {
        let guardWithList = AddressGuard(allowList: [IPCIDR("127.0.0.1/32")!, IPCIDR("::1/128")!, IPCIDR("10.0.0.0/8")!])
        #expect(guardWithList.refusalReason(for: IPAddress("127.0.0.1")!) == nil)
        #expect(guardWithList.refusalReason(for: IPAddress("::ffff:127.0.0.1")!) == nil)
        #expect(guardWithList.refusalReason(for: IPAddress("::1")!) == nil)
        #expect(guardWithList.refusalReason(for: IPAddress("10.9.9.9")!) == nil)
        #expect(guardWithList.refusalReason(for: IPAddress("127.0.0.2")!) != nil)
        #expect(guardWithList.refusalReason(for: IPAddress("169.254.169.254")!) != nil)
    }

    @Test("URL checks: scheme, literals, names that resolve to loopback")
    func urls() {
        let plain = AddressGuard()
        func reason(_ url: String, _ guardToUse: AddressGuard = AddressGuard()) -> String? {
            if case .refused(let reason) = guardToUse.check(url: url) { return reason }
            return nil
        }
        #expect(reason("ftp://example.com/file")?.contains("ftp is not an allowed scheme") == true)
        #expect(reason("file:///etc/passwd")?.contains("not an allowed scheme") == true)
        #expect(reason("gopher://127.0.0.1/")?.contains("not an allowed scheme") == true)
        #expect(reason("not a url")?.contains("invalid URL") == true)
        #expect(reason("http://127.0.0.1:8080/hook") == "127.0.0.1 is a loopback address")
        #expect(reason("http://localhost/")?.contains("loopback") == true)
        #expect(reason("http://localhost/")?.contains("localhost resolves to it") == true)
        #expect(reason("http://[::1]/")?.contains("loopback") == true)
        #expect(reason("http://[::ffff:127.0.0.1]/")?.contains("IPv4-mapped") == true)
        #expect(reason("http://169.254.169.254/latest/meta-data")?.contains("metadata") == true)
        #expect(reason("https://10.1.2.3/")?.contains("private") == true)
        #expect(reason("https://100.64.0.1/")?.contains("carrier-grade NAT") == true)
        #expect(reason("http://0.0.0.0:80/")?.contains("unspecified") == true)
        // Other spellings of loopback that resolvers accept.
        #expect(reason("http://2130706433/")?.contains("loopback") == true)
        #expect(reason("http://0x7f.1/")?.contains("loopback") == true)
        // Userinfo tricks: the host is what curl would connect to.
        #expect(reason("http://example.com@127.0.0.1/")?.contains("loopback") == true)

        let allowed = AddressGuard(allowList: [IPCIDR("127.0.0.1/32")!])
        #expect(allowed.check(url: "http://127.0.0.1:8080/x") == .allowed(host: "127.0.0.1", port: 8080, addresses: [IPAddress("127.0.0.1")!]))
        #expect(allowed.check(url: "https://127.0.0.1/x") == .allowed(host: "127.0.0.1", port: 443, addresses: [IPAddress("127.0.0.1")!]))
        _ = plain
    }

    @Test("a name is refused if any of its addresses is refused; allowed names keep all addresses")
    func injectedResolver() {
        let resolver: AddressGuard.Resolver = { host in
            switch host {
            case "mixed.example": return .success([IPAddress("93.184.216.34")!, IPAddress("10.0.0.5")!])
            case "public.example": return .success([IPAddress("93.184.216.34")!, IPAddress("2606:2800:220:1::1")!])
            default: return .failure(.init(message: "Name or service not known"))
            }
        }
        let checker = AddressGuard(allowList: [], resolver: resolver)
        #expect(checker.check(url: "https://mixed.example/") == .refused(reason: "10.0.0.5 is a private address (mixed.example resolves to it)"))
        #expect(checker.check(url: "https://PUBLIC.example:8443/") == .allowed(
            host: "public.example", port: 8443,
            addresses: [IPAddress("93.184.216.34")!, IPAddress("2606:2800:220:1::1")!]
        ))
        #expect(checker.check(url: "https://nowhere.example/") == .unresolvable(reason: "could not resolve nowhere.example: Name or service not known"))
    }
}
