import MailCore
import Testing
@testable import SMTPProtocol

@Suite struct SMTPCommandParserTests {
    let parser = SMTPCommandParser()

    func parse(_ s: String, _ p: SMTPCommandParser? = nil) throws(SMTPSyntaxError) -> SMTPCommand {
        try (p ?? parser).parse(Array(s.utf8))
    }

    @Test func basicCommands() throws {
        #expect(try parse("EHLO mail.example.org") == .ehlo("mail.example.org"))
        #expect(try parse("helo [192.0.2.1]") == .helo("[192.0.2.1]"))
        #expect(try parse("DATA") == .data)
        #expect(try parse("data  ") == .data)
        #expect(try parse("RSET") == .rset)
        #expect(try parse("NOOP anything at all") == .noop)
        #expect(try parse("QUIT") == .quit)
        #expect(try parse("STARTTLS") == .startTLS)
        #expect(try parse("BDAT 1000") == .bdat(size: 1000, last: false))
        #expect(try parse("BDAT 0 LAST") == .bdat(size: 0, last: true))
        #expect(try parse("AUTH plain dGVzdAB0ZXN0AHRlc3Q=") == .auth(mechanism: "PLAIN", initialResponse: "dGVzdAB0ZXN0AHRlc3Q="))
        #expect(try parse("VRFY root") == .vrfy)
    }

    @Test func mailWithParameters() throws {
        guard case .mail(let path, let p) = try parse("MAIL FROM:<a@example.org> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=QQ+2B1") else {
            Issue.record("not MAIL"); return
        }
        #expect(path == .mailbox(try EmailAddress("a@example.org")))
        #expect(p.size == 1000 && p.body == .eightBitMIME && p.dsnReturn == .headers && p.envelopeID == "QQ+1")
        #expect(try parse("MAIL FROM:<>") == .mail(.null, MailParameters()))
        #expect(try parse("mail from: <a@example.org>") == .mail(.mailbox(try EmailAddress("a@example.org")), MailParameters()))
    }

    @Test func rcptWithParameters() throws {
        guard case .rcpt(let addr, let p) = try parse("RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40example.org") else {
            Issue.record("not RCPT"); return
        }
        #expect(addr.description == "b@example.org")
        #expect(p.notify == DSNNotify(success: true, failure: true))
        #expect(p.orcptType == "rfc822" && p.orcptAddress == "b@example.org")
        // A source route is accepted and ignored (RFC 5321 §4.1.1.3).
        #expect(try parse("RCPT TO:<@relay.example,@other.example:c@example.org>") == .rcpt(try EmailAddress("c@example.org"), RecipientParameters()))
    }

    @Test(arguments: [
        ("FOO bar", SMTPSyntaxError.unrecognized),
        ("MAIL FROM:a@example.org", .syntax("Syntax: MAIL FROM:<address> (angle brackets required)")),
        ("MAIL TO:<a@example.org>", .syntax("Syntax: MAIL FROM:<address>")),
        ("MAIL FROM:<a@example.org> SIZE=abc", .syntax("Syntax: SIZE=number")),
        ("MAIL FROM:<a@example.org> FOO=bar", .unsupportedParameter("Unsupported MAIL parameter FOO")),
        ("MAIL FROM:<a@example.org> SIZE=1 SIZE=2", .syntax("Duplicate parameter SIZE")),
        ("RCPT TO:<>", .address("Null address not allowed here")),
        ("RCPT TO:<a@example.org> NOTIFY=NEVER,SUCCESS", .syntax("NOTIFY=NEVER cannot be combined")),
        ("EHLO", .syntax("Syntax: EHLO hostname")),
        ("BDAT", .syntax("Syntax: BDAT size [LAST]")),
        ("BDAT 12 FIRST", .syntax("Syntax: BDAT size [LAST]")),
        ("BDAT 9999999999999999999", .syntax("Syntax: BDAT size [LAST]")),
        ("DATA now", .syntax("Syntax: DATA (no arguments)")),
        ("MAIL FROM:<a@b@example.org>", .address("Bad address syntax: invalid local part")),
    ])
    func rejects(line: String, error: SMTPSyntaxError) {
        #expect(throws: error) { try parse(line) }
    }

