import IMAPProtocol
@testable import IMAPServer
import Testing

/// SELECT/EXAMINE (RFC 9051 §6.3.2-3), CLOSE, UNSELECT, and the sample session of RFC 9051 §8.
@Suite struct SelectTests {
    @Test func selectReportsTheMailbox() async throws {
        let temp = TempStore()
        try await temp.deliver(message("one"))
        try await temp.deliver(message("two"))
        var d = try await SessionDriver.loggedIn(temp, select: false)
        let lines = try await d.send("a SELECT inbox")
        #expect(lines.count == 9)
        #expect(lines[0] == "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
        #expect(lines[1] == "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted")
        #expect(lines[2] == "* 2 EXISTS")
        #expect(lines[3] == "* 0 RECENT")
        #expect(lines[4] == "* OK [UNSEEN 1] First unseen")
        #expect(lines[5].hasPrefix("* OK [UIDVALIDITY "))
        #expect(lines[6] == "* OK [UIDNEXT 3] Predicted next UID")
        #expect(lines[7].hasPrefix("* OK [HIGHESTMODSEQ "))
        #expect(lines[8] == "a OK [READ-WRITE] SELECT completed")
        // Selecting again closes the first (RFC 7162 §3.2.11 CLOSED).
        let examine = try await d.send("b EXAMINE INBOX")
        #expect(examine.first == "* OK [CLOSED] Previous mailbox closed")
        #expect(examine.contains("* OK [PERMANENTFLAGS ()] Flags permitted"))
        #expect(examine.last == "b OK [READ-ONLY] EXAMINE completed")
        #expect(try await d.result("STORE 1 +FLAGS (\\Seen)") == "NO [CANNOT] Mailbox is read-only (EXAMINE)")
        // IMAP4rev2: no RECENT, no UNSEEN, a LIST response.
        try await d.ok("UNSELECT")
        try await d.ok("ENABLE IMAP4rev2")
        let rev2 = try await d.ok("SELECT INBOX")
        #expect(!rev2.contains { $0.contains("RECENT") || $0.contains("UNSEEN") })
        #expect(rev2.last == "* LIST () \".\" INBOX")
    }

    @Test func closeExpungesUnselectDoesNot() async throws {
        let temp = TempStore()
        for subject in ["a", "b", "c"] { try await temp.deliver(message(subject)) }
        var d = try await SessionDriver.loggedIn(temp)
        try await d.ok("STORE 1:2 +FLAGS.SILENT (\\Deleted)")
        try await d.ok("UNSELECT")
        #expect(try await d.ok("STATUS INBOX (MESSAGES DELETED)") == ["* STATUS INBOX (MESSAGES 3 DELETED 2)"])
        try await d.ok("SELECT INBOX")
        // CLOSE sends no EXPUNGE responses (RFC 9051 §6.4.1).
        #expect(try await d.ok("CLOSE") == [])
        #expect(try await d.ok("STATUS INBOX (MESSAGES DELETED)") == ["* STATUS INBOX (MESSAGES 1 DELETED 0)"])
        #expect(try await d.result("FETCH 1 FLAGS") == "BAD [CLIENTBUG] No mailbox selected")
    }

    /// RFC 9051 §8, the sample session, with the server's side as Postern answers it.
    @Test func rfc9051SampleSession() async throws {
        let temp = TempStore()
        for n in 1...12 { try await temp.deliver(message("message \(n)")) }
        var d = SessionDriver(temp: temp, tls: false)
        #expect(d.session.greeting() == .untagged(.condition(.ok, ResponseText(code: .capability(
            ["IMAP4rev1", "IMAP4rev2", "SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE", "STARTTLS", "LOGINDISABLED"]),
            "mail.example.test Postern IMAP ready"))))
        #expect(try await d.send("a000 starttls") == ["a000 OK Begin TLS negotiation now"])
        #expect(try await d.send("A001 LOGIN alice@example.test alice-pw").first?.hasPrefix("A001 OK [CAPABILITY") == true)
        #expect(try await d.send("babc ENABLE UTF8=ACCEPT") == ["* ENABLED UTF8=ACCEPT", "babc OK ENABLE completed"])
        let select = try await d.send("a002 select inbox")
        #expect(select.contains("* 12 EXISTS") && select.last == "a002 OK [READ-WRITE] SELECT completed")
        let full = try await d.send("a003 fetch 12 full")
        #expect(full.count == 2 && full[0].hasPrefix("* 12 FETCH (FLAGS () INTERNALDATE \"") && full[0].contains(" RFC822.SIZE 133 ENVELOPE (\""))
        #expect(full.first?.hasSuffix(" BODY (\"TEXT\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 14 1))") == true)
        let header = try await d.send("a004 fetch 12 body[header]")
        #expect(header.prefix(2) == ["* 12 FETCH (BODY[HEADER] {119}", "From: Carol <carol@example.net>"])
        #expect(header.contains(" FLAGS (\\Seen))"))
        #expect(try await d.send("a005 store 12 +flags \\deleted") == ["* 12 FETCH (FLAGS (\\Deleted \\Seen))", "a005 OK STORE completed"])
        #expect(try await d.send("a006 logout") == ["* BYE Logging out", "a006 OK LOGOUT completed"])
        #expect(d.closed)
    }
}
