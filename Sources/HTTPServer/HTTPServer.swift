// Postern's HTTP listener (80, and 443 with the server certificate): a health check today;
// ACME HTTP-01 challenges, autoconfig/autodiscover and MTA-STS plug in as routes
// (DESIGN.md). Small on purpose: HTTP/1.1 over SwiftNIO, GET and HEAD only, bounded
// requests, keep-alive with an idle timeout.

public import Logging
public import NetServer
public import NIOCore
public import NIOHTTP1
import NIOPosix
public import NIOSSL
public import ServiceLifecycle

/// A route's answer.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String) {
        self.status = status
        self.contentType = contentType
        self.body = Array(body.utf8)
    }
}

/// Path -> handler. Later modules (ACME, autoconfig, MTA-STS) add routes here.
public struct HTTPRoutes: Sendable {
    public typealias Handler = @Sendable (_ path: String, _ host: String?) async -> HTTPResponse
    var exact: [String: Handler] = [:]
    var prefixes: [(String, Handler)] = []

    public init() {}

    public mutating func add(_ path: String, _ handler: @escaping Handler) { exact[path] = handler }
    public mutating func addPrefix(_ prefix: String, _ handler: @escaping Handler) { prefixes.append((prefix, handler)) }

    func handler(for path: String) -> Handler? {
        if let h = exact[path] { return h }
        return prefixes.first { path.hasPrefix($0.0) }?.1
    }

    /// The routes every Postern serves.
    public static func standard(hostname: String) -> HTTPRoutes {
        var r = HTTPRoutes()
        r.add("/healthz") { _, _ in HTTPResponse(status: 200, body: "ok\n") }
        r.add("/") { _, _ in HTTPResponse(status: 200, body: "Postern mail server \(hostname)\n") }
        return r
    }
}

public struct HTTPServerConfiguration: Sendable {
    public var implicitTLS = false
    public var idleTimeout: Duration = .seconds(30)
    /// Largest request head accepted (NIOHTTP1 enforces its own header limit too).
    public var maxRequestBody = 64 * 1024
    public init() {}
}

public final class HTTPServer: Service, Sendable {
    public typealias Listener = TCPListener<HTTPServerRequestPart, HTTPServerResponsePart>
    let listener: Listener
    public var port: Int { listener.localPort }

    public init(configuration: HTTPServerConfiguration, listen: ListenerConfiguration, group: any EventLoopGroup,
                routes: HTTPRoutes, tls: (@Sendable () -> NIOSSLContext?)?, logger: Logger) async throws {
        let idle = TimeAmount.nanoseconds(configuration.idleTimeout.components.seconds * 1_000_000_000)
        let implicitTLS = configuration.implicitTLS
        let maxBody = configuration.maxRequestBody
        let initializer: Listener.ChildInitializer = { (channel: any Channel, _: Admission) -> EventLoopFuture<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>> in
            channel.eventLoop.makeCompletedFuture { () throws -> NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart> in
                let sync = channel.pipeline.syncOperations
                if implicitTLS {
                    guard let context = tls?() else { throw NIOSSLError.failedToLoadCertificate }
                    try sync.addHandler(NIOSSLServerHandler(context: context))
                    try sync.addHandler(TLSHandshakeTimeoutHandler(timeout: .seconds(10), logger: logger))
                }
                try sync.addHandler(IdleStateHandler(readTimeout: idle))
                try sync.configureHTTPServerPipeline(withErrorHandling: true)
                return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
            }
        }
        let handler: Listener.Handler = { channel, info in
            await Self.serve(channel, routes: routes, maxBody: maxBody, logger: logger, info: info)
        }
        let refusal: Listener.Refusal = { channel, _ in try? await channel.channel.close() }
        listener = try await Listener(configuration: listen, group: group, logger: logger,
                                      childInitializer: initializer, handler: handler, refusal: refusal)
    }

    public func run() async throws { try await listener.run() }

    static func serve(_ channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, routes: HTTPRoutes,
                      maxBody: Int, logger: Logger, info: ConnectionInfo) async {
        try? await channel.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var bodySize = 0
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    bodySize = 0
                case .body(let b):
                    bodySize += b.readableBytes
                case .end:
                    guard let h = head else { continue }
                    let response: HTTPResponse
                    if bodySize > maxBody {
                        response = HTTPResponse(status: 413, body: "request too large\n")
                    } else if h.method != .GET && h.method != .HEAD {
                        response = HTTPResponse(status: 405, body: "method not allowed\n")
                    } else {
                        let path = String(h.uri.split(separator: "?", maxSplits: 1).first ?? "/")
                        if let handle = routes.handler(for: path) {
                            response = await handle(path, h.headers.first(name: "host"))
                        } else {
                            response = HTTPResponse(status: 404, body: "not found\n")
                        }
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: response.contentType)
                    headers.add(name: "Content-Length", value: String(response.body.count))
                    headers.add(name: "Server", value: "Postern")
                    let keepAlive = h.isKeepAlive
                    headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
                    try await outbound.write(.head(HTTPResponseHead(version: h.version, status: .init(statusCode: response.status), headers: headers)))
                    if h.method != .HEAD { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body)))) }
                    try await outbound.write(.end(nil))
                    logger.debug("http", metadata: ["conn": .string(info.id), "remote": .string(info.remoteAddress?.description ?? "?"),
                                                    "path": .string(String(h.uri.prefix(200))), "status": .stringConvertible(response.status)])
                    if !keepAlive { return }
                    head = nil
                }
            }
        }
    }
}
