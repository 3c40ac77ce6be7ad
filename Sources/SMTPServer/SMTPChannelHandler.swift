// The SMTP connection's framing handler: bytes to frames (SMTPFrameDecoder), replies to
// bytes, the greeting delay, and the mode switches the session asks for (start content,
// start TLS). Everything here runs on the channel's event loop, so a switch takes effect
// before the next byte is looked at.

import Logging
public import NIOCore
public import SMTPProtocol

public enum SMTPInbound: Sendable {
    /// Time to send the greeting: the greeting delay passed quietly (or there was none).
    case greet
    /// The client sent bytes before the greeting (postscreen's "pregreet" test).
    case earlyTalker
    case frame(SMTPFrame)
    /// Nothing arrived for the read timeout (RFC 5321 §4.5.3.2).
    case timeout
    /// The server is shutting down.
    case shutdown
}

public enum SMTPOutbound: Sendable {
    case reply(SMTPReply)
    case replies([SMTPReply])
    /// The greeting; from now on bytes are decoded.
    case greeting(SMTPReply)
    /// Send the reply (354) and decode content.
    case beginData(SMTPReply)
    /// Send the reply (refusing DATA) and go on decoding commands.
    case resumeCommands([SMTPReply])
    /// Send the reply (220), then put TLS in front and drop every byte the client sent after
    /// STARTTLS (RFC 3207 §4.2; CVE-2011-0411).
    case startTLS(SMTPReply)
    /// Send the reply and close.
    case close(SMTPReply)
}

/// Sent through the pipeline to ask for the graceful-shutdown frame.
public struct SMTPShutdownEvent: Sendable {
    public init() {}
}

public final class SMTPChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = SMTPInbound
    public typealias OutboundIn = SMTPOutbound
    public typealias OutboundOut = ByteBuffer

    /// The handlers STARTTLS puts at the front: the TLS handler and its handshake timer.
    public typealias TLSHandlerFactory = @Sendable () throws -> [any ChannelHandler]

    var decoder: SMTPFrameDecoder
    var buffer = ByteBuffer()
    let greetDelay: TimeAmount
    let makeTLSHandler: TLSHandlerFactory?
    var greeted = false
    var talkedEarly = false
    var closing = false
    /// Bytes held before the greeting or while paused are bounded too.
    let maxBuffered: Int

    public init(greetDelay: TimeAmount, limits: SMTPFrameDecoder.Limits = .init(), makeTLSHandler: TLSHandlerFactory?) {
        self.decoder = SMTPFrameDecoder(limits: limits)
        self.greetDelay = greetDelay
        self.makeTLSHandler = makeTLSHandler
        self.maxBuffered = limits.commandLine * 4 + limits.dataPiece
    }

    var greetScheduled = false

    public func handlerAdded(context: ChannelHandlerContext) {
        // Accepted channels can be active before their handlers are added.
        if context.channel.isActive { scheduleGreeting(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        scheduleGreeting(context: context)
    }

    func scheduleGreeting(context: ChannelHandlerContext) {
        guard !greetScheduled else { return }
        greetScheduled = true
        // Always at least one loop tick later: the handlers after this one (the async
        // channel's) may not be in the pipeline yet.
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: max(greetDelay, .zero)) {
            let (handler, context) = loopBound.value
            context.fireChannelRead(handler.wrapInboundOut(handler.talkedEarly ? .earlyTalker : .greet))
            // Outside a socket read cycle: the async channel hands reads on at read-complete.
            context.fireChannelReadComplete()
        }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard greeted else {
            // Before the greeting nothing is decoded; the bytes only mark an early talker.
            if incoming.readableBytes > 0 { talkedEarly = true }
            return
        }
        guard !closing else { return }
        if buffer.readableBytes == 0 {
            buffer = incoming
        } else {
            buffer.writeBuffer(&incoming)
        }
        decodeAll(context: context)
    }

    func decodeAll(context: ChannelHandlerContext) {
        while !closing, let frame = decoder.decode(&buffer) {
            context.fireChannelRead(wrapInboundOut(.frame(frame)))
        }
        if decoder.mode == .paused && buffer.readableBytes > maxBuffered {
            // A client that floods while we decide: the pipeline is broken beyond repair.
            buffer.clear()
        }
        buffer.discardReadBytes()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.fireChannelRead(wrapInboundOut(.timeout))
            context.fireChannelReadComplete()
        } else if event is SMTPShutdownEvent {
            context.fireChannelRead(wrapInboundOut(.shutdown))
            context.fireChannelReadComplete()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .reply(let r):
            context.write(wrapOutboundOut(encode([r], allocator: context.channel.allocator)), promise: promise)
        case .replies(let rs):
            context.write(wrapOutboundOut(encode(rs, allocator: context.channel.allocator)), promise: promise)
        case .greeting(let r):
            greeted = true
            context.write(wrapOutboundOut(encode([r], allocator: context.channel.allocator)), promise: promise)
        case .beginData(let r):
            context.write(wrapOutboundOut(encode([r], allocator: context.channel.allocator)), promise: promise)
            decoder.beginData()
            decodeAll(context: context)
            context.fireChannelReadComplete()
        case .resumeCommands(let rs):
            context.write(wrapOutboundOut(encode(rs, allocator: context.channel.allocator)), promise: promise)
            decoder.resumeCommands()
            decodeAll(context: context)
            context.fireChannelReadComplete()
        case .startTLS(let r):
            context.writeAndFlush(wrapOutboundOut(encode([r], allocator: context.channel.allocator)), promise: promise)
            // Anything after STARTTLS was sent in plaintext and must not be obeyed.
            buffer.clear()
            do {
                guard let make = makeTLSHandler else { throw ChannelError.operationUnsupported }
                try context.pipeline.syncOperations.addHandlers(try make(), position: .first)
                decoder.resumeCommands()
            } catch {
                closing = true
                context.close(promise: nil)
            }
        case .close(let r):
            closing = true
            let closeContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(encode([r], allocator: context.channel.allocator))).whenComplete { _ in
                closeContext.value.close(promise: nil)
            }
            promise?.succeed()
        }
    }

    func encode(_ replies: [SMTPReply], allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: 64 * replies.count)
        for r in replies { out.writeString(r.wire) }
        return out
    }
}
