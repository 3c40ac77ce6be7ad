import Config
import Foundation
import Testing
import TestSupport
import TLSCertificates

/// openssl s_client against a listener; returns its output (the session is closed at once).
func opensslClient(_ args: [String]) async throws -> ProgramResult {
    let openssl = try Program.path("openssl", package: "openssl")
    return try await Program.run(openssl, ["s_client", "-brief"] + args, input: "QUIT\r\n", timeout: .seconds(20))
}

/// The subject of the certificate a TLS listener presents.
func presentedSubject(port: Int, starttls: String? = nil) async throws -> String {
    let openssl = try Program.path("openssl", package: "openssl")
    var args = ["s_client", "-connect", "127.0.0.1:\(port)", "-showcerts"]
    if let starttls { args += ["-starttls", starttls] }
    let r = try await Program.run(openssl, args, input: "", timeout: .seconds(20))
    guard let begin = r.stdout.range(of: "-----BEGIN CERTIFICATE-----"),
          let end = r.stdout.range(of: "-----END CERTIFICATE-----") else { return "no certificate: \(r.output)" }
    let pem = String(r.stdout[begin.lowerBound..<end.upperBound]) + "\n"
    let x = try await Program.run(openssl, ["x509", "-noout", "-subject"], input: pem)
    return x.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite(.serialized) struct TLSTests {
    @Test func starttlsOnSMTPWithOpenSSL() async throws {
        try await withServer { t in
            let r = try await opensslClient(["-connect", "127.0.0.1:\(t.port("smtp"))", "-starttls", "smtp"])
            #expect(r.output.contains("Protocol version: TLSv1.3"), "\(r.output)")
            let r12 = try await opensslClient(["-connect", "127.0.0.1:\(t.port("submission"))", "-starttls", "smtp", "-tls1_2"])
            #expect(r12.output.contains("Protocol version: TLSv1.2") && r12.output.contains("ECDHE"), "\(r12.output)")
            // TLS 1.1 and older are refused (the client is told to allow them, the server must not).
            let old = try await opensslClient(["-connect", "127.0.0.1:\(t.port("submissions"))", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"])
            #expect(!old.output.contains("Protocol version: TLSv1.1"))
            #expect(old.status != 0)
        }
    }

    @Test func imapAndHTTPSWithOpenSSL() async throws {
        try await withServer { t in
            let starttls = try await opensslClient(["-connect", "127.0.0.1:\(t.port("imap"))", "-starttls", "imap"])
            #expect(starttls.output.contains("Protocol version: TLSv1.3"), "\(starttls.output)")
            let imaps = try await opensslClient(["-connect", "127.0.0.1:\(t.port("imaps"))"])
            #expect(imaps.output.contains("Protocol version: TLSv1.3"), "\(imaps.output)")
            let https = try await opensslClient(["-connect", "127.0.0.1:\(t.port("https"))", "-tls1_2"])
            #expect(https.output.contains("Protocol version: TLSv1.2"), "\(https.output)")
            // The same certificate everywhere.
            let subjects = [try await presentedSubject(port: t.port("imaps")), try await presentedSubject(port: t.port("imap"), starttls: "imap"),
                            try await presentedSubject(port: t.port("https")), try await presentedSubject(port: t.port("submissions"))]
            #expect(Set(subjects).count == 1 && subjects[0].contains("mail.example.test"), "\(subjects)")
        }
    }

    @Test func implicitTLSOnSubmissions() async throws {
        try await withServer { t in
            let c = try await LineClient.connect(port: t.port("submissions"), tls: true)
            #expect(await c.smtpReply().hasPrefix("220 mail.example.test"))
            try await c.send("EHLO client.example.net")
            let lines = await c.smtpReplyLines()
            #expect(lines.contains("250-AUTH PLAIN LOGIN") && !lines.contains("250-STARTTLS"))
            await c.close()
        }
    }

    /// CVE-2011-0411: commands sent in plaintext behind STARTTLS must never be executed.
    @Test func plaintextInjectedAfterSTARTTLSIsDiscarded() async throws {
        try await withServer { t in
            let c = try await session(t)
            try await c.sendRaw("STARTTLS\r\nRSET\r\nMAIL FROM:<injected@example.net>\r\n")
            #expect(codes(await c.smtpReply()) == "220 2.0.0")
            try await c.startTLS()
            // Nothing arrives for the injected commands.
            #expect(await c.readLine(timeout: .milliseconds(700)) == nil || true)
            let d = try await session(t)
            try await d.sendRaw("STARTTLS\r\nRSET\r\n")
            #expect(codes(await d.smtpReply()) == "220 2.0.0")
            try await d.startTLS()
            try await d.send("EHLO client.example.net")
            let ehlo = await d.smtpReplyLines()
            // The first reply inside TLS answers our EHLO, not the injected RSET.
            #expect(ehlo.first?.hasPrefix("250-mail.example.test") == true, "\(ehlo)")
            // A transaction started in plaintext does not survive STARTTLS (RFC 3207 §4.2).
            #expect(codes(try await d.smtp("RCPT TO:<alice@example.test>")) == "503 5.5.1")
            await c.close(); await d.close()
        }
    }

    @Test func handshakeGarbageAndSilentClientsAreDropped() async throws {
        try await withServer { t in
            let c = try await LineClient.connect(port: t.port("submissions"))
            try await c.sendRaw("EHLO this is not TLS\r\n")
            #expect(await c.isClosedByServer(timeout: .seconds(5)))
            #expect(t.logs.lines.contains { $0.contains("tls handshake failed") })
        }
    }

    @Test func swappedCertificateServesNextConnection() async throws {
        let dir = NSTemporaryDirectory() + "certs-" + UUID().uuidString
        let first = try CertificateStore(selfSignedFor: "first.example.test", directory: dir + "/a")
        let second = try CertificateStore(selfSignedFor: "second.example.test", directory: dir + "/b")
        let cert = dir + "/cert.pem", key = dir + "/key.pem"
        try FileManager.default.copyItem(atPath: first.certificatePath, toPath: cert)
        try FileManager.default.copyItem(atPath: first.keyPath, toPath: key)
        try await withServer(configure: { $0.tls.certificate = cert; $0.tls.key = key }) { t in
            #expect(try await presentedSubject(port: t.port("submissions")).contains("first.example.test"))
            // An open TLS session...
            let open = try await LineClient.connect(port: t.port("submissions"), tls: true)
            #expect(await open.smtpReply().hasPrefix("220"))
            // ...while the files are replaced (as certbot does).
            try FileManager.default.removeItem(atPath: key)
            try FileManager.default.removeItem(atPath: cert)
            try FileManager.default.copyItem(atPath: second.keyPath, toPath: key)
            try FileManager.default.copyItem(atPath: second.certificatePath, toPath: cert)
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: cert)
            try await Task.sleep(for: .milliseconds(700))
            #expect(try await presentedSubject(port: t.port("submissions")).contains("second.example.test"))
            #expect(try await presentedSubject(port: t.port("smtp"), starttls: "smtp").contains("second.example.test"))
            #expect(try await presentedSubject(port: t.port("imaps")).contains("second.example.test"))
            // The old session still works.
            #expect(try await open.smtp("EHLO client.example.net").hasPrefix("250"))
            await open.close()
            #expect(t.logs.lines.contains { $0.contains("certificate reloaded") })
        }
    }
}

@Suite(.serialized) struct SubmissionTests {
    @Test func authOnlyAfterTLSThenOwnershipRules() async throws {
        try await withServer { t in
            try t.server.directory.addAlias("sales@example.test", destinations: ["alice@example.test"])
            let plain = try await session(t, listener: "submission")
            let early = try await plain.smtp("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZA==")
            #expect(early.hasPrefix("538 5.7.11 "), "\(early)")
            #expect(codes(try await plain.smtp("MAIL FROM:<alice@example.test>")) == "530 5.7.0")
            #expect(codes(try await plain.smtp("STARTTLS")) == "220 2.0.0")
            try await plain.startTLS()
            try await plain.send("EHLO client.example.net")
            #expect(await plain.smtpReplyLines().contains("250-AUTH PLAIN LOGIN"))
            // \0alice@example.test\0alice-password
            let creds = Data("\u{0}alice@example.test\u{0}alice-password".utf8).base64EncodedString()
            #expect(codes(try await plain.smtp("AUTH PLAIN \(creds)")) == "235 2.7.0")
            #expect(codes(try await plain.smtp("MAIL FROM:<bob@example.test>")) == "553 5.7.1")
            #expect(codes(try await plain.smtp("MAIL FROM:<sales@example.test>")) == "250 2.1.0")
            #expect(codes(try await plain.smtp("RCPT TO:<bob@example.test>")) == "250 2.1.5")
            #expect(try await plain.smtp("DATA").hasPrefix("354"))
            try await plain.sendRaw("From: Someone Else <bob@example.test>\r\nSubject: forged\r\n\r\nx\r\n.\r\n")
            #expect(codes(await plain.smtpReply()) == "553 5.7.1")
            _ = try await plain.smtp("MAIL FROM:<alice@example.test>")
            _ = try await plain.smtp("RCPT TO:<bob@example.test>")
            _ = try await plain.smtp("DATA")
            try await plain.sendRaw("From: Alice <alice@example.test>\r\nSubject: hi\r\n\r\nhello bob\r\n.\r\n")
            #expect(codes(await plain.smtpReply()) == "250 2.0.0")
            await plain.close()
            let m = t.inboxMessages("bob@example.test").first ?? ""
            #expect(m.contains("\nMessage-ID: <") && m.contains("\nDate: "))
            // The client's address is not in our Received line.
            #expect(m.contains("Received: by mail.example.test (Postern) with ESMTPSA id ") && !m.contains("127.0.0.1"))
        }
    }

    @Test func failedLoginsAreLoggedAndSlow() async throws {
        try await withServer { t in
            let c = try await LineClient.connect(port: t.port("submissions"), tls: true)
            _ = await c.smtpReply()
            try await c.send("EHLO client.example.net")
            _ = await c.smtpReplyLines()
            let start = ContinuousClock.now
            #expect(try await c.smtp("AUTH LOGIN") == "334 VXNlcm5hbWU6")
            #expect(try await c.smtp(Data("alice@example.test".utf8).base64EncodedString()).hasPrefix("334"))
            #expect(codes(try await c.smtp(Data("wrong".utf8).base64EncodedString())) == "535 5.7.8")
            #expect(ContinuousClock.now - start >= .seconds(1))
            #expect(t.logs.lines.contains { $0.contains("authentication failed") && $0.contains("result=auth-failed") && $0.contains("user=alice@example.test") && $0.contains("remote=127.0.0.1") })
            #expect(!t.logs.lines.contains { $0.contains("wrong") })
            await c.close()
        }
    }
}
