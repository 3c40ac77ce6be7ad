// A whole Postern in-process: temporary data directory, every listener on 127.0.0.1 with an
// ephemeral port, logs captured in memory, DNS pointed wherever the test says. Every
// integration test starts one and stops it.

public import Config
public import DNSClient
import Foundation
public import PosternLogging
public import PosternServer

public final class TestPostern: Sendable {
    public let server: PosternServer
    public let dataDirectory: String
    public let logs: MemoryLogSink
    let runTask: Task<Void, any Error>

    /// Starts a server. The default configuration: hostname `mail.example.test`, listeners
    /// smtp, submission, submissions, imap, imaps on 127.0.0.1 (port 0), no greeting delay,
    /// HELO and sender DNS checks on (trusted networks empty so that loopback clients are
    /// checked like the internet), `resolver` for every lookup, outbound delivery restricted
    /// to loopback addresses. `options` adjusts the rest (a manual queue clock, the port of
    /// MX hosts).
    public static func start(resolver: any DNSClient.Resolver, configure: (inout PosternConfig) -> Void = { _ in },
                             options configureOptions: (inout PosternServer.Options) -> Void = { _ in }) async throws -> TestPostern {
        let dir = NSTemporaryDirectory() + "postern-it-" + UUID().uuidString
        var config = PosternConfig()
        config.source = .file("test")
        config.hostname = "mail.example.test"
        config.dataDirectory = dir
        for keyPath: WritableKeyPath<ListenConfig, ListenAddress?> in [\.smtp, \.submission, \.submissions, \.imap, \.imaps, \.http, \.https] {
            config.listen[keyPath: keyPath] = ListenAddress(host: "127.0.0.1", port: 0)
        }
        config.smtp.greetDelay = .zero
        config.smtp.trustedNetworks = []
        configure(&config)
        let logs = MemoryLogSink()
        var options = PosternServer.Options()
        options.logSink = logs
        options.resolver = resolver
        options.shutdownSignals = []
        options.shutdownGracePeriod = .seconds(5)
        options.announce = { _ in }
        options.certificateCheckInterval = .milliseconds(200)
        options.delivery.loopbackOnly = true
        configureOptions(&options)
        let server = try await PosternServer.start(config: config, options: options)
        let task = Task { try await server.run() }
        return TestPostern(server: server, dataDirectory: dir, logs: logs, runTask: task)
    }

    init(server: PosternServer, dataDirectory: String, logs: MemoryLogSink, runTask: Task<Void, any Error>) {
        self.server = server
        self.dataDirectory = dataDirectory
        self.logs = logs
        self.runTask = runTask
    }

    /// The bound port of a listener (`smtp`, `submission`, `imaps`...).
    public func port(_ listener: String) -> Int {
        guard let p = server.ports[listener] else { preconditionFailure("listener \(listener) is not configured in this test") }
        return p
    }

    /// Graceful shutdown, then the temporary data is removed.
    public func stop(keepData: Bool = false) async throws {
        await server.shutdown()
        try await runTask.value
        if !keepData { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }

    /// Files currently in an account's INBOX (new/ and cur/).
    public func inbox(_ address: String) -> [String] {
        guard let a = try? MailCore.EmailAddress(address) else { return [] }
        let root = server.store.accountPath(a)
        var out: [String] = []
        for sub in ["new", "cur"] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + sub)) ?? []
            out += files.filter { !$0.hasPrefix(".") }.sorted().map { root + "/" + sub + "/" + $0 }
        }
        return out
    }

    /// The contents of every message in an INBOX, in name order.
    public func inboxMessages(_ address: String) -> [String] {
        inbox(address).compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
    }
}

import MailCore
