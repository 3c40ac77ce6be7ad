import Foundation
import Testing
import TestSupport

/// Real SMTP clients from Debian's packages against Postern.
@Suite(.serialized) struct SMTPInteropTests {
    @Test func swaksInboundAndSubmission() async throws {
        let swaks = try Program.path("swaks", package: "swaks")
        try await withServer { t in
            let inbound = try await Program.run(swaks, [
                "--server", "127.0.0.1", "--port", "\(t.port("smtp"))", "--helo", "client.example.net",
                "--from", "sender@example.net", "--to", "alice@example.test", "--header", "Subject: from swaks",
                "--body", "inbound via swaks", "--pipeline", "--tls"])
            #expect(inbound.status == 0, "\(inbound.output)")
            #expect(inbound.stdout.contains("250 2.0.0 OK: queued as"))
            let submission = try await Program.run(swaks, [
                "--server", "127.0.0.1", "--port", "\(t.port("submission"))", "--helo", "client.example.net",
                "--from", "bob@example.test", "--to", "alice@example.test", "--tls",
                "--auth", "PLAIN", "--auth-user", "bob@example.test", "--auth-password", "bob-password",
                "--header", "Subject: submitted with swaks", "--body", "hello alice"])
            #expect(submission.status == 0, "\(submission.output)")
            #expect(submission.stdout.contains("235 2.7.0"))
            // Implicit TLS on the submissions port.
            let implicit = try await Program.run(swaks, [
                "--server", "127.0.0.1", "--port", "\(t.port("submissions"))", "--tlsc", "--helo", "client.example.net",
                "--from", "bob@example.test", "--to", "alice@example.test",
                "--auth", "LOGIN", "--auth-user", "bob@example.test", "--auth-password", "bob-password"])
            #expect(implicit.status == 0, "\(implicit.output)")
            let messages = t.inboxMessages("alice@example.test")
            #expect(messages.count == 3)
            #expect(messages.contains { $0.contains("Subject: from swaks") && $0.contains("with ESMTPS") })
            #expect(messages.contains { $0.contains("Subject: submitted with swaks") && $0.contains("with ESMTPSA") })
        }
    }

    @Test func pythonSmtplibWithSMTPUTF8AndBDAT() async throws {
        let python = try Program.path("python3", package: "python3")
        try await withServer { t in
            try t.server.directory.addUser("jörg@example.test", password: .plain("pw-jörg"))
            let script = """
                import smtplib, ssl, sys
                port = int(sys.argv[1])
                s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.example.net", timeout=10)
                s.ehlo()
                assert s.has_extn("smtputf8") and s.has_extn("8bitmime") and s.has_extn("chunking"), s.esmtp_features
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                s.starttls(context=ctx)
                s.ehlo()
                msg = "From: sender@example.net\\r\\nTo: jörg@example.test\\r\\nSubject: grüße\\r\\n\\r\\nviel spaß\\r\\n".encode()
                refused = s.sendmail("sender@example.net", ["jörg@example.test", "nobody@example.test"], msg,
                                     mail_options=["SMTPUTF8", "BODY=8BITMIME"])
                assert list(refused) == ["nobody@example.test"] and refused["nobody@example.test"][0] == 550, refused
                # BDAT outside a transaction: the chunk is consumed, then refused.
                s.send(b"BDAT 4 LAST\\r\\nabcd")
                code, _ = s.getreply()
                assert code == 503, code
                assert s.noop()[0] == 250
                s.quit()
                """
            let r = try await Program.run(python, ["-c", script, "\(t.port("smtp"))"])
            #expect(r.status == 0, "\(r.output)")
            let m = t.inboxMessages("jörg@example.test").first ?? ""
            #expect(m.contains("Subject: grüße") && m.contains("viel spaß") && m.contains("with UTF8SMTPS"))
        }
    }

    @Test func postfixSmtpSourceManyConnections() async throws {
        let source = try Program.path("smtp-source", package: "postfix")
        try await withServer { t in
            let r = try await Program.run(source, ["-s", "5", "-m", "40", "-l", "2048", "-M", "client.example.net",
                                                   "-f", "sender@example.net", "-t", "alice@example.test", "127.0.0.1:\(t.port("smtp"))"],
                                          timeout: .seconds(60))
            #expect(r.status == 0, "\(r.output)")
            #expect(t.inbox("alice@example.test").count == 40)
        }
    }
}
