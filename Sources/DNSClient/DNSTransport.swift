// Sending one query and receiving its answer, over UDP (RFC 1035 §4.2.1) or TCP (§4.2.2,
// RFC 7766). Anti-spoofing per RFC 5452 §9: a fresh socket, so a fresh kernel-chosen
// source port, for every UDP query; a random ID chosen by the caller; and a reply is
// accepted only from the address queried, with the same ID and the same question. Other
// datagrams are ignored until the deadline, so a forged or stray packet cannot end the
// wait early.

public import NIOCore
import NIOPosix

enum DNSTransport {
    /// Asks over UDP. A response with TC set is returned as it is; the caller retries over
    /// TCP.
    static func udp(query: DNSMessage, bytes: [UInt8], server: SocketAddress, timeout: Duration,
                    group: any EventLoopGroup) async -> Result<DNSMessage, DNSFailure> {
        let channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
        do {
            // Port 0: the kernel picks a random ephemeral port for each socket.
            channel = try await DatagramBootstrap(group: group)
                .bind(host: server.protocol == .inet6 ? "::" : "0.0.0.0", port: 0) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            return .failure(.network("cannot open a UDP socket: \(error)"))
        }
        return await exchange(channel: channel, timeout: timeout) { inbound, outbound in
            try await outbound.write(AddressedEnvelope(remoteAddress: server, data: ByteBuffer(bytes: bytes)))
            var rejected: DNSWireError?
            for try await envelope in inbound {
                guard envelope.remoteAddress == server else { continue }
                do throws(DNSWireError) {
                    let response = try DNSWire.decode(Array(envelope.data.readableBytesView))
                    try DNSWire.validate(response: response, to: query)
                    return .success(response)
                } catch {
                    rejected = error
                }
            }
            // Deadline reached. If the server did send something we could not accept, say so:
            // it is more useful to an operator than "timed out".
            if let rejected { return .failure(.malformedResponse(rejected.description)) }
            return .failure(.timeout)
        }
    }

    /// Asks over TCP, one query per connection (RFC 7766 §6.2.1 allows reuse; a stub that
    /// only falls back to TCP for large answers gains little from it).
    static func tcp(query: DNSMessage, bytes: [UInt8], server: SocketAddress, timeout: Duration,
                    group: any EventLoopGroup) async -> Result<DNSMessage, DNSFailure> {
        let start = ContinuousClock.now
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeAmount(timeout))
                .connect(to: server) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(DNSTCPFrameEncoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch ChannelError.connectTimeout {
            return .failure(.timeout)
        } catch {
            return .failure(.network("cannot connect to \(server) over TCP: \(error)"))
        }
        let remaining = timeout - (ContinuousClock.now - start)
        return await exchange(channel: channel, timeout: remaining) { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            for try await frame in inbound {
                do throws(DNSWireError) {
                    let response = try DNSWire.decode(Array(frame.readableBytesView))
                    try DNSWire.validate(response: response, to: query)
                    return .success(response)
                } catch {
                    // Our own connection to the server we chose: a bad answer is the
                    // server's, not a spoofer's.
                    return .failure(.malformedResponse(error.description))
                }
            }
            return ContinuousClock.now - start >= timeout ? .failure(.timeout)
                : .failure(.network("\(server) closed the TCP connection without answering"))
        }
    }

    /// Runs `body` on the channel, closing the channel at the deadline (which ends the
    /// inbound stream) and always closing it at the end, cancellation included.
    private static func exchange<Inbound: Sendable, Outbound: Sendable>(
        channel: NIOAsyncChannel<Inbound, Outbound>, timeout: Duration,
        body: (NIOAsyncChannelInboundStream<Inbound>, NIOAsyncChannelOutboundWriter<Outbound>) async throws
            -> Result<DNSMessage, DNSFailure>
    ) async -> Result<DNSMessage, DNSFailure> {
        let raw = channel.channel
        let deadline = raw.eventLoop.scheduleTask(in: timeAmount(timeout)) { raw.close(promise: nil) }
        defer { deadline.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await body(inbound, outbound)
            }
        } catch is CancellationError {
            return .failure(.cancelled)
        } catch ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed {
            return Task.isCancelled ? .failure(.cancelled) : .failure(.timeout)
        } catch {
            if Task.isCancelled { return .failure(.cancelled) }
            return .failure(.network("\(error)"))
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return .zero }
        return .nanoseconds(seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// RFC 1035 §4.2.2: over TCP every message is preceded by its length in two octets, which
/// also bounds it to 65535 octets.
public struct DNSTCPFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        guard let frame = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }
}

public struct DNSTCPFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ByteBuffer

    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        guard data.readableBytes <= Int(UInt16.max) else { throw DNSWireError.messageTooLarge(data.readableBytes) }
        out.writeInteger(UInt16(data.readableBytes))
        out.writeImmutableBuffer(data)
    }
}
