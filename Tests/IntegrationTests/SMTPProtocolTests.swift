import Config
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct SMTPSessionIntegrationTests {
    @Test func sizeLimitAtMailAndDuringData() async throws {
        try await withServer(configure: { $0.smtp.maxMessageSize = 2000 }) { t in
            let c = try await session(t)
            #expect(codes(try await c.smtp("MAIL FROM:<a@example.net> SIZE=2001")) == "552 5.3.4")
            #expect(try await c.smtp("MAIL FROM:<a@example.net> SIZE=100").hasPrefix("250"))
            #expect(try await c.smtp("RCPT TO:<alice@example.test>").hasPrefix("250"))
            #expect(try await c.smtp("DATA").hasPrefix("354"))
            // The client lied about SIZE: the content is read to the end, then refused.
            try await c.sendRaw("Subject: big\r\n\r\n" + String(repeating: "x", count: 3000) + "\r\n.\r\n")
            #expect(codes(await c.smtpReply()) == "552 5.3.4")
            // The session is still usable.
            #expect(try await c.smtp("MAIL FROM:<a@example.net>").hasPrefix("250"))
            await c.close()
            #expect(t.inbox("alice@example.test").isEmpty)
        }
    }

    @Test func chunkingWithBDAT() async throws {
        try await withServer { t in
            let c = try await session(t)
            #expect(try await c.smtp("MAIL FROM:<a@example.net> BODY=BINARYMIME").hasPrefix("250"))
            #expect(try await c.smtp("RCPT TO:<alice@example.test>").hasPrefix("250"))
            let part1 = "Subject: chunks\r\n\r\nfirst "
            let part2 = "second\r\n.not a terminator\r\n"
            try await c.sendRaw("BDAT \(part1.utf8.count)\r\n\(part1)")
            #expect(codes(await c.smtpReply()) == "250 2.0.0")
            try await c.sendRaw("BDAT \(part2.utf8.count) LAST\r\n\(part2)")
            #expect(codes(await c.smtpReply()) == "250 2.0.0")
            // A BDAT without a transaction is refused, its bytes consumed.
            try await c.sendRaw("BDAT 5\r\nNOOP\r")
            #expect(codes(await c.smtpReply()) == "503 5.5.1")
            #expect(try await c.smtp("NOOP").hasPrefix("250"))
            await c.close()
            #expect(t.inboxMessages("alice@example.test").first?.hasSuffix("Subject: chunks\n\nfirst second\n.not a terminator\n") == true)
        }
    }

    /// SMTP smuggling (CVE-2023-51766 class): a second message hidden behind a bare-LF dot
    /// must stay content of the first; nothing of it becomes a command.
    @Test func smugglingAttemptsStayContent() async throws {
        try await withServer { t in
            let c = try await session(t)
            _ = try await c.smtp("MAIL FROM:<a@example.net>")
            _ = try await c.smtp("RCPT TO:<alice@example.test>")
            #expect(try await c.smtp("DATA").hasPrefix("354"))
            try await c.sendRaw("Subject: one\r\n\r\nhello\n.\nMAIL FROM:<evil@example.net>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
                                + "Subject: smuggled\r\n\r\nx\r\n\r.\r\nRSET\r\n.\r\n")
            #expect(codes(await c.smtpReply()) == "250 2.0.0")
            #expect(try await c.smtp("QUIT").hasPrefix("221"))
            #expect(t.inbox("bob@example.test").isEmpty)
            let m = t.inboxMessages("alice@example.test")
            #expect(m.count == 1)
            #expect(m.first?.contains("hello\n.\nMAIL FROM:<evil@example.net>\nRCPT TO:<bob@example.test>\nDATA\nSubject: smuggled\n") == true)
        }
    }

    @Test func pipelinedGroupIsAnsweredInOrder() async throws {
        try await withServer { t in
            let c = try await session(t)
            try await c.sendRaw("MAIL FROM:<a@example.net>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<nobody@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")
            #expect(codes(await c.smtpReply()) == "250 2.1.0")
            #expect(codes(await c.smtpReply()) == "250 2.1.5")
            #expect(codes(await c.smtpReply()) == "550 5.1.1")
            #expect(codes(await c.smtpReply()) == "250 2.1.5")
            #expect(await c.smtpReply().hasPrefix("354"))
            try await c.sendRaw("Subject: p\r\n\r\nbody\r\n.\r\nQUIT\r\n")
            #expect(codes(await c.smtpReply()) == "250 2.0.0")
            #expect(await c.smtpReply().hasPrefix("221"))
            #expect(t.inbox("alice@example.test").count == 1 && t.inbox("bob@example.test").count == 1)
        }
    }

    @Test func contentBefore354IsRefused() async throws {
        try await withServer { t in
            let c = try await session(t)
            try await c.sendRaw("MAIL FROM:<a@example.net>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubject: spam\r\n\r\nbuy\r\n.\r\n")
            #expect(codes(await c.smtpReply()) == "250 2.1.0")
            #expect(codes(await c.smtpReply()) == "250 2.1.5")
            #expect(codes(await c.smtpReply()) == "554 5.5.1")
            #expect(await c.isClosedByServer())
            #expect(t.inbox("alice@example.test").isEmpty)
        }
    }

    @Test func earlyTalkerIsRefusedAndPolitePassIsRemembered() async throws {
        try await withServer(configure: { $0.smtp.greetDelay = .milliseconds(300) }) { t in
            // Talks first: refused.
            let rude = try await LineClient.connect(port: t.port("smtp"))
            try await rude.send("EHLO spambot.example")
            #expect(codes(await rude.smtpReply()) == "554 5.5.1")
            #expect(codes(try await rude.smtp("MAIL FROM:<a@example.net>")) == "554 5.5.1")
            #expect(try await rude.smtp("QUIT").hasPrefix("221"))
            #expect(t.logs.lines.contains { $0.contains("pregreet violation") && $0.contains("result=rejected") })
            // Waits: greeted after the delay, and next time at once.
            let start = ContinuousClock.now
            let polite = try await LineClient.connect(port: t.port("smtp"))
            #expect(await polite.smtpReply().hasPrefix("220"))
            #expect(ContinuousClock.now - start >= .milliseconds(290))
            await polite.close()
            let again = ContinuousClock.now
            let returning = try await LineClient.connect(port: t.port("smtp"))
            #expect(await returning.smtpReply().hasPrefix("220"))
            #expect(ContinuousClock.now - again < .milliseconds(250))
            await returning.close()
        }
    }

    @Test func longLinesTooManyRecipientsAndErrors() async throws {
        try await withServer(configure: { $0.smtp.maxRecipients = 2 }) { t in
            let c = try await session(t)
            #expect(codes(try await c.smtp("NOOP " + String(repeating: "a", count: 20_000))) == "500 5.5.6")
            _ = try await c.smtp("MAIL FROM:<a@example.net>")
            #expect(try await c.smtp("RCPT TO:<alice@example.test>").hasPrefix("250"))
            #expect(try await c.smtp("RCPT TO:<bob@example.test>").hasPrefix("250"))
            #expect(codes(try await c.smtp("RCPT TO:<postmaster@example.test>")) == "452 4.5.3")
            await c.close()
            // Past the error limit the server hangs up with 421.
            let d = try await session(t)
            var last = ""
            for _ in 0..<25 {
                last = try await d.smtp("BOGUS")
                if last.hasPrefix("421") { break }
            }
            #expect(codes(last) == "421 4.7.0")
            #expect(await d.isClosedByServer())
        }
    }

    @Test func connectionLimitsPerClient() async throws {
        try await withServer(configure: { $0.smtp.maxConnectionsPerClient = 2 }) { t in
            let a = try await session(t), b = try await session(t)
            let c = try await LineClient.connect(port: t.port("smtp"))
            #expect(codes(await c.smtpReply()) == "421 4.7.0")
            #expect(await c.isClosedByServer())
            await a.close()
            try await Task.sleep(for: .milliseconds(200))
            let d = try await LineClient.connect(port: t.port("smtp"))
            #expect(await d.smtpReply().hasPrefix("220"))
            await b.close(); await d.close()
        }
    }

    @Test func idleClientsAreTimedOut() async throws {
        try await withServer(configure: { $0.smtp.readTimeout = .milliseconds(500) }) { t in
            let c = try await session(t)
            let reply = await c.smtpReply(timeout: .seconds(5))
            #expect(codes(reply) == "421 4.4.2")
            #expect(await c.isClosedByServer())
        }
    }

    @Test func gracefulShutdownFinishesTheTransaction() async throws {
        let t = try await startServer()
        let c = try await session(t)
        _ = try await c.smtp("MAIL FROM:<a@example.net>")
        _ = try await c.smtp("RCPT TO:<alice@example.test>")
        #expect(try await c.smtp("DATA").hasPrefix("354"))
        let idle = try await session(t)
        let stopping = Task { try await t.stop(keepData: true) }
        try await Task.sleep(for: .milliseconds(200))
        // The idle session is told to go away; the busy one may finish its message.
        #expect(codes(await idle.smtpReply()) == "421 4.3.2")
        try await c.sendRaw("Subject: last\r\n\r\nin flight\r\n.\r\n")
        #expect(codes(await c.smtpReply()) == "250 2.0.0")
        #expect(codes(await c.smtpReply()) == "421 4.3.2")
        try await stopping.value
        #expect(t.inbox("alice@example.test").count == 1)
        try? FileManager.default.removeItem(atPath: t.dataDirectory)
    }
}