    @Test func utf8AddressesNeedSMTPUTF8() throws {
        #expect(throws: SMTPSyntaxError.needsSMTPUTF8) { try parse("RCPT TO:<jörg@example.org>") }
        #expect(throws: SMTPSyntaxError.needsSMTPUTF8) { try parse("MAIL FROM:<jörg@example.org>") }
        guard case .mail(let path, let p) = try parse("MAIL FROM:<jörg@example.org> SMTPUTF8") else { Issue.record(); return }
        #expect(p.smtpUTF8 && path.address?.localPart == "jörg")
        #expect(try parse("RCPT TO:<jörg@example.org>", SMTPCommandParser(utf8Allowed: true)) == .rcpt(try EmailAddress("jörg@example.org"), RecipientParameters()))
    }

    @Test func controlCharactersAndInvalidUTF8() {
        #expect(throws: SMTPSyntaxError.self) { try parser.parse([0x4D, 0x41, 0x49, 0x4C, 0x00]) }
        #expect(throws: SMTPSyntaxError.self) { try parser.parse([0x45, 0x48, 0x4C, 0x4F, 0x20, 0xFF]) }
    }

    @Test func lenientEnvelopesWhenConfigured() throws {
        let lenient = SMTPCommandParser(strictEnvelopes: false)
        #expect(try parse("MAIL FROM:a@example.org", lenient) == .mail(.mailbox(try EmailAddress("a@example.org")), MailParameters()))
    }

    @Test func xtextRoundTrip() {
        #expect(SMTPCommandParser.encodeXtext("a+b=c d") == "a+2Bb+3Dc+20d")
        #expect(SMTPCommandParser.decodeXtext("a+2Bb+3Dc+20d") == "a+b=c d")
        #expect(SMTPCommandParser.decodeXtext("a+zz") == nil)
    }

    @Test func everyReplyConstantIsConsistent() {
        let replies: [SMTPReply] = [Replies.ok, Replies.senderOK, Replies.recipientOK, Replies.resetOK, Replies.readyForTLS,
            Replies.authSucceeded, Replies.help, Replies.vrfyDisabled, Replies.tooManyConnections, Replies.timeout,
            Replies.localError, Replies.insufficientStorage, Replies.tooManyRecipients, Replies.tlsNotAvailable,
            Replies.commandUnrecognized, Replies.lineTooLong, Replies.commandNotImplemented, Replies.earlyTalker,
            Replies.unauthPipelining, Replies.relayDenied, Replies.heloRequired, Replies.authRequired, Replies.tlsRequired,
            Replies.authFailed, Replies.authMechanismUnknown, Replies.authCancelled, Replies.authAlready, Replies.authNotOnPlaintext,
            Replies.smtputf8Required, Replies.noValidRecipients, Replies.transactionFailed, Replies.tooManyErrors,
            Replies.nullMX("x.example", code: 550), Replies.unknownSenderDomain("a@x.example", code: 554),
            Replies.unknownHeloHostname("h", code: 554), Replies.nonFQDNHelo("h", code: 554), Replies.blocklisted("x", list: "l", code: 554),
            Replies.messageTooBig(10), Replies.unknownRecipient("x@y"), Replies.senderNotOwned("a"), Replies.dnsTemporaryFailure("x")]
        for r in replies { #expect(r.isConsistent, "\(r)") }
        #expect(Replies.nullMX("x.example", code: 550).wire == "550 5.7.27 <x.example>: Sender address rejected: Domain x.example does not accept mail (nullMX)\r\n")
        #expect(SMTPReply(250, nil, ["a", "b\r\nINJECT"]).wire == "250-a\r\n250 b??INJECT\r\n")
    }
}
