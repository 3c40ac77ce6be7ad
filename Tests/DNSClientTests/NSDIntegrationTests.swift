import Testing
import Foundation
import MailCore
import TestSupport
import NIOPosix
@testable import DNSClient

/// StubResolver against a real DNS server: NLnet Labs' NSD (Debian package `nsd`), started
/// by the test on 127.0.0.1 with a zone written to a temporary directory. Fails, never
/// skips, when NSD is not installed.
@Suite struct NSDIntegrationTests {
    /// 2000 octets of TXT in eight character-strings: over the 1232-octet EDNS payload, so
    /// NSD truncates the UDP answer and the resolver must ask again over TCP.
    static let bigTXTStrings = (0..<8).map { i in String(repeating: Character(UnicodeScalar(UInt8(0x61 + i))), count: 250) }

    static let zone = """
        $ORIGIN example.test.
        $TTL 300
        @        IN SOA ns.example.test. hostmaster.example.test. 2024010101 3600 600 86400 60
        @        IN NS   ns
        ns       IN A    127.0.0.1
        @        IN MX   20 mx2
        @        IN MX   10 mx1
        mx1      IN A    192.0.2.11
        mx1      IN AAAA 2001:db8::11
        mx2      IN A    192.0.2.12
        @        IN TXT  "v=spf1 ip4:192.0.2.0/24 " "include:_spf.example.net -all"
        big      IN TXT  \(bigTXTStrings.map { "\"\($0)\"" }.joined(separator: " "))
        nomail   IN MX   0 .
        www      IN CNAME mx1
        _submissions._tcp IN SRV 0 1 465 mx1
        _25._tcp.mx1 IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        xn--bcher-kva IN A 192.0.2.33
        _dmarc   IN TXT  "v=DMARC1; p=reject"
        """

    static let reverseZone = """
        $ORIGIN 2.0.192.in-addr.arpa.
        $TTL 300
        @   IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
        @   IN NS  ns.example.test.
        11  IN PTR mx1.example.test.
        12  IN PTR elsewhere.example.test.
        """

    /// Runs `body` with a fresh NSD serving both zones, stopping it however `body` ends.
    static func withNSD(_ body: (NSDServer) async throws -> Void) async throws {
        let nsd = try await NSDServer.start(zones: [("example.test", zone), ("2.0.192.in-addr.arpa", reverseZone)])
        do {
            try await body(nsd)
        } catch {
            await nsd.stop()
            throw error
        }
        await nsd.stop()
    }

    func ip(_ text: String) throws -> IPAddress { try #require(IPAddress(text)) }

    @Test func resolvesAgainstNSD() async throws {
        try await Self.withNSD { (nsd: NSDServer) async throws in
            let clock = ManualInstant()
            let resolver = StubResolver(
                configuration: ResolverConfiguration(nameservers: [nsd.nameserver],
                                                     timeout: .seconds(2), attempts: 2),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton, now: { clock.now })

            #expect(await resolver.mx(try Domain("example.test")).value == [
                MXRecord(preference: 10, exchange: try DNSName("mx1.example.test")),
                MXRecord(preference: 20, exchange: try DNSName("mx2.example.test")),
            ])
            #expect(await resolver.addresses(try DNSName("mx1.example.test")).value
                == [try ip("192.0.2.11"), try ip("2001:db8::11")])
            #expect(await resolver.txt(try DNSName("example.test")).value
                == ["v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all"])
            #expect(await resolver.txt(try DNSName("_dmarc.example.test")).value == ["v=DMARC1; p=reject"])

            // Null MX (RFC 7505).
            let nullMX = await resolver.mx(try Domain("nomail.example.test"))
            #expect(nullMX.value?.count == 1 && nullMX.value?.first?.isNull == true)

            // CNAME inside the zone: NSD gives the alias and the target's A together.
            let www = await resolver.lookup(try DNSName("www.example.test"), .a)
            #expect(www.value?.map(\.data) == [.a(try ip("192.0.2.11"))])
            #expect(www.value?.first?.name == (try DNSName("mx1.example.test")))

            let srv = await resolver.lookup(try DNSName("_submissions._tcp.example.test"), .srv)
            #expect(srv.value?.map(\.data) == [.srv(SRVRecord(priority: 0, weight: 1, port: 465,
                                                             target: try DNSName("mx1.example.test")))])
            let tlsa = await resolver.lookup(try DNSName("_25._tcp.mx1.example.test"), .tlsa)
            guard case .tlsa(let record)? = tlsa.value?.first?.data else {
                Issue.record("no TLSA record: \(tlsa)")
                return
            }
            #expect(record.certificateUsage == 3 && record.selector == 1 && record.matchingType == 1)
            #expect(record.certificateAssociationData.count == 32 && record.certificateAssociationData.first == 0x01)

            // A U-label from the caller reaches the server as an A-label.
            #expect(await resolver.ipv4(try DNSName("bücher.example.test")).value == [try ip("192.0.2.33")])

            // Reverse lookups and forward confirmation.
            #expect(await resolver.forwardConfirmedNames(try ip("192.0.2.11")).value == [try DNSName("mx1.example.test")])
            #expect(await resolver.ptr(try ip("192.0.2.12")).value == [try DNSName("elsewhere.example.test")])
            // Its PTR name does not exist: nothing confirms.
            #expect(await resolver.forwardConfirmedNames(try ip("192.0.2.12")) == .nodata)
            #expect(await resolver.ptr(try ip("192.0.2.99")) == .nxdomain)

            // Outside NSD's zones: REFUSED, a temporary failure.
            #expect(await resolver.mx(try Domain("example.org")) == .temporaryFailure(.refused))
        }
    }

    @Test func largeTXTFallsBackToTCP() async throws {
        try await Self.withNSD { (nsd: NSDServer) async throws in
            let resolver = StubResolver(
                configuration: ResolverConfiguration(nameservers: [nsd.nameserver]),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            let result = await resolver.lookup(try DNSName("big.example.test"), .txt)
            #expect(result.value?.first?.data == .txt(Self.bigTXTStrings.map { Array($0.utf8) }))
            #expect(await resolver.txt(try DNSName("big.example.test")).value == [Self.bigTXTStrings.joined()])
            #expect(resolver.statistics.udpQueries == 1 && resolver.statistics.tcpQueries == 1)
        }
    }

    @Test func negativeAnswersFromNSDAreCachedForTheSOAMinimum() async throws {
        try await Self.withNSD { (nsd: NSDServer) async throws in
            let clock = ManualInstant()
            let resolver = StubResolver(
                configuration: ResolverConfiguration(nameservers: [nsd.nameserver]),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton, now: { clock.now })
            let missing = try DNSName("missing.example.test")
            let mx2 = try DNSName("mx2.example.test")
            #expect(await resolver.lookup(missing, .a) == .nxdomain)
            #expect(await resolver.lookup(mx2, .aaaa) == .nodata)
            #expect(await resolver.lookup(missing, .a) == .nxdomain)
            #expect(await resolver.lookup(mx2, .aaaa) == .nodata)
            #expect(resolver.statistics.udpQueries == 2)
            // The zone's SOA MINIMUM is 60 seconds.
            clock.advance(by: .seconds(59))
            #expect(await resolver.lookup(missing, .a) == .nxdomain)
            #expect(resolver.statistics.udpQueries == 2)
            clock.advance(by: .seconds(2))
            #expect(await resolver.lookup(missing, .a) == .nxdomain)
            #expect(resolver.statistics.udpQueries == 3)
        }
    }
}
