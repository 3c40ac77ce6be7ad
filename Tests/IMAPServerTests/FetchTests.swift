import Foundation
import IMAPProtocol
@testable import IMAPServer
import MessageFormat
import Testing

/// FETCH (RFC 9051 §6.4.5): flags from memory, cached ENVELOPE/BODYSTRUCTURE, body sections
/// in CRLF form from LF files, partial ranges in CRLF octets, BINARY, \Seen, CHANGEDSINCE,
/// streaming of large messages.
@Suite struct FetchTests {
    static let multipart = """
        From: Carol <carol@example.net>\r
        To: Team: alice@example.test, bob@example.test;\r
        Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9?=\r
        Date: Tue, 14 Nov 2023 22:13:20 +0000\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="b1"\r
        \r
        preamble\r
        --b1\r
        Content-Type: text/plain; charset=utf-8\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        Caf=C3=A9 au lait\r
        line two\r
        --b1\r
        Content-Type: application/octet-stream; name="blob.bin"\r
        Content-Transfer-Encoding: base64\r
        Content-Disposition: attachment; filename="blob.bin"\r
        \r
        AAECAwQ=\r
        --b1\r
        Content-Type: application/x-odd\r
        Content-Transfer-Encoding: x-unknown\r
        \r
        zzz\r
        --b1--\r

        """

