// The IMAP connection's framing handler, on the channel's event loop: bytes to
// `ClientMessage`s (IMAPProtocol's CommandDecoder), responses on their way out shown to the
// decoder (it learns from them when AUTHENTICATE, STARTTLS and refused literals end), the
// autologout timer, IDLE wake-ups, and the mode switches the session asks for: TLS in front
// after STARTTLS, the authenticated limits after login.
//
// Before authentication the handler decodes one message at a time and waits for the
// session's answer before decoding the next: nothing an unauthenticated client pipelines is
// looked at before the session has decided, so a command injected after STARTTLS in the same
// packet is discarded, never run (RFC 9051 §6.2.1; the STARTTLS command-injection attacks of
// CVE-2011-0411 and CVE-2021-33515). It is also why the decoder can be replaced at login by
// one with the authenticated limits: at that moment it holds no partial command.

public import IMAPProtocol
public import NIOCore

/// What the connection task receives.
public enum IMAPInbound: Sendable {
    case message(ClientMessage)
    /// The autologout timer ran out (RFC 9051 §5.4).
    case timeout
    /// The server is shutting down.
    case shutdown
    /// During IDLE: the mailbox may have changed, or it is time to look (idleSyncInterval).
    case wake
}

/// What the connection task writes.
public enum IMAPOutbound: Sendable {
    case responses([Response])
    /// Encoded untagged responses (a block of a large FETCH).
    case encoded(ByteBuffer)
    /// Write STARTTLS's tagged OK, drop every byte received after STARTTLS, put TLS in front.
    case startTLS(Response)
    /// Write the tagged OK of a login, then apply the authenticated limits and timer.
    case authenticated(Response)
    /// IDLE began or ended.
    case idle(Bool)
    /// Write these responses, then close.
    case close([Response])
}

/// Sent through the pipeline to ask the connection to end (graceful shutdown).
public struct IMAPShutdownEvent: Sendable {
    public init() {}
}

/// Sent through the pipeline when the selected mailbox changed (the store's notifications).
public struct IMAPWakeEvent: Sendable {
    public init() {}
}

