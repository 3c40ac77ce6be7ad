// An SMTP listener (port 25, or submission on 587/465): the accept loop, each connection's
// pipeline, and graceful shutdown.

public import Logging
public import NetServer
public import NIOCore
import NIOPosix
public import NIOSSL
public import ServiceLifecycle
import SMTPProtocol

/// The certificate in use right now; nil when none is available (STARTTLS not offered).
public typealias TLSContextSource = @Sendable () -> NIOSSLContext?

public final class SMTPServer: Service, Sendable {
    public typealias Listener = TCPListener<SMTPInbound, SMTPOutbound>

    public let configuration: SMTPServerConfiguration
    let listener: Listener

    public var port: Int { listener.localPort }
    public var openConnections: Int { listener.openConnections }

    public init(configuration: SMTPServerConfiguration, listen: ListenerConfiguration, group: any EventLoopGroup,
                policy: InboundPolicy, ingest: any MessageIngest, authenticator: any Authenticator,
                tls: TLSContextSource?, logger: Logger) async throws {
        self.configuration = configuration
        let gate = GreetGate(delay: configuration.kind == .mx ? configuration.greetDelay : .zero, ttl: configuration.greetPassTTL)
        let initializer = Self.childInitializer(configuration: configuration, listenerName: listen.name, gate: gate, policy: policy,
                                                tls: tls, logger: logger)
        let handler: Listener.Handler = { channel, info in
            var connection = SMTPConnection(configuration: configuration, policy: policy, ingest: ingest, authenticator: authenticator,
                                            greetGate: gate, info: info, logger: logger, tlsAvailable: tls?() != nil)
            await withGracefulShutdownHandler {
                await connection.run(channel)
            } onGracefulShutdown: {
                channel.channel.pipeline.fireUserInboundEventTriggered(SMTPShutdownEvent())
            }
        }
        // The refused connection's handler already said 421 and closes it.
        let refusal: Listener.Refusal = { channel, _ in
            try? await channel.channel.closeFuture.get()
        }
        listener = try await Listener(configuration: listen, group: group, logger: logger,
                                      childInitializer: initializer, handler: handler, refusal: refusal)
    }

    public func run() async throws {
        try await listener.run()
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }

    /// The pipeline of a new connection: [implicit TLS] -> idle timer -> SMTP framing.
    static func childInitializer(configuration: SMTPServerConfiguration, listenerName: String, gate: GreetGate,
                                 policy: InboundPolicy, tls: TLSContextSource?, logger: Logger) -> Listener.ChildInitializer {
        let handshakeTimeout = timeAmount(configuration.tlsHandshakeTimeout)
        let readTimeout = timeAmount(configuration.readTimeout)
        let implicitTLS = configuration.implicitTLS
        var makeTLS: SMTPChannelHandler.TLSHandlerFactory? = nil
        if let source = tls {
            makeTLS = { @Sendable () throws -> [any ChannelHandler] in
                guard let c = source() else { throw NIOSSLError.failedToLoadCertificate }
                return [NIOSSLServerHandler(context: c), TLSHandshakeTimeoutHandler(timeout: handshakeTimeout, logger: logger)]
            }
        }
        let tlsFactory = makeTLS
        let greeting = Replies.greeting(configuration.hostname)
        return { (channel: any Channel, admission: Admission) -> EventLoopFuture<NIOAsyncChannel<SMTPInbound, SMTPOutbound>> in
            channel.eventLoop.makeCompletedFuture { () throws -> NIOAsyncChannel<SMTPInbound, SMTPOutbound> in
                let info = admission.info
                // Trusted networks skip the greeting test (postscreen_access_list = permit_mynetworks).
                let delay: Duration = policy.isTrusted(info.remoteAddress) ? .zero : gate.delay(for: info.remoteAddress)
                let banner: SMTPChannelHandler.Banner = admission.admitted
                    ? .greet(greeting, after: timeAmount(delay)) : .refuse(Replies.tooManyConnections)
                let sync = channel.pipeline.syncOperations
                if implicitTLS {
                    guard let context = tls?() else { throw NIOSSLError.failedToLoadCertificate }
                    try sync.addHandler(NIOSSLServerHandler(context: context))
                    try sync.addHandler(TLSHandshakeTimeoutHandler(timeout: handshakeTimeout, logger: logger))
                }
                try sync.addHandler(IdleStateHandler(readTimeout: readTimeout))
                try sync.addHandler(SMTPChannelHandler(banner: banner, makeTLSHandler: tlsFactory))
                return try NIOAsyncChannel<SMTPInbound, SMTPOutbound>(wrappingChannelSynchronously: channel)
            }
        }
    }
}
