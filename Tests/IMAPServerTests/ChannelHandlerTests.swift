import IMAPProtocol
@testable import IMAPServer
import NIOCore
import NIOEmbedded
import Testing

/// The framing handler on an EmbeddedChannel: pausing before login, STARTTLS discarding
/// injected commands, the authenticated limits, timers and IDLE wake-ups.
@Suite struct ChannelHandlerTests {
    final class FakeTLS: ChannelDuplexHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundIn = ByteBuffer
    }

    static func channel(unauthenticated: IMAPLimits = IMAPServerLimits().unauthenticated) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ResponseEncoderHandler())
        try channel.pipeline.syncOperations.addHandler(IMAPChannelHandler(
            unauthenticatedLimits: unauthenticated, authenticatedLimits: IMAPLimits(), loginTimeout: .seconds(60),
            idleTimeout: .minutes(30), idleSyncInterval: .seconds(5), makeTLSHandler: { FakeTLS() }))
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    static func inbound(_ channel: EmbeddedChannel) throws -> [String] {
        var out: [String] = []
        while let event = try channel.readInbound(as: IMAPInbound.self) {
            switch event {
            case .message(.command(let command)): out.append("\(command.tag) \(command.command.name)")
            case .message(.continuationRequired(let tag)): out.append("\(tag) +")
            case .message(.error(let error)): out.append("\(error.tag ?? "*") error \(error.text)")
            case .message(let other): out.append("\(other)")
            case .timeout: out.append("timeout")
            case .shutdown: out.append("shutdown")
            case .wake: out.append("wake")
            }
        }
        return out
    }

    static func outbound(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func startTLSDiscardsWhatWasPipelinedAfterIt() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "a STARTTLS\r\nb LOGIN alice secret\r\n"))
        #expect(try Self.inbound(channel) == ["a STARTTLS"])
        try channel.writeOutbound(IMAPOutbound.startTLS(TaggedResponse.ok("a", "Begin TLS negotiation now")))
        #expect(try Self.outbound(channel) == "a OK Begin TLS negotiation now\r\n")
        #expect(try Self.inbound(channel) == [])
        #expect(try channel.pipeline.syncOperations.handler(type: FakeTLS.self) === channel.pipeline.syncOperations.context(handlerType: FakeTLS.self).handler as? FakeTLS)
        try channel.writeInbound(ByteBuffer(string: "c NOOP\r\n"))
        #expect(try Self.inbound(channel) == ["c NOOP"])
        _ = try channel.finish()
    }

    @Test func beforeLoginEachCommandWaitsForItsAnswer() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "a LOGIN alice wrong\r\nb NOOP\r\n"))
        #expect(try Self.inbound(channel) == ["a LOGIN"])
        try channel.writeOutbound(IMAPOutbound.responses([TaggedResponse.no("a", "Authentication failed", code: .authenticationFailed)]))
        #expect(try Self.inbound(channel) == ["b NOOP"])
        _ = try channel.finish()
    }

    @Test func aRefusedIdleWaitsForNoDone() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "a IDLE\r\n"))
        #expect(try Self.inbound(channel) == ["a IDLE"])
        try channel.writeOutbound(IMAPOutbound.responses([TaggedResponse.bad("a", "Not authenticated", code: .clientBug)]))
        try channel.writeInbound(ByteBuffer(string: "b NOOP\r\n"))
        #expect(try Self.inbound(channel) == ["b NOOP"])
        _ = try channel.finish()
    }

    @Test func loginSwitchesToTheAuthenticatedLimits() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "a APPEND INBOX {100}\r\n"))
        #expect(try Self.inbound(channel) == ["a error Message too large"])
        try channel.writeInbound(ByteBuffer(string: "b LOGIN alice secret\r\n"))
        #expect(try Self.inbound(channel) == ["b LOGIN"])
        try channel.writeOutbound(IMAPOutbound.authenticated(TaggedResponse.ok("b", "Logged in")))
        try channel.writeInbound(ByteBuffer(string: "c APPEND INBOX {100}\r\n"))
        #expect(try Self.inbound(channel) == ["c +"])
        _ = try channel.finish()
    }

    @Test func timersAndWakeUps() throws {
        let channel = try Self.channel()
        let loop = channel.embeddedEventLoop
        loop.advanceTime(by: .seconds(59))
        #expect(try Self.inbound(channel) == [])
        loop.advanceTime(by: .seconds(1))
        #expect(try Self.inbound(channel) == ["timeout"])

        let idle = try Self.channel()
        try idle.writeOutbound(IMAPOutbound.authenticated(TaggedResponse.ok("a", "Logged in")))
        idle.pipeline.fireUserInboundEventTriggered(IMAPWakeEvent())
        #expect(try Self.inbound(idle) == [], "no wake-ups outside IDLE")
        try idle.writeOutbound(IMAPOutbound.idle(true))
        idle.pipeline.fireUserInboundEventTriggered(IMAPWakeEvent())
        #expect(try Self.inbound(idle) == ["wake"])
        idle.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(try Self.inbound(idle) == ["wake"])
        try idle.writeOutbound(IMAPOutbound.idle(false))
        idle.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(try Self.inbound(idle) == [])
        // Authenticated: the autologout timer is 30 minutes (RFC 9051 §5.4).
        idle.embeddedEventLoop.advanceTime(by: .minutes(29))
        #expect(try Self.inbound(idle) == [])
        idle.embeddedEventLoop.advanceTime(by: .minutes(1))
        #expect(try Self.inbound(idle) == ["timeout"])
        idle.pipeline.fireUserInboundEventTriggered(IMAPShutdownEvent())
        #expect(try Self.inbound(idle) == ["shutdown"])
        _ = try? channel.finish()
        _ = try? idle.finish()
    }

    @Test func closeWritesThenCloses() throws {
        let channel = try Self.channel()
        try channel.writeOutbound(IMAPOutbound.close([.fatal(ResponseText("Logging out")), TaggedResponse.ok("a", "LOGOUT completed")]))
        #expect(try Self.outbound(channel) == "* BYE Logging out\r\na OK LOGOUT completed\r\n")
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }
}
