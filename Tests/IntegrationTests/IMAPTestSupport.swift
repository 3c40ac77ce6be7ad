import Config
import Foundation
import MailCore
import Store
import Testing
import TestSupport

/// A whole server for IMAP tests: alice and bob in example.test, failed logins answered
/// after 100 ms.
func startIMAPServer(configure: (inout Config.PosternConfig) -> Void = { _ in }) async throws -> TestPostern {
    try await startServer { config in
        config.imap.authFailureDelay = .milliseconds(100)
        configure(&config)
    }
}

/// An IMAP session written as the protocol reads: `try await c.ok("SELECT INBOX")`.
final class IMAPTestClient: @unchecked Sendable {
    let lines: LineClient
    let greeting: String
    private var counter = 0

    static func connect(_ server: TestPostern, listener: String = "imaps") async throws -> IMAPTestClient {
        let client = try await LineClient.connect(port: server.port(listener), tls: listener == "imaps")
        let greeting = await client.readLine() ?? ""
        return IMAPTestClient(lines: client, greeting: greeting)
    }

    /// A client logged in as `user` over IMAPS.
    static func login(_ server: TestPostern, _ user: String = "alice@example.test", password: String? = nil) async throws -> IMAPTestClient {
        let client = try await connect(server)
        let password = password ?? String(user.prefix { $0 != "@" }) + "-password"
        try await client.ok("LOGIN \(user) \(password)")
        return client
    }

    init(lines: LineClient, greeting: String) {
        self.lines = lines
        self.greeting = greeting
    }

    func nextTag() -> String {
        counter += 1
        return "t\(counter)"
    }

    /// Sends a command; returns the untagged lines and the tagged one (without its tag).
    @discardableResult
    func command(_ text: String) async throws -> (untagged: [String], result: String) {
        let tag = nextTag()
        try await lines.send("\(tag) \(text)")
        let all = await lines.readUntil(prefix: "\(tag) ")
        guard let last = all.last, last.hasPrefix("\(tag) ") else { return (all, "") }
        return (Array(all.dropLast()), String(last.dropFirst(tag.count + 1)))
    }

    /// Sends a command that must succeed; returns its untagged lines.
    @discardableResult
    func ok(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let (untagged, result) = try await command(text)
        #expect(result.hasPrefix("OK"), "\(text) -> \(result)", sourceLocation: sourceLocation)
        return untagged
    }

    /// Sends a command; returns its tagged result (e.g. `NO [TRYCREATE] ...`).
    func result(_ text: String) async throws -> String {
        try await command(text).result
    }

    func close() async {
        await lines.close()
    }
}

/// A small message with CRLF line endings.
func testMessage(subject: String, body: String = "Hello there.", from: String = "Carol <carol@example.net>") -> String {
    "From: \(from)\r\nTo: alice@example.test\r\nSubject: \(subject)\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <\(subject.filter(\.isLetter))@example.net>\r\n\r\n\(body)\r\n"
}

/// Delivers a message the way SMTP delivery does (LF line endings on disk).
func deliver(_ server: TestPostern, to user: String = "alice@example.test", subject: String, body: String = "Hello there.") async throws {
    let bytes = Array(testMessage(subject: subject, body: body).replacingOccurrences(of: "\r\n", with: "\n").utf8)
    let account = try EmailAddress(user)
    try await server.server.store.deliver(bytes, to: [DeliveryTarget(account: account)])
    // The store gives UIDs at its next sync; syncing now keeps them in delivery order.
    _ = try await server.server.store.account(account).select(.inbox)
}
