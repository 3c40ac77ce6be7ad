// The accept loop every Postern listener runs: bind, accept, enforce connection limits,
// run each connection as a child task that cannot take the loop down (swift-nio's
// NIOTCPEchoServer shape), stop accepting on graceful shutdown and let open connections
// finish.

public import Logging
public import MailCore
public import NIOCore
import NIOPosix
public import ServiceLifecycle
import Synchronization

/// Caps on concurrent connections (Postfix's smtpd_client_connection_count_limit and
/// default_process_limit; Dovecot's mail_max_userip_connections is per user, elsewhere).
public struct ConnectionLimits: Sendable {
    public var total: Int
    public var perClientAddress: Int
    /// Clients exempt from `perClientAddress` (Postfix exempts $mynetworks through
    /// smtpd_client_event_limit_exceptions); the total limit still applies.
    public var exempt: [(network: IPAddress, prefixLength: Int)]
    public init(total: Int = 1000, perClientAddress: Int = 20, exempt: [(network: IPAddress, prefixLength: Int)] = []) {
        self.total = total
        self.perClientAddress = perClientAddress
        self.exempt = exempt
    }

    func isExempt(_ ip: IPAddress) -> Bool {
        exempt.contains { ip.isIn(network: $0.network, prefixLength: $0.prefixLength) }
    }
}

/// What a connection handler learns about its connection.
public struct ConnectionInfo: Sendable {
    /// Short random id for log lines (`conn=`).
    public let id: String
    public let remoteAddress: IPAddress?
    public let remotePort: Int?
    public let localAddress: IPAddress?
    public let localPort: Int?
    public let listenerName: String
}

public struct ListenerConfiguration: Sendable {
    public var name: String
    public var host: String
    public var port: Int
    public var limits: ConnectionLimits
    public init(name: String, host: String, port: Int, limits: ConnectionLimits = .init()) {
        self.name = name
        self.host = host
        self.port = port
        self.limits = limits
    }
}

/// Counts open connections per client address.
public final class ConnectionCounter: Sendable {
    private let state = Mutex<(total: Int, perAddress: [IPAddress: Int])>((0, [:]))
    public init() {}

    /// Registers a connection; false (and nothing registered) when a limit is reached.
    public func admit(_ address: IPAddress?, limits: ConnectionLimits) -> Bool {
        state.withLock { s in
            guard s.total < limits.total else { return false }
            if let a = address, !limits.isExempt(a) {
                let n = s.perAddress[a, default: 0]
                guard n < limits.perClientAddress else { return false }
                s.perAddress[a] = n + 1
            }
            s.total += 1
            return true
        }
    }

    public func release(_ address: IPAddress?) {
        state.withLock { s in
            s.total -= 1
            if let a = address {
                let n = s.perAddress[a, default: 1] - 1
                s.perAddress[a] = n > 0 ? n : nil
            }
        }
    }

    public var total: Int { state.withLock { $0.total } }
}

public enum ListenerError: Error, CustomStringConvertible {
    case bindFailed(name: String, address: String, underlying: String)
    public var description: String {
        switch self {
        case .bindFailed(let name, let address, let underlying): "cannot listen for \(name) on \(address): \(underlying)"
        }
    }
}

/// A listening socket whose connections become `NIOAsyncChannel`s handled by `handler`.
/// Bind happens in `bind()` (so start-up can fail before anything runs, and tests learn the
/// ephemeral port); `run()` accepts until graceful shutdown.
/// What the listener decided about a new connection before its pipeline was built: a
/// refused connection gets a pipeline that only says so (the protocol decides how).
public struct Admission: Sendable {
    public let info: ConnectionInfo
    public let admitted: Bool
}

public final class TCPListener<Inbound: Sendable, Outbound: Sendable>: Service, Sendable {
    public typealias ChildInitializer = @Sendable (any Channel, Admission) -> EventLoopFuture<NIOAsyncChannel<Inbound, Outbound>>
    public typealias Handler = @Sendable (NIOAsyncChannel<Inbound, Outbound>, ConnectionInfo) async -> Void
    /// Called instead of `handler` when a limit is reached: write a refusal and return.
    public typealias Refusal = @Sendable (NIOAsyncChannel<Inbound, Outbound>, ConnectionInfo) async -> Void

    public let configuration: ListenerConfiguration
    /// One listening socket per event loop (SO_REUSEPORT): the kernel spreads connections over
    /// them, and each connection lives on the loop that accepted it, so nothing crosses threads
    /// between accept and greeting.
    let servers: [NIOAsyncChannel<NIOAsyncChannel<Inbound, Outbound>, Never>]
    let handler: Handler
    let refusal: Refusal
    let logger: Logger
    let counter: ConnectionCounter
    /// Admission decisions of accepted channels, until the accept loop picks them up.
    let admissions: AdmissionTable

