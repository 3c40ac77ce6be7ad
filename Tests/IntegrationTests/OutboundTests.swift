import Config
import DNSClient
import Foundation
import MailCore
import PosternServer
import Queue
import SMTPProtocol
import Testing
import TestSupport

/// The DNS world of the outbound tests: every MX and the relay on 127.0.0.1 (the sink's port
/// comes from DeliveryOptions.remotePort), a null-MX domain, a domain that does not exist,
/// and one public address that loopback-only delivery must never reach.
func outboundZone() throws -> TestDNSZone {
    var z = TestDNSZone()
    try z.a("client.example.net", "127.0.0.1")
    try z.mx("example.net", (10, "mx.example.net"))
    try z.a("mx.example.net", "127.0.0.1")
    try z.mx("example.org", (10, "mx1.example.org"), (20, "mx2.example.org"))
    try z.a("mx1.example.org", "127.0.0.1")
    try z.a("mx2.example.org", "127.0.0.1")
    try z.nullMX("nullmx.example")
    try z.nxdomain("nowhere.example")
    try z.a("relay.example.test", "127.0.0.1")
    try z.mx("public.example", (10, "mx.public.example"))
    try z.a("mx.public.example", "192.0.2.55")
    return z
}

func startOutbound(port: Int, clock: ManualClock? = nil, configure: (inout PosternConfig) -> Void = { _ in }) async throws -> TestPostern {
    let t = try await TestPostern.start(resolver: FakeResolver(try outboundZone()), configure: configure) { options in
        options.delivery.remotePort = port
        options.delivery.clock = clock
    }
    try t.server.directory.addDomain("example.test")
    try t.server.directory.addUser("alice@example.test", password: .plain("alice-password"), admin: true)
    try t.server.directory.addUser("bob@example.test", password: .plain("bob-password"))
    return t
}

func swaks(port: Int, from: String = "alice@example.test", to: String, subject: String, body: String = "Hello from swaks") async throws -> ProgramResult {
    let path = try Program.path("swaks", package: "swaks")
    return try await Program.run(path, ["--server", "127.0.0.1", "--port", String(port), "--tls", "--auth", "PLAIN",
                                        "--auth-user", "alice@example.test", "--auth-password", "alice-password",
                                        "--from", from, "--to", to, "--header", "Subject: \(subject)", "--body", body,
                                        "--timeout", "20"])
}

func request(_ recipients: [String], from: String? = "alice@example.test", content: String = "From: alice@example.test\r\nSubject: test\r\n\r\nhello\r\n") -> EnqueueRequest {
    EnqueueRequest(reversePath: from.map { .mailbox(try! EmailAddress($0)) } ?? .null,
                   recipients: recipients.map { QueueRecipient(address: try! EmailAddress($0), transport: .remote) },
                   content: Array(content.utf8))
}

