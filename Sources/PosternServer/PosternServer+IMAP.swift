// Composition of the IMAP listeners: `imap` (STARTTLS, port 143) and `imaps` (implicit TLS,
// port 993), built from the `[listen]` and `[imap]` configuration, with the accounts
// directory for logins and the shared mail store.

import Accounts
import Config
import IMAPProtocol
import IMAPServer
import Logging
import MailCore
import NetServer
import NIOCore
import NIOSSL
import PosternLogging
import ServiceLifecycle
import Store

extension PosternServer {
    /// The analyser the mail store runs for SEARCH and the FETCH cache (IMAP's encodings).
    static func messageAnalyzer() -> any MessageAnalyzer {
        IMAPMessageAnalyzer()
    }

    /// Binds every configured IMAP listener and adds it to `services` and `ports`.
    static func addIMAPListeners(config: PosternConfig, store: MailStore, directory: AccountDirectory,
                                 tls: @escaping @Sendable () -> NIOSSLContext?, group: any EventLoopGroup, sink: any LogSink,
                                 services: inout [any Service], ports: inout [String: Int]) async throws {
        let logger = ServerComponents.logger("imap", config: config, sink: sink)
        let listeners: [(String, ListenAddress?, Bool)] = [("imap", config.listen.imap, false), ("imaps", config.listen.imaps, true)]
        for (name, address, implicitTLS) in listeners {
            guard let address else { continue }
            let server = try await IMAPServer(
                configuration: imapConfiguration(config, implicitTLS: implicitTLS),
                listen: ListenerConfiguration(name: name, host: address.host, port: address.port,
                                              limits: ConnectionLimits(total: config.imap.maxConnections,
                                                                       perClientAddress: config.imap.maxConnectionsPerClient)),
                group: group, store: store, authenticator: DirectoryIMAPAuthenticator(directory: directory), tls: tls, logger: logger)
            services.append(server)
            ports[name] = server.port
            logger.info("listening", metadata: ["listener": .string(name), "address": .string("\(address.host):\(server.port)"),
                                                "tls": .string(implicitTLS ? "implicit" : "starttls")])
        }
    }

    static func imapConfiguration(_ config: PosternConfig, implicitTLS: Bool) -> IMAPServerConfiguration {
        var limits = IMAPServerLimits()
        // APPENDLIMIT (RFC 7889): what SMTP would accept is what APPEND accepts.
        limits.authenticated.appendLiteral = config.smtp.maxMessageSize
        return IMAPServerConfiguration(hostname: config.hostname, implicitTLS: implicitTLS,
                                       plaintextAuthOnLoopback: config.imap.plaintextAuthOnLoopback,
                                       authFailureDelay: config.imap.authFailureDelay, idleTimeout: config.imap.idleTimeout,
                                       limits: limits)
    }
}

/// Logins against the accounts directory (full address and password).
struct DirectoryIMAPAuthenticator: IMAPAuthenticator {
    let directory: AccountDirectory

    func authenticate(username: String, password: String) async -> EmailAddress? {
        if case .success(let user) = await directory.authenticate(username, password: password) { return user }
        return nil
    }
}