    public var localPort: Int { servers.first?.channel.localAddress?.port ?? configuration.port }

    public init(configuration: ListenerConfiguration, group: any EventLoopGroup, logger: Logger,
                childInitializer: @escaping ChildInitializer, handler: @escaping Handler,
                refusal: @escaping Refusal) async throws {
        self.configuration = configuration
        self.handler = handler
        self.refusal = refusal
        self.logger = logger
        let counter = ConnectionCounter()
        let admissions = AdmissionTable()
        self.counter = counter
        self.admissions = admissions
        let limits = configuration.limits
        let name = configuration.name
        // Admission happens here, on the connection's event loop, before any byte is
        // written: the protocol can greet at once without waiting for the connection's task.
        let admittingInitializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<Inbound, Outbound>> = { channel in
            let info = Self.info(for: channel, listener: name)
            let admitted = counter.admit(info.remoteAddress, limits: limits)
            if admitted {
                channel.closeFuture.whenComplete { _ in counter.release(info.remoteAddress) }
            }
            let admission = Admission(info: info, admitted: admitted)
            let key = ObjectIdentifier(channel)
            admissions.put(key, admission)
            // A channel whose pipeline could not be built never reaches the accept loop.
            channel.closeFuture.whenComplete { _ in _ = admissions.take(key) }
            return childInitializer(channel, admission)
        }
        var bound: [NIOAsyncChannel<NIOAsyncChannel<Inbound, Outbound>, Never>] = []
        do {
            var port = configuration.port
            for loop in group.makeIterator() {
                let server = try await ServerBootstrap(group: loop, childGroup: loop)
                    .serverChannelOption(.backlog, value: 512)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .serverChannelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
                    .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                    .childChannelOption(.allowRemoteHalfClosure, value: false)
                    .bind(host: configuration.host, port: port, childChannelInitializer: admittingInitializer)
                bound.append(server)
                // Port 0: the others share the port the first one was given.
                port = server.channel.localAddress?.port ?? port
            }
        } catch {
            for server in bound { try? await server.channel.close() }
            throw ListenerError.bindFailed(name: configuration.name, address: "\(configuration.host):\(configuration.port)",
                                           underlying: "\(error)")
        }
        servers = bound
    }

    public var openConnections: Int { counter.total }

    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for server in servers {
                // Each accept loop runs on its socket's event loop: a new connection reaches
                // its handler without a detour through the cooperative pool.
                group.addTask(executorPreference: EventLoopTaskExecutor(server.channel.eventLoop)) { [self] in
                    try await acceptLoop(server)
                }
            }
        }
    }

    func acceptLoop(_ server: NIOAsyncChannel<NIOAsyncChannel<Inbound, Outbound>, Never>) async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        guard let admission = admissions.take(ObjectIdentifier(connection.channel)) else {
                            connection.channel.close(promise: nil)
                            continue
                        }
                        let info = admission.info
                        let executor = EventLoopTaskExecutor(connection.channel.eventLoop)
                        group.addTask(executorPreference: executor) { [self] in
                            if admission.admitted {
                                await handler(connection, info)
                            } else {
                                logger.warning("connection refused", metadata: [
                                    "conn": .string(info.id), "remote": .string(info.remoteAddress?.description ?? "?"),
                                    "result": "limit"])
                                await refusal(connection, info)
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: { [server] in
            // Stop accepting; connections already open finish on their own (each handler
            // watches for the shutdown too).
            server.channel.close(promise: nil)
        }
    }

    public static func info(for channel: any Channel, listener: String) -> ConnectionInfo {
        func ip(_ a: SocketAddress?) -> IPAddress? {
            guard let a else { return nil }
            switch a {
            case .v4(let v4):
                return IPAddress(bytes: withUnsafeBytes(of: v4.address.sin_addr.s_addr) { Array($0) })
            case .v6(let v6):
                return IPAddress(bytes: withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) })?.unmapped
            default:
                return nil
            }
        }
        var rng = SystemRandomNumberGenerator()
        let id = String(rng.next() & 0xFFFF_FFFF, radix: 36)
        return ConnectionInfo(id: id, remoteAddress: ip(channel.remoteAddress), remotePort: channel.remoteAddress?.port,
                              localAddress: ip(channel.localAddress), localPort: channel.localAddress?.port,
                              listenerName: listener)
    }
}

/// Admissions decided in the child initializer, handed to the accept loop.
final class AdmissionTable: Sendable {
    private let table = Mutex<[ObjectIdentifier: Admission]>([:])
    func put(_ key: ObjectIdentifier, _ admission: Admission) { table.withLock { $0[key] = admission } }
    func take(_ key: ObjectIdentifier) -> Admission? { table.withLock { $0.removeValue(forKey: key) } }
}