@Suite(.serialized) struct SMTPDeliveryFailureTests {
    /// Disk full must never produce a 250: 452 4.3.1, and nothing half-written.
    @Test func diskFullIsA452() async throws {
        let mountPoint = NSTemporaryDirectory() + "full-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try Program.path("mount", package: "mount")
        let r = try await Program.run(mount, ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint])
        #expect(r.status == 0, "mounting a tmpfs needs root: \(r.output)")
        guard r.status == 0 else { return }
        defer { Task { _ = try? await Program.run(try Program.path("umount", package: "mount"), [mountPoint]) } }
        try await withServer(configure: { $0.dataDirectory = mountPoint + "/data" }) { t in
            let c = try await session(t)
            _ = try await c.smtp("MAIL FROM:<a@example.net>")
            _ = try await c.smtp("RCPT TO:<alice@example.test>")
            #expect(try await c.smtp("DATA").hasPrefix("354"))
            // More than the file system holds (the SQLite files took some of it already).
            let line = String(repeating: "x", count: 998) + "\r\n"
            try await c.sendRaw("Subject: big\r\n\r\n" + String(repeating: line, count: 1100) + ".\r\n")
            #expect(codes(await c.smtpReply(timeout: .seconds(30))) == "452 4.3.1")
            #expect(t.inbox("alice@example.test").isEmpty)
            let tmp = t.server.store.accountPath(try .init("alice@example.test")) + "/tmp"
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).isEmpty)
            // A small message still fits: the server is fine.
            _ = try await c.smtp("MAIL FROM:<a@example.net>")
            _ = try await c.smtp("RCPT TO:<alice@example.test>")
            _ = try await c.smtp("DATA")
            try await c.sendRaw("Subject: small\r\n\r\nok\r\n.\r\n")
            #expect(codes(await c.smtpReply()) == "250 2.0.0")
            await c.close()
        }
    }

    @Test func dsnParametersAreAccepted() async throws {
        try await withServer { t in
            let c = try await session(t)
            #expect(codes(try await c.smtp("MAIL FROM:<a@example.net> RET=HDRS ENVID=QQ314159 BODY=8BITMIME SMTPUTF8")) == "250 2.1.0")
            #expect(codes(try await c.smtp("RCPT TO:<alice@example.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;alice@example.test")) == "250 2.1.5")
            #expect(codes(try await c.smtp("RCPT TO:<bob@example.test> NOTIFY=NEVER")) == "250 2.1.5")
            #expect(codes(try await c.smtp("RCPT TO:<bob@example.test> NOTIFY=SOMETIMES")) == "501 5.5.4")
            await c.close()
        }
    }
}