public final class IMAPChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = IMAPInbound
    public typealias OutboundIn = IMAPOutbound
    public typealias OutboundOut = Response
    public typealias TLSHandlerFactory = @Sendable () throws -> any ChannelHandler

    private var decoder: CommandDecoder
    private let authenticatedLimits: IMAPLimits
    private var buffer = ByteBuffer()
    private var authenticated = false
    /// Decoding waits for the session's answer (see the file comment).
    private var paused = false
    /// A read was held back while paused with a full buffer.
    private var readHeldBack = false
    private let maxBufferedWhilePaused: Int
    private var closing = false

    private var timeout: TimeAmount
    private let authenticatedTimeout: TimeAmount
    private var lastActivity = NIODeadline.uptimeNanoseconds(0)
    private var timer: Scheduled<Void>?
    private let idleSyncInterval: TimeAmount
    private var idling = false
    private var idleTicker: RepeatedTask?
    private let makeTLSHandler: TLSHandlerFactory?

    public init(unauthenticatedLimits: IMAPLimits, authenticatedLimits: IMAPLimits, loginTimeout: TimeAmount,
                idleTimeout: TimeAmount, idleSyncInterval: TimeAmount, makeTLSHandler: TLSHandlerFactory?) {
        self.decoder = CommandDecoder(limits: unauthenticatedLimits)
        self.authenticatedLimits = authenticatedLimits
        self.timeout = loginTimeout
        self.authenticatedTimeout = idleTimeout
        self.idleSyncInterval = idleSyncInterval
        self.makeTLSHandler = makeTLSHandler
        self.maxBufferedWhilePaused = unauthenticatedLimits.command + unauthenticatedLimits.line
    }

    // MARK: lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        // Accepted channels can be active before their handlers are added.
        if context.channel.isActive { armTimer(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        armTimer(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        idleTicker?.cancel()
        idleTicker = nil
        context.fireChannelInactive()
    }

    // MARK: inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        lastActivity = context.eventLoop.now
        guard !closing else { return }
        if buffer.readableBytes == 0 {
            buffer = incoming
        } else {
            buffer.writeBuffer(&incoming)
        }
        decodeAvailable(context: context)
    }

    private func decodeAvailable(context: ChannelHandlerContext) {
        while !paused && !closing, let message = decoder.next(&buffer) {
            if shouldPause(after: message) { paused = true }
            context.fireChannelRead(wrapInboundOut(.message(message)))
        }
        if buffer.readableBytes == 0 {
            // Nothing kept between commands: an idle connection holds no buffer.
            buffer = ByteBuffer()
        } else {
            buffer.discardReadBytes()
        }
    }

    /// Before login every message waits for its answer; after it, only the commands that
    /// change how the next bytes are read.
    private func shouldPause(after message: ClientMessage) -> Bool {
        switch message {
        case .command(let command):
            switch command.command {
            case .starttls, .login, .authenticate: return true
            default: return !authenticated
            }
        case .authenticationResponse, .continuationRequired:
            return !authenticated
        case .idleDone, .error:
            return false
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
    }

    public func read(context: ChannelHandlerContext) {
        // A client that floods while we wait for the session is not read further.
        if paused && buffer.readableBytes > maxBufferedWhilePaused {
            readHeldBack = true
            return
        }
        context.read()
    }

    private func resume(context: ChannelHandlerContext) {
        guard paused else { return }
        paused = false
        decodeAvailable(context: context)
        // Outside a socket read: the async channel hands reads on at read-complete.
        context.fireChannelReadComplete()
        if readHeldBack && !paused {
            readHeldBack = false
            context.read()
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IMAPShutdownEvent {
            context.fireChannelRead(wrapInboundOut(.shutdown))
            context.fireChannelReadComplete()
        } else if event is IMAPWakeEvent {
            guard idling else { return }
            context.fireChannelRead(wrapInboundOut(.wake))
            context.fireChannelReadComplete()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // A client reading a long response is not inactive (RFC 9051 §5.4).
        lastActivity = context.eventLoop.now
        switch unwrapOutboundIn(data) {
        case .responses(let responses):
            let answered = writeAll(responses, context: context, promise: promise)
            if answered { resume(context: context) }
        case .encoded(let bytes):
            context.write(wrapOutboundOut(.encoded(bytes)), promise: promise)
        case .startTLS(let ok):
            // RFC 9051 §6.2.1: what the client sent after STARTTLS was sent in the clear and
            // is discarded.
            buffer = ByteBuffer()
            decoder.write(data: ok)
            context.writeAndFlush(wrapOutboundOut(ok), promise: promise)
            do {
                guard let make = makeTLSHandler else { throw ChannelError.operationUnsupported }
                try context.pipeline.syncOperations.addHandler(try make(), position: .first)
                resume(context: context)
            } catch {
                closing = true
                context.close(promise: nil)
            }
        case .authenticated(let ok):
            decoder.write(data: ok)
            context.write(wrapOutboundOut(ok), promise: promise)
            // Paused after the login, the decoder holds no partial command.
            authenticated = true
            decoder = CommandDecoder(limits: authenticatedLimits)
            timeout = authenticatedTimeout
            armTimer(context: context)
            resume(context: context)
        case .idle(let on):
            idling = on
            idleTicker?.cancel()
            idleTicker = nil
            if on {
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                idleTicker = context.eventLoop.scheduleRepeatedTask(initialDelay: idleSyncInterval, delay: idleSyncInterval) { _ in
                    let (handler, context) = loopBound.value
                    guard handler.idling else { return }
                    context.fireChannelRead(handler.wrapInboundOut(.wake))
                    context.fireChannelReadComplete()
                }
            }
            promise?.succeed()
        case .close(let responses):
            closing = true
            let written = context.eventLoop.makePromise(of: Void.self)
            _ = writeAll(responses, context: context, promise: written)
            context.flush()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in
                loopBound.value.close(promise: nil)
            }
            promise?.succeed()
        }
    }

    /// Writes responses, showing each to the decoder first; true when one of them answers
    /// what the client waits for (a tagged response or a continuation request).
    private func writeAll(_ responses: [Response], context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) -> Bool {
        guard !responses.isEmpty else {
            promise?.succeed()
            return false
        }
        var answered = false
        for (index, response) in responses.enumerated() {
            decoder.write(data: response)
            switch response {
            case .tagged, .continuation: answered = true
            default: break
            }
            context.write(wrapOutboundOut(response), promise: index == responses.count - 1 ? promise : nil)
        }
        return answered
    }

    // MARK: autologout

    private func armTimer(context: ChannelHandlerContext) {
        timer?.cancel()
        if lastActivity == .uptimeNanoseconds(0) { lastActivity = context.eventLoop.now }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: lastActivity + timeout) {
            let (handler, context) = loopBound.value
            handler.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard context.channel.isActive, !closing else { return }
        if context.eventLoop.now - lastActivity >= timeout {
            context.fireChannelRead(wrapInboundOut(.timeout))
            context.fireChannelReadComplete()
        } else {
            armTimer(context: context)
        }
    }
}

@available(*, unavailable)
extension IMAPChannelHandler: Sendable {}
