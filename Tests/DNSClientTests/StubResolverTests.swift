import Testing
import MailCore
import NIOPosix
@testable import DNSClient
import TestSupport

/// StubResolver over real sockets against TestDNSServer on 127.0.0.1.
@Suite struct StubResolverTests {
    func withServer(_ zone: TestDNSZone, configure: (inout ResolverConfiguration) -> Void = { _ in },
                    now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
                    _ body: (TestDNSServer, StubResolver) async throws -> Void) async throws {
        let server = try await TestDNSServer.start(zone)
        var configuration = server.resolverConfiguration()
        configure(&configuration)
        let resolver = StubResolver(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                                    now: now)
        do {
            try await body(server, resolver)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    func ip(_ text: String) throws -> IPAddress { try #require(IPAddress(text)) }

    @Test func answersMXTXTAndAddressesOverUDPWithEDNS() async throws {
        var zone = TestDNSZone()
        try zone.mx("example.org", (10, "mx.example.org"))
        try zone.a("mx.example.org", "192.0.2.10")
        try zone.aaaa("mx.example.org", "2001:db8::10")
        try zone.txt("example.org", "v=spf1 mx -all")
        try await withServer(zone) { (server: TestDNSServer, resolver: StubResolver) async throws in
            #expect(await resolver.mx(try Domain("example.org")).value
                == [MXRecord(preference: 10, exchange: try DNSName("mx.example.org"))])
            #expect(await resolver.addresses(try DNSName("mx.example.org")).value
                == [try ip("192.0.2.10"), try ip("2001:db8::10")])
            #expect(await resolver.txt(try DNSName("example.org")).value == ["v=spf1 mx -all"])
            let queries = server.queries
            #expect(queries.count == 4)
            #expect(queries.allSatisfy { $0.transport == .udp && $0.ednsPayloadSize == 1232 })
        }
    }

    @Test func eachQueryUsesAFreshPortAndRandomID() async throws {
        var zone = TestDNSZone()
        for i in 0..<20 { try zone.a("h\(i).example.org", "192.0.2.\(i + 1)") }
        try await withServer(zone) { (server: TestDNSServer, resolver: StubResolver) async throws in
            for i in 0..<20 {
                #expect(await resolver.ipv4(try DNSName("h\(i).example.org")).value == [try ip("192.0.2.\(i + 1)")])
            }
            let queries = server.queries
            // Twenty kernel-chosen ports and twenty IDs: repeats would be very unlikely.
            #expect(Set(queries.compactMap(\.sourcePort)).count >= 19)
            #expect(Set(queries.map(\.id)).count >= 19)
        }
    }

    @Test func negativeAnswersAreDistinctAndCached() async throws {
        let clock = ManualInstant()
        var zone = TestDNSZone()
        try zone.a("host.example.org", "192.0.2.1")
        zone.negativeTTL = 60
        try await withServer(zone, now: { clock.now }) { (server: TestDNSServer, resolver: StubResolver) async throws in
            let gone = try DNSName("gone.example.org")
            let host = try DNSName("host.example.org")
            #expect(await resolver.lookup(gone, .a) == .nxdomain)
            #expect(await resolver.lookup(host, .mx) == .nodata)
            #expect(await resolver.lookup(gone, .a) == .nxdomain)
            #expect(await resolver.lookup(host, .mx) == .nodata)
            #expect(server.queries.count == 2)
            // RFC 2308 §5: kept for the SOA-derived 60 seconds, then asked again.
            clock.advance(by: .seconds(61))
            #expect(await resolver.lookup(gone, .a) == .nxdomain)
            #expect(server.queries.count == 3)
            #expect(resolver.statistics.cacheHits == 2)
        }
    }

    @Test func positiveAnswersAreCachedForTheirTTL() async throws {
        let clock = ManualInstant()
        var zone = TestDNSZone()
        try zone.a("host.example.org", "192.0.2.1", ttl: 30)
        try await withServer(zone, now: { clock.now }) { (server: TestDNSServer, resolver: StubResolver) async throws in
            let host = try DNSName("host.example.org")
            #expect(await resolver.ipv4(host).value == [try ip("192.0.2.1")])
            try server.update { try $0.remove("host.example.org"); try $0.a("host.example.org", "192.0.2.2") }
            clock.advance(by: .seconds(10))
            let cached = await resolver.lookup(host, .a)
            #expect(cached.value?.first?.data == .a(try ip("192.0.2.1")))
            #expect(cached.value?.first?.ttl == 20)
            clock.advance(by: .seconds(21))
            #expect(await resolver.ipv4(host).value == [try ip("192.0.2.2")])
            #expect(server.queries.count == 2)
        }
    }

    @Test func serverFailureAndRefusedAreTemporary() async throws {
        var zone = TestDNSZone()
        try zone.serverFailure("broken.example.org")
        try zone.refused("closed.example.org")
        try await withServer(zone) { (_: TestDNSServer, resolver: StubResolver) async throws in
            #expect(await resolver.mx(try Domain("broken.example.org")) == .temporaryFailure(.serverFailure))
            #expect(await resolver.mx(try Domain("closed.example.org")) == .temporaryFailure(.refused))
        }
    }

    @Test func silenceTimesOutWithinTheConfiguredBound() async throws {
        var zone = TestDNSZone()
        try zone.timeout("silent.example.org")
        try await withServer(zone, configure: { $0.timeout = .milliseconds(200); $0.attempts = 2 }) { (server: TestDNSServer, resolver: StubResolver) async throws in
            let start = ContinuousClock.now
            #expect(await resolver.lookup(try DNSName("silent.example.org"), .a) == .temporaryFailure(.timeout))
            let elapsed = ContinuousClock.now - start
            // At least both attempts' timeouts; the upper bound only catches a hang (the whole
            // parallel suite on two cores has stalled this test for 7 s). That the configured
            // timeout, not the default, is used is checked by slowAnswersWithinTheTimeoutArrive.
            #expect(elapsed >= .milliseconds(400) && elapsed < .seconds(15))
            #expect(server.queries.count == 2)
            // Timeouts are not cached.
            #expect(await resolver.lookup(try DNSName("silent.example.org"), .a) == .temporaryFailure(.timeout))
            #expect(server.queries.count == 4)
        }
    }

    @Test func slowAnswersWithinTheTimeoutArrive() async throws {
        var zone = TestDNSZone()
        try zone.a("slow.example.org", "192.0.2.9")
        try zone.delay("slow.example.org", by: .milliseconds(150))
        try zone.a("slower.example.org", "192.0.2.9")
        try zone.delay("slower.example.org", by: .seconds(2))
        try await withServer(zone, configure: { $0.timeout = .milliseconds(500) }) { (_: TestDNSServer, resolver: StubResolver) async throws in
            #expect(await resolver.ipv4(try DNSName("slow.example.org")).value == [try ip("192.0.2.9")])
            #expect(await resolver.ipv4(try DNSName("slower.example.org")) == .temporaryFailure(.timeout))
        }
    }

    @Test func movesOnToTheNextNameserver() async throws {
        var silentZone = TestDNSZone()
        try silentZone.timeout("example.org")
        try silentZone.serverFailure("broken.example.org")
        var goodZone = TestDNSZone()
        try goodZone.mx("example.org", (10, "mx.example.org"))
        try goodZone.mx("broken.example.org", (10, "mx.example.org"))
        let silent = try await TestDNSServer.start(silentZone)
        let good = try await TestDNSServer.start(goodZone)
        let configuration = ResolverConfiguration(nameservers: [silent.nameserver, good.nameserver],
                                                  timeout: .milliseconds(200), attempts: 1)
        let resolver = StubResolver(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        #expect(await resolver.mx(try Domain("example.org")).value?.count == 1)
        #expect(await resolver.mx(try Domain("broken.example.org")).value?.count == 1)
        #expect(silent.queries.count == 2 && good.queries.count == 2)
        await silent.stop()
        await good.stop()
    }

    @Test func truncatedAnswersAreAskedAgainOverTCP() async throws {
        var zone = TestDNSZone()
        // 2000 octets of TXT: more than the 1232 we advertise.
        let big = String(repeating: "0123456789", count: 200)
        try zone.txt("big.example.org", big)
        try zone.a("forced.example.org", "192.0.2.5")
        try zone.behave("forced.example.org", .truncate)
        // TCP costs a connect and an accept on loops that the whole parallel suite shares: a
        // timeout roomier than the harness's 500 ms, so a busy machine is not a failure.
        try await withServer(zone, configure: { $0.timeout = .seconds(5) }) { (server: TestDNSServer, resolver: StubResolver) async throws in
            #expect(await resolver.txt(try DNSName("big.example.org")).value == [big])
            #expect(server.queries.map(\.transport) == [.udp, .tcp])
            #expect(await resolver.ipv4(try DNSName("forced.example.org")).value == [try ip("192.0.2.5")])
            #expect(resolver.statistics.tcpQueries == 2)
        }
    }

    @Test func withoutEDNSTheLimitIs512() async throws {
        var zone = TestDNSZone()
        let medium = String(repeating: "x", count: 700)
        try zone.txt("medium.example.org", medium)
        try await withServer(zone, configure: { $0.ednsPayloadSize = nil; $0.timeout = .seconds(5) }) { (server: TestDNSServer, resolver: StubResolver) async throws in
            #expect(await resolver.txt(try DNSName("medium.example.org")).value == [medium])
            #expect(server.queries.map(\.transport) == [.udp, .tcp])
            #expect(server.queries.first?.ednsPayloadSize == nil)
        }
    }

    @Test func retriesWithoutEDNSWhenTheServerRejectsIt() async throws {
        var zone = TestDNSZone()
        try zone.a("old.example.org", "192.0.2.4")
        try zone.behave("old.example.org", .rejectEDNS)
        try await withServer(zone) { (server: TestDNSServer, resolver: StubResolver) async throws in
            #expect(await resolver.ipv4(try DNSName("old.example.org")).value == [try ip("192.0.2.4")])
            #expect(server.queries.map(\.ednsPayloadSize) == [1232, nil])
        }
    }

    @Test func forgedRepliesAreIgnored() async throws {
        var zone = TestDNSZone()
        try zone.a("target.example.org", "192.0.2.1")
        try zone.behave("target.example.org", .spoofFirst)
        try zone.txt("target.example.org", "genuine")
        try await withServer(zone) { (_: TestDNSServer, resolver: StubResolver) async throws in
            // Forged answers came first from another port, with a wrong ID, for another
            // question, and as garbage; only the genuine one is taken.
            #expect(await resolver.ipv4(try DNSName("target.example.org")).value == [try ip("192.0.2.1")])
            #expect(await resolver.txt(try DNSName("target.example.org")).value == ["genuine"])
        }
    }

    @Test func followsAliasesTheServerDoesNotResolve() async throws {
        var zone = TestDNSZone()
        zone.followsCNAMEs = false
        try zone.cname("www.example.org", "host.example.net")
        try zone.a("host.example.net", "192.0.2.3")
        try await withServer(zone) { (server: TestDNSServer, resolver: StubResolver) async throws in
            #expect(await resolver.ipv4(try DNSName("www.example.org")).value == [try ip("192.0.2.3")])
            #expect(server.queries.map(\.question.name.description) == ["www.example.org", "host.example.net"])
        }
    }

    @Test func reverseAndForwardConfirmedLookups() async throws {
        var zone = TestDNSZone()
        try zone.ptr("198.51.100.7", "mail.example.org")
        try zone.a("mail.example.org", "198.51.100.7")
        try zone.ptr("2001:db8::7", "mail.example.org")
        try zone.aaaa("mail.example.org", "2001:db8::8")
        try await withServer(zone) { (_: TestDNSServer, resolver: StubResolver) async throws in
            #expect(await resolver.forwardConfirmedNames(try ip("198.51.100.7")).value == [try DNSName("mail.example.org")])
            #expect(await resolver.ptr(try ip("2001:db8::7")).value == [try DNSName("mail.example.org")])
            #expect(await resolver.forwardConfirmedNames(try ip("2001:db8::7")) == .nodata)
        }
    }

    @Test func adBitIsBelievedOnlyWhenTrusted() async throws {
        var zone = TestDNSZone()
        try zone.mx("signed.example", (10, "mx.signed.example"))
        zone.allAuthenticated = true
        try await withServer(zone) { (_: TestDNSServer, resolver: StubResolver) async throws in
            // Loopback nameservers are trusted by default.
            #expect(resolver.configuration.trustAuthenticatedData)
            #expect(await resolver.mx(try Domain("signed.example")).isAuthenticated)
        }
        try await withServer(zone, configure: { $0.trustAuthenticatedData = false }) { (_: TestDNSServer, resolver: StubResolver) async throws in
            let result = await resolver.mx(try Domain("signed.example"))
            #expect(result.value?.count == 1 && !result.isAuthenticated)
        }
    }

    @Test func cancellationEndsTheWaitWithoutLeaking() async throws {
        var zone = TestDNSZone()
        try zone.timeout("silent.example.org")
        try await withServer(zone, configure: { $0.timeout = .seconds(10); $0.attempts = 3 }) {
            (server: TestDNSServer, resolver: StubResolver) async throws in
            let start = ContinuousClock.now
            let name = try DNSName("silent.example.org")
            let task = Task { await resolver.lookup(name, .a) }
            // Cancel once the first query is out (under load that can take a while).
            let sent = ContinuousClock.now + .seconds(4)
            while server.queries.isEmpty && ContinuousClock.now < sent { try await Task.sleep(for: .milliseconds(10)) }
            task.cancel()
            #expect(await task.value == .temporaryFailure(.cancelled))
            #expect(ContinuousClock.now - start < .seconds(6))
            // No further attempts after cancellation.
            try await Task.sleep(for: .milliseconds(100))
            #expect(server.queries.count == 1)
        }
    }

    @Test func manyConcurrentLookups() async throws {
        var zone = TestDNSZone()
        for i in 0..<200 { try zone.a("h\(i).example.org", "10.0.\(i / 256).\(i % 256)") }
        try await withServer(zone) { (_: TestDNSServer, resolver: StubResolver) async throws in
            let results = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        let name = try? DNSName("h\(i).example.org")
                        guard let name else { return false }
                        return await resolver.ipv4(name).value == [IPAddress("10.0.\(i / 256).\(i % 256)")].compactMap { $0 }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 200 && results.allSatisfy { $0 })
        }
    }

    @Test func noNameserversIsAFailureNotAHang() async throws {
        let resolver = StubResolver(configuration: ResolverConfiguration(nameservers: []),
                                    eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        #expect(await resolver.lookup(.root, .ns) == .temporaryFailure(.noNameservers))
    }
}
