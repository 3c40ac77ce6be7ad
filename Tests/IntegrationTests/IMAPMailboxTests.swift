import Foundation
import Testing
import TestSupport

/// Mail through IMAP end to end: APPEND, SELECT, FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE,
/// folders, and the wall between accounts.
@Suite struct IMAPMailboxTests {
    @Test func selectFetchStoreSearchCopyMoveExpunge() async throws {
        let t = try await startIMAPServer()
        try await deliver(t, subject: "first invoice", body: "The zebrafish report.")
        try await deliver(t, subject: "second", body: "Nothing here.")
        let c = try await IMAPTestClient.login(t)
        let select = try await c.ok("SELECT INBOX")
        #expect(select.contains("* 2 EXISTS"))
        #expect(select.contains { $0.hasPrefix("* OK [UIDVALIDITY ") })
        #expect(select.contains("* OK [UIDNEXT 3] Predicted next UID"))
        #expect(select.contains { $0.hasPrefix("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)]") })

        // Bodies leave in CRLF form although the file has LF line endings.
        let message = testMessage(subject: "first invoice", body: "The zebrafish report.")
        let fetch = try await c.ok("UID FETCH 1 (RFC822.SIZE BODY.PEEK[])")
        #expect(fetch.first == "* 1 FETCH (UID 1 RFC822.SIZE \(message.utf8.count) BODY[] {\(message.utf8.count)}")
        let partial = try await c.ok("FETCH 1 (BODY.PEEK[]<6.5>)")
        #expect(partial == ["* 1 FETCH (BODY[]<6> {5}", "Carol)"])
        let envelope = try await c.ok("FETCH 2 (ENVELOPE)")
        #expect(envelope == ["* 2 FETCH (ENVELOPE (\"Tue, 14 Nov 2023 22:13:20 +0000\" \"second\" ((\"Carol\" NIL \"carol\" \"example.net\")) ((\"Carol\" NIL \"carol\" \"example.net\")) ((\"Carol\" NIL \"carol\" \"example.net\")) ((NIL NIL \"alice\" \"example.test\")) NIL NIL NIL \"<second@example.net>\"))"])
        // BODY[TEXT] (not PEEK) sets \Seen and reports it.
        let text = try await c.ok("FETCH 2 (BODY[TEXT])")
        #expect(text.first?.contains("BODY[TEXT] {15}") == true)
        #expect(text.contains { $0.contains("FLAGS (\\Seen)") })

        #expect(try await c.ok("SEARCH SUBJECT invoice") == ["* SEARCH 1"])
        #expect(try await c.ok("UID SEARCH TEXT zebrafish") == ["* SEARCH 1"])
        #expect(try await c.ok("SEARCH UNSEEN") == ["* SEARCH 1"])
        let esearch = try await c.ok("SEARCH RETURN (MIN MAX COUNT) ALL")
        #expect(esearch.count == 1 && esearch[0].hasPrefix("* ESEARCH (TAG \"t") && esearch[0].hasSuffix("\") MIN 1 MAX 2 COUNT 2"))
        #expect(try await c.ok("STORE 1 +FLAGS (\\Flagged $Important)").contains("* 1 FETCH (FLAGS (\\Flagged $Important))"))
        #expect(try await c.ok("SEARCH KEYWORD $important FLAGGED") == ["* SEARCH 1"])
        try await c.ok("STORE 1 -FLAGS.SILENT ($Important)")
        #expect(try await c.ok("FETCH 1:* (FLAGS)") == ["* 1 FETCH (FLAGS (\\Flagged))", "* 2 FETCH (FLAGS (\\Seen))"])

        #expect(try await c.result("COPY 1 Nowhere").hasPrefix("NO [TRYCREATE]"))
        try await c.ok("CREATE Projects.2026")
        let copy = try await c.result("COPY 1:2 Projects.2026")
        #expect(copy.hasPrefix("OK [COPYUID ") && copy.contains(" 1:2 1:2]"))
        let move = try await c.ok("UID MOVE 2 Archive")
        #expect(move.first?.hasPrefix("* OK [COPYUID ") == true)
        #expect(move.contains("* 2 EXPUNGE"))
        try await c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        #expect(try await c.ok("EXPUNGE") == ["* 1 EXPUNGE"])
        #expect(try await c.ok("STATUS Projects.2026 (MESSAGES UNSEEN)") == ["* STATUS Projects.2026 (MESSAGES 2 UNSEEN 1)"])
        #expect(try await c.ok("STATUS Archive (MESSAGES)") == ["* STATUS Archive (MESSAGES 1)"])

        // APPEND answers with APPENDUID and the message comes back byte for byte.
        let appended = testMessage(subject: "appended")
        try await c.lines.send("a APPEND Projects.2026 (\\Seen) {\(appended.utf8.count)+}")
        try await c.lines.sendRaw(appended + "\r\n")
        let reply = await c.lines.readUntil(prefix: "a ")
        #expect(reply.last?.hasPrefix("a OK [APPENDUID ") == true && reply.last?.contains(" 3]") == true)
        try await c.ok("SELECT Projects.2026")
        let back = try await c.ok("UID FETCH 3 (BODY.PEEK[])")
        #expect(back.dropFirst().joined(separator: "\r\n") == appended + ")")
        try await c.ok("LOGOUT")
        await c.close()
        try await t.stop()
    }

