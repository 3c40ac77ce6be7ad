import IMAPProtocol
@testable import IMAPServer
import Testing

/// STORE (RFC 9051 §6.4.6) and UNCHANGEDSINCE (RFC 7162 §3.1.3).
@Suite struct StoreCommandTests {
    @Test func addRemoveReplaceAndSilent() async throws {
        let temp = TempStore()
        for n in 1...3 { try await temp.deliver(message("m\(n)")) }
        var d = try await SessionDriver.loggedIn(temp)
        // A new keyword: FLAGS and PERMANENTFLAGS come first, then the FETCH responses.
        let added = try await d.ok("STORE 1:2 +FLAGS (\\Seen $Label)")
        #expect(added == [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label)",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label \\*)] Flags permitted",
            "* 1 FETCH (FLAGS (\\Seen $Label))", "* 2 FETCH (FLAGS (\\Seen $Label))",
        ])
        #expect(try await d.ok("STORE 2 -FLAGS ($label)") == ["* 2 FETCH (FLAGS (\\Seen))"])
        #expect(try await d.ok("UID STORE 3 FLAGS (\\Draft \\Answered)") == ["* 3 FETCH (UID 3 FLAGS (\\Answered \\Draft))"])
        #expect(try await d.ok("STORE 1:3 FLAGS.SILENT ()") == [])
        #expect(try await d.ok("FETCH 1:3 FLAGS") == ["* 1 FETCH (FLAGS ())", "* 2 FETCH (FLAGS ())", "* 3 FETCH (FLAGS ())"])
        // \Recent cannot be set; unknown system flags are refused.
        #expect(try await d.ok("STORE 1 +FLAGS (\\Recent)") == ["* 1 FETCH (FLAGS ())"])
        #expect(try await d.result("STORE 1 +FLAGS (\\Important)") == "BAD [CLIENTBUG] Unknown system flag \\Important")
        #expect(try await d.result("STORE 9 +FLAGS (\\Seen)") == "BAD [CLIENTBUG] Invalid message sequence number")
        // A UID that does not exist is no error (RFC 9051 §6.4.9).
        #expect(try await d.ok("UID STORE 9 +FLAGS (\\Seen)") == [])
    }

    @Test func unchangedSinceReportsModified() async throws {
        let temp = TempStore()
        for n in 1...3 { try await temp.deliver(message("m\(n)")) }
        var d = try await SessionDriver.loggedIn(temp)
        let fetch = try await d.ok("FETCH 3 (MODSEQ)")
        let modseq = try #require(fetch.first?.split(separator: "(").last?.split(separator: ")").first.flatMap { UInt64($0) })
        try await d.ok("STORE 2 +FLAGS.SILENT (\\Flagged)")
        // Message 2 changed after `modseq`: left alone and reported (RFC 7162 §3.1.3).
        let lines = try await d.send("a STORE 1:3 (UNCHANGEDSINCE \(modseq)) +FLAGS.SILENT (\\Seen)")
        #expect(lines.last == "a OK [MODIFIED 2] Conditional STORE failed for some messages")
        // With CONDSTORE on, .SILENT still reports the new MODSEQ of what changed.
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("* 1 FETCH (UID 1 MODSEQ (") || $0.hasPrefix("* 3 FETCH (UID 3 MODSEQ (") })
        #expect(lines.count == 3)
        let uidLines = try await d.send("b UID STORE 1:3 (UNCHANGEDSINCE 1) -FLAGS (\\Seen)")
        #expect(uidLines.last == "b OK [MODIFIED 1:3] Conditional STORE failed for some messages")
        #expect(try await d.ok("FETCH 1:3 FLAGS").map { $0.contains("\\Seen") } == [true, false, true])
    }
}
