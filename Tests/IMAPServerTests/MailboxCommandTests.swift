import IMAPProtocol
@testable import IMAPServer
import Testing

/// CREATE/DELETE/RENAME/SUBSCRIBE, LIST and LSUB, STATUS, APPEND, COPY, MOVE, EXPUNGE.
@Suite struct MailboxCommandTests {
    static let patterns: [(String, String, Bool)] = [
        ("*", "A.B.C", true), ("%", "A.B", false), ("%", "INBOX", true), ("A.%", "A.B", true), ("A.%", "A.B.C", false),
        ("A*", "A.B.C", true), ("*C", "A.B.C", true), ("*.B", "A.B.C", false), ("inbox", "INBOX", true),
        ("Inbox.%", "INBOX.Sub", true), ("inboxes", "INBOX", false), ("A%B", "AxB", true), ("A%B", "A.B", false),
        ("Entwürfe*", "Entwürfe.Alt", true), ("", "A", false), ("***%%%", "A.B", true),
    ]

    @Test(arguments: 0..<patterns.count) func listPatterns(_ index: Int) {
        let (pattern, name, matches) = Self.patterns[index]
        #expect(ListPattern(pattern).matches(name) == matches, "\(pattern) ~ \(name)")
    }

    @Test func longPatternsStayCheap() {
        // No backtracking: a pattern of many wildcards against a long name is a table walk.
        let pattern = ListPattern(String(repeating: "*%", count: 500) + "x")
        #expect(!pattern.matches(String(repeating: "a", count: 200)))
    }

