// A TLS handshake must finish in bounded time: a client that connects to 465/993 (or says
// STARTTLS) and then sends nothing, or sends garbage, is logged and disconnected instead of
// holding a connection slot until the idle timeout.

public import Logging
public import NIOCore
import NIOTLS

public final class TLSHandshakeTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny

    let timeout: TimeAmount
    let logger: Logger
    var timer: Scheduled<Void>?

    public init(timeout: TimeAmount = .seconds(30), logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = bound.value
            handler.logger.warning("tls handshake timeout", metadata: ["result": "tls-timeout",
                                                                       "remote": .string(context.channel.remoteAddress?.ipAddress ?? "?")])
            context.close(promise: nil)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            timer?.cancel()
            timer = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if timer != nil {
            // Still handshaking: this is the client's garbage or a protocol mismatch.
            logger.warning("tls handshake failed", metadata: ["result": "tls-failed", "error": .string("\(error)"),
                                                              "remote": .string(context.channel.remoteAddress?.ipAddress ?? "?")])
            timer?.cancel()
            timer = nil
            context.close(promise: nil)
            return
        }
        context.fireErrorCaught(error)
    }
}
