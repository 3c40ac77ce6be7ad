// An in-process DNS server on 127.0.0.1 for integration tests: UDP and TCP on the same
// ephemeral port, answering from a TestDNSZone that tests may change while it runs.
// Answers larger than the client's EDNS payload size (512 without EDNS, RFC 1035 §4.2.1)
// go out over UDP with TC=1 and no records (RFC 2181 §9), and in full over TCP.

public import DNSClient
import MailCore
public import NIOCore
public import NIOPosix
import Synchronization

public final class TestDNSServer: Sendable {
    public enum Transport: Hashable, Sendable { case udp, tcp }

    /// One query the server received.
    public struct LoggedQuery: Hashable, Sendable {
        public var question: DNSQuestion
        public var transport: Transport
        /// EDNS payload size the client advertised; nil without EDNS.
        public var ednsPayloadSize: UInt16?
        public var id: UInt16
        /// The client's source port, to check that each query used a fresh one.
        public var sourcePort: Int?
    }

    public let port: Int
    private let core: ServerCore
    private let channels: [any Channel]

    private init(port: Int, core: ServerCore, channels: [any Channel]) {
        self.port = port
        self.core = core
        self.channels = channels
    }

    /// Address and port for a resolver configuration.
    public var nameserver: Nameserver { Nameserver(.v4(0x7F00_0001), port: port) }

    /// A resolver configuration pointing at this server only; a short timeout keeps tests
    /// of failures quick.
    public func resolverConfiguration(timeout: Duration = .milliseconds(500), attempts: Int = 1,
                                      cacheCapacity: Int = 1_000) -> ResolverConfiguration {
        ResolverConfiguration(nameservers: [nameserver], timeout: timeout, attempts: attempts,
                              cacheCapacity: cacheCapacity)
    }

    /// Binds UDP and TCP on one free port of 127.0.0.1 and starts answering from `zone`.
    public static func start(_ zone: TestDNSZone = TestDNSZone(),
                             eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws -> TestDNSServer {
        let core = ServerCore(zone: zone)
        // The spoofing socket: forged replies come from here, a port the client never asked.
        let spoof = try await DatagramBootstrap(group: eventLoopGroup).bind(host: "127.0.0.1", port: 0).get()
        core.setSpoofChannel(spoof)
        // The UDP port is the kernel's choice; TCP then wants the same number, which is
        // almost always free. Try a few times when it is not.
        var lastError: (any Error)?
        for _ in 0..<TestDNSServer.bindAttempts {
            let udp = try await DatagramBootstrap(group: eventLoopGroup)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPHandler(core: core))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            guard let port = udp.localAddress?.port else {
                try? await udp.close()
                continue
            }
            do {
                let tcp = try await ServerBootstrap(group: eventLoopGroup)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let sync = channel.pipeline.syncOperations
                            try sync.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                            try sync.addHandler(MessageToByteHandler(DNSTCPFrameEncoder()))
                            try sync.addHandler(TCPHandler(core: core))
                        }
                    }
                    .bind(host: "127.0.0.1", port: port).get()
                return TestDNSServer(port: port, core: core, channels: [udp, tcp, spoof])
            } catch {
                lastError = error
                try? await udp.close()
            }
        }
        try? await spoof.close()
        throw lastError ?? ChannelError.unknownLocalAddress
    }

    private static let bindAttempts = 20

    /// Closes the sockets. Delayed answers still pending are dropped.
    public func stop() async {
        for channel in channels {
            try? await channel.close()
        }
    }

    /// Changes the data while the server runs.
    public func update<T>(_ body: (inout TestDNSZone) throws -> T) rethrows -> T {
        try core.zone.withLock { try body(&$0) }
    }

    /// Every query received so far.
    public var queries: [LoggedQuery] { core.log.withLock { $0 } }

    public func clearLog() { core.log.withLock { $0.removeAll() } }
}

// MARK: - Answering

/// Shared by the UDP and TCP handlers.
private final class ServerCore: Sendable {
    let zone: Mutex<TestDNSZone>
    let log = Mutex<[TestDNSServer.LoggedQuery]>([])
    private let spoof = Mutex<(any Channel)?>(nil)

    init(zone: TestDNSZone) {
        self.zone = Mutex(zone)
    }

    func setSpoofChannel(_ channel: any Channel) { spoof.withLock { $0 = channel } }
    var spoofChannel: (any Channel)? { spoof.withLock { $0 } }

    /// What to send for one received message, and when.
    struct Reply {
        var bytes: [UInt8]
        var delay: Duration?
        var spoofs: [Spoof] = []
    }

    enum Spoof {
        /// The right ID and question, from another port.
        case fromOtherPort([UInt8])
        /// From the server's port but not an acceptable answer.
        case fromServerPort([UInt8])
    }