    @Test func createRenameDeleteSubscribeAndList() async throws {
        var d = try await SessionDriver.loggedIn(select: false)
        try await d.ok("CREATE Work.")
        try await d.ok("CREATE Work.Acme")
        try await d.ok("CREATE Receipts (USE (\\Archive))")
        #expect(try await d.result("CREATE Both (USE (\\Sent \\Trash))") == "NO [USEATTR] Only one special use of \\Archive \\Drafts \\Junk \\Sent \\Trash \\All \\Flagged")
        #expect(try await d.ok("LIST \"\" %") == [
            "* LIST (\\HasNoChildren \\Archive) \".\" Archive", "* LIST (\\HasNoChildren \\Drafts) \".\" Drafts",
            "* LIST (\\HasNoChildren) \".\" INBOX", "* LIST (\\HasNoChildren \\Junk) \".\" Junk",
            "* LIST (\\HasNoChildren \\Archive) \".\" Receipts", "* LIST (\\HasNoChildren \\Sent) \".\" Sent",
            "* LIST (\\HasNoChildren \\Trash) \".\" Trash", "* LIST (\\HasChildren) \".\" Work",
        ])
        #expect(try await d.ok("LIST Work. %") == ["* LIST (\\HasNoChildren) \".\" Work.Acme"])
        try await d.ok("SUBSCRIBE Work.Acme")
        try await d.ok("SUBSCRIBE Gone.Away")
        #expect(try await d.ok("LIST (SUBSCRIBED) \"\" *") == [
            "* LIST (\\NonExistent \\Subscribed) \".\" Gone.Away", "* LIST (\\HasNoChildren \\Subscribed) \".\" Work.Acme",
        ])
        #expect(try await d.ok("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %") == [
            "* LIST (\\NonExistent) \".\" Gone (\"CHILDINFO\" (\"SUBSCRIBED\"))", "* LIST (\\HasChildren) \".\" Work (\"CHILDINFO\" (\"SUBSCRIBED\"))",
        ])
        #expect(try await d.ok("LSUB \"\" %") == ["* LSUB (\\Noselect) \".\" Gone", "* LSUB (\\Noselect) \".\" Work"])
        #expect(try await d.ok("LSUB \"\" *") == [
            "* LSUB (\\Noselect) \".\" Gone", "* LSUB () \".\" Gone.Away", "* LSUB (\\Noselect) \".\" Work", "* LSUB () \".\" Work.Acme",
        ])
        try await d.ok("RENAME Work Clients")
        #expect(try await d.ok("LIST \"\" Clients*") == ["* LIST (\\HasChildren) \".\" Clients", "* LIST (\\HasNoChildren) \".\" Clients.Acme"])
        #expect(try await d.result("RENAME Nothing Else") == "NO [NONEXISTENT] No such mailbox")
        #expect(try await d.result("CREATE Clients") == "NO [ALREADYEXISTS] Mailbox already exists")
        try await d.ok("DELETE Clients.Acme")
        #expect(try await d.result("DELETE Clients.Acme") == "NO [NONEXISTENT] No such mailbox")
        #expect(try await d.result("CREATE \"bad*name\"").hasPrefix("NO [CANNOT] Invalid name"))
        #expect(try await d.ok("NAMESPACE") == ["* NAMESPACE ((\"\" \".\")) NIL NIL"])
        #expect(try await d.ok("ID (\"name\" \"test\")") == ["* ID (\"name\" \"Postern\")"])
    }

    @Test func statusAppendCopyMoveExpunge() async throws {
        let temp = TempStore()
        var d = try await SessionDriver.loggedIn(temp)
        let appended = message("appended")
        // LF stored, CRLF served, APPENDUID answered.
        let append = try await d.send("a APPEND INBOX (\\Seen $Sent) \" 5-Nov-2023 10:00:00 +0100\" {\(appended.utf8.count)+}\r\n\(appended)")
        #expect(append == [
            "* 1 EXISTS", "* 1 RECENT", "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Sent)",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Sent \\*)] Flags permitted",
            "a OK [APPENDUID \(d.session.selected!.mailbox.snapshot.uidValidity) 1] APPEND completed",
        ])
        #expect(try await d.ok("FETCH 1 (INTERNALDATE FLAGS)") == ["* 1 FETCH (INTERNALDATE \" 5-Nov-2023 09:00:00 +0000\" FLAGS (\\Seen \\Recent $Sent))"])
        let files = try FileManagerProxy.files(in: temp.root, under: "alice")
        #expect(files.count == 1 && !files[0].contains("\r"))
        #expect(try await d.result("APPEND Nowhere {1+}\r\nx") == "NO [TRYCREATE] No such mailbox")
        #expect(try await d.result("APPEND INBOX {0+}\r\n") == "NO [CANNOT] Empty message")
        try await d.ok("APPEND INBOX {\(message("second").utf8.count)+}\r\n\(message("second"))")
        #expect(try await d.ok("STATUS INBOX (MESSAGES UIDNEXT UNSEEN DELETED SIZE RECENT)") == [
            "* STATUS INBOX (MESSAGES 2 UIDNEXT 3 UNSEEN 1 DELETED 0 SIZE \(appended.utf8.count + message("second").utf8.count) RECENT 0)",
        ])
        // COPY and MOVE answer with COPYUID; MOVE expunges.
        let copy = try await d.result("COPY 1:2 Archive")
        #expect(copy.hasPrefix("OK [COPYUID ") && copy.hasSuffix(" 1:2 1:2] COPY completed"))
        #expect(try await d.result("COPY 1 Nowhere") == "NO [TRYCREATE] No such mailbox")
        let move = try await d.ok("MOVE 1 Trash")
        #expect(move.count == 2 && move[0].hasPrefix("* OK [COPYUID ") && move[0].hasSuffix(" 1 1] Moved") && move[1] == "* 1 EXPUNGE")
        #expect(try await d.ok("UID FETCH 1:* (UID)") == ["* 1 FETCH (UID 2)"])
        try await d.ok("SELECT Archive")
        try await d.ok("STORE 1:2 +FLAGS.SILENT (\\Deleted)")
        // UID EXPUNGE removes only the named messages (RFC 4315 §2.1).
        #expect(try await d.ok("UID EXPUNGE 2") == ["* 2 EXPUNGE"])
        #expect(try await d.ok("EXPUNGE") == ["* 1 EXPUNGE"])
        // With QRESYNC, VANISHED instead of EXPUNGE.
        try await d.ok("UNSELECT")
        try await d.ok("ENABLE QRESYNC")
        try await d.ok("SELECT Trash")
        try await d.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        #expect(try await d.ok("EXPUNGE") == ["* VANISHED 1"])
    }
}

import Foundation

enum FileManagerProxy {
    /// The contents of every message file below `root` whose path contains `part`.
    static func files(in root: String, under part: String) throws -> [String] {
        var out: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let path = enumerator?.nextObject() as? String {
            guard path.contains(part), path.contains("/cur/") || path.contains("/new/") else { continue }
            out.append(try String(contentsOfFile: root + "/" + path, encoding: .utf8))
        }
        return out
    }
}
