import Foundation
import Testing
import TestSupport

/// Logging in: TLS first (LOGINDISABLED, PRIVACYREQUIRED), STARTTLS and IMAPS, SASL PLAIN,
/// failed logins delayed and logged, and the STARTTLS command-injection case.
@Suite struct IMAPLoginTests {
    @Test func loginIsDisabledUntilStartTLS() async throws {
        let t = try await startIMAPServer()
        let c = try await IMAPTestClient.connect(t, listener: "imap")
        #expect(c.greeting.hasPrefix("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 "))
        #expect(c.greeting.contains(" STARTTLS") && c.greeting.contains(" LOGINDISABLED"))
        #expect(!c.greeting.contains("AUTH=PLAIN"))
        #expect(try await c.result("LOGIN alice@example.test alice-password").hasPrefix("NO [PRIVACYREQUIRED]"))
        #expect(try await c.result("AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZA==").hasPrefix("NO [PRIVACYREQUIRED]"))
        #expect(try await c.result("SELECT INBOX").hasPrefix("BAD"))
        try await c.ok("STARTTLS")
        try await c.lines.startTLS()
        let capabilities = try await c.ok("CAPABILITY").joined()
        #expect(capabilities.contains("AUTH=PLAIN") && !capabilities.contains("LOGINDISABLED") && !capabilities.contains("STARTTLS"))
        let login = try await c.command("LOGIN alice@example.test alice-password")
        #expect(login.result.hasPrefix("OK [CAPABILITY IMAP4rev1 IMAP4rev2 "))
        #expect(login.result.contains(" CONDSTORE ") && login.result.contains(" QRESYNC ") && login.result.contains(" MOVE "))
        try await c.ok("SELECT INBOX")
        #expect(try await c.result("STARTTLS").hasPrefix("BAD"))
        await c.close()
        try await t.stop()
    }

    @Test func loginOverIMAPSAndAuthenticatePlain() async throws {
        let t = try await startIMAPServer()
        let c = try await IMAPTestClient.connect(t)
        #expect(c.greeting.contains("AUTH=PLAIN") && !c.greeting.contains("LOGINDISABLED") && !c.greeting.contains("STARTTLS"))
        // RFC 4959 initial response: "\0alice@example.test\0alice-password".
        try await c.ok("AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZA==")
        try await c.ok("SELECT INBOX")
        await c.close()

        // Without an initial response: an empty challenge, then the response.
        let d = try await IMAPTestClient.connect(t)
        try await d.lines.send("a AUTHENTICATE PLAIN")
        #expect(await d.lines.readLine() == "+ ")
        try await d.lines.send("AGJvYkBleGFtcGxlLnRlc3QAYm9iLXBhc3N3b3Jk")
        #expect(await d.lines.readLine()?.hasPrefix("a OK [CAPABILITY") == true)
        // "*" cancels an exchange (RFC 9051 §6.2.2).
        let e = try await IMAPTestClient.connect(t)
        try await e.lines.send("a AUTHENTICATE PLAIN")
        #expect(await e.lines.readLine() == "+ ")
        try await e.lines.send("*")
        #expect(await e.lines.readLine()?.hasPrefix("a BAD") == true)
        try await e.ok("LOGIN bob@example.test bob-password")
        await d.close()
        await e.close()
        try await t.stop()
    }

    @Test func failedLoginIsDelayedLoggedAndLimited() async throws {
        let t = try await startIMAPServer { $0.imap.authFailureDelay = .milliseconds(300) }
        let c = try await IMAPTestClient.connect(t)
        let start = ContinuousClock.now
        #expect(try await c.result("LOGIN alice@example.test wrong").hasPrefix("NO [AUTHENTICATIONFAILED]"))
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        let line = t.logs.lines.first { $0.contains("result=auth-failed") }
        #expect(line?.contains("remote=127.0.0.1") == true)
        #expect(line?.contains("user=alice@example.test") == true)
        #expect(line?.contains("wrong") == false)
        #expect(try await c.result("LOGIN nobody@example.test x").hasPrefix("NO [AUTHENTICATIONFAILED]"))
        // The third failure ends the connection.
        try await c.lines.send("x LOGIN alice@example.test again")
        let rest = await c.lines.readUntil(prefix: "* BYE")
        #expect(rest.first?.hasPrefix("x NO [AUTHENTICATIONFAILED]") == true && rest.last?.hasPrefix("* BYE") == true)
        #expect(await c.lines.isClosedByServer())
        try await t.stop()
    }

    /// RFC 9051 §6.2.1 / CVE-2011-0411: a command sent in the same packet as STARTTLS is
    /// discarded, never run inside (or outside) TLS.
    @Test func commandInjectedAfterStartTLSIsNeverRun() async throws {
        let t = try await startIMAPServer()
        let c = try await IMAPTestClient.connect(t, listener: "imap")
        try await c.lines.sendRaw("a STARTTLS\r\nb LOGIN alice@example.test alice-password\r\n")
        #expect(await c.lines.readLine()?.hasPrefix("a OK") == true)
        try await c.lines.startTLS()
        // Still not authenticated: the injected LOGIN did not run.
        try await c.lines.send("c SELECT INBOX")
        let lines = await c.lines.readUntil(prefix: "c ")
        #expect(lines.last?.hasPrefix("c BAD") == true)
        #expect(!lines.contains { $0.hasPrefix("b ") })
        let capabilities = try await c.ok("CAPABILITY").joined()
        #expect(capabilities.contains("AUTH=PLAIN"))
        await c.close()
        try await t.stop()
    }
}