@Suite(.serialized) struct OutboundTests {
    /// swaks submits on 587 with STARTTLS and AUTH; the queue delivers to the recipient's
    /// MX (aiosmtpd) with opportunistic STARTTLS, and logs one line per attempt.
    @Test func swaksSubmissionToMXWithOpportunisticTLS() async throws {
        let ca = try await TestCA.make()
        defer { ca.remove() }
        let sink = try await AiosmtpdSink.start(["--tls-cert", ca.certificate, "--tls-key", ca.key])
        defer { sink.terminate() }
        let t = try await startOutbound(port: sink.port)
        let result = try await swaks(port: t.port("submission"), to: "friend@example.net", subject: "swaks to MX")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("250 2.0.0 OK: queued as"))
        await t.server.queue.settle()
        let messages = sink.messages
        #expect(messages.count == 1)
        let m = try #require(messages.first)
        #expect(m.mailFrom == "alice@example.test")
        #expect(m.recipients == ["friend@example.net"])
        #expect(m.tls)
        #expect(m.helo == "mail.example.test")
        #expect(m.content.contains("Subject: swaks to MX"))
        #expect(m.content.contains("by mail.example.test (Postern) with ESMTPSA"))
        #expect(!m.content.contains("127.0.0.1"))   // hide_client: the submitting client stays private
        let line = try #require(t.logs.lines.first { $0.contains("result=sent") })
        #expect(line.contains("to=<friend@example.net>"))
        #expect(line.contains("relay=mx.example.net[127.0.0.1]:\(sink.port)"))
        #expect(line.contains("tls=\"TLSv1.3 unverified") || line.contains("tls=TLSv1.3"))
        #expect(await t.server.queue.queuedIDs().isEmpty)
        try await t.stop()
        await sink.stop()
    }

    /// The relay: STARTTLS required and verified against the configured CA, AUTH with the
    /// password from a file.
    @Test func relayWithVerifiedTLSAndAuth() async throws {
        let ca = try await TestCA.make()
        defer { ca.remove() }
        let sink = try await AiosmtpdSink.start(["--tls-cert", ca.certificate, "--tls-key", ca.key, "--require-tls", "--auth", "apikey:s3cret-key"])
        defer { sink.terminate() }
        let secret = ca.directory + "/relay.secret"
        try "s3cret-key\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let t = try await startOutbound(port: 1) { c in
            var relay = RelayConfig()
            relay.host = "relay.example.test"
            relay.port = sink.port
            relay.username = "apikey"
            relay.passwordFile = secret
            relay.caCertificate = ca.caCertificate
            c.relay = relay
        }
        let result = try await swaks(port: t.port("submission"), to: "someone@example.org", subject: "via relay")
        #expect(result.status == 0, "\(result.output)")
        await t.server.queue.settle()
        let m = try #require(sink.messages.first)
        #expect(m.auth == "apikey")
        #expect(m.tls)
        #expect(m.recipients == ["someone@example.org"])
        let line = try #require(t.logs.lines.first { $0.contains("result=sent") })
        #expect(line.contains("relay=relay.example.test[127.0.0.1]:\(sink.port)"))
        #expect(line.contains("verified"))
        #expect(!t.logs.lines.contains { $0.contains("s3cret-key") })
        try await t.stop()
        await sink.stop()
    }

    /// The relay on port 465 style: TLS from the first byte, AUTH LOGIN when PLAIN is not
    /// offered.
    @Test func relayWithImplicitTLSAndAuthLogin() async throws {
        let ca = try await TestCA.make()
        defer { ca.remove() }
        let sink = try await AiosmtpdSink.start(["--tls-cert", ca.certificate, "--tls-key", ca.key, "--implicit-tls",
                                                 "--auth", "relayuser:pa ss", "--auth-login-only"])
        defer { sink.terminate() }
        let secret = ca.directory + "/relay.secret"
        try "pa ss\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let t = try await startOutbound(port: 1) { c in
            var relay = RelayConfig()
            relay.host = "relay.example.test"
            relay.port = sink.port
            relay.tls = .implicit
            relay.username = "relayuser"
            relay.passwordFile = secret
            relay.caCertificate = ca.caCertificate
            c.relay = relay
        }
        _ = try await t.server.queue.enqueue(request(["someone@example.org"]))
        await t.server.queue.settle()
        let m = try #require(sink.messages.first, "\(t.logs.lines.joined(separator: "\n"))")
        #expect(m.auth == "relayuser")
        #expect(m.tls)
        try await t.stop()
        await sink.stop()
    }

    /// RFC 6531: a UTF-8 address goes with SMTPUTF8 to a server that offers it, and comes
    /// back (5.6.7) from one that does not.
    @Test func smtputf8IsNegotiated() async throws {
        let utf8 = try await AiosmtpdSink.start(["--smtputf8"])
        defer { utf8.terminate() }
        let t = try await startOutbound(port: utf8.port)
        _ = try await t.server.queue.enqueue(request(["jürgen@example.net"]))
        await t.server.queue.settle()
        let m = try #require(utf8.messages.first)
        #expect(m.recipients == ["jürgen@example.net"])
        #expect(m.mailOptions.contains("SMTPUTF8"))
        try await t.stop()
        await utf8.stop()

        let ascii = try await AiosmtpdSink.start()
        defer { ascii.terminate() }
        let t2 = try await startOutbound(port: ascii.port)
        _ = try await t2.server.queue.enqueue(request(["jürgen@example.net"]))
        await t2.server.queue.settle()
        #expect(ascii.messages.isEmpty)
        let dsn = try #require(t2.inboxMessages("alice@example.test").first)
        #expect(dsn.contains("Status: 5.6.7"))
        #expect(dsn.contains("Final-Recipient: utf-8; jürgen@example.net"))
        try await t2.stop()
        await ascii.stop()
    }

    /// A relay whose certificate does not verify gets nothing: the message waits.
    @Test func relayWithUntrustedCertificateDefers() async throws {
        let ca = try await TestCA.make()
        defer { ca.remove() }
        let sink = try await AiosmtpdSink.start(["--tls-cert", ca.certificate, "--tls-key", ca.key])
        defer { sink.terminate() }
        let clock = ManualClock()
        let t = try await startOutbound(port: 1, clock: clock) { c in
            var relay = RelayConfig()
            relay.host = "relay.example.test"
            relay.port = sink.port
            c.relay = relay
        }
        _ = try await t.server.queue.enqueue(request(["someone@example.org"]))
        await t.server.queue.settle()
        #expect(sink.messages.isEmpty)
        #expect(await t.server.queue.queuedIDs().count == 1)
        let line = try #require(t.logs.lines.first { $0.contains("result=deferred") })
        #expect(line.contains("TLS"))
        try await t.stop()
        await sink.stop()
    }

    /// Per-recipient outcomes and retries without waiting: 451 once then accepted after the
    /// first backoff, 550 bounced at once (DSN to the local sender), 250 delivered.
    @Test func temporaryAndPermanentFailuresWithAManualClock() async throws {
        let sink = try await AiosmtpdSink.start()
        defer { sink.terminate() }
        let clock = ManualClock()
        let t = try await startOutbound(port: sink.port, clock: clock)
        _ = try await t.server.queue.enqueue(request(["ok@example.net", "tempfail-once-x@example.net", "reject-y@example.net"]))
        await t.server.queue.settle()
        #expect(sink.messages.map(\.recipients) == [["ok@example.net"]])
        let dsn = try #require(t.inboxMessages("alice@example.test").first)
        #expect(dsn.contains("Return-Path: <>"))
        #expect(dsn.contains("Final-Recipient: rfc822; reject-y@example.net"))
        #expect(dsn.contains("Status: 5.1.1"))
        #expect(dsn.contains("Remote-MTA: dns; mx.example.net"))
        #expect(!dsn.contains("Final-Recipient: rfc822; tempfail-once-x@example.net"))
        #expect(t.logs.lines.contains { $0.contains("result=deferred") && $0.contains("to=<tempfail-once-x@example.net>") && $0.contains("451 4.7.1") })
        clock.advance(by: 299)
        await t.server.queue.settle()
        #expect(sink.messages.count == 1)
        clock.advance(by: 1)
        await t.server.queue.settle()
        #expect(sink.messages.map(\.recipients) == [["ok@example.net"], ["tempfail-once-x@example.net"]])
        #expect(await t.server.queue.queuedIDs().isEmpty)
        try await t.stop()
        await sink.stop()
    }

    /// Postfix's smtp-sink scripted to refuse commands: 4xx defers, 5xx bounces, a 421 or a
    /// dropped connection defers; without a script, a pipelined delivery.
    @Test(arguments: [
        ([String](), "sent"),
        (["-r", "RCPT"], "deferred"),
        (["-f", "RCPT"], "bounced"),
        (["-r", "."], "deferred"),
        (["-f", "."], "bounced"),
        (["-f", "MAIL"], "bounced"),
        (["-Q", "MAIL"], "deferred"),
        (["-q", "DATA"], "deferred"),
    ])
    func scriptedRepliesFromSmtpSink(_ script: [String], _ outcome: String) async throws {
        let sink = try await PostfixSink.start(script)
        defer { sink.terminate() }
        let clock = ManualClock()
        let t = try await startOutbound(port: sink.port, clock: clock)
        _ = try await t.server.queue.enqueue(request(["someone@example.net"]))
        await t.server.queue.settle()
        let line = try #require(t.logs.lines.first { $0.contains("msg=delivery") || $0.contains(": delivery") || $0.contains("result=\(outcome)") },
                                "\(t.logs.lines.joined(separator: "\n"))")
        #expect(line.contains("result=\(outcome)"), "\(line)")
        switch outcome {
        case "sent":
            #expect(await eventually { sink.dumps.count == 1 })
            #expect(await t.server.queue.queuedIDs().isEmpty)
        case "deferred":
            #expect(await t.server.queue.queuedIDs().count == 1)
            #expect(t.inboxMessages("alice@example.test").isEmpty)
        default:
            #expect(await t.server.queue.queuedIDs().isEmpty)
            let dsn = try #require(t.inboxMessages("alice@example.test").first)
            #expect(dsn.contains("Action: failed"))
            #expect(dsn.contains("Diagnostic-Code: smtp; 5"))
        }
        try await t.stop()
        await sink.stop()
    }

    /// Content with bare LF and bare CR around dots (SMTP smuggling) leaves as one message
    /// whose lines are intact, through smtp-sink (pipelined) and aiosmtpd (not pipelined).
    @Test func smugglingSequencesStayInsideTheMessage() async throws {
        let body = "From: alice@example.test\nSubject: smuggle\n\nfirst\n.\nMAIL FROM:<evil@example.net>\r\n.\rRCPT TO:<victim@example.net>\r.\r\nDATA\n..\nend"
        let aio = try await AiosmtpdSink.start()
        defer { aio.terminate() }
        let t = try await startOutbound(port: aio.port)
        _ = try await t.server.queue.enqueue(request(["someone@example.net"], content: body))
        await t.server.queue.settle()
        #expect(aio.messages.count == 1)
        let m = try #require(aio.messages.first)
        #expect(m.content.hasSuffix("first\r\n.\r\nMAIL FROM:<evil@example.net>\r\n.\r\nRCPT TO:<victim@example.net>\r\n.\r\nDATA\r\n..\r\nend\r\n"))
        try await t.stop()
        await aio.stop()

        let sink = try await PostfixSink.start()

        defer { sink.terminate() }
        let t2 = try await startOutbound(port: sink.port)
        _ = try await t2.server.queue.enqueue(request(["someone@example.net"], content: body))
        await t2.server.queue.settle()
        #expect(await eventually { sink.dumps.count == 1 })
        #expect(sink.dumps.first?.contains("MAIL FROM:<evil@example.net>") == true)
        try await t2.stop()
        await sink.stop()
    }

    /// 8-bit content to a server without 8BITMIME goes out converted to quoted-printable
    /// (RFC 6152 §3); with 8BITMIME, as it is with BODY=8BITMIME.
    @Test func eightBitContentIsConvertedForServersWithout8BITMIME() async throws {
        let content = "From: alice@example.test\r\nSubject: accents\r\n\r\nGrüße aus Köln\r\n"
        let old = try await AiosmtpdSink.start(["--no-8bitmime"])
        defer { old.terminate() }
        let t = try await startOutbound(port: old.port)
        _ = try await t.server.queue.enqueue(request(["someone@example.net"], content: content))
        await t.server.queue.settle()
        let m = try #require(old.messages.first)
        #expect(!m.mailOptions.contains("BODY=8BITMIME"))
        #expect(m.content.contains("MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe aus K=C3=B6ln\r\n"))
        try await t.stop()
        await old.stop()

        let modern = try await AiosmtpdSink.start()
        defer { modern.terminate() }
        let t2 = try await startOutbound(port: modern.port)
        _ = try await t2.server.queue.enqueue(request(["someone@example.net"], content: content))
        await t2.server.queue.settle()
        let m2 = try #require(modern.messages.first)
        #expect(m2.mailOptions.contains("BODY=8BITMIME"))
        #expect(m2.content.contains("Grüße aus Köln"))
        try await t2.stop()
        await modern.stop()
    }

    /// RFC 7505 null MX and a domain that does not exist bounce without any connection;
    /// a public address is never contacted when delivery is restricted to loopback.
    @Test func nullMXAndMissingDomainsBounceAtOnce() async throws {
        let t = try await startOutbound(port: 9)
        _ = try await t.server.queue.enqueue(request(["x@nullmx.example", "y@nowhere.example", "z@public.example"]))
        await t.server.queue.settle()
        let dsn = try #require(t.inboxMessages("alice@example.test").first)
        #expect(dsn.contains("Final-Recipient: rfc822; x@nullmx.example"))
        #expect(dsn.contains("Status: 5.1.10"))
        #expect(dsn.contains("Final-Recipient: rfc822; y@nowhere.example"))
        #expect(dsn.contains("Status: 5.1.2"))
        #expect(!dsn.contains("z@public.example"))
        #expect(t.logs.lines.contains { $0.contains("to=<z@public.example>") && $0.contains("result=deferred") && $0.contains("loopback") })
        try await t.stop()
    }

    /// A bounce of mail from the null sender goes nowhere (no backscatter).
    @Test func noBounceForTheNullSender() async throws {
        let sink = try await AiosmtpdSink.start()
        defer { sink.terminate() }
        let t = try await startOutbound(port: sink.port)
        let events = t.server.queue.events()
        _ = try await t.server.queue.enqueue(request(["reject-me@example.net"], from: nil))
        await t.server.queue.settle()
        #expect(t.inboxMessages("alice@example.test").isEmpty)
        #expect(await t.server.queue.queuedIDs().isEmpty)
        try await t.stop()
        var suppressed = false
        for await e in events { if case .notificationSuppressed(_, "null sender") = e { suppressed = true } }
        #expect(suppressed)
        await sink.stop()
    }

    /// An alias forwarding outside (with a local copy): the sender is rewritten with SRS so
    /// the destination's SPF check passes; a bounce to the SRS address goes back to the
    /// original sender; a forged SRS address is refused.
    @Test func forwardingWithSRSAndTheBounceComingBack() async throws {
        let sink = try await AiosmtpdSink.start()
        defer { sink.terminate() }
        let t = try await startOutbound(port: sink.port)
        try t.server.directory.addAlias("bob@example.test", destinations: ["bob@example.test", "bob.elsewhere@example.net"])
        let c = try await LineClient.connect(port: t.port("smtp"))
        _ = await c.smtpReply()
        _ = try await { try await c.send("EHLO client.example.net"); return await c.smtpReplyLines() }()
        #expect(try await c.smtp("MAIL FROM:<sender@example.org>").hasPrefix("250"))
        #expect(try await c.smtp("RCPT TO:<bob@example.test>").hasPrefix("250"))
        #expect(try await c.smtp("DATA").hasPrefix("354"))
        try await c.sendRaw("From: sender@example.org\r\nSubject: forward me\r\n\r\nhi\r\n.\r\n")
        #expect(await c.smtpReply().hasPrefix("250"))
        await t.server.queue.settle()
        #expect(t.inboxMessages("bob@example.test").count == 1)
        let forwarded = try #require(sink.messages.first)
        #expect(forwarded.recipients == ["bob.elsewhere@example.net"])
        #expect(forwarded.mailFrom.hasPrefix("SRS0="))
        #expect(forwarded.mailFrom.hasSuffix("=example.org=sender@example.test"))

        // The destination bounces: to the SRS address, from the null sender.
        #expect(try await c.smtp("MAIL FROM:<>").hasPrefix("250"))
        #expect(try await c.smtp("RCPT TO:<\(forwarded.mailFrom)>").hasPrefix("250"))
        #expect(try await c.smtp("DATA").hasPrefix("354"))
        try await c.sendRaw("From: MAILER-DAEMON@example.net\r\nSubject: Undelivered\r\n\r\nbounce\r\n.\r\n")
        #expect(await c.smtpReply().hasPrefix("250"))
        await t.server.queue.settle()
        let returned = try #require(sink.messages.last)
        #expect(returned.recipients == ["sender@example.org"])
        #expect(returned.mailFrom == "<>")

        // A forged or altered SRS address is refused.
        #expect(try await c.smtp("RSET").hasPrefix("250"))
        #expect(try await c.smtp("MAIL FROM:<>").hasPrefix("250"))
        let forged = forwarded.mailFrom.replacingOccurrences(of: "=sender@", with: "=victim@")
        #expect(try await c.smtp("RCPT TO:<\(forged)>").hasPrefix("550 5.1.1"))
        _ = try await c.smtp("QUIT")
        try await t.stop()
        await sink.stop()
    }

    /// When the Maildir cannot be written, the message waits in the queue (250 to the
    /// client, as Postfix) and is delivered once the problem is gone.
    @Test func localDeliveryFailureIsQueued() async throws {
        let clock = ManualClock()
        let t = try await startOutbound(port: 9, clock: clock)
        let maildir = t.server.store.accountPath(try EmailAddress("bob@example.test"))
        try FileManager.default.createDirectory(atPath: (maildir as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try "not a directory".write(toFile: maildir, atomically: true, encoding: .utf8)
        let c = try await LineClient.connect(port: t.port("smtp"))
        _ = await c.smtpReply()
        _ = try await { try await c.send("EHLO client.example.net"); return await c.smtpReplyLines() }()
        #expect(try await c.smtp("MAIL FROM:<sender@example.org>").hasPrefix("250"))
        #expect(try await c.smtp("RCPT TO:<bob@example.test>").hasPrefix("250"))
        #expect(try await c.smtp("DATA").hasPrefix("354"))
        try await c.sendRaw("Subject: later\r\n\r\nhi\r\n.\r\n")
        #expect(await c.smtpReply().hasPrefix("250 2.0.0"))
        _ = try await c.smtp("QUIT")
        await t.server.queue.settle()
        #expect(await t.server.queue.queuedIDs().count == 1)
        #expect(t.logs.lines.contains { $0.contains("local delivery queued") })
        try FileManager.default.removeItem(atPath: maildir)
        clock.advance(by: 300)
        await t.server.queue.settle()
        let delivered = t.inboxMessages("bob@example.test")
        #expect(delivered.count == 1)
        #expect(delivered.first?.hasPrefix("Return-Path: <sender@example.org>\n") == true)
        #expect(delivered.first?.contains("\r") == false)
        #expect(await t.server.queue.queuedIDs().isEmpty)
        try await t.stop()
    }

    /// RFC 3461 §6.2.1: NOTIFY=SUCCESS on mail delivered while the client waits brings the
    /// sender a "delivered" report; without it, nothing.
    @Test func notifySuccessOnInboundMailReportsDelivery() async throws {
        let t = try await startOutbound(port: 9)
        let c = try await LineClient.connect(port: t.port("smtp"))
        _ = await c.smtpReply()
        _ = try await { try await c.send("EHLO client.example.net"); return await c.smtpReplyLines() }()
        #expect(try await c.smtp("MAIL FROM:<alice@example.test> RET=HDRS ENVID=trip-42").hasPrefix("250"))
        #expect(try await c.smtp("RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@example.test").hasPrefix("250"))
        #expect(try await c.smtp("DATA").hasPrefix("354"))
        try await c.sendRaw("Subject: tell me\r\n\r\nsecret body\r\n.\r\n")
        #expect(await c.smtpReply().hasPrefix("250 2.0.0"))
        #expect(try await c.smtp("MAIL FROM:<alice@example.test>").hasPrefix("250"))
        #expect(try await c.smtp("RCPT TO:<bob@example.test>").hasPrefix("250"))
        #expect(try await c.smtp("DATA").hasPrefix("354"))
        try await c.sendRaw("Subject: quietly\r\n\r\nhi\r\n.\r\n")
        #expect(await c.smtpReply().hasPrefix("250 2.0.0"))
        _ = try await c.smtp("QUIT")
        await t.server.queue.settle()
        #expect(t.inboxMessages("bob@example.test").count == 2)
        let reports = t.inboxMessages("alice@example.test")
        #expect(reports.count == 1)
        let report = try #require(reports.first)
        #expect(report.contains("Subject: Successful Mail Delivery Report"))
        #expect(report.contains("Original-Envelope-Id: trip-42"))
        #expect(report.contains("Original-Recipient: rfc822; Bob@example.test\nFinal-Recipient: rfc822; bob@example.test\nAction: delivered\nStatus: 2.0.0"))
        #expect(report.contains("Subject: tell me"))
        #expect(!report.contains("secret body"))
        #expect(await t.server.queue.queuedIDs().isEmpty)
        try await t.stop()
    }

    /// RFC 3461 §6.2.2: relayed to a server without DSN (aiosmtpd offers none), the sender
    /// hears "relayed", since no later report can come.
    @Test func notifySuccessThroughAServerWithoutDSNReportsRelayed() async throws {
        let sink = try await AiosmtpdSink.start()
        defer { sink.terminate() }
        let t = try await startOutbound(port: sink.port)
        var r = request(["friend@example.net"])
        r.recipients[0].notify = DSNNotify(success: true)
        _ = try await t.server.queue.enqueue(r)
        await t.server.queue.settle()
        #expect(sink.messages.count == 1)
        let report = try #require(t.inboxMessages("alice@example.test").first)
        #expect(report.contains("Final-Recipient: rfc822; friend@example.net\nAction: relayed\nStatus: 2."))
        #expect(report.contains("Remote-MTA: dns; mx.example.net"))
        try await t.stop()
        await sink.stop()
    }
}
