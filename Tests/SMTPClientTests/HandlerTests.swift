import NIOCore
import NIOEmbedded
import NIOTLS
import SMTPProtocol
import Testing
@testable import SMTPClient

/// The framing handler and the STARTTLS boundary (RFC 3207 §4.2, CVE-2011-0411).
@Suite struct HandlerTests {
    func channel() throws -> EmbeddedChannel {
        let c = EmbeddedChannel()
        try c.pipeline.syncOperations.addHandler(SMTPClientHandler(limits: SMTPClientLimits()))
        return c
    }

    @Test func framesReplies() throws {
        let c = try channel()
        try c.writeInbound(ByteBuffer(string: "220 hi\r\n250-a\r\n"))
        try c.writeInbound(ByteBuffer(string: "250 b\r\n"))
        guard case .reply(let first)? = try c.readInbound(as: SMTPClientInbound.self) else { Issue.record("no reply"); return }
        #expect(first.code == 220)
        guard case .reply(let second)? = try c.readInbound(as: SMTPClientInbound.self) else { Issue.record("no reply"); return }
        #expect(second.lines == ["a", "b"])
    }

    @Test func handshakeMarkerAfterCleanSwitch() throws {
        let c = try channel()
        try c.writeInbound(ByteBuffer(string: "220 go ahead\r\n"))
        _ = try c.readInbound(as: SMTPClientInbound.self)
        c.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        guard case .tlsEstablished? = try c.readInbound(as: SMTPClientInbound.self) else { Issue.record("no marker"); return }
    }

    /// NIOAsyncChannel passes reads on at read-complete; the marker comes with one, or the
    /// session would wait for server bytes that only come after its EHLO.
    @Test func handshakeMarkerIsFollowedByReadComplete() throws {
        let c = try channel()
        let recorder = ReadCompleteRecorder()
        try c.pipeline.syncOperations.addHandler(recorder)
        c.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        #expect(recorder.events == ["read", "readComplete"])
    }

    @Test func plaintextBufferedAcrossTLSIsRefused() throws {
        let c = try channel()
        // "220 go ahead" and, in the same read, the start of an injected reply.
        try c.writeInbound(ByteBuffer(string: "220 go ahead\r\n250-injected"))
        _ = try c.readInbound(as: SMTPClientInbound.self)
        c.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        #expect(throws: SMTPFramingError.self) { try c.throwIfErrorCaught() }
        #expect(try c.readInbound(as: SMTPClientInbound.self) == nil)
    }

    @Test func malformedReplyClosesTheConnection() throws {
        let c = try channel()
        #expect(throws: SMTPFramingError.self) { try c.writeInbound(ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\n")) }
        #expect(!c.isActive)
    }
}

final class ReadCompleteRecorder: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = SMTPClientInbound
    var events: [String] = []
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { events.append("read") }
    func channelReadComplete(context: ChannelHandlerContext) { events.append("readComplete") }
}
