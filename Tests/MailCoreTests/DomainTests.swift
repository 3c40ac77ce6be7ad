import Testing
@testable import MailCore

@Suite struct DomainTests {
    @Test(arguments: [
        ("Example.ORG", "example.org"),
        ("example.org.", "example.org"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("例え.テスト", "xn--r8jz45g.xn--zckzah"),
        ("例え。テスト", "xn--r8jz45g.xn--zckzah"),
        ("localhost", "localhost"),
    ])
    func normalises(input: String, ascii: String) throws {
        #expect(try Domain(input).ascii == ascii)
    }

    @Test func unicodeForm() throws {
        #expect(try Domain("xn--bcher-kva.example").unicode == "bücher.example")
    }

    @Test(arguments: ["", ".", "a..b", "-a.example", "a-.example", "a_b.example", "a b.example",
                      String(repeating: "a", count: 64) + ".example",
                      Array(repeating: "abcdefghi", count: 26).joined(separator: "."),
                      "xn--zzzz-.example", "xn--a.example", "xn--abc-.example", "☃!.example"])
    func rejects(input: String) {
        #expect(throws: DomainError.self) { try Domain(input) }
    }

    @Test func underscoreOnlyWhenAsked() throws {
        #expect(try Domain("_dmarc.example.org", allowUnderscore: true).ascii == "_dmarc.example.org")
        #expect(throws: DomainError.self) { try Domain("_dmarc.example.org") }
    }

    @Test func punycodeRFC3492Samples() {
        // RFC 3492 §7.1 (A) Arabic (Egyptian) and (L) Japanese samples.
        let arabic = "ليهمابتكلموشعربي؟"
        #expect(Punycode.encode(Array(arabic.unicodeScalars)) == "egbpdaj6bu4bxfgehfvwxn")
        let japanese = "3年B組金八先生"
        #expect(Punycode.encode(Array(japanese.unicodeScalars)) == "3B-ww4c5e180e575a65lsy2b")
        let decoded = Punycode.decode("3B-ww4c5e180e575a65lsy2b")
        #expect(decoded.map { String(String.UnicodeScalarView($0)) } == japanese)
        #expect(Punycode.decode("99999999999999999999") == nil)
    }

    @Test func hierarchy() throws {
        let d = try Domain("mail.example.org")
        #expect(d.isEqualOrSubdomain(of: try Domain("example.org")))
        #expect(!d.isEqualOrSubdomain(of: try Domain("ample.org")))
        #expect(d.parent == (try Domain("example.org")))
        let localhost = try Domain("localhost")
        #expect(d.isFullyQualified && !localhost.isFullyQualified)
    }
}