    func reply(to bytes: [UInt8], transport: TestDNSServer.Transport, sourcePort: Int?) -> Reply? {
        let query: DNSMessage
        do {
            query = try DNSWire.decode(bytes)
        } catch {
            // RFC 1035 §4.1.1: FORMERR for what we cannot read, if we can at least echo the ID.
            guard bytes.count >= 2 else { return nil }
            let formErr = DNSMessage(id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), isResponse: true,
                                     responseCode: .formatError)
            return (try? DNSWire.encode(formErr)).map { Reply(bytes: $0) }
        }
        let (response, behaviours) = zone.withLock { zone in
            (zone.response(to: query), query.questions.count == 1 ? zone.behaviours(for: query.questions[0]) : [])
        }
        if let question = query.questions.first {
            log.withLock {
                $0.append(.init(question: question, transport: transport, ednsPayloadSize: query.edns?.udpPayloadSize,
                                id: query.id, sourcePort: sourcePort))
            }
        }
        var reply = Reply(bytes: [])
        var truncate = false
        for behaviour in behaviours {
            switch behaviour {
            case .drop: return nil
            case .delay(let duration): reply.delay = duration
            case .truncate: truncate = transport == .udp
            case .spoofFirst where transport == .udp: reply.spoofs = spoofs(for: response, query: query)
            default: break
            }
        }
        guard var encoded = try? DNSWire.encode(response) else { return nil }
        if transport == .udp {
            // RFC 6891 §6.2.3-§6.2.5: the requester's payload size, at least 512.
            let limit = max(Int(query.edns?.udpPayloadSize ?? 0), DNSWire.classicUDPPayloadSize)
            if truncate || encoded.count > limit {
                var truncated = response
                truncated.isTruncated = true
                truncated.answers = []
                truncated.authorities = []
                truncated.additionals = []
                truncated.authenticatedData = false
                guard let bytes = try? DNSWire.encode(truncated) else { return nil }
                encoded = bytes
            }
        }
        reply.bytes = encoded
        return reply
    }

    /// Forged replies that carry a different answer, so a test can tell if one was taken.
    private func spoofs(for response: DNSMessage, query: DNSMessage) -> [Spoof] {
        guard let question = query.questions.first else { return [] }
        var forged = response
        forged.responseCode = .noError
        forged.authorities = []
        let forgedData: RecordData = question.type == .aaaa
            ? .aaaa(IPAddress("2001:db8::666") ?? .v6(0, 0x666))
            : question.type == .a ? .a(.v4(0xCB00_7142)) : .txt(text: "forged")
        forged.answers = [ResourceRecord(name: question.name, ttl: 300, data: forgedData)]
        var wrongID = forged
        wrongID.id = forged.id ^ 0x5A5A
        var otherQuestion = forged
        if let other = try? DNSName("forged.invalid") {
            otherQuestion.questions = [DNSQuestion(name: other, type: question.type)]
            otherQuestion.answers = [ResourceRecord(name: other, ttl: 300, data: forgedData)]
        }
        var result: [Spoof] = []
        if let bytes = try? DNSWire.encode(forged) { result.append(.fromOtherPort(bytes)) }
        if let bytes = try? DNSWire.encode(wrongID) { result.append(.fromServerPort(bytes)) }
        if let bytes = try? DNSWire.encode(otherQuestion) { result.append(.fromServerPort(bytes)) }
        // Garbage with the right ID: the header promises an answer that is not there.
        result.append(.fromServerPort([UInt8(query.id >> 8), UInt8(query.id & 0xFF), 0x81, 0x80, 0, 1, 0, 9, 0, 0, 0, 0]))
        return result
    }
}

/// The delay before the real answer when forged ones go first, so they arrive first.
private let spoofLead: Duration = .milliseconds(30)

private final class UDPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let core: ServerCore

    init(core: ServerCore) { self.core = core }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let client = envelope.remoteAddress
        guard let reply = core.reply(to: Array(envelope.data.readableBytesView), transport: .udp,
                                     sourcePort: client.port) else { return }
        let channel = context.channel
        var delay = reply.delay ?? .zero
        if !reply.spoofs.isEmpty {
            let spoofChannel = core.spoofChannel
            for spoof in reply.spoofs {
                switch spoof {
                case .fromOtherPort(let bytes):
                    spoofChannel?.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: bytes)),
                                                promise: nil)
                case .fromServerPort(let bytes):
                    channel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: bytes)),
                                          promise: nil)
                }
            }
            delay += spoofLead
        }
        let answer = AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: reply.bytes))
        if delay == .zero {
            channel.writeAndFlush(answer, promise: nil)
        } else {
            channel.eventLoop.scheduleTask(in: timeAmount(delay)) {
                channel.writeAndFlush(answer, promise: nil)
            }
        }
    }
}

private final class TCPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let core: ServerCore

    init(core: ServerCore) { self.core = core }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let reply = core.reply(to: Array(frame.readableBytesView), transport: .tcp,
                                     sourcePort: context.remoteAddress?.port) else { return }
        let channel = context.channel
        let answer = ByteBuffer(bytes: reply.bytes)
        if let delay = reply.delay, delay > .zero {
            channel.eventLoop.scheduleTask(in: timeAmount(delay)) {
                channel.writeAndFlush(answer, promise: nil)
            }
        } else {
            channel.writeAndFlush(answer, promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

private func timeAmount(_ duration: Duration) -> TimeAmount {
    let (seconds, attoseconds) = duration.components
    return .nanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
}
