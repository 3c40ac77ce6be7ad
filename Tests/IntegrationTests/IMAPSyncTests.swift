import Foundation
import Testing
import TestSupport

/// Sessions on the same mailbox see each other's changes (RFC 9051 §5.2, §7.5.1), IDLE is
/// woken by a delivery within a second, QRESYNC resynchronises a client that was away.
@Suite struct IMAPSyncTests {
    @Test func twoSessionsSeeEachOthersChanges() async throws {
        let t = try await startIMAPServer()
        try await deliver(t, subject: "one")
        try await deliver(t, subject: "two")
        let a = try await IMAPTestClient.login(t)
        let b = try await IMAPTestClient.login(t)
        try await a.ok("SELECT INBOX")
        try await b.ok("SELECT INBOX")
        try await a.ok("STORE 1 +FLAGS.SILENT (\\Seen)")
        #expect(try await b.ok("NOOP") == ["* 1 FETCH (UID 1 FLAGS (\\Seen))"])
        // New mail seen by both; the appending session gets EXISTS at once.
        #expect(try await a.ok("APPEND INBOX {\(testMessage(subject: "three").utf8.count)+}\r\n\(testMessage(subject: "three"))").contains("* 3 EXISTS"))
        #expect(try await b.ok("NOOP").contains("* 3 EXISTS"))
        // An expunge reaches the other session as EXPUNGE, but not during its FETCH.
        try await a.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
        #expect(try await a.ok("EXPUNGE") == ["* 2 EXPUNGE"])
        let fetch = try await b.ok("FETCH 3 (UID)")
        #expect(fetch.contains("* 3 FETCH (UID 3)") && !fetch.contains { $0.hasSuffix("EXPUNGE") })
        let noop = try await b.ok("NOOP")
        #expect(noop.contains("* 2 EXPUNGE"))
        #expect(try await b.ok("FETCH 2 (UID)") == ["* 2 FETCH (UID 3)"])
        await a.close()
        await b.close()
        try await t.stop()
    }

    @Test func idleIsWokenBySMTPDeliveryWithinASecond() async throws {
        let t = try await startIMAPServer()
        let c = try await IMAPTestClient.login(t)
        try await c.ok("SELECT INBOX")
        try await c.lines.send("i IDLE")
        #expect(await c.lines.readLine() == "+ idling")

        // Through SMTP, as the internet would deliver it.
        let smtp = try await LineClient.connect(port: t.port("smtp"))
        _ = await smtp.smtpReply()
        _ = try await smtp.send("EHLO client.example.net")
        _ = await smtp.smtpReplyLines()
        #expect(try await smtp.smtp("MAIL FROM:<sender@example.net>").hasPrefix("250"))
        #expect(try await smtp.smtp("RCPT TO:<alice@example.test>").hasPrefix("250"))
        #expect(try await smtp.smtp("DATA").hasPrefix("354"))
        try await smtp.sendRaw("Subject: ping\r\nFrom: sender@example.net\r\n\r\nhi\r\n.\r\n")
        #expect(await smtp.smtpReply().hasPrefix("250"))
        let delivered = ContinuousClock.now
        let exists = await c.lines.readLine(timeout: .seconds(5))
        #expect(exists == "* 1 EXISTS")
        #expect(ContinuousClock.now - delivered < .seconds(1))
        try await c.lines.send("DONE")
        let done = await c.lines.readUntil(prefix: "i ")
        #expect(done.last == "i OK IDLE terminated")
        #expect(try await c.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])").first == "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {17}")
        await smtp.close()
        await c.close()
        try await t.stop()
    }

    @Test func shutdownSaysByeToIdleClients() async throws {
        let t = try await startIMAPServer()
        let c = try await IMAPTestClient.login(t)
        try await c.ok("SELECT INBOX")
        try await c.lines.send("i IDLE")
        #expect(await c.lines.readLine() == "+ idling")
        let start = ContinuousClock.now
        try await t.stop()
        #expect(ContinuousClock.now - start < .seconds(3), "IDLE connections end at once, not after the grace period")
        #expect(await c.lines.readLine() == "* BYE [UNAVAILABLE] Server shutting down")
        #expect(await c.lines.isClosedByServer())
    }

    @Test func idleSeesAnotherSessionsFlags() async throws {
        let t = try await startIMAPServer()
        try await deliver(t, subject: "one")
        let a = try await IMAPTestClient.login(t)
        let b = try await IMAPTestClient.login(t)
        try await a.ok("SELECT INBOX")
        try await b.ok("ENABLE CONDSTORE")
        try await b.ok("SELECT INBOX")
        try await b.lines.send("i IDLE")
        #expect(await b.lines.readLine() == "+ idling")
        try await a.ok("STORE 1 +FLAGS.SILENT (\\Flagged)")
        let update = await b.lines.readLine(timeout: .seconds(2))
        #expect(update?.hasPrefix("* 1 FETCH (UID 1 MODSEQ (") == true && update?.hasSuffix(") FLAGS (\\Flagged))") == true)
        try await b.lines.send("DONE")
        #expect(await b.lines.readUntil(prefix: "i ").last == "i OK IDLE terminated")
        await a.close()
        await b.close()
        try await t.stop()
    }

    @Test func qresyncReportsWhatAClientMissed() async throws {
        let t = try await startIMAPServer()
        for n in 1...4 { try await deliver(t, subject: "message \(n)") }
        let a = try await IMAPTestClient.login(t)
        let select = try await a.ok("SELECT INBOX (CONDSTORE)")
        let validity = select.first { $0.hasPrefix("* OK [UIDVALIDITY ") }?.split(separator: " ")[3].dropLast() ?? ""
        let highest = select.first { $0.hasPrefix("* OK [HIGHESTMODSEQ ") }?.split(separator: " ")[3].dropLast() ?? ""
        #expect(!validity.isEmpty && !highest.isEmpty)
        try await a.ok("STORE 2 +FLAGS.SILENT (\\Seen)")
        try await a.ok("STORE 3 +FLAGS.SILENT (\\Deleted)")
        try await a.ok("EXPUNGE")
        let b = try await IMAPTestClient.login(t)
        #expect(try await b.ok("ENABLE QRESYNC") == ["* ENABLED QRESYNC"])
        let resync = try await b.ok("SELECT INBOX (QRESYNC (\(validity) \(highest) 1:4))")
        #expect(resync.contains("* VANISHED (EARLIER) 3"))
        #expect(resync.contains { $0.hasPrefix("* 2 FETCH (UID 2 MODSEQ (") && $0.hasSuffix("FLAGS (\\Seen))") })
        #expect(!resync.contains { $0.hasPrefix("* 1 FETCH") })
        let changed = try await b.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(highest) VANISHED)")
        #expect(changed.first == "* VANISHED (EARLIER) 3")
        #expect(changed.count == 2)
        await a.close()
        await b.close()
        try await t.stop()
    }
}
