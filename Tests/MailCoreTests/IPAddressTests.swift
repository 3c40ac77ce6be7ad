import Testing
@testable import MailCore

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),   // RFC 5952 §4.2.3: first longest run
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), // §4.2.2: a single 0 is not compressed
        ("::ffff:192.0.2.1", "::ffff:c000:201"),
        ("::", "::"),
    ])
    func canonicalText(input: String, expected: String) throws {
        let ip = try #require(IPAddress(input))
        #expect(ip.description == expected)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3",
                      ":::", "12345::", "g::1", "1.2.3.4/8", "fe80::1%eth0"])
    func rejectsMalformed(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func reverseNames() throws {
        #expect(try #require(IPAddress("192.0.2.1")).reverseLookupName == "1.2.0.192.in-addr.arpa")
        #expect(try #require(IPAddress("2001:db8::567:89ab")).reverseLookupName
                == "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
    }

    @Test func prefixesAndMapping() throws {
        let a = try #require(IPAddress("192.0.2.77"))
        #expect(a.isIn(network: try #require(IPAddress("192.0.2.0")), prefixLength: 24))
        #expect(!a.isIn(network: try #require(IPAddress("192.0.3.0")), prefixLength: 24))
        #expect(a.isIn(network: try #require(IPAddress("0.0.0.0")), prefixLength: 0))
        let b = try #require(IPAddress("2001:db8::1"))
        #expect(b.isIn(network: try #require(IPAddress("2001:db8::")), prefixLength: 32))
        #expect(b.isIn(network: try #require(IPAddress("2001:db8::1")), prefixLength: 128))
        #expect(!b.isIn(network: try #require(IPAddress("2001:db9::")), prefixLength: 32))
        #expect(try #require(IPAddress("::ffff:127.0.0.1")).unmapped == IPAddress("127.0.0.1"))
        #expect(try #require(IPAddress("::ffff:127.0.0.1")).isLoopback)
    }
}
