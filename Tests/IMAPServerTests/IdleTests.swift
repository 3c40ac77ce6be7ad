import IMAPProtocol
@testable import IMAPServer
import Testing

/// IDLE (RFC 2177) and the updates sessions owe each other (RFC 9051 §7.5.1).
@Suite struct IdleTests {
    @Test func idleWakesOnDeliveryAndEndsWithDone() async throws {
        let temp = TempStore()
        var d = try await SessionDriver.loggedIn(temp)
        #expect(try await d.send("i IDLE") == ["+ idling"])
        #expect(d.output.events.suffix(1) == ["idle on"])
        // The connection watches the mailbox's notifications from the first IDLE on.
        let watched = try #require(d.output.watched.first)
        try await temp.deliver(message("new"))
        var iterator = watched.makeAsyncIterator()
        #expect(await iterator.next() != nil, "a delivery notifies the watchers")
        try await d.session.wake(&d.output)
        #expect(d.output.take() == ["* 1 EXISTS", "* 1 RECENT"])
        // Nothing changed: a wake-up sends nothing.
        try await d.session.wake(&d.output)
        #expect(d.output.take() == [])
        _ = try await d.session.receive(.idleDone, &d.output)
        #expect(d.output.take() == ["i OK IDLE terminated"])
        #expect(d.output.events.suffix(1) == ["idle off"])
        // A second IDLE on the same selection does not watch again.
        #expect(try await d.send("j IDLE") == ["+ idling"])
        #expect(d.output.watched.count == 1)
        _ = try await d.session.receive(.error(ParseError(tag: "j", reason: .expectedDone)), &d.output)
        #expect(d.output.take() == ["j BAD Expected DONE"])
        #expect(try await d.ok("NOOP") == [])
    }

    @Test func sessionsSeeEachOthersChangesInOrder() async throws {
        let temp = TempStore()
        for n in 1...4 { try await temp.deliver(message("m\(n)")) }
        var a = try await SessionDriver.loggedIn(temp)
        var b = try await SessionDriver.loggedIn(temp, select: false)
        try await b.ok("ENABLE CONDSTORE")
        try await b.ok("SELECT INBOX")
        try await a.ok("STORE 2 +FLAGS.SILENT (\\Deleted \\Seen)")
        try await a.ok("STORE 4 +FLAGS.SILENT (\\Flagged)")
        try await a.ok("EXPUNGE")
        try await a.ok("APPEND INBOX {\(message("m5").utf8.count)+}\r\n\(message("m5"))")
        // B: no EXPUNGE during FETCH (sequence numbers stay as B knows them), the rest may come.
        let fetch = try await b.ok("FETCH 4 (UID)")
        #expect(fetch.first == "* 4 FETCH (UID 4)")
        #expect(!fetch.contains { $0.hasSuffix("EXPUNGE") })
        #expect(fetch.contains("* 5 EXISTS") && fetch.contains("* 1 RECENT"))
        #expect(fetch.contains { $0.hasPrefix("* 4 FETCH (UID 4 MODSEQ (") && $0.hasSuffix(") FLAGS (\\Flagged))") })
        #expect(try await b.ok("NOOP") == ["* 2 EXPUNGE"])
        #expect(try await b.ok("UID FETCH 1:* (UID)") == ["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 4)", "* 4 FETCH (UID 5)"])
    }

    @Test func deletedMailboxClosesTheSelection() async throws {
        let temp = TempStore()
        var a = try await SessionDriver.loggedIn(temp, select: false)
        var b = try await SessionDriver.loggedIn(temp, select: false)
        try await a.ok("CREATE Doomed")
        try await b.ok("SELECT Doomed")
        try await a.ok("DELETE Doomed")
        #expect(try await b.ok("NOOP") == ["* OK [CLOSED] Mailbox no longer exists"])
        #expect(try await b.result("FETCH 1 FLAGS") == "BAD [CLIENTBUG] No mailbox selected")
    }

    @Test func timeoutAndShutdownSayBye() async throws {
        var d = try await SessionDriver.loggedIn()
        try await d.session.timedOut(&d.output)
        #expect(d.output.take() == ["* BYE Autologout; idle for too long"])
        var e = try await SessionDriver.loggedIn()
        try await e.session.shutDown(&e.output)
        #expect(e.output.take() == ["* BYE [UNAVAILABLE] Server shutting down"])
        #expect(e.output.events.last == "close")
    }
}
