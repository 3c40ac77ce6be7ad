// The SMTP connection's framing handler: bytes to frames (SMTPFrameDecoder), replies to
// bytes, the greeting delay, and the mode switches the session asks for (start content,
// start TLS). Everything here runs on the channel's event loop, so a switch takes effect
// before the next byte is looked at.

import Logging
public import NIOCore
public import SMTPProtocol

public enum SMTPInbound: Sendable {
    /// The handler sent the greeting: the greeting delay passed quietly (or there was none).
    case greeted
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
    /// A greeting-time reply the session sends itself (554 to an early talker); from now on
    /// bytes are decoded.
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

    /// How the connection is greeted, decided when it was accepted.
    public enum Banner: Sendable {
        /// Send this greeting after the delay (zero: at once), unless the client talks first.
        case greet(SMTPReply, after: TimeAmount)
        /// Send this refusal (too many connections) and close.
        case refuse(SMTPReply)
    }

    var decoder: SMTPFrameDecoder
    var buffer = ByteBuffer()
    let banner: Banner
    let makeTLSHandler: TLSHandlerFactory?
    var greeted = false
    var talkedEarly = false
    var closing = false
    /// Bytes held before the greeting or while paused are bounded too.
    let maxBuffered: Int

    public init(banner: Banner, limits: SMTPFrameDecoder.Limits = .init(), makeTLSHandler: TLSHandlerFactory?) {
        self.decoder = SMTPFrameDecoder(limits: limits)
        self.banner = banner
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

    /// The greeting is written here, on the event loop, the moment the connection is up
    /// (or the delay has passed): the client does not wait for the session's task to start.
    func scheduleGreeting(context: ChannelHandlerContext) {
        guard !greetScheduled else { return }
        greetScheduled = true
        switch banner {
        case .refuse(let reply):
            closing = true
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(encode([reply], allocator: context.channel.allocator))).whenComplete { _ in
                bound.value.close(promise: nil)
            }
        case .greet(let reply, let delay) where delay <= .zero:
            greeted = true
            context.writeAndFlush(wrapOutboundOut(encode([reply], allocator: context.channel.allocator)), promise: nil)
            // One loop tick later: the async channel's handlers may not be in the pipeline yet.
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.execute {
                let (handler, context) = bound.value
                handler.deliverInbound(.greeted, context: context)
            }
        case .greet(let reply, let delay):
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: delay) {
                let (handler, context) = bound.value
                if handler.talkedEarly {
                    handler.deliverInbound(.earlyTalker, context: context)
                } else {
                    handler.greeted = true
                    context.writeAndFlush(handler.wrapOutboundOut(handler.encode([reply], allocator: context.channel.allocator)), promise: nil)
                    handler.deliverInbound(.greeted, context: context)
                }
            }
        }
    }

    /// Outside a socket read cycle the async channel hands reads on at read-complete.
    func deliverInbound(_ event: SMTPInbound, context: ChannelHandlerContext) {
        context.fireChannelRead(wrapInboundOut(event))
        context.fireChannelReadComplete()
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
            deliverInbound(.timeout, context: context)
        } else if event is SMTPShutdownEvent {
            deliverInbound(.shutdown, context: context)
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
