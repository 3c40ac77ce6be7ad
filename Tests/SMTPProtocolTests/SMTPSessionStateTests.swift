import MailCore
import Testing
@testable import SMTPProtocol

/// A session driven like the server's driver does, with every policy check passing unless
/// the test says otherwise.
struct Driver {
    var state: SMTPSessionState<String>
    var refuseSender: SMTPReply?
    var refuseRecipient: SMTPReply?

    init(_ config: SMTPSessionConfiguration = SMTPSessionConfiguration(hostname: "mx.example.org"), tls: Bool = false) {
        state = SMTPSessionState(configuration: config, tlsActive: tls)
    }

    /// Sends a line and returns the reply code (and enhanced code) the client would see.
    @discardableResult
    mutating func send(_ line: String, pipelined: Bool = false) -> String {
        let action = state.receive(line: Array(line.utf8), pipelined: pipelined)
        return resolve(action)
    }

    mutating func resolve(_ action: SMTPAction) -> String {
        switch action {
        case .reply(let r): return render(r)
        case .close(let r): return render(r) + " close"
        case .checkHelo(let name, let ext): return resolve(state.heloChecked(name: name, extended: ext, refusal: nil))
        case .checkSender(let p, let params): return resolve(state.senderChecked(p, params, refusal: refuseSender))
        case .checkRecipient(let a, let params):
            return resolve(state.recipientChecked(a, params, result: refuseRecipient.map { .failure($0) } ?? .success(a.description)))
        case .startData: return "354"
        case .startTLS: return "220 starttls"
        case .authenticate(let m, _): return "auth \(m)"
        case .receiveChunk(let size, let last): return "chunk \(size)\(last ? " last" : "")"
        case .discardChunk(let r): return "discard " + render(r)
        }
    }

    func render(_ r: SMTPReply) -> String {
        r.enhanced.map { "\(r.code) \($0)" } ?? "\(r.code)"
    }
}

@Suite struct SMTPSessionStateTests {
    @Test func normalTransaction() {
        var d = Driver()
        #expect(d.send("EHLO client.example") == "250")
        #expect(d.send("MAIL FROM:<a@example.net> SIZE=100") == "250 2.1.0")
        #expect(d.send("RCPT TO:<b@example.org>") == "250 2.1.5")
        #expect(d.send("DATA") == "354")
        #expect(d.state.transaction?.recipients.map(\.info) == ["b@example.org"])
        #expect(d.resolve(d.state.messageFinished(Replies.accepted("Q1"))) == "250 2.0.0")
        #expect(d.state.transaction == nil)
        #expect(d.send("QUIT") == "221 2.0.0 close")
    }

    @Test func sequenceErrors() {
        var d = Driver()
        #expect(d.send("MAIL FROM:<a@example.net>") == "503 5.5.1")   // HELO required
        #expect(d.send("RCPT TO:<b@example.org>") == "503 5.5.1")
        #expect(d.send("DATA") == "503 5.5.1")
        #expect(d.send("HELO client.example") == "250")
        #expect(d.send("MAIL FROM:<a@example.net> SIZE=100") == "555 5.5.4")  // parameters need EHLO
        #expect(d.send("MAIL FROM:<a@example.net>") == "250 2.1.0")
        #expect(d.send("MAIL FROM:<a@example.net>") == "503 5.5.1")   // nested
        #expect(d.send("DATA") == "554 5.5.1")                        // no valid recipients
        #expect(d.send("RSET") == "250 2.0.0")
        #expect(d.send("RCPT TO:<b@example.org>") == "503 5.5.1")
        #expect(d.send("VRFY root") == "502 5.5.1")
        #expect(d.send("EXPN list") == "502 5.5.1")
        #expect(d.send("FOO") == "500 5.5.2")
    }

    @Test func sizeLimitAtMail() {
        var d = Driver(SMTPSessionConfiguration(hostname: "mx", maxMessageSize: 1000))
        d.send("EHLO c.example")
        #expect(d.send("MAIL FROM:<a@example.net> SIZE=1001") == "552 5.3.4")
        #expect(d.send("MAIL FROM:<a@example.net> SIZE=1000") == "250 2.1.0")
        #expect(d.state.ehloLines("c").contains("SIZE 1000"))
    }

    @Test func recipientLimit() {
        var d = Driver(SMTPSessionConfiguration(hostname: "mx", maxRecipients: 2))
        d.send("EHLO c.example")
        d.send("MAIL FROM:<a@example.net>")
        #expect(d.send("RCPT TO:<b1@example.org>") == "250 2.1.5")
        #expect(d.send("RCPT TO:<b2@example.org>") == "250 2.1.5")
        #expect(d.send("RCPT TO:<b3@example.org>") == "452 4.5.3")
    }

