import Config
import DNSClient
import Foundation
import Testing
import TestSupport

/// One SMTP session against a test server: greeting read, EHLO sent.
func session(_ t: TestPostern, helo: String = "client.example.net", listener: String = "smtp") async throws -> LineClient {
    let c = try await LineClient.connect(port: t.port(listener))
    let greeting = await c.smtpReply()
    #expect(greeting.hasPrefix("220 "), "greeting: \(greeting)")
    if !helo.isEmpty {
        try await c.send("EHLO \(helo)")
        _ = await c.smtpReplyLines()
    }
    return c
}

/// The code and enhanced code of a reply line: "550 5.1.1".
func codes(_ reply: String) -> String {
    String(reply.prefix(9))
}

@Suite(.serialized) struct SMTPPolicyTests {
    @Test func heloRequiredAndHeloChecks() async throws {
        try await withServer() { t in
            let c = try await session(t, helo: "")
            // smtpd_helo_required
            #expect(codes(try await c.smtp("MAIL FROM:<a@example.net>")) == "503 5.5.1")
            // Invalid names are refused at once; the others at RCPT (smtpd_delay_reject).
            #expect(codes(try await c.smtp("EHLO bad_name!")) == "501 5.5.2")
            #expect(try await c.smtp("EHLO [192.0.2.1]").hasPrefix("250 "))
            #expect(try await c.smtp("EHLO localhost").hasPrefix("250 "))
            #expect(try await c.smtp("MAIL FROM:<a@example.net>").hasPrefix("250 "))
            #expect(codes(try await c.smtp("RCPT TO:<alice@example.test>")) == "554 5.5.2")   // non-FQDN
            #expect(try await c.smtp("EHLO unknown-host.example.net").hasPrefix("250 "))
            #expect(try await c.smtp("MAIL FROM:<a@example.net>").hasPrefix("250 "))
            let unknown = try await c.smtp("RCPT TO:<alice@example.test>")
            #expect(codes(unknown) == "554 5.7.1" && unknown.contains("Helo command rejected: Host not found"))
            #expect(try await c.smtp("EHLO client.example.net").hasPrefix("250 "))
            #expect(try await c.smtp("MAIL FROM:<a@example.net>").hasPrefix("250 "))
            #expect(codes(try await c.smtp("RCPT TO:<alice@example.test>")) == "250 2.1.5")
            await c.close()
        }
    }

    @Test func senderDomainChecks() async throws {
        var zone = try inboundZone()
        try zone.a("slow.example", "192.0.2.40")
        try await withServer(zone) { t in
            let c = try await session(t)
            func tryFrom(_ sender: String) async throws -> String {
                _ = try await c.smtp("RSET")
                let mail = try await c.smtp("MAIL FROM:<\(sender)>")
                guard mail.hasPrefix("250") else { return mail }
                return try await c.smtp("RCPT TO:<alice@example.test>")
            }
            #expect(codes(try await tryFrom("a@example.net")) == "250 2.1.5")          // MX
            #expect(codes(try await tryFrom("a@addressonly.example")) == "250 2.1.5")  // implicit MX (A)
            let nullmx = try await tryFrom("a@nullmx.example")
            #expect(nullmx == "550 5.7.27 <nullmx.example>: Sender address rejected: Domain nullmx.example does not accept mail (nullMX)")
            #expect(codes(try await tryFrom("a@nowhere.example")) == "554 5.1.8")       // NXDOMAIN
            #expect(codes(try await tryFrom("a@broken.example")) == "450 4.1.8")        // SERVFAIL: never 5xx
            #expect(codes(try await tryFrom("")) == "250 2.1.5")                         // null sender
            #expect(codes(try await tryFrom("a@example.test")) == "250 2.1.5")           // hosted domain
            await c.close()
        }
    }

    @Test func strictEnvelopesAndSyntax() async throws {
        try await withServer() { t in
            let c = try await session(t)
            #expect(codes(try await c.smtp("MAIL FROM:a@example.net")) == "501 5.5.4")
            #expect(codes(try await c.smtp("MAIL FROM:<a@example.net> FOO=BAR")) == "555 5.5.4")
            #expect(try await c.smtp("MAIL FROM:<a@example.net>").hasPrefix("250"))
            #expect(codes(try await c.smtp("RCPT TO:alice@example.test")) == "501 5.5.4")
            #expect(codes(try await c.smtp("RCPT TO:<jörg@example.test>")) == "553 5.6.7")   // needs SMTPUTF8
            #expect(codes(try await c.smtp("VRFY alice")) == "502 5.5.1")
            #expect(codes(try await c.smtp("EXPN staff")) == "502 5.5.1")
            #expect(codes(try await c.smtp("XYZZY")) == "500 5.5.2")
            await c.close()
        }
    }