    @Test func flagsFastPathMatchesTheGeneralEncoder() async throws {
        let temp = TempStore()
        for n in 1...3 { try await temp.deliver(message("m\(n)")) }
        var d = try await SessionDriver.loggedIn(temp)
        try await d.ok("STORE 2 +FLAGS.SILENT (\\Seen $Work)")
        #expect(try await d.ok("UID FETCH 1:* (FLAGS)") == [
            "* 1 FETCH (UID 1 FLAGS ())", "* 2 FETCH (UID 2 FLAGS (\\Seen $Work))", "* 3 FETCH (UID 3 FLAGS ())",
        ])
        let modseq = try await d.ok("FETCH 2 (FLAGS MODSEQ)")
        #expect(modseq.count == 1 && modseq[0].hasPrefix("* 2 FETCH (MODSEQ (") && modseq[0].hasSuffix(") FLAGS (\\Seen $Work))"))
        #expect(d.session.state.condstore, "FETCH MODSEQ enables CONDSTORE (RFC 7162 §3.1)")
        // Other items go through the general path.
        #expect(try await d.ok("FETCH 3 (UID RFC822.SIZE)") == ["* 3 FETCH (UID 3 RFC822.SIZE \(message("m3").utf8.count))"])
    }

    @Test func envelopeAndBodyStructureFromTheCacheAndFromTheFile() async throws {
        let temp = TempStore()
        try await temp.deliver(Self.multipart)
        var d = try await SessionDriver.loggedIn(temp)
        // First FETCH: parsed from the file (nothing analysed yet) and cached.
        let first = try await d.ok("FETCH 1 (ENVELOPE BODYSTRUCTURE)")
        let expected = "* 1 FETCH (ENVELOPE (\"Tue, 14 Nov 2023 22:13:20 +0000\" \"=?UTF-8?Q?R=C3=A9sum=C3=A9?=\" "
            + "((\"Carol\" NIL \"carol\" \"example.net\")) ((\"Carol\" NIL \"carol\" \"example.net\")) ((\"Carol\" NIL \"carol\" \"example.net\")) "
            + "((NIL NIL \"Team\" NIL)(NIL NIL \"alice\" \"example.test\")(NIL NIL \"bob\" \"example.test\")(NIL NIL NIL NIL)) NIL NIL NIL NIL) "
            + "BODYSTRUCTURE ((\"TEXT\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 27 1 NIL NIL NIL NIL)"
            + "(\"application\" \"octet-stream\" (\"name\" \"blob.bin\") NIL NIL \"BASE64\" 8 NIL (\"attachment\" (\"filename\" \"blob.bin\")) NIL NIL)"
            + "(\"application\" \"x-odd\" NIL NIL NIL \"x-unknown\" 3 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL))"
        #expect(first == [expected])
        let blobs = try await d.session.selected!.mailbox.cachedBlobs(uids: [1])
        #expect(CachedItems.isCurrent(blobs[1]?.envelope) && CachedItems.isCurrent(blobs[1]?.bodyStructure))
        // Second: from the cache, the same bytes.
        #expect(try await d.ok("FETCH 1 (ENVELOPE BODYSTRUCTURE)") == [expected])
        // A search analyses the message; the cached encodings stay the same.
        try await d.ok("SEARCH TEXT lait")
        #expect(try await d.ok("FETCH 1 (ENVELOPE BODYSTRUCTURE)") == [expected])
        // BODY is BODYSTRUCTURE without extension data.
        #expect(try await d.ok("FETCH 1 (BODY)") == [
            "* 1 FETCH (BODY ((\"TEXT\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 27 1)"
                + "(\"application\" \"octet-stream\" (\"name\" \"blob.bin\") NIL NIL \"BASE64\" 8)"
                + "(\"application\" \"x-odd\" NIL NIL NIL \"x-unknown\" 3) \"mixed\"))",
        ])
    }

    @Test func sectionsAreServedInCRLFFormWithPartialRangesInCRLFOctets() async throws {
        let temp = TempStore()
        try await temp.deliver(Self.multipart)
        var d = try await SessionDriver.loggedIn(temp)
        let crlf = Self.multipart
        #expect(try await d.ok("FETCH 1 (RFC822.SIZE)") == ["* 1 FETCH (RFC822.SIZE \(crlf.utf8.count))"])
        let whole = try await d.send("t FETCH 1 (BODY.PEEK[])").joined(separator: "\r\n")
        #expect(whole == "* 1 FETCH (BODY[] {\(crlf.utf8.count)}\r\n" + crlf + ")\r\nt OK FETCH completed")
        // <offset.length> counts CRLF octets: offset 33 is "To:" on the second line.
        #expect(try await d.ok("FETCH 1 (BODY.PEEK[]<33.3>)") == ["* 1 FETCH (BODY[]<33> {3}", "To:)"])
        #expect(try await d.ok("FETCH 1 (BODY.PEEK[]<100000.10>)") == ["* 1 FETCH (BODY[]<100000> {0}", ")"])
        #expect(try await d.ok("FETCH 1 (BODY.PEEK[1])") == ["* 1 FETCH (BODY[1] {27}", "Caf=C3=A9 au lait", "line two)"])
        #expect(try await d.ok("FETCH 1 (BODY.PEEK[2.MIME])").first == "* 1 FETCH (BODY[2.MIME] {148}")
        #expect(try await d.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (subject date)])") == [
            "* 1 FETCH (BODY[HEADER.FIELDS (subject date)] {80}", "Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9?=",
            "Date: Tue, 14 Nov 2023 22:13:20 +0000", "", ")",
        ])
        #expect(try await d.ok("FETCH 1 (BODY.PEEK[4] BODY.PEEK[1.HEADER])") == ["* 1 FETCH (BODY[4] NIL BODY[1.HEADER] NIL)"])
        // Nothing above set \Seen.
        #expect(try await d.ok("FETCH 1 FLAGS") == ["* 1 FETCH (FLAGS ())"])
    }

    @Test func binaryDecodesTransferEncodings() async throws {
        let temp = TempStore()
        try await temp.deliver(Self.multipart)
        var d = try await SessionDriver.loggedIn(temp)
        #expect(try await d.ok("FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])") == ["* 1 FETCH (BINARY[1] {23}", "Café au lait", "line two BINARY.SIZE[1] 23)"])
        // 00 01 02 03 04: a NUL makes it a literal8 (RFC 3516 §4.3).
        let binary = try await d.send("t FETCH 1 (BINARY.PEEK[2])").joined(separator: "\r\n")
        #expect(binary == "* 1 FETCH (BINARY[2] ~{5}\r\n\u{0}\u{1}\u{2}\u{3}\u{4})\r\nt OK FETCH completed")
        #expect(try await d.result("FETCH 1 (BINARY.PEEK[3])") == "NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding")
    }

    @Test func bodyWithoutPeekSetsSeenAndReportsIt() async throws {
        let temp = TempStore()
        try await temp.deliver(message("one"))
        var d = try await SessionDriver.loggedIn(temp)
        #expect(try await d.ok("FETCH 1 (BODY[TEXT])") == ["* 1 FETCH (BODY[TEXT] {14}", "Hello there.", " FLAGS (\\Seen))"])
        // Already seen: no flag changed, none reported.
        #expect(try await d.ok("FETCH 1 (BODY[TEXT])") == ["* 1 FETCH (BODY[TEXT] {14}", "Hello there.", ")"])
        // Read-only: nothing changes.
        let temp2 = TempStore()
        try await temp2.deliver(message("two"))
        var e = try await SessionDriver.loggedIn(temp2, select: false)
        try await e.ok("EXAMINE INBOX")
        #expect(try await e.ok("FETCH 1 (RFC822.TEXT)") == ["* 1 FETCH (RFC822.TEXT {14}", "Hello there.", ")"])
        #expect(try await e.ok("FETCH 1 FLAGS") == ["* 1 FETCH (FLAGS ())"])
    }

    @Test func changedSinceAndVanished() async throws {
        let temp = TempStore()
        for n in 1...3 { try await temp.deliver(message("m\(n)")) }
        var d = try await SessionDriver.loggedIn(temp)
        let select = try await d.ok("SELECT INBOX")
        let highest = try #require(select.first { $0.hasPrefix("* OK [HIGHESTMODSEQ ") }?.split(separator: " ")[3].dropLast())
        try await d.ok("STORE 3 +FLAGS.SILENT (\\Answered)")
        let changed = try await d.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE \(highest))")
        #expect(changed.count == 1 && changed[0].hasPrefix("* 3 FETCH (MODSEQ (") && changed[0].hasSuffix(") FLAGS (\\Answered))"))
        #expect(try await d.result("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)") == "BAD [CLIENTBUG] QRESYNC is not enabled")
    }

    @Test func largeMessagesAreStreamedWithTheSameBytes() async throws {
        let temp = TempStore()
        let body = (0..<3000).map { "line \($0) of a message that is larger than the in-memory limit" }.joined(separator: "\r\n")
        let text = message("big", body: body)
        try await temp.deliver(text)
        // EXAMINE: RFC822 would set \Seen in the first session and not in the second.
        var small = try await SessionDriver.loggedIn(temp, select: false) { $0.limits.inMemoryMessageOctets = 1000; $0.limits.responseChunkOctets = 4096 }
        try await small.ok("EXAMINE INBOX")
        var normal = try await SessionDriver.loggedIn(temp, select: false)
        try await normal.ok("EXAMINE INBOX")
        // The streamed literal comes last; with it last in the request the bytes are equal.
        for command in ["FETCH 1 (UID BODY.PEEK[])", "FETCH 1 (RFC822.SIZE BODY.PEEK[]<10000.7000>)", "FETCH 1 (BINARY.PEEK[])",
                        "FETCH 1 (FLAGS RFC822)", "FETCH 1 (BODY.PEEK[]<190000.5000>)"] {
            let streamed = try await small.send("t " + command).joined(separator: "\r\n")
            let inMemory = try await normal.send("t " + command).joined(separator: "\r\n")
            #expect(streamed.utf8.count > 1000)
            #expect(streamed == inMemory, "\(command)")
        }
        let whole = try await small.send("t FETCH 1 (BODY.PEEK[])").joined(separator: "\r\n")
        #expect(whole.contains("BODY[] {\(text.utf8.count)}\r\n" + text + ")"))
    }
}
