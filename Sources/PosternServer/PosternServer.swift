// Composition: build every service from the configuration, bind every listener, run them
// under one ServiceGroup, shut down gracefully on SIGTERM/SIGINT. Thin on purpose: the
// behaviour lives in the modules.

public import Accounts
public import Config
public import DNSClient
import HTTPServer
import Foundation
public import Logging
import MailCore
import NetServer
import NIOCore
import NIOPosix
public import PosternLogging
import ServiceLifecycle
public import UnixSignals
import SMTPProtocol
import SMTPServer
public import Store
public import TLSCertificates
public import Queue

public final class PosternServer: Sendable {
    public struct Options: Sendable {
        public var logSink: any LogSink = StandardErrorSink()
        /// Replaces the configured resolver (tests point it at their DNS server this way too).
        public var resolver: (any DNSClient.Resolver)?
        /// Where the development profile's one-time account password is shown.
        public var announce: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
        /// Signals that start a graceful shutdown (none in tests).
        public var shutdownSignals: [UnixSignal] = [.sigterm, .sigint]
        /// How long open connections may finish after a shutdown signal.
        public var shutdownGracePeriod: Duration = .seconds(30)
        /// How often certificate files are checked for changes (SIGHUP checks at once).
        public var certificateCheckInterval: Duration = .seconds(5)
        /// Outbound delivery knobs that are not configuration keys (tests).
        public var delivery = DeliveryOptions()
        public init() {}
    }

    public let config: PosternConfig
    public let directory: AccountDirectory
    public let store: MailStore
    /// The outgoing queue.
    public let queue: MailQueue
    public let certificates: CertificateStore
    public let resolver: any DNSClient.Resolver
    public let logger: Logger
    /// Bound port of each listener, by configuration key (`smtp`, `imaps`...).
    public let ports: [String: Int]
    let group: MultiThreadedEventLoopGroup
    let serviceGroup: ServiceGroup