    @Test func neverAnOpenRelay() async throws {
        try await withServer() { t in
            let c = try await session(t)
            #expect(try await c.smtp("MAIL FROM:<a@example.net>").hasPrefix("250"))
            for rcpt in ["victim@elsewhere.example",                    // plain relay attempt
                         "victim%elsewhere.example@example.test",       // percent hack
                         "@example.test:victim@elsewhere.example",      // source route to a foreign mailbox
                         "\"victim@elsewhere.example\"@example.test",   // quoted local part with @
                         "elsewhere.example!victim@example.test"] {     // bang path
                let reply = try await c.smtp("RCPT TO:<\(rcpt)>")
                #expect(reply.hasPrefix("554 5.7.1") || reply.hasPrefix("550 5.1.1"), "\(rcpt): \(reply)")
            }
            #expect(codes(try await c.smtp("RCPT TO:<victim@elsewhere.example>")) == "554 5.7.1")
            #expect(try await c.smtp("RCPT TO:<victim@elsewhere.example>").contains("Relay access denied"))
            #expect(codes(try await c.smtp("DATA")) == "554 5.5.1")
            await c.close()
            #expect(t.inbox("alice@example.test").isEmpty)
        }
    }

    @Test func recipientsAliasesPlusAndPostmaster() async throws {
        try await withServer() { t in
            try t.server.directory.addAlias("team@example.test", destinations: ["alice@example.test", "bob@example.test"])
            let c = try await session(t)
            #expect(try await c.smtp("MAIL FROM:<a@example.net>").hasPrefix("250"))
            #expect(codes(try await c.smtp("RCPT TO:<nobody@example.test>")) == "550 5.1.1")
            #expect(codes(try await c.smtp("RCPT TO:<team@example.test>")) == "250 2.1.5")
            #expect(codes(try await c.smtp("RCPT TO:<bob+lists@example.test>")) == "250 2.1.5")
            #expect(codes(try await c.smtp("RCPT TO:<Postmaster@example.test>")) == "250 2.1.5")
            #expect(try await c.smtp("DATA").hasPrefix("354"))
            try await c.sendRaw("Subject: team\r\n\r\nhello team\r\n.\r\n")
            #expect(codes(await c.smtpReply()) == "250 2.0.0")
            await c.close()
            // Received once, delivered to each account once: alice (team, postmaster), bob (team, bob+lists).
            #expect(t.inbox("alice@example.test").count == 1)
            #expect(t.inbox("bob@example.test").count == 1)
            // One file, hard-linked: the same inode in both Maildirs.
            let a = try FileManager.default.attributesOfItem(atPath: t.inbox("alice@example.test")[0])[.systemFileNumber] as? Int
            let b = try FileManager.default.attributesOfItem(atPath: t.inbox("bob@example.test")[0])[.systemFileNumber] as? Int
            #expect(a != nil && a == b)
        }
    }

    @Test func blocklistsNameTheListAndTimeoutsPass() async throws {
        var zone = try inboundZone()
        // 127.0.0.1 listed on one list; another list times out; the sender domain on a domain list.
        try zone.a("1.0.0.127.zen.example", "127.0.0.2")
        try zone.timeout("1.0.0.127.slow-list.example")
        try zone.a("spammer.example.dbl.example", "127.0.1.2")
        try zone.mx("spammer.example", (10, "mx.example.net"))
        let listed = try await startServer(zone) { c in c.smtp.dnsbl = ["zen.example"]; c.dns.timeout = .milliseconds(200) }
        let c = try await session(listed)
        _ = try await c.smtp("MAIL FROM:<a@example.net>")
        let r = try await c.smtp("RCPT TO:<alice@example.test>")
        #expect(r == "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.example")
        await c.close()
        try await listed.stop()

        let slow = try await startServer(zone) { c in c.smtp.dnsbl = ["slow-list.example"]; c.smtp.rhsbl = ["dbl.example"] }
        let d = try await session(slow)
        _ = try await d.smtp("MAIL FROM:<a@example.net>")
        #expect(codes(try await d.smtp("RCPT TO:<alice@example.test>")) == "250 2.1.5")   // a blocklist timeout is a pass
        _ = try await d.smtp("RSET")
        _ = try await d.smtp("MAIL FROM:<a@spammer.example>")
        let rhsbl = try await d.smtp("RCPT TO:<alice@example.test>")
        #expect(rhsbl == "554 5.7.1 Service unavailable; Sender address <a@spammer.example> blocked using dbl.example")
        await d.close()
        try await slow.stop()
    }

    @Test func trustedNetworksSkipReputationChecksButNeverRelay() async throws {
        try await withServer(configure: { c in c.smtp.trustedNetworks = [Network(parsing: "127.0.0.0/8")!] }) { t in
            let c = try await session(t, helo: "localhost")
            #expect(try await c.smtp("MAIL FROM:<a@nowhere.example>").hasPrefix("250"))
            #expect(codes(try await c.smtp("RCPT TO:<alice@example.test>")) == "250 2.1.5")
            #expect(codes(try await c.smtp("RCPT TO:<x@elsewhere.example>")) == "554 5.7.1")
            await c.close()
        }
    }
}
