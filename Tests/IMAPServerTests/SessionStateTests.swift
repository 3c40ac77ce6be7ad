import IMAPProtocol
@testable import IMAPServer
import MailCore
import Testing

/// RFC 9051 §3 states as a value: what each allows and what CAPABILITY says.
@Suite struct SessionStateTests {
    static func state(tls: Bool, loopbackPlaintext: Bool = false) -> SessionState {
        SessionState(tlsActive: tls, tlsAvailable: true, plaintextAuthenticationAllowed: loopbackPlaintext, appendLimit: 1000)
    }

    @Test func capabilitiesBeforeAndAfterTLSAndLogin() throws {
        var s = Self.state(tls: false)
        #expect(s.capabilities == ["IMAP4rev1", "IMAP4rev2", "SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE", "STARTTLS", "LOGINDISABLED"])
        s.tlsStarted()
        #expect(s.capabilities == ["IMAP4rev1", "IMAP4rev2", "SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE", "AUTH=PLAIN", "AUTH=LOGIN"])
        s.loggedIn(as: try EmailAddress("alice@example.test"))
        #expect(s.capabilities.contains("APPENDLIMIT=1000") && s.capabilities.contains("QRESYNC") && !s.capabilities.contains("AUTH=PLAIN"))
        #expect(Self.state(tls: false, loopbackPlaintext: true).capabilities.contains("AUTH=PLAIN"))
    }

    /// (command, state, expected answer prefix or nil when allowed)
    static let table: [(String, SessionPhase, String?)] = [
        ("a CAPABILITY", .notAuthenticated, nil),
        ("a NOOP", .selected(readOnly: false), nil),
        ("a LOGIN u p", .notAuthenticated, nil),
        ("a LOGIN u p", .authenticated, "a BAD [CLIENTBUG]"),
        ("a STARTTLS", .authenticated, "a BAD [CLIENTBUG]"),
        ("a SELECT INBOX", .notAuthenticated, "a BAD [CLIENTBUG] Not authenticated"),
        ("a SELECT INBOX", .authenticated, nil),
        ("a FETCH 1 FLAGS", .authenticated, "a BAD [CLIENTBUG] No mailbox selected"),
        ("a FETCH 1 FLAGS", .selected(readOnly: true), nil),
        ("a ENABLE CONDSTORE", .authenticated, nil),
        ("a ENABLE CONDSTORE", .selected(readOnly: false), "a BAD [CLIENTBUG]"),
        ("a IDLE", .authenticated, nil),
        ("a EXPUNGE", .notAuthenticated, "a BAD [CLIENTBUG] Not authenticated"),
    ]

    @Test(arguments: 0..<table.count) func commandsPerState(_ index: Int) throws {
        let (line, phase, expected) = Self.table[index]
        var s = Self.state(tls: true)
        if phase != .notAuthenticated { s.loggedIn(as: try EmailAddress("alice@example.test")) }
        if case .selected(let readOnly) = phase { s.selected(readOnly: readOnly) }
        let command = try CommandParser.parse(line + "\r\n")
        let refusal = s.refusal(of: command.command, tag: command.tag)
        if let expected {
            var buffer = ByteBufferBox()
            buffer.write(refusal)
            #expect(buffer.text.hasPrefix(expected), "\(line) in \(phase): \(buffer.text)")
        } else {
            #expect(refusal == nil, "\(line) in \(phase)")
        }
    }

    @Test func loginBeforeTLSIsPrivacyRequired() throws {
        let s = Self.state(tls: false)
        let refusal = s.refusal(of: .login(user: "u", password: "p"), tag: "a")
        #expect(refusal == TaggedResponse.no("a", "Login only after STARTTLS", code: .privacyRequired))
        #expect(Self.state(tls: false, loopbackPlaintext: true).refusal(of: .login(user: "u", password: "p"), tag: "a") == nil)
    }

    @Test func enableReportsOnlyWhatIsNewlyOn() {
        var s = Self.state(tls: true)
        let first = s.enable(["condstore", "X-UNKNOWN", "UTF8=ACCEPT"])
        #expect(first == ["CONDSTORE", "UTF8=ACCEPT"])
        let second = s.enable(["CONDSTORE", "QRESYNC"])
        #expect(second == ["QRESYNC"])
        #expect(s.qresync && s.condstore && s.utf8Names && !s.isIMAP4rev2)
        let third = s.enable(["IMAP4rev2"])
        #expect(third == ["IMAP4REV2"])
        #expect(s.isIMAP4rev2)
    }

    @Test func failedLoginsCountTowardsTheLimit() {
        var s = Self.state(tls: true)
        let results = (0..<3).map { _ in s.authenticationFailed(limit: 3) }
        #expect(results == [false, false, true])
    }
}

import NIOCore

struct ByteBufferBox {
    var text = ""
    mutating func write(_ response: Response?) {
        guard let response else { return }
        var buffer = ByteBuffer()
        ResponseEncoder().write(response, into: &buffer)
        text += String(buffer: buffer)
    }
}
