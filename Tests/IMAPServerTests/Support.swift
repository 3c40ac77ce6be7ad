import Foundation
import IMAPProtocol
@testable import IMAPServer
import Logging
import MailCore
import NIOCore
import Store
import Testing

/// Collects what a session writes, encoded as the client reads it, and the connection
/// actions it asks for.
struct RecordingOutput: ResponseOutput {
    var encoder = ResponseEncoder()
    var text = ""
    var events: [String] = []
    var pending: [Response] = []
    var watched: [AsyncStream<Void>] = []

    mutating func send(_ response: Response) {
        pending.append(response)
    }

    mutating func send(encoded: ByteBuffer) async throws {
        try await flush()
        text += String(buffer: encoded)
    }

    mutating func flush() async throws {
        for response in pending {
            var buffer = ByteBuffer()
            encoder.write(response, into: &buffer)
            encoder.observe(response)
            text += String(buffer: buffer)
        }
        pending = []
    }

    mutating func startTLS(_ ok: Response) async throws {
        pending.append(ok)
        try await flush()
        events.append("starttls")
    }

    mutating func authenticated(_ ok: Response) async throws {
        pending.append(ok)
        try await flush()
        events.append("authenticated")
    }

    mutating func idle(_ on: Bool, watch: AsyncStream<Void>?) async throws {
        try await flush()
        if let watch { watched.append(watch) }
        events.append(on ? "idle on" : "idle off")
    }

    mutating func close(_ last: [Response]) async throws {
        pending += last
        try await flush()
        events.append("close")
    }

    /// The lines written since the last call.
    mutating func take() -> [String] {
        defer { text = "" }
        var lines = text.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// Credentials of the test accounts.
struct FixedAuthenticator: IMAPAuthenticator {
    func authenticate(username: String, password: String) async -> EmailAddress? {
        let accounts = ["alice@example.test": "alice-pw", "bob@example.test": "bob-pw"]
        guard let address = try? EmailAddress(username), accounts[address.description] == password else { return nil }
        return address
    }
}

let alice = try! EmailAddress("alice@example.test")
let bob = try! EmailAddress("bob@example.test")

/// A store in a temporary directory, removed when the value goes away.
final class TempStore: @unchecked Sendable {
    let root: String
    let store: MailStore

    init(limits: StoreLimits = StoreLimits()) {
        root = NSTemporaryDirectory() + "imapserver-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        store = MailStore(configuration: .init(root: root, hostname: "mail.example.test", limits: limits, analyzer: IMAPMessageAnalyzer()))
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Delivers a message (LF line endings, as SMTP delivery writes them).
    func deliver(_ text: String, to user: EmailAddress = alice, date: Int64? = nil) async throws {
        let bytes = Array(text.replacingOccurrences(of: "\r\n", with: "\n").utf8)
        try await store.deliver(bytes, to: [DeliveryTarget(account: user)], internalDate: date)
        // The store gives UIDs at its next sync; syncing now keeps them in delivery order.
        _ = try await store.account(user).select(.inbox)
    }
}

/// A session driven line by line, the way the decoder would hand commands over.
struct SessionDriver {
    let temp: TempStore
    var session: IMAPSession
    var output = RecordingOutput()
    var closed = false

    init(temp: TempStore = TempStore(), tls: Bool = true, tlsAvailable: Bool = true, remote: IPAddress? = IPAddress("192.0.2.7"),
         configure: (inout IMAPServerConfiguration) -> Void = { _ in }) {
        self.temp = temp
        var configuration = IMAPServerConfiguration(hostname: "mail.example.test", authFailureDelay: .zero)
        configure(&configuration)
        let context = IMAPServerContext(configuration: configuration, store: temp.store, authenticator: FixedAuthenticator())
        session = IMAPSession(context: context, tlsActive: tls, tlsAvailable: tlsAvailable, remoteAddress: remote,
                              logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    /// Sends one command (literals inline; CRLF is added) and returns the lines written.
    mutating func send(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        var decoder = CommandDecoder(limits: session.context.limits.authenticated)
        var buffer = ByteBuffer(string: line + "\r\n")
        while let message = decoder.next(&buffer) {
            if case .continuationRequired = message { continue }
            if try await session.receive(message, &output) == .closed { closed = true }
        }
        return output.take()
    }

    /// Sends a command and checks that it completed with OK; returns the untagged lines.
    @discardableResult
    mutating func ok(_ command: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let lines = try await send("t " + command, sourceLocation: sourceLocation)
        #expect(lines.last?.hasPrefix("t OK") == true, "\(command) -> \(lines.last ?? "nothing")", sourceLocation: sourceLocation)
        return Array(lines.dropLast())
    }

    /// The tagged result of a command, without the tag.
    mutating func result(_ command: String) async throws -> String {
        let lines = try await send("t " + command)
        return lines.last.map { String($0.dropFirst(2)) } ?? ""
    }

    /// Logged in as alice (or `user`), INBOX selected unless `select` is false.
    static func loggedIn(_ temp: TempStore = TempStore(), user: String = "alice@example.test", select: Bool = true,
                         configure: (inout IMAPServerConfiguration) -> Void = { _ in }) async throws -> SessionDriver {
        var driver = SessionDriver(temp: temp, configure: configure)
        let password = user.hasPrefix("alice") ? "alice-pw" : "bob-pw"
        try await driver.ok("LOGIN \(user) \(password)")
        if select { try await driver.ok("SELECT INBOX") }
        return driver
    }
}

/// A message with CRLF line endings.
func message(_ subject: String, from: String = "Carol <carol@example.net>", to: String = "alice@example.test",
             date: String = "Tue, 14 Nov 2023 22:13:20 +0000", extraHeaders: String = "", body: String = "Hello there.") -> String {
    "From: \(from)\r\nTo: \(to)\r\nSubject: \(subject)\r\nDate: \(date)\r\n\(extraHeaders)\r\n\(body)\r\n"
}
