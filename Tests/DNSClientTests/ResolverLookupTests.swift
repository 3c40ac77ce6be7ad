import Testing
import MailCore
import DNSClient
import TestSupport

/// The typed lookups of the Resolver extension, over FakeResolver.
@Suite struct ResolverLookupTests {
    func ip(_ text: String) throws -> IPAddress { try #require(IPAddress(text)) }

    @Test func mxSortedByPreferenceKeepingServerOrderOnTies() async throws {
        var zone = TestDNSZone()
        try zone.mx("example.org", (20, "c.example.org"), (10, "b.example.org"), (20, "a.example.org"), (5, "d.example.org"))
        let result = await FakeResolver(zone).mx(try Domain("EXAMPLE.org"))
        #expect(result.value?.map(\.exchange.description) == ["d.example.org", "b.example.org", "c.example.org", "a.example.org"])
        #expect(result.value?.map(\.preference) == [5, 10, 20, 20])
    }

    @Test func nullMXIsRecognised() async throws {
        var zone = TestDNSZone()
        try zone.nullMX("nomail.example")
        let result = await FakeResolver(zone).mx(try Domain("nomail.example"))
        #expect(result.value?.count == 1)
        #expect(result.value?.first?.isNull == true)
        #expect(MXRecord(preference: 10, exchange: .root).isNull == false)
    }

    @Test func mxOutcomesAreDistinct() async throws {
        var zone = TestDNSZone()
        try zone.a("nomx.example", "192.0.2.1")
        try zone.serverFailure("broken.example")
        try zone.timeout("slow.example")
        let resolver = FakeResolver(zone)
        #expect(await resolver.mx(try Domain("nomx.example")) == .nodata)
        #expect(await resolver.mx(try Domain("absent.example")) == .nxdomain)
        #expect(await resolver.mx(try Domain("broken.example")) == .temporaryFailure(.serverFailure))
        #expect(await resolver.mx(try Domain("slow.example")) == .temporaryFailure(.timeout))
    }

    @Test func addressesAskBothFamiliesIPv4First() async throws {
        var zone = TestDNSZone()
        try zone.aaaa("both.example", "2001:db8::1")
        try zone.a("both.example", "192.0.2.1", "192.0.2.2")
        try zone.a("v4.example", "192.0.2.3")
        try zone.aaaa("v6.example", "2001:db8::3")
        try zone.mx("nohost.example", (10, "x.example"))
        let resolver = FakeResolver(zone)
        #expect(await resolver.addresses(try DNSName("both.example")).value
            == [try ip("192.0.2.1"), try ip("192.0.2.2"), try ip("2001:db8::1")])
        #expect(await resolver.addresses(try DNSName("v4.example")).value == [try ip("192.0.2.3")])
        #expect(await resolver.addresses(try DNSName("v6.example")).value == [try ip("2001:db8::3")])
        #expect(await resolver.addresses(try DNSName("nohost.example")) == .nodata)
        #expect(await resolver.addresses(try DNSName("missing.example")) == .nxdomain)
        #expect(await resolver.ipv4(try DNSName("v6.example")) == .nodata)
        #expect(await resolver.ipv6(try DNSName("v6.example")).value == [try ip("2001:db8::3")])
    }

    @Test func addressesWithOneFamilyFailing() async throws {
        var zone = TestDNSZone()
        try zone.a("half.example", "192.0.2.1")
        try zone.serverFailure("half.example", type: .aaaa)
        try zone.serverFailure("none.example", type: .aaaa)
        try zone.mx("none.example", (0, "."))
        let resolver = FakeResolver(zone)
        // Something found: the failure does not matter.
        #expect(await resolver.addresses(try DNSName("half.example")).value == [try ip("192.0.2.1")])
        // Nothing found and one failed: temporary.
        #expect(await resolver.addresses(try DNSName("none.example")) == .temporaryFailure(.serverFailure))
    }

