import DNSClient
import Foundation
import Testing
import TestSupport

/// The zone every inbound test starts from: a sender domain with MX, a HELO name with an
/// address, a null-MX domain, a domain that does not exist, a SERVFAIL domain.
func inboundZone() throws -> TestDNSZone {
    var z = TestDNSZone()
    try z.a("client.example.net", "192.0.2.10")
    try z.mx("example.net", (10, "mx.example.net"))
    try z.a("mx.example.net", "192.0.2.20")
    try z.a("addressonly.example", "192.0.2.30")
    try z.nullMX("nullmx.example")
    try z.nxdomain("nowhere.example")
    try z.serverFailure("broken.example")
    return z
}

func startServer(_ zone: TestDNSZone? = nil, configure: (inout Config.PosternConfig) -> Void = { _ in }) async throws -> TestPostern {
    let resolver = FakeResolver(try zone ?? inboundZone())
    let t = try await TestPostern.start(resolver: resolver, configure: configure)
    try t.server.directory.addDomain("example.test")
    try t.server.directory.addUser("alice@example.test", password: .plain("alice-password"), admin: true)
    try t.server.directory.addUser("bob@example.test", password: .plain("bob-password"))
    return t
}

/// Runs `body` with a started server and always stops it.
func withServer(_ zone: TestDNSZone? = nil, configure: (inout Config.PosternConfig) -> Void = { _ in },
                _ body: (TestPostern) async throws -> Void) async throws {
    let t = try await startServer(zone, configure: configure)
    do {
        try await body(t)
    } catch {
        try? await t.stop()
        throw error
    }
    try await t.stop()
}

@Suite struct SMTPInboundTests {
    @Test func acceptsAndDeliversToMaildir() async throws {
        let t = try await startServer()
        let c = try await LineClient.connect(port: t.port("smtp"))
        let greeting = await c.smtpReply()
        #expect(greeting.hasPrefix("220 mail.example.test ESMTP"))
        let ehlo = try await { try await c.send("EHLO client.example.net"); return await c.smtpReplyLines() }()
        #expect(ehlo.contains("250-PIPELINING") && ehlo.contains("250-STARTTLS") && ehlo.contains("250-CHUNKING"))
        #expect(!ehlo.contains { $0.contains("AUTH") })
        #expect(try await c.smtp("MAIL FROM:<sender@example.net>").hasPrefix("250 2.1.0"))
        #expect(try await c.smtp("RCPT TO:<alice@example.test>").hasPrefix("250 2.1.5"))
        #expect(try await c.smtp("DATA").hasPrefix("354"))
        try await c.sendRaw("Subject: hello\r\nFrom: sender@example.net\r\n\r\nHi Alice\r\n..dot\r\n.\r\n")
        let reply = await c.smtpReply()
        #expect(reply.hasPrefix("250 2.0.0 OK: queued as "))
        #expect(try await c.smtp("QUIT").hasPrefix("221"))
        let messages = t.inboxMessages("alice@example.test")
        #expect(messages.count == 1)
        let m = messages.first ?? ""
        #expect(m.hasPrefix("Return-Path: <sender@example.net>\n"))
        #expect(m.contains("Received: from client.example.net (unknown [127.0.0.1])"))
        #expect(m.hasSuffix("Subject: hello\nFrom: sender@example.net\n\nHi Alice\n.dot\n"))
        try await t.stop()
    }
}

import Config
