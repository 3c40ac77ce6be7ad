// An SMTP listener (port 25, or submission on 587/465): the accept loop, each connection's
// pipeline, and graceful shutdown.

public import Logging
public import NetServer
public import NIOCore
import NIOPosix
public import NIOSSL
public import ServiceLifecycle
public import SMTPProtocol

/// The certificate in use right now; nil when none is available (STARTTLS not offered).
public typealias TLSContextSource = @Sendable () -> NIOSSLContext?

public final class SMTPServer: Service, Sendable {
    public let configuration: SMTPServerConfiguration
    let listener: TCPListener<SMTPInbound, SMTPOutbound>

    public var port: Int { listener.localPort }
    public var openConnections: Int { listener.openConnections }

    public init(configuration: SMTPServerConfiguration, listen: ListenerConfiguration, group: any EventLoopGroup,
                policy: InboundPolicy, ingest: any MessageIngest, authenticator: any Authenticator,
                tls: TLSContextSource?, logger: Logger) async throws {
        self.configuration = configuration
        let gate = GreetGate(delay: configuration.kind == .mx ? configuration.greetDelay : .zero, ttl: configuration.greetPassTTL)
        let readTimeout = TimeAmount.nanoseconds(Int64(configuration.readTimeout.components.seconds) * 1_000_000_000
                                                 + configuration.readTimeout.components.attoseconds / 1_000_000_000)
        let implicitTLS = configuration.implicitTLS
        listener = try await TCPListener(
            configuration: listen, group: group, logger: logger,
            childInitializer: { channel in
                channel.eventLoop.makeCompletedFuture {
                    let info = TCPListener<SMTPInbound, SMTPOutbound>.info(for: channel, listener: listen.name)
                    // Trusted networks skip the greeting test (postscreen_access_list = permit_mynetworks).
                    let delay = policy.isTrusted(info.remoteAddress) ? .zero : gate.delay(for: info.remoteAddress)
                    let sync = channel.pipeline.syncOperations
                    if implicitTLS {
                        guard let context = tls?() else { throw NIOSSLError.failedToLoadCertificate }
                        try sync.addHandler(NIOSSLServerHandler(context: context))
                    }
                    try sync.addHandler(IdleStateHandler(readTimeout: readTimeout))
                    let makeTLS: SMTPChannelHandler.TLSHandlerFactory? = tls.map { source in
                        { guard let c = source() else { throw NIOSSLError.failedToLoadCertificate }; return NIOSSLServerHandler(context: c) }
                    }
                    try sync.addHandler(SMTPChannelHandler(greetDelay: .nanoseconds(Int64(delay.components.seconds) * 1_000_000_000
                                                                                     + delay.components.attoseconds / 1_000_000_000),
                                                           makeTLSHandler: makeTLS))
                    return try NIOAsyncChannel<SMTPInbound, SMTPOutbound>(wrappingChannelSynchronously: channel)
                }
            },
            handler: { channel, info in
                var connection = SMTPConnection(configuration: configuration, policy: policy, ingest: ingest, authenticator: authenticator,
                                                greetGate: gate, info: info, logger: logger, tlsAvailable: tls?() != nil)
                await withGracefulShutdownHandler {
                    await connection.run(channel)
                } onGracefulShutdown: {
                    channel.channel.pipeline.fireUserInboundEventTriggered(SMTPShutdownEvent())
                }
            },
            refusal: { channel, _ in
                try? await channel.executeThenClose { _, outbound in
                    try await outbound.write(.greeting(Replies.tooManyConnections))
                    try await outbound.write(.close(Replies.tooManyConnections))
                }
            })
    }

    public func run() async throws {
        try await listener.run()
    }
}
