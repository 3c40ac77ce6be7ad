import Foundation
import Testing
import TestSupport

/// Hostile and broken input: every answer is a BAD or NO with a code, the connection stays
/// usable where it can, and nothing is allocated for what is refused.
@Suite struct IMAPBadInputTests {
    @Test func literalBombsAreRefusedBeforeAllocation() async throws {
        let t = try await startIMAPServer()
        // Before login: even a login literal is small.
        let a = try await IMAPTestClient.connect(t)
        try await a.lines.send("a LOGIN {4294967295}")
        #expect(await a.lines.readLine()?.hasPrefix("a BAD [TOOBIG]") == true)
        try await a.lines.send("b APPEND INBOX {100}")
        #expect(await a.lines.readLine()?.hasPrefix("b NO [TOOBIG]") == true)
        try await a.ok("NOOP")
        await a.close()

        // After login: an APPEND over APPENDLIMIT is refused and the connection goes on.
        let c = try await IMAPTestClient.login(t)
        try await c.lines.send("a APPEND INBOX {4294967295}")
        #expect(await c.lines.readLine()?.hasPrefix("a NO [TOOBIG]") == true)
        try await c.ok("NOOP")
        // A non-synchronizing one is already on its way: too big to skip, the server says BYE.
        try await c.lines.send("b APPEND INBOX {4294967295+}")
        #expect(await c.lines.readLine()?.hasPrefix("* BYE [TOOBIG]") == true)
        #expect(await c.lines.isClosedByServer())
        try await t.stop()
    }

    @Test func brokenCommandsGetBadOrNoWithACode() async throws {
        let t = try await startIMAPServer()
        try await deliver(t, subject: "one")
        let c = try await IMAPTestClient.login(t)
        try await c.ok("SELECT INBOX")
        let cases: [(String, String)] = [
            ("FROBNICATE", "BAD"),
            ("FETCH 5 FLAGS", "BAD [CLIENTBUG]"),
            ("FETCH 0:1 FLAGS", "BAD"),
            ("FETCH 1,,2 FLAGS", "BAD"),
            ("SEARCH CHARSET KOI8-R ALL", "NO [BADCHARSET (US-ASCII UTF-8)]"),
            ("CREATE \"a/b\"", "NO [CANNOT]"),
            ("CREATE \"&Jjo\"", "NO [CANNOT]"),
            ("STORE 1 +FLAGS (\\Bogus)", "BAD [CLIENTBUG]"),
            ("SELECT INBOX (QRESYNC (1 1))", "BAD [CLIENTBUG]"),
            ("ENABLE CONDSTORE", "BAD [CLIENTBUG]"),
            ("UID FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)", "BAD [CLIENTBUG]"),
            ("LOGIN alice@example.test alice-password", "BAD [CLIENTBUG]"),
            ("SEARCH " + String(repeating: "(", count: 100) + "ALL" + String(repeating: ")", count: 100), "BAD"),
            ("SEARCH " + String(repeating: "NOT ", count: 100) + "ALL", "BAD"),
        ]
        for (command, expected) in cases {
            let result = try await c.result(command)
            #expect(result.hasPrefix(expected), "\(command.prefix(40)) -> \(result)")
        }
        // RFC 9051 §6.3.2: a failed SELECT leaves no mailbox selected.
        #expect(try await c.result("SELECT \"a..b\"").hasPrefix("NO [CANNOT]"))
        #expect(try await c.result("FETCH 1 FLAGS").hasPrefix("BAD [CLIENTBUG] No mailbox selected"))
        try await c.ok("SELECT INBOX")
        #expect(try await c.result("EXAMINE Nowhere").hasPrefix("NO [NONEXISTENT]"))
        #expect(try await c.result("FETCH 1 FLAGS").hasPrefix("BAD [CLIENTBUG] No mailbox selected"))
        try await c.lines.send("* NOOP")
        #expect(await c.lines.readLine()?.hasPrefix("* BAD") == true)
        try await c.ok("NOOP")
        await c.close()
        try await t.stop()
    }

    @Test func idleDeliveryAndWrongIdleEnd() async throws {
        let t = try await startIMAPServer()
        let c = try await IMAPTestClient.login(t)
        try await c.ok("SELECT INBOX")
        try await c.lines.send("i IDLE")
        #expect(await c.lines.readLine() == "+ idling")
        try await c.lines.send("NOOP")
        #expect(await c.lines.readLine()?.hasPrefix("i BAD") == true)
        try await c.ok("NOOP")
        await c.close()
        try await t.stop()
    }
}
