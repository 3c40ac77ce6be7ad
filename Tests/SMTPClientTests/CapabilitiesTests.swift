import Testing
@testable import SMTPClient

@Suite struct CapabilitiesTests {
    @Test func readsTheExtensionsWeUse() {
        let c = EHLOCapabilities(ehloLines: ["mx.example.org Hello", "PIPELINING", "SIZE 10240000", "8BITMIME", "SMTPUTF8",
                                             "STARTTLS", "AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES", "DSN", "X-UNKNOWN a b"])
        #expect(c.serverName == "mx.example.org")
        #expect(c.pipelining && c.eightBitMIME && c.smtpUTF8 && c.startTLS && c.enhancedStatusCodes && c.dsn)
        #expect(c.maximumSize == 10_240_000)
        #expect(c.authMechanisms == ["PLAIN", "LOGIN"])
        #expect(c.keywords["X-UNKNOWN"] == ["a", "b"])
    }

    @Test func oldAuthSyntaxAndSizeWithoutLimit() {
        let c = EHLOCapabilities(ehloLines: ["old.example.org", "AUTH=LOGIN", "SIZE", "size 0"])
        #expect(c.authMechanisms == ["LOGIN"])
        #expect(c.maximumSize == nil)
        #expect(c.has("size"))
        #expect(!c.pipelining)
    }

    @Test func ignoresGarbageKeywords() {
        let c = EHLOCapabilities(ehloLines: ["x", "", "P!PELINING", String(repeating: "A", count: 200)])
        #expect(c.keywords.isEmpty)
    }
}
