import Testing
@testable import MailCore

@Suite struct EmailAddressTests {
    @Test(arguments: [
        ("alice@example.org", "alice", "example.org"),
        ("Alice.Smith@Example.ORG", "Alice.Smith", "example.org"),
        ("\"john doe\"@example.org", "john doe", "example.org"),
        ("\"a\\\"b\"@example.org", "a\"b", "example.org"),
        ("user+tag@example.org", "user+tag", "example.org"),
        ("jörg@bücher.example", "jörg", "xn--bcher-kva.example"),
    ])
    func parses(input: String, local: String, domain: String) throws {
        let a = try EmailAddress(input)
        #expect(a.localPart == local)
        #expect(a.domain.ascii == domain)
    }

    @Test(arguments: [
        ("", AddressError.empty),
        ("alice", .missingAt),
        ("@example.org", .invalidLocalPart),
        (".alice@example.org", .invalidLocalPart),
        ("al..ice@example.org", .invalidLocalPart),
        ("alice.@example.org", .invalidLocalPart),
        ("al ice@example.org", .invalidLocalPart),
        ("\"unterminated@example.org", .invalidLocalPart),
        ("user@[192.0.2.1]", .addressLiteral),
        (String(repeating: "a", count: 65) + "@example.org", .localPartTooLong),
    ])
    func rejects(input: String, error: AddressError) {
        #expect(throws: error) { try EmailAddress(input) }
    }

    @Test func utf8OnlyWhenAllowed() {
        #expect(throws: AddressError.utf8NotAllowed) { try EmailAddress("jörg@example.org", allowUTF8: false) }
        #expect(throws: AddressError.utf8NotAllowed) { try EmailAddress("j@bücher.example", allowUTF8: false) }
    }

    @Test func requotesWhenNeeded() throws {
        #expect(try EmailAddress("\"john doe\"@example.org").description == "\"john doe\"@example.org")
        #expect(try EmailAddress("\"john\"@example.org").description == "john@example.org")
        #expect(try EmailAddress("\"a@b\"@example.org").description == "\"a@b\"@example.org")
    }

    @Test func detailAndCanonical() throws {
        let a = try EmailAddress("Bob+Lists@Example.org")
        #expect(a.withoutDetail()?.description == "Bob@example.org")
        #expect(a.canonical.description == "bob+lists@example.org")
        #expect(try EmailAddress("+x@example.org").withoutDetail() == nil)
    }
}
