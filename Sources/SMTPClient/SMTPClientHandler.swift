// Framing of server replies in the channel pipeline: bytes to `SMTPReply` values through
// SMTPReplyParser. It also watches the TLS boundary: when the TLS handshake after STARTTLS
// completes, any plaintext still buffered here (a partial line that arrived before TLS) is
// an injection attempt and fails the connection; otherwise a `.tlsEstablished` marker goes
// up the stream, so the session can refuse replies that arrived in plaintext before it.

import NIOCore
import NIOTLS
public import SMTPProtocol

/// What the session reads.
public enum SMTPClientInbound: Sendable {
    case reply(SMTPReply)
    /// The TLS handshake finished; everything after this came through TLS.
    case tlsEstablished
}

/// A reply could not be parsed, or plaintext was found around STARTTLS.
public struct SMTPFramingError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

final class SMTPClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPClientInbound

    var parser: SMTPReplyParser
    var pending: [UInt8] = []
    var failed = false

    init(limits: SMTPClientLimits) {
        parser = SMTPReplyParser(limits: limits)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var buffer = unwrapInboundIn(data)
        if let bytes = buffer.readBytes(length: buffer.readableBytes) { pending.append(contentsOf: bytes) }
        do {
            for reply in try parser.parse(&pending) {
                context.fireChannelRead(wrapInboundOut(.reply(reply)))
            }
        } catch {
            fail(context: context, reason: error.description)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            // RFC 3207 §4.2 / CVE-2011-0411: nothing received before the handshake may be
            // used afterwards.
            if !pending.isEmpty || parser.isInsideReply {
                fail(context: context, reason: "plaintext data received across STARTTLS")
                return
            }
            context.fireChannelRead(wrapInboundOut(.tlsEstablished))
            // NIOAsyncChannel hands reads to the stream at read-complete: without one, the
            // marker would wait for the next bytes from the server, which wait for our EHLO.
            context.fireChannelReadComplete()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func fail(context: ChannelHandlerContext, reason: String) {
        failed = true
        pending.removeAll()
        context.fireErrorCaught(SMTPFramingError(reason: reason))
        context.close(promise: nil)
    }
}