    @Test func txtJoinsCharacterStringsPerRecord() async throws {
        var zone = TestDNSZone()
        try zone.txt("example.org", strings: ["v=spf1 ip4:192.0.2.0/24", " include:_spf.example.net", " -all"])
        try zone.txt("example.org", "google-site-verification=abc")
        let long = "v=DKIM1; k=rsa; p=" + String(repeating: "A", count: 392)
        try zone.txt("sel._domainkey.example.org", long)
        try zone.add("bad.example.org", .txt([[0x76, 0x3D, 0xFF, 0x41]]))
        let resolver = FakeResolver(zone)
        #expect(await resolver.txt(try DNSName("example.org")).value
            == ["v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all", "google-site-verification=abc"])
        #expect(await resolver.txt(try DNSName("sel._domainkey.example.org")).value == [long])
        #expect(await resolver.txt(try DNSName("bad.example.org")).value == ["v=\u{FFFD}A"])
    }

    @Test func reverseLookups() async throws {
        var zone = TestDNSZone()
        try zone.ptr("192.0.2.25", "mail.example.org")
        try zone.ptr("2001:db8::25", "mail6.example.org")
        let resolver = FakeResolver(zone)
        #expect(await resolver.ptr(try ip("192.0.2.25")).value == [try DNSName("mail.example.org")])
        #expect(await resolver.ptr(try ip("::ffff:192.0.2.25")).value == [try DNSName("mail.example.org")])
        #expect(await resolver.ptr(try ip("2001:db8::25")).value == [try DNSName("mail6.example.org")])
        #expect(await resolver.ptr(try ip("192.0.2.26")) == .nxdomain)
    }

    @Test func forwardConfirmedReverseDNS() async throws {
        var zone = TestDNSZone()
        // Confirmed: the PTR name's A includes the address.
        try zone.ptr("192.0.2.25", "mail.example.org", "other.example.org")
        try zone.a("mail.example.org", "192.0.2.25")
        try zone.a("other.example.org", "192.0.2.99")
        // Not confirmed: the name points elsewhere.
        try zone.ptr("192.0.2.30", "liar.example.org")
        try zone.a("liar.example.org", "203.0.113.1")
        // Cannot tell: the forward lookup fails.
        try zone.ptr("192.0.2.40", "flaky.example.org")
        try zone.serverFailure("flaky.example.org")
        // IPv6.
        try zone.ptr("2001:db8::25", "mail6.example.org")
        try zone.aaaa("mail6.example.org", "2001:db8::25")
        let resolver = FakeResolver(zone)
        #expect(await resolver.forwardConfirmedNames(try ip("192.0.2.25")).value == [try DNSName("mail.example.org")])
        #expect(await resolver.forwardConfirmedNames(try ip("192.0.2.30")) == .nodata)
        #expect(await resolver.forwardConfirmedNames(try ip("192.0.2.40")) == .temporaryFailure(.serverFailure))
        #expect(await resolver.forwardConfirmedNames(try ip("192.0.2.50")) == .nxdomain)
        #expect(await resolver.forwardConfirmedNames(try ip("2001:db8::25")).value == [try DNSName("mail6.example.org")])
    }

    @Test func forwardConfirmationChecksAtMostTenNames() async throws {
        var zone = TestDNSZone()
        for i in 0..<12 {
            try zone.ptr("192.0.2.1", "h\(i).example.org")
        }
        try zone.a("h11.example.org", "192.0.2.1")  // only the twelfth confirms
        let resolver = FakeResolver(zone)
        #expect(await resolver.forwardConfirmedNames(try ip("192.0.2.1")) == .nodata)
        #expect(resolver.questions.filter { $0.type == .a }.count == ResolverLimits.maxPTRNamesConfirmed)
    }

    @Test func cnameChainsAreFollowedAndBounded() async throws {
        var zone = TestDNSZone()
        try zone.cname("www.example.org", "web.example.org")
        try zone.cname("web.example.org", "host.example.net")
        try zone.a("host.example.net", "192.0.2.7")
        try zone.cname("loop1.example.org", "loop2.example.org")
        try zone.cname("loop2.example.org", "loop1.example.org")
        try zone.cname("dangling.example.org", "nowhere.example.org")
        for i in 0..<12 {
            try zone.cname("c\(i).example.org", "c\(i + 1).example.org")
        }
        try zone.a("c12.example.org", "192.0.2.8")
        for follows in [true, false] {
            zone.followsCNAMEs = follows
            let resolver = FakeResolver(zone)
            let found = await resolver.lookup(try DNSName("www.example.org"), .a)
            #expect(found.value?.map(\.data) == [.a(try ip("192.0.2.7"))])
            #expect(found.value?.first?.name == (try DNSName("host.example.net")))
            #expect(await resolver.lookup(try DNSName("loop1.example.org"), .a) == .temporaryFailure(.cnameChainTooLong))
            #expect(await resolver.lookup(try DNSName("dangling.example.org"), .a) == .nxdomain)
            #expect(await resolver.lookup(try DNSName("c0.example.org"), .a) == .temporaryFailure(.cnameChainTooLong))
            #expect(await resolver.lookup(try DNSName("c5.example.org"), .a).value?.count == 1)
            // The alias itself, when asked for.
            #expect(await resolver.lookup(try DNSName("www.example.org"), .cname).value?.map(\.data)
                == [.cname(try DNSName("web.example.org"))])
        }
    }

    @Test func emptyNonTerminalsAreNODATA() async throws {
        var zone = TestDNSZone()
        try zone.txt("_dmarc.example.org", "v=DMARC1; p=reject")
        try zone.txt("sel._domainkey.example.org", "v=DKIM1; p=")
        let resolver = FakeResolver(zone)
        #expect(await resolver.txt(try DNSName("_domainkey.example.org")) == .nodata)
        #expect(await resolver.txt(try DNSName("example.org")) == .nodata)
        #expect(await resolver.txt(try DNSName("_dmarc.example.net")) == .nxdomain)
    }

    @Test func internationalNamesTravelAsALabels() async throws {
        var zone = TestDNSZone()
        try zone.mx("bücher.example", (10, "mx.bücher.example"))
        let resolver = FakeResolver(zone)
        let result = await resolver.mx(try Domain("BÜCHER.example"))
        #expect(result.value?.first?.exchange.description == "mx.xn--bcher-kva.example")
        #expect(resolver.questions.first?.name.description == "xn--bcher-kva.example")
    }

    @Test func authenticatedDataIsReported() async throws {
        var zone = TestDNSZone()
        try zone.mx("signed.example", (10, "mx.signed.example"))
        try zone.mx("plain.example", (10, "mx.plain.example"))
        zone.authenticatedNames = [try DNSName("signed.example")]
        let resolver = FakeResolver(zone)
        #expect(await resolver.mx(try Domain("signed.example")).isAuthenticated)
        #expect(!(await resolver.mx(try Domain("plain.example")).isAuthenticated))
    }

    @Test func resultHelpers() {
        let found: DNSResult<[Int]> = .found([1, 2], authenticated: true)
        #expect(found.map { $0.count } == .found(2, authenticated: true))
        #expect(found.value == [1, 2] && found.isAuthenticated && !found.isTemporaryFailure && !found.isNotFound)
        let failed: DNSResult<[Int]> = .temporaryFailure(.timeout)
        #expect(failed.isTemporaryFailure && failed.value == nil && failed.failure == .timeout)
        #expect(DNSResult<[Int]>.nxdomain.isNotFound && DNSResult<[Int]>.nodata.isNotFound)
    }
}
