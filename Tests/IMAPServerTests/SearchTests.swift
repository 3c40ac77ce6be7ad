import IMAPProtocol
@testable import IMAPServer
import Testing

/// SEARCH (RFC 9051 §6.4.4): every key over a small mailbox, ESEARCH return options (RFC 4731),
/// SAVE and `$` (RFC 5182), MODSEQ (RFC 7162 §3.1.5).
@Suite struct SearchTests {
    /// Four messages: 1 from Carol (seen, flagged), 2 with an invoice subject and an X-Priority
    /// header, 3 a large one with "zebrafish" in its body (deleted, $Work), 4 sent in 2020.
    static func mailbox() async throws -> SessionDriver {
        let temp = TempStore()
        let day: Int64 = 86_400
        try await temp.deliver(message("hello", from: "Carol <carol@example.net>"), date: 19_000 * day + 100)
        try await temp.deliver(message("Your invoice 42", from: "Billing <billing@shop.example>", extraHeaders: "X-Priority: 1\r\n"),
                               date: 19_001 * day + 100)
        try await temp.deliver(message("report", from: "Dan <dan@example.org>", to: "team@example.test",
                                       body: "The zebrafish results are attached.\r\n" + String(repeating: "padding line\r\n", count: 100)),
                               date: 19_002 * day + 100)
        try await temp.deliver(message("old", from: "Eve <eve@example.com>", date: "Wed, 1 Jan 2020 10:00:00 +0100"),
                               date: 19_003 * day + 100)
        var d = try await SessionDriver.loggedIn(temp)
        try await d.ok("STORE 1 +FLAGS.SILENT (\\Seen \\Flagged)")
        try await d.ok("STORE 3 +FLAGS.SILENT (\\Deleted $Work)")
        return d
    }

    // 19000 days after 1970-01-01 is 2022-01-08.
    static let cases: [(String, String)] = [
        ("ALL", "1 2 3 4"),
        ("SEEN", "1"), ("UNSEEN", "2 3 4"), ("FLAGGED", "1"), ("UNFLAGGED", "2 3 4"),
        ("DELETED", "3"), ("UNDELETED", "1 2 4"), ("ANSWERED", ""), ("UNANSWERED", "1 2 3 4"),
        ("DRAFT", ""), ("UNDRAFT", "1 2 3 4"), ("KEYWORD $work", "3"), ("UNKEYWORD $Work", "1 2 4"), ("KEYWORD Nope", ""),
        ("FROM carol", "1"), ("FROM EXAMPLE.ORG", "3"), ("TO team", "3"), ("CC anybody", ""), ("BCC anybody", ""),
        ("SUBJECT invoice", "2"), ("SUBJECT \"\"", "1 2 3 4"),
        ("HEADER X-Priority 1", "2"), ("HEADER x-priority \"\"", "2"), ("HEADER Subject OLD", "4"),
        ("BODY zebrafish", "3"), ("TEXT zebrafish", "3"), ("TEXT billing", "2"), ("BODY billing", ""),
        ("BEFORE 9-Jan-2022", "1"), ("ON 9-Jan-2022", "2"), ("SINCE 10-Jan-2022", "3 4"),
        ("SENTBEFORE 1-Jan-2021", "4"), ("SENTON 14-Nov-2023", "1 2 3"), ("SENTSINCE 2-Jan-2020", "1 2 3"),
        ("LARGER 1000", "3"), ("SMALLER 1000", "1 2 4"),
        ("UID 2:3", "2 3"), ("UID 4:*", "4"), ("2,4", "2 4"), ("*", "4"),
        ("NOT SEEN", "2 3 4"), ("OR SEEN DELETED", "1 3"), ("(SEEN FLAGGED)", "1"), ("SEEN DELETED", ""),
        ("NOT (OR FROM carol TEXT zebrafish)", "2 4"), ("OR SUBJECT old SUBJECT invoice UNSEEN", "2 4"),
        ("NEW", ""), ("OLD", "1 2 3 4"), ("RECENT", ""),
        ("CHARSET UTF-8 SUBJECT hello", "1"),
    ]

    @Test func everyKey() async throws {
        var d = try await Self.mailbox()
        for (key, expected) in Self.cases {
            let lines = try await d.ok("SEARCH \(key)")
            #expect(lines == ["* SEARCH" + (expected.isEmpty ? "" : " " + expected)], "SEARCH \(key)")
        }
        #expect(try await d.ok("UID SEARCH FROM dan") == ["* SEARCH 3"])
    }

    @Test func esearchSaveAndDollar() async throws {
        var d = try await Self.mailbox()
        #expect(try await d.ok("SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN") == ["* ESEARCH (TAG \"t\") MIN 2 MAX 4 ALL 2:4 COUNT 3"])
        #expect(try await d.ok("UID SEARCH RETURN () FLAGGED") == ["* ESEARCH (TAG \"t\") UID ALL 1"])
        #expect(try await d.ok("SEARCH RETURN (COUNT) ANSWERED") == ["* ESEARCH (TAG \"t\") COUNT 0"])
        // SAVE alone answers nothing; $ is the saved result (RFC 5182).
        #expect(try await d.ok("SEARCH RETURN (SAVE) OR SEEN DELETED") == [])
        #expect(try await d.ok("FETCH $ (UID)") == ["* 1 FETCH (UID 1)", "* 3 FETCH (UID 3)"])
        #expect(try await d.ok("SEARCH $ UNDELETED") == ["* SEARCH 1"])
        // With MIN alone only the first is saved.
        #expect(try await d.ok("SEARCH RETURN (SAVE MIN) UNSEEN") == ["* ESEARCH (TAG \"t\") MIN 2"])
        #expect(try await d.ok("UID FETCH $ (UID)") == ["* 2 FETCH (UID 2)"])
        // IMAP4rev2 answers with ESEARCH.
        try await d.ok("UNSELECT")
        try await d.ok("ENABLE IMAP4rev2")
        try await d.ok("SELECT INBOX")
        #expect(try await d.ok("SEARCH SEEN") == ["* ESEARCH (TAG \"t\") ALL 1"])
    }

    @Test func modseqSearch() async throws {
        var d = try await Self.mailbox()
        let fetch = try await d.ok("FETCH 3 (MODSEQ)")
        let modseq = try #require(fetch.first?.split(separator: "(").last?.split(separator: ")").first)
        let lines = try await d.ok("SEARCH MODSEQ \(modseq)")
        #expect(lines == ["* SEARCH 3 (MODSEQ \(modseq))"])
        #expect(try await d.ok("SEARCH MODSEQ \"/flags/\\\\draft\" all \(modseq)") == ["* SEARCH 3 (MODSEQ \(modseq))"])
        #expect(try await d.ok("SEARCH MODSEQ 999999") == ["* SEARCH"])
    }

    @Test func badCharsetAndDeepNesting() async throws {
        var d = try await Self.mailbox()
        #expect(try await d.result("SEARCH CHARSET ISO-8859-1 SUBJECT x") == "NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset")
        #expect(try await d.result("SEARCH " + String(repeating: "NOT ", count: 40) + "ALL") == "BAD Too deeply nested")
    }
}
