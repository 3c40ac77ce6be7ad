// A small line-oriented client for integration tests: SMTP and IMAP sessions written as
// `try await c.send("MAIL FROM:<a@b>")` and checked on the reply. Plain TCP, with TLS
// (implicit or after STARTTLS) trusting any certificate.

public import NIOCore
public import NIOPosix
import NIOSSL

public final class LineClient: @unchecked Sendable {
    let channel: any Channel
    let lines: AsyncStream<String>
    var iterator: AsyncStream<String>.Iterator
    let continuation: AsyncStream<String>.Continuation

    /// Connects to 127.0.0.1:`port`.
    public static func connect(port: Int, tls: Bool = false, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> LineClient {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if tls {
                        try channel.pipeline.syncOperations.addHandler(try LineClient.tlsHandler())
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineSplitter()))
                    try channel.pipeline.syncOperations.addHandler(LineCollector(continuation: continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return LineClient(channel: channel, lines: stream, continuation: continuation)
    }

    init(channel: any Channel, lines: AsyncStream<String>, continuation: AsyncStream<String>.Continuation) {
        self.channel = channel
        self.lines = lines
        self.iterator = lines.makeAsyncIterator()
        self.continuation = continuation
    }

    static func tlsHandler() throws -> NIOSSLClientHandler {
        var config = TLSConfiguration.makeClientConfiguration()
        config.certificateVerification = .none
        return try NIOSSLClientHandler(context: NIOSSLContext(configuration: config), serverHostname: nil)
    }

    /// Sends raw bytes exactly as given (for pipelining and smuggling tests).
    public func sendRaw(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    public func sendRaw(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Sends a line (CRLF added).
    public func send(_ line: String) async throws {
        try await sendRaw(line + "\r\n")
    }

    /// The next line, or nil when the server closed the connection or `timeout` passed.
    public func readLine(timeout: Duration = .seconds(10)) async -> String? {
        let channel = self.channel
        let timer = Task { try await Task.sleep(for: timeout); channel.close(promise: nil) }
        defer { timer.cancel() }
        return await iterator.next()
    }

    /// Reads one SMTP reply (all its continuation lines); returns the last line, or "" at EOF.
    public func smtpReply(timeout: Duration = .seconds(10)) async -> String {
        var all: [String] = []
        while let line = await readLine(timeout: timeout) {
            all.append(line)
            if line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { break }
        }
        return all.last ?? ""
    }

    /// Reads a multi-line SMTP reply and returns every line.
    public func smtpReplyLines(timeout: Duration = .seconds(10)) async -> [String] {
        var all: [String] = []
        while let line = await readLine(timeout: timeout) {
            all.append(line)
            if line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { break }
        }
        return all
    }

    /// Sends a command and returns the SMTP reply's last line.
    public func smtp(_ line: String) async throws -> String {
        try await send(line)
        return await smtpReply()
    }

    /// Reads lines until one starts with `prefix` (e.g. an IMAP tag); returns all of them.
    public func readUntil(prefix: String, timeout: Duration = .seconds(10)) async -> [String] {
        var out: [String] = []
        while let line = await readLine(timeout: timeout) {
            out.append(line)
            if line.hasPrefix(prefix) { break }
        }
        return out
    }

    /// Puts TLS in front (after the server said yes to STARTTLS).
    public func startTLS() async throws {
        // Made on the channel's loop: an NIOSSLHandler is not Sendable.
        let channel = self.channel
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(try Self.tlsHandler(), position: .first)
        }.get()
    }

    /// True once the server closed the connection (reads until EOF, at most `timeout`).
    public func isClosedByServer(timeout: Duration = .seconds(5)) async -> Bool {
        while await readLine(timeout: timeout) != nil {}
        return !channel.isActive
    }

    public func close() async {
        try? await channel.close().get()
        continuation.finish()
    }
}

struct LineSplitter: ByteToMessageDecoder {
    typealias InboundOut = String
    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let lf = buffer.readableBytesView.firstIndex(of: 0x0A) else { return .needMoreData }
        var end = lf
        if end > buffer.readerIndex && buffer.readableBytesView[end - 1] == 0x0D { end -= 1 }
        let line = buffer.getString(at: buffer.readerIndex, length: end - buffer.readerIndex) ?? ""
        buffer.moveReaderIndex(to: lf + 1)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}

final class LineCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = String
    let continuation: AsyncStream<String>.Continuation
    init(continuation: AsyncStream<String>.Continuation) { self.continuation = continuation }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }
    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish()
        context.close(promise: nil)
    }
}
