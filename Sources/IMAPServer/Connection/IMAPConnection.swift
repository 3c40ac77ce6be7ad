// One IMAP connection: the async driver of an IMAPSession over its NIOAsyncChannel. It
// greets, feeds the session what the channel handler decoded, and ends on LOGOUT, BYE,
// timeout or shutdown. Its failures stay in its own task (STYLE.md habit 4).

import IMAPProtocol
import Logging
import NetServer
import NIOCore

struct IMAPConnection {
    typealias Channel = NIOAsyncChannel<IMAPInbound, IMAPOutbound>

    let context: IMAPServerContext
    let info: ConnectionInfo
    var logger: Logger
    let tlsActive: Bool
    let tlsAvailable: Bool

    init(context: IMAPServerContext, info: ConnectionInfo, logger: Logger, tlsActive: Bool, tlsAvailable: Bool) {
        self.context = context
        self.info = info
        self.logger = logger
        self.tlsActive = tlsActive
        self.tlsAvailable = tlsAvailable
        self.logger[metadataKey: "conn"] = .string(info.id)
        self.logger[metadataKey: "remote"] = .string(info.remoteAddress?.description ?? "unknown")
    }

    func run(_ channel: Channel) async {
        logger.debug("connect", metadata: ["listener": .string(info.listenerName)])
        do {
            try await channel.executeThenClose { inbound, outbound in
                var output = ChannelOutput(writer: outbound, pipeline: channel.channel.pipeline)
                defer { output.stopWatching() }
                var session = IMAPSession(context: context, tlsActive: tlsActive, tlsAvailable: tlsAvailable,
                                          remoteAddress: info.remoteAddress, logger: logger)
                output.send(session.greeting())
                try await output.flush()
                for try await event in inbound {
                    switch event {
                    case .message(let message):
                        if try await session.receive(message, &output) == .closed { return }
                    case .wake:
                        try await session.wake(&output)
                    case .timeout:
                        try await session.timedOut(&output)
                        return
                    case .shutdown:
                        try await session.shutDown(&output)
                        return
                    }
                }
            }
        } catch is CancellationError {
            logger.debug("connection cancelled", metadata: ["result": "cancelled"])
        } catch {
            logger.debug("connection ended", metadata: ["result": "error", "error": .string("\(error)")])
        }
    }
}

/// The session's output on a channel: small responses are queued and written together;
/// blocks of a large response are written as they come, each waiting for the channel to be
/// writable (NIOAsyncChannel's backpressure).
struct ChannelOutput: ResponseOutput {
    let writer: NIOAsyncChannelOutboundWriter<IMAPOutbound>
    let pipeline: ChannelPipeline
    var pending: [Response] = []
    var watcher: Task<Void, Never>?

    init(writer: NIOAsyncChannelOutboundWriter<IMAPOutbound>, pipeline: ChannelPipeline) {
        self.writer = writer
        self.pipeline = pipeline
    }

    mutating func send(_ response: Response) {
        pending.append(response)
    }

    mutating func send(encoded: ByteBuffer) async throws {
        if pending.isEmpty {
            try await writer.write(.encoded(encoded))
        } else {
            pending.append(.encoded(encoded))
            try await flush()
        }
    }

    mutating func flush() async throws {
        guard !pending.isEmpty else { return }
        let responses = pending
        pending = []
        try await writer.write(.responses(responses))
    }

    mutating func startTLS(_ ok: Response) async throws {
        try await flush()
        try await writer.write(.startTLS(ok))
    }

    mutating func authenticated(_ ok: Response) async throws {
        try await flush()
        try await writer.write(.authenticated(ok))
    }

    mutating func idle(_ on: Bool, watch: AsyncStream<Void>?) async throws {
        try await flush()
        if let watch {
            // Ends by itself when the stream finishes (the selection ended).
            let pipeline = self.pipeline
            watcher = Task {
                for await _ in watch {
                    pipeline.fireUserInboundEventTriggered(IMAPWakeEvent())
                }
            }
        }
        try await writer.write(.idle(on))
    }

    mutating func close(_ last: [Response]) async throws {
        let responses = pending + last
        pending = []
        try await writer.write(.close(responses))
    }

    func stopWatching() {
        watcher?.cancel()
    }
}
