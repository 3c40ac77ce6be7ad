import Testing
import MailCore
@testable import DNSClient

@Suite struct DNSNameTests {
    @Test(arguments: [
        ("Example.ORG", "example.org"),
        ("example.org.", "example.org"),
        (".", "."),
        ("_dmarc.Example.org", "_dmarc.example.org"),
        ("sel._domainkey.example.org", "sel._domainkey.example.org"),
        ("*.example.org", "*.example.org"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("例え。テスト", "xn--r8jz45g.xn--zckzah"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("a\\.b.example", "a\\.b.example"),
        ("a\\032b.example", "a\\032b.example"),
        ("\\065bc.example", "abc.example"),
    ])
    func parsesPresentationText(input: String, expected: String) throws {
        #expect(try DNSName(input).description == expected)
    }

    @Test(arguments: [
        ("", DNSNameError.empty),
        ("a..b", .emptyLabel),
        (".a", .emptyLabel),
        ("a b.example", .invalidCharacter),
        ("a\\", .invalidEscape),
        ("a\\25", .invalidEscape),
        ("a\\300.example", .invalidEscape),
        (String(repeating: "a", count: 64) + ".example", .labelTooLong),
        (Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."), .nameTooLong),
        ("☃!.example", .invalidInternationalLabel("☃!")),
    ])
    func rejectsBadText(input: String, error: DNSNameError) {
        #expect(throws: error) { try DNSName(input) }
    }

    @Test func longestNameFits() throws {
        // 3 × (1 + 63) + (1 + 61) + 1 = 255 octets on the wire.
        let text = Array(repeating: String(repeating: "a", count: 63), count: 3).joined(separator: ".")
            + "." + String(repeating: "b", count: 61)
        let name = try DNSName(text)
        #expect(name.wireLength == 255)
        #expect(throws: DNSNameError.nameTooLong) { try DNSName(text + "b") }
    }

    @Test func comparesCaseInsensitively() throws {
        #expect(try DNSName("MX.Example.ORG") == DNSName("mx.example.org."))
        #expect(try DNSName("MX.Example.ORG").hashValue == DNSName("mx.example.org").hashValue)
        #expect(try DNSName("mx.example.org") != DNSName("mx.example.net"))
    }

    @Test func convertsToAndFromDomain() throws {
        let domain = try Domain("Bücher.Example")
        let name = DNSName(domain)
        #expect(name == (try DNSName("xn--bcher-kva.example")))
        #expect(name.domain == domain)
        #expect(name.unicodeDescription == "bücher.example")
        #expect(try DNSName("_dmarc.example.org").domain == nil)
        #expect(DNSName.root.domain == nil)
    }

    @Test func reverseNames() throws {
        #expect(DNSName(reverseOf: try #require(IPAddress("192.0.2.25"))).description == "25.2.0.192.in-addr.arpa")
        let v6 = DNSName(reverseOf: try #require(IPAddress("2001:db8::567:89ab")))
        #expect(v6.description == "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
        // The reverse name of MailCore's text form is the same name.
        let ip = try #require(IPAddress("2001:db8::1"))
        #expect(DNSName(reverseOf: ip) == (try DNSName(ip.reverseLookupName)))
    }

    @Test func hierarchy() throws {
        let name = try DNSName("a.b.example.org")
        #expect(name.parent == (try DNSName("b.example.org")))
        #expect(name.isEqualOrSubdomain(of: try DNSName("example.org")))
        #expect(name.isEqualOrSubdomain(of: .root))
        #expect(!name.isEqualOrSubdomain(of: try DNSName("ample.org")))
        #expect(try DNSName("example.org").prepending("_dmarc") == DNSName("_dmarc.example.org"))
        #expect(try DNSName("zen.spamhaus.org").prepending("2.0.0.127") == DNSName("2.0.0.127.zen.spamhaus.org"))
        #expect(DNSName.root.parent == nil)
        #expect(name.labelCount == 4)
    }

    @Test func lookupArgumentTakesAddressesForPTR() throws {
        #expect(try DNSName(lookupArgument: "192.0.2.1", type: .ptr).description == "1.2.0.192.in-addr.arpa")
        #expect(try DNSName(lookupArgument: "example.org", type: .ptr).description == "example.org")
        #expect(throws: DNSNameError.self) { try DNSName(lookupArgument: "192.0.2.1 x", type: .a) }
    }

    @Test func recordTypes() {
        #expect(RecordType(mnemonic: "mx") == .mx)
        #expect(RecordType(mnemonic: "TYPE15") == .mx)
        #expect(RecordType(mnemonic: "TYPE65280") == .other(65280))
        #expect(RecordType(mnemonic: "BOGUS") == nil)
        #expect(RecordType(code: 52) == .tlsa)
        #expect(RecordType.other(16) == .txt)
        #expect(RecordType.other(16).mnemonic == "TXT")
        #expect(RecordType.other(65280).mnemonic == "TYPE65280")
        #expect(Set([RecordType.txt, .other(16)]).count == 1)
    }
}