    @Test func foldersListAndRename() async throws {
        let t = try await startIMAPServer()
        let c = try await IMAPTestClient.login(t)
        try await c.ok("CREATE Work.Clients.Acme")
        try await c.ok("CREATE \"Entw&APw-rfe.Alt\"")
        let list = try await c.ok("LIST \"\" *")
        #expect(list.contains("* LIST (\\HasNoChildren \\Sent) \".\" Sent"))
        #expect(list.contains("* LIST (\\Noselect \\HasChildren) \".\" Work"))
        #expect(list.contains("* LIST (\\HasNoChildren) \".\" Work.Clients.Acme"))
        #expect(list.contains("* LIST (\\HasNoChildren) \".\" Entw&APw-rfe.Alt"))
        #expect(try await c.ok("LIST \"\" %").contains("* LIST (\\Noselect \\HasChildren) \".\" Work"))
        #expect(try await c.ok("LIST \"\" \"\"") == ["* LIST (\\Noselect) \".\" \"\""])
        try await c.ok("RENAME Work.Clients Customers")
        let after = try await c.ok("LIST \"\" Customers*")
        #expect(after == ["* LIST (\\Noselect \\HasChildren) \".\" Customers", "* LIST (\\HasNoChildren) \".\" Customers.Acme"])
        try await c.ok("SUBSCRIBE Customers.Acme")
        #expect(try await c.ok("LIST (SUBSCRIBED) \"\" *") == ["* LIST (\\HasNoChildren \\Subscribed) \".\" Customers.Acme"])
        let status = try await c.ok("LIST \"\" INBOX RETURN (STATUS (MESSAGES UIDNEXT))")
        #expect(status == ["* LIST (\\HasNoChildren) \".\" INBOX", "* STATUS INBOX (MESSAGES 0 UIDNEXT 1)"])
        #expect(try await c.ok("LIST (SPECIAL-USE) \"\" *").count == 5)
        // UTF-8 names after ENABLE UTF8=ACCEPT (RFC 6855).
        #expect(try await c.ok("ENABLE UTF8=ACCEPT") == ["* ENABLED UTF8=ACCEPT"])
        #expect(try await c.ok("LIST \"\" Entw*") == ["* LIST (\\Noselect \\HasChildren) \".\" \"Entwürfe\"", "* LIST (\\HasNoChildren) \".\" \"Entwürfe.Alt\""])
        #expect(try await c.ok("LIST \"\" \"Entwürfe.*\"") == ["* LIST (\\HasNoChildren) \".\" \"Entwürfe.Alt\""])
        try await c.ok("DELETE Customers.Acme")
        #expect(try await c.result("DELETE INBOX").hasPrefix("NO"))
        #expect(try await c.result("CREATE INBOX").hasPrefix("NO [ALREADYEXISTS]"))
        await c.close()
        try await t.stop()
    }

    /// Nothing names another account's mail: names resolve inside the user's own Maildir.
    @Test func anotherAccountIsUnreachable() async throws {
        let t = try await startIMAPServer()
        try await deliver(t, to: "bob@example.test", subject: "for bob only")
        let c = try await IMAPTestClient.login(t)
        for name in ["../bob@example.test", "\"../../example.test/bob\"", "\"..\"", "\".bob\"", "\"/tmp\"", "\"INBOX/../..\""] {
            let result = try await c.result("SELECT \(name)")
            #expect(result.hasPrefix("NO"), "\(name): \(result)")
        }
        #expect(try await c.ok("SELECT INBOX").contains("* 0 EXISTS"))
        #expect(try await c.ok("SEARCH TEXT bob") == ["* SEARCH"])
        #expect(try await c.ok("SEARCH SUBJECT \"for bob\"") == ["* SEARCH"])
        #expect(try await c.ok("LIST \"\" *").allSatisfy { !$0.contains("bob") })
        await c.close()
        let b = try await IMAPTestClient.login(t, "bob@example.test")
        #expect(try await b.ok("SELECT INBOX").contains("* 1 EXISTS"))
        await b.close()
        try await t.stop()
    }
}