    @Test func bdatSequencing() {
        var d = Driver()
        #expect(d.send("BDAT 10") == "discard 503 5.5.1")
        d.send("EHLO c.example")
        d.send("MAIL FROM:<a@example.net> BODY=BINARYMIME")
        d.send("RCPT TO:<b@example.org>")
        #expect(d.send("DATA") == "503 5.5.1")
        #expect(d.send("BDAT 10") == "chunk 10")
        d.state.contentReceived(10)
        #expect(d.send("BDAT 5 LAST") == "chunk 5 last")
    }

    @Test func bdatOverSizeRefusesTheRestOfTheTransaction() {
        var d = Driver(SMTPSessionConfiguration(hostname: "mx", maxMessageSize: 100))
        d.send("EHLO c.example"); d.send("MAIL FROM:<a@example.net>"); d.send("RCPT TO:<b@example.org>")
        #expect(d.send("BDAT 101") == "discard 552 5.3.4")
        #expect(d.send("BDAT 1 LAST") == "discard 503 5.5.1")
        #expect(d.send("RSET") == "250 2.0.0")
    }

    @Test func unauthorisedPipelining() {
        var d = Driver()
        d.send("HELO c.example")
        // A HELO client never saw PIPELINING.
        #expect(d.send("MAIL FROM:<a@example.net>", pipelined: true) == "554 5.5.1")
        var e = Driver()
        // EHLO must end a group.
        e.send("EHLO c.example", pipelined: true)
        #expect(e.send("MAIL FROM:<a@example.net>") == "554 5.5.1")
        var f = Driver()
        f.send("EHLO c.example")
        #expect(f.send("MAIL FROM:<a@example.net>", pipelined: true) == "250 2.1.0")
        #expect(f.send("RCPT TO:<b@example.org>", pipelined: true) == "250 2.1.5")
        #expect(f.send("DATA") == "354")
    }

    @Test func startTLSResetsEverything() {
        var d = Driver(SMTPSessionConfiguration(hostname: "mx", startTLSAvailable: true))
        d.send("EHLO c.example")
        #expect(d.state.ehloLines("c").contains("STARTTLS"))
        #expect(d.send("STARTTLS") == "220 starttls")
        d.state.tlsStarted()
        #expect(d.state.heloName == nil && d.state.tlsActive)
        #expect(!d.state.ehloLines("c").contains("STARTTLS"))
        #expect(d.send("STARTTLS") == "503 5.5.1")
        var noCert = Driver()
        #expect(noCert.send("STARTTLS") == "454 4.7.0")
    }

    @Test func submissionNeedsAuthAndTLS() {
        let config = SMTPSessionConfiguration(hostname: "mx", requireAuthentication: true, authenticationEnabled: true, startTLSAvailable: true)
        var plain = Driver(config)
        plain.send("EHLO c.example")
        #expect(!plain.state.ehloLines("c").contains("AUTH PLAIN LOGIN"))
        #expect(plain.send("AUTH PLAIN") == "538 5.7.11")
        #expect(plain.send("MAIL FROM:<a@example.org>") == "530 5.7.0")
        var tls = Driver(config, tls: true)
        tls.send("EHLO c.example")
        #expect(tls.state.ehloLines("c").contains("AUTH PLAIN LOGIN"))
        #expect(tls.send("MAIL FROM:<a@example.org>") == "530 5.7.0")
        #expect(tls.send("AUTH PLAIN") == "auth PLAIN")
        #expect(tls.resolve(tls.state.authenticated(as: try! EmailAddress("a@example.org"))) == "235 2.7.0")
        #expect(tls.send("AUTH PLAIN") == "503 5.5.1")
        #expect(tls.send("MAIL FROM:<a@example.org>") == "250 2.1.0")
    }

    @Test func refusingPhaseOnlyAllowsQuit() {
        var d = Driver()
        d.state.refuse(with: Replies.earlyTalker)
        #expect(d.send("EHLO c.example") == "554 5.5.1")
        #expect(d.send("MAIL FROM:<a@b.example>") == "554 5.5.1")
        #expect(d.send("QUIT") == "221 2.0.0 close")
    }

    @Test func tooManyErrorsCloses() {
        var d = Driver(SMTPSessionConfiguration(hostname: "mx", maxErrors: 3))
        for _ in 0..<3 { #expect(d.send("FOO") == "500 5.5.2") }
        #expect(d.send("FOO") == "421 4.7.0 close")
    }

    @Test func policyRefusalsPassThrough() {
        var d = Driver()
        d.refuseSender = Replies.nullMX("null.example", code: 550)
        d.send("EHLO c.example")
        #expect(d.send("MAIL FROM:<a@null.example>") == "550 5.7.27")
        d.refuseSender = nil
        d.send("MAIL FROM:<a@ok.example>")
        d.refuseRecipient = Replies.relayDenied
        #expect(d.send("RCPT TO:<x@elsewhere.example>") == "554 5.7.1")
        #expect(d.send("DATA") == "554 5.5.1")
    }
}