    /// Opens the data, binds every configured listener and returns; `run()` serves.
    public static func start(config: PosternConfig, options: Options = Options()) async throws -> PosternServer {
        let logger = ServerComponents.logger("postern", config: config, sink: options.logSink)
        try ServerComponents.prepareDataDirectory(config.dataDirectory)
        let directory = try AccountDirectory(dataDirectory: config.dataDirectory)
        if config.source == .developmentProfile {
            try ServerComponents.createDevelopmentAccount(directory, announce: options.announce)
        }
        let certificates = try ServerComponents.certificateStore(for: config)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let resolver: any DNSClient.Resolver
        if let r = options.resolver {
            resolver = r
        } else {
            resolver = StubResolver(configuration: try ServerComponents.resolverConfiguration(for: config), eventLoopGroup: group)
        }
        let store = MailStore(configuration: .init(root: config.dataDirectory + "/mail", hostname: config.hostname,
                                                   analyzer: Self.messageAnalyzer()))
        let outgoing: QueueComponents
        do {
            outgoing = try await ServerComponents.makeQueue(config: config, store: store, directory: directory, resolver: resolver, group: group,
                                                            options: options.delivery, logger: ServerComponents.logger("queue", config: config, sink: options.logSink))
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let queueClock = outgoing.queue.clock
        let ingest = MailIngest(store: store, directory: directory, hostname: config.hostname, logger: ServerComponents.logger("ingest", config: config, sink: options.logSink),
                                queue: outgoing.queue, srs: outgoing.srs, now: { queueClock.now() })
        let authenticator = DirectoryAuthenticator(directory: directory)
        let tlsSource: TLSContextSource = { certificates.context }

        var services: [any Service] = []
        var ports: [String: Int] = [:]
        let smtpLogger = ServerComponents.logger("smtp", config: config, sink: options.logSink)
        let policy = InboundPolicy(configuration: ServerComponents.policyConfiguration(config), resolver: resolver, directory: directory,
                                   rewriter: SRSRecipientRewriter(srs: outgoing.srs, clock: queueClock))
        let smtpListeners: [(String, ListenAddress?, SMTPListenerKind, Bool)] = [
            ("smtp", config.listen.smtp, .mx, false),
            ("submission", config.listen.submission, .submission, false),
            ("submissions", config.listen.submissions, .submission, true),
        ]
        do {
            for (name, address, kind, implicitTLS) in smtpListeners {
                guard let address else { continue }
                let server = try await SMTPServer(
                    configuration: ServerComponents.smtpConfiguration(config, kind: kind, implicitTLS: implicitTLS),
                    listen: ListenerConfiguration(name: name, host: address.host, port: address.port,
                                                  limits: ConnectionLimits(total: config.smtp.maxConnections,
                                                                           perClientAddress: config.smtp.maxConnectionsPerClient,
                                                                           exempt: config.smtp.trustedNetworks.map { ($0.address, $0.prefixLength) })),
                    group: group, policy: policy, ingest: ingest, authenticator: authenticator, tls: tlsSource, logger: smtpLogger)
                services.append(server)
                ports[name] = server.port
                logger.info("listening", metadata: ["listener": .string(name), "address": .string("\(address.host):\(server.port)"),
                                                    "tls": .string(implicitTLS ? "implicit" : "starttls")])
            }
            let httpLogger = ServerComponents.logger("http", config: config, sink: options.logSink)
            for (name, address, implicitTLS) in [("http", config.listen.http, false), ("https", config.listen.https, true)] {
                guard let address else { continue }
                var httpConfig = HTTPServerConfiguration()
                httpConfig.implicitTLS = implicitTLS
                let server = try await HTTPServer(configuration: httpConfig,
                                                  listen: ListenerConfiguration(name: name, host: address.host, port: address.port),
                                                  group: group, routes: .standard(hostname: config.hostname),
                                                  tls: { certificates.context }, logger: httpLogger)
                services.append(server)
                ports[name] = server.port
                logger.info("listening", metadata: ["listener": .string(name), "address": .string("\(address.host):\(server.port)"),
                                                    "tls": .string(implicitTLS ? "implicit" : "none")])
            }
            try await Self.addIMAPListeners(config: config, store: store, directory: directory, tls: tlsSource, group: group,
                                            sink: options.logSink, services: &services, ports: &ports)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        services.append(CertificateReloader(store: certificates, logger: logger, interval: options.certificateCheckInterval))
        services.append(outgoing.queue)

        var groupConfig = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: options.shutdownSignals,
            cancellationSignals: [],
            logger: logger)
        groupConfig.maximumGracefulShutdownDuration = options.shutdownGracePeriod
        let serviceGroup = ServiceGroup(configuration: groupConfig)
        return PosternServer(config: config, directory: directory, store: store, queue: outgoing.queue, certificates: certificates, resolver: resolver,
                             logger: logger, ports: ports, group: group, serviceGroup: serviceGroup)
    }

    init(config: PosternConfig, directory: AccountDirectory, store: MailStore, queue: MailQueue, certificates: CertificateStore, resolver: any DNSClient.Resolver,
         logger: Logger, ports: [String: Int], group: MultiThreadedEventLoopGroup, serviceGroup: ServiceGroup) {
        self.config = config
        self.directory = directory
        self.store = store
        self.queue = queue
        self.certificates = certificates
        self.resolver = resolver
        self.logger = logger
        self.ports = ports
        self.group = group
        self.serviceGroup = serviceGroup
    }

    /// Serves until a shutdown signal or `shutdown()`, then lets open work finish.
    public func run() async throws {
        logger.info("started", metadata: ["hostname": .string(config.hostname), "data_dir": .string(config.dataDirectory)])
        defer { logger.info("stopped") }
        try await serviceGroup.run()
        try await group.shutdownGracefully()
    }

    /// Starts a graceful shutdown (what SIGTERM does).
    public func shutdown() async {
        await serviceGroup.triggerGracefulShutdown()
    }
}
