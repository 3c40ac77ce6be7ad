import IMAPProtocol
@testable import IMAPServer
import MailCore
import Testing

/// LOGIN, AUTHENTICATE PLAIN/LOGIN with and without initial responses, STARTTLS, failures.
@Suite struct AuthenticationTests {
    @Test func loginRequiresTLSUnlessLoopbackIsAllowed() async throws {
        var plain = SessionDriver(tls: false)
        #expect(try await plain.result("LOGIN alice@example.test alice-pw") == "NO [PRIVACYREQUIRED] Login only after STARTTLS")
        #expect(try await plain.send("t STARTTLS") == ["t OK Begin TLS negotiation now"])
        #expect(plain.output.events == ["starttls"])
        #expect(plain.session.state.tlsActive)
        try await plain.ok("LOGIN alice@example.test alice-pw")

        var loopbackRefused = SessionDriver(tls: false, remote: IPAddress("127.0.0.1"))
        #expect(try await loopbackRefused.result("LOGIN alice@example.test alice-pw").hasPrefix("NO [PRIVACYREQUIRED]"))
        var loopback = SessionDriver(tls: false, remote: IPAddress("127.0.0.1")) { $0.plaintextAuthOnLoopback = true }
        try await loopback.ok("LOGIN alice@example.test alice-pw")
        var remote = SessionDriver(tls: false, remote: IPAddress("192.0.2.1")) { $0.plaintextAuthOnLoopback = true }
        #expect(try await remote.result("LOGIN alice@example.test alice-pw").hasPrefix("NO [PRIVACYREQUIRED]"))
    }

    @Test func loginAnswersWithCapabilitiesAndOpensTheAccount() async throws {
        var d = SessionDriver()
        let lines = try await d.send("a1 LOGIN alice@example.test \"alice-pw\"")
        #expect(lines.count == 1 && lines[0].hasPrefix("a1 OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ ID ENABLE IDLE NAMESPACE "))
        #expect(d.output.events == ["authenticated"])
        #expect(d.session.state.user?.description == "alice@example.test")
        #expect(try await d.ok("LIST \"\" INBOX") == ["* LIST (\\HasNoChildren) \".\" INBOX"])
    }

    @Test func failedLoginsAreCountedAndTheThirdCloses() async throws {
        var d = SessionDriver()
        #expect(try await d.result("LOGIN alice@example.test nope") == "NO [AUTHENTICATIONFAILED] Authentication failed")
        #expect(try await d.result("LOGIN nobody@example.test nope") == "NO [AUTHENTICATIONFAILED] Authentication failed")
        let last = try await d.send("t LOGIN alice@example.test still-wrong")
        #expect(last == ["t NO [AUTHENTICATIONFAILED] Authentication failed", "* BYE Too many failed logins"])
        #expect(d.closed && d.output.events == ["close"])
    }

    @Test func authenticatePlainWithAndWithoutInitialResponse() async throws {
        // "\0alice@example.test\0alice-pw"
        let credentials = Base64.encode(Array("\0alice@example.test\0alice-pw".utf8))
        var withIR = SessionDriver()
        #expect(try await withIR.send("a AUTHENTICATE PLAIN \(String(decoding: credentials, as: UTF8.self))").first?.hasPrefix("a OK [CAPABILITY") == true)

        var exchange = SessionDriver()
        #expect(try await exchange.send("a AUTHENTICATE PLAIN") == ["+ "])
        _ = try await exchange.session.receive(.authenticationResponse(Array("\0alice@example.test\0alice-pw".utf8)), &exchange.output)
        #expect(exchange.output.take().first?.hasPrefix("a OK [CAPABILITY") == true)

        var login = SessionDriver()
        #expect(try await login.send("a AUTHENTICATE LOGIN") == ["+ VXNlcm5hbWU6"])
        _ = try await login.session.receive(.authenticationResponse(Array("bob@example.test".utf8)), &login.output)
        #expect(login.output.take() == ["+ UGFzc3dvcmQ6"])
        _ = try await login.session.receive(.authenticationResponse(Array("bob-pw".utf8)), &login.output)
        #expect(login.output.take().first?.hasPrefix("a OK [CAPABILITY") == true)

        // Acting as someone else (an authorization identity) is not offered.
        var authz = SessionDriver()
        let other = String(decoding: Base64.encode(Array("bob@example.test\0alice@example.test\0alice-pw".utf8)), as: UTF8.self)
        #expect(try await authz.result("AUTHENTICATE PLAIN \(other)").hasPrefix("NO [AUTHENTICATIONFAILED]"))
        #expect(try await authz.result("AUTHENTICATE CRAM-MD5").hasPrefix("NO [CANNOT]"))
    }

    @Test func cancelledExchangeEndsWithBad() async throws {
        var d = SessionDriver()
        #expect(try await d.send("a AUTHENTICATE PLAIN") == ["+ "])
        _ = try await d.session.receive(.error(ParseError(tag: "a", reason: .authenticationCancelled)), &d.output)
        #expect(d.output.take() == ["a BAD Authentication cancelled"])
        try await d.ok("LOGIN alice@example.test alice-pw")
    }
}
