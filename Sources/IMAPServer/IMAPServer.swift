// IMAPServer: Postern's IMAP4rev2/IMAP4rev1 server (RFC 9051, RFC 3501) over the Maildir
// store, with the extensions Thunderbird, K-9, mutt and mbsync use (see SessionState's
// capability list). One listener is one `IMAPServer` service: port 143 with STARTTLS or
// port 993 with implicit TLS (RFC 8314).
//
// Layers inside: IMAPChannelHandler (event loop: framing with IMAPProtocol's decoder, TLS,
// timers) -> IMAPConnection (async task per connection) -> IMAPSession (the commands, no
// sockets) -> Store (one AccountStore per logged-in user). Messages are parsed only by
// MessageFormat, and only through IMAPMessageAnalyzer and MessageContent.
//
// Trust boundary: every byte from the client is untrusted and bounded by IMAPLimits before
// anything is allocated for it (smaller limits before login), every message file is
// untrusted and parsed by bounded, total functions. A session reaches mail only through
// the AccountStore of the user it authenticated as.

import IMAPProtocol
public import Logging
public import NetServer
public import NIOCore
import NIOPosix
import NIOSSL
public import ServiceLifecycle
public import Store

public final class IMAPServer: Service, Sendable {
    public typealias Listener = TCPListener<IMAPInbound, IMAPOutbound>

    public let context: IMAPServerContext
    let listener: Listener

    public var port: Int { listener.localPort }
    public var openConnections: Int { listener.openConnections }

    public init(configuration: IMAPServerConfiguration, listen: ListenerConfiguration, group: any EventLoopGroup,
                store: MailStore, authenticator: any IMAPAuthenticator, tls: IMAPTLSContextSource?, logger: Logger) async throws {
        let context = IMAPServerContext(configuration: configuration, store: store, authenticator: authenticator)
        self.context = context
        let implicitTLS = configuration.implicitTLS
        let initializer = Self.childInitializer(configuration: configuration, tls: tls, logger: logger)
        let handler: Listener.Handler = { channel, info in
            let connection = IMAPConnection(context: context, info: info, logger: logger, tlsActive: implicitTLS,
                                            tlsAvailable: tls?() != nil)
            await withGracefulShutdownHandler {
                await connection.run(channel)
            } onGracefulShutdown: {
                channel.channel.pipeline.fireUserInboundEventTriggered(IMAPShutdownEvent())
            }
        }
        let refusal: Listener.Refusal = { channel, _ in
            try? await channel.executeThenClose { _, outbound in
                try await outbound.write(.close([.fatal(ResponseTextFactory.tooManyConnections)]))
            }
        }
        listener = try await Listener(configuration: listen, group: group, logger: logger,
                                      childInitializer: initializer, handler: handler, refusal: refusal)
    }

    /// Serves until graceful shutdown; once every connection has ended, the store's queued
    /// file work (flag renames) is completed.
    public func run() async throws {
        try await listener.run()
        await context.store.flush()
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }

    /// The pipeline of a new connection: [implicit TLS] -> response encoder -> framing.
    static func childInitializer(configuration: IMAPServerConfiguration, tls: IMAPTLSContextSource?, logger: Logger) -> Listener.ChildInitializer {
        let implicitTLS = configuration.implicitTLS
        let handshakeTimeout = TimeAmount.seconds(30)
        var makeTLS: IMAPChannelHandler.TLSHandlerFactory?
        if let source = tls {
            makeTLS = { @Sendable () throws -> any ChannelHandler in
                guard let context = source() else { throw NIOSSLError.failedToLoadCertificate }
                return NIOSSLServerHandler(context: context)
            }
        }
        let tlsFactory = makeTLS
        let limits = configuration.limits
        let loginTimeout = timeAmount(configuration.loginTimeout)
        let idleTimeout = timeAmount(configuration.idleTimeout)
        let idleSync = timeAmount(configuration.idleSyncInterval)
        return { (channel: any Channel, _: Admission) -> EventLoopFuture<NIOAsyncChannel<IMAPInbound, IMAPOutbound>> in
            channel.eventLoop.makeCompletedFuture { () throws -> NIOAsyncChannel<IMAPInbound, IMAPOutbound> in
                let sync = channel.pipeline.syncOperations
                if implicitTLS {
                    guard let context = tls?() else { throw NIOSSLError.failedToLoadCertificate }
                    try sync.addHandler(NIOSSLServerHandler(context: context))
                    try sync.addHandler(TLSHandshakeTimeoutHandler(timeout: handshakeTimeout, logger: logger))
                }
                try sync.addHandler(ResponseEncoderHandler())
                try sync.addHandler(IMAPChannelHandler(unauthenticatedLimits: limits.unauthenticated, authenticatedLimits: limits.authenticated,
                                                       loginTimeout: loginTimeout, idleTimeout: idleTimeout, idleSyncInterval: idleSync,
                                                       makeTLSHandler: tlsFactory))
                return try NIOAsyncChannel<IMAPInbound, IMAPOutbound>(wrappingChannelSynchronously: channel)
            }
        }
    }
}

enum ResponseTextFactory {
    /// RFC 9051 §7.1.5: a server refusing a connection sends BYE as its greeting.
    static let tooManyConnections = ResponseText(code: .unavailable, "Too many connections, try again later")
}
