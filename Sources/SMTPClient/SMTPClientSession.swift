// One outbound SMTP session over SwiftNIO: connect, greeting, EHLO (HELO fallback),
// STARTTLS, AUTH, then any number of mail transactions (connection reuse), QUIT. A session
// is used by one task at a time; the connection closes when `SMTPClient.connect`'s body
// returns.

public import MailCore
public import NIOCore
import NIOPosix
public import NIOSSL
public import SMTPProtocol
import Foundation
import NIOTLS
import X509
#if canImport(Glibc)
import Glibc
#endif

/// TLS for one connection: a prepared context and the name to send as SNI and to verify.
public struct SMTPClientTLS: Sendable {
    public var context: NIOSSLContext
    /// SNI, and the name the certificate must carry when the context verifies.
    public var serverName: String?
    /// Whether the context verifies the peer (for the log line).
    public var verifiesPeer: Bool

    public init(context: NIOSSLContext, serverName: String?, verifiesPeer: Bool) {
        self.context = context
        self.serverName = serverName
        self.verifiesPeer = verifiesPeer
    }

    /// Opportunistic TLS to MX hosts (RFC 3207 §4.1, RFC 7435): encrypt when offered, accept
    /// any certificate, since an MX host's name is not authenticated without DANE or MTA-STS.
    public static func opportunisticContext() throws -> NIOSSLContext {
        var c = TLSConfiguration.makeClientConfiguration()
        c.certificateVerification = .none
        c.minimumTLSVersion = .tlsv1
        return try NIOSSLContext(configuration: c)
    }

    /// Verified TLS (the relay): system trust store plus optional extra anchors (PEM files),
    /// TLS 1.2 at least, hostname checked.
    public static func verifiedContext(extraTrustAnchors: [String]) throws -> NIOSSLContext {
        var c = TLSConfiguration.makeClientConfiguration()
        c.certificateVerification = .fullVerification
        c.minimumTLSVersion = .tlsv12
        if !extraTrustAnchors.isEmpty {
            c.additionalTrustRoots = extraTrustAnchors.map { .file($0) }
        }
        return try NIOSSLContext(configuration: c)
    }
}

/// What the log line says about TLS.
public struct TLSSessionInfo: Sendable, Hashable, CustomStringConvertible {
    public var version: String
    public var verified: Bool
    public var peerSubject: String?
    public var description: String {
        var s = version + (verified ? " verified" : " unverified")
        if let p = peerSubject { s += " peer=\"\(p)\"" }
        return s
    }
}

/// How our side of the session behaves.
public struct SMTPClientConfiguration: Sendable {
    /// The name we give in EHLO/HELO (RFC 5321 §4.1.1.1: our FQDN).
    public var heloName: String
    public var limits = SMTPClientLimits()
    public var timeouts = SMTPClientTimeouts()

    public init(heloName: String) { self.heloName = heloName }
}

/// One mail transaction (RFC 5321 §3.3).
public struct OutboundTransaction: Sendable {
    /// The reverse path's text without brackets; empty for the null path `<>`.
    public var reversePath: String
    /// MAIL parameters as they go on the wire (`SIZE=1234`, `BODY=8BITMIME`, `SMTPUTF8`).
    public var mailParameters: [String]
    public var recipients: [Recipient]
    /// The content as stored (any line endings, not dot-stuffed).
    public var content: [UInt8]

    public struct Recipient: Sendable {
        public var address: String
        /// RCPT parameters (`NOTIFY=FAILURE`, `ORCPT=rfc822;x+40y`).
        public var parameters: [String]
        public init(address: String, parameters: [String] = []) {
            self.address = address
            self.parameters = parameters
        }
    }

    public init(reversePath: String, mailParameters: [String] = [], recipients: [Recipient], content: [UInt8]) {
        self.reversePath = reversePath
        self.mailParameters = mailParameters
        self.recipients = recipients
        self.content = content
    }
}

/// The server's answers to one transaction.
public struct TransactionResult: Sendable {
    public var mail: SMTPReply
    /// One entry per recipient, in order; nil when the RCPT was not sent (MAIL refused).
    public var recipients: [SMTPReply?]
    /// The reply to the final dot, or the refusal of DATA; nil when no DATA was sent
    /// (MAIL or every RCPT refused).
    public var data: SMTPReply?

    /// The outcome for recipient `i`: the RCPT refusal, else the DATA outcome.
    public func outcome(forRecipient i: Int) -> SMTPReply {
        guard mail.isPositive else { return mail }
        guard i < recipients.count, let r = recipients[i] else { return mail }
        guard r.isPositive else { return r }
        return data ?? r
    }
}

public enum SMTPClient {
    /// Connects to `address`:`port`, runs `body` with the session, then closes the
    /// connection (the body sends QUIT when it wants a polite end). With `implicitTLS` the
    /// TLS handshake comes first (RFC 8314 §3.3).
    public static func connect<T: Sendable>(to address: IPAddress, port: Int, group: any EventLoopGroup,
                                            configuration: SMTPClientConfiguration, implicitTLS: SMTPClientTLS? = nil,
                                            _ body: (SMTPClientSession) async throws -> T) async throws -> T {
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(ipAddress: address.description, port: port)
        } catch {
            throw SMTPClientError.connectFailed("bad address \(address): \(error)")
        }
        let limits = configuration.limits
        let channel: NIOAsyncChannel<SMTPClientInbound, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(Self.timeAmount(configuration.timeouts.connect))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(to: socketAddress) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let tls = implicitTLS {
                            try sync.addHandler(try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverName.flatMap(Self.sniName)))
                        }
                        try sync.addHandler(SMTPClientHandler(limits: limits))
                        return try NIOAsyncChannel<SMTPClientInbound, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SMTPClientError.connectFailed(Self.describe(connectError: error))
        }
        return try await channel.executeThenClose { inbound, outbound in
            let session = SMTPClientSession(channel: channel.channel, inbound: inbound, outbound: outbound,
                                            configuration: configuration, implicitTLS: implicitTLS)
            return try await body(session)
        }
    }

    /// "Connection refused", "Connection timed out": the errno text, as Postfix logs it.
    static func describe(connectError error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return "Connection timed out" }
        if let multi = error as? NIOConnectionError, let first = multi.connectionErrors.first {
            return describe(connectError: first.error)
        }
        return "\(error)"
    }

    /// SNI carries host names only (RFC 6066 §3: no IP literals).
    static func sniName(_ name: String) -> String? {
        IPAddress(name) == nil ? name : nil
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }
}

public final class SMTPClientSession {
    let channel: any Channel
    var inbound: NIOAsyncChannelInboundStream<SMTPClientInbound>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    public let configuration: SMTPClientConfiguration
    /// The server's EHLO answer (empty after HELO).
    public private(set) var capabilities = EHLOCapabilities()
    /// Set once TLS is up (implicit or STARTTLS).
    public private(set) var tls: TLSSessionInfo?
    /// False once the connection failed or the server said 421: do not reuse it.
    public private(set) var isUsable = true
    /// Transactions completed on this connection.
    public private(set) var transactions = 0
    /// The final dot of the current transaction has been (or is being) written: from here
    /// on the server may have accepted the message even if we never see its reply.
    public private(set) var endOfDataSent = false
    let implicitTLS: SMTPClientTLS?

    init(channel: any Channel, inbound: NIOAsyncChannelInboundStream<SMTPClientInbound>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
         configuration: SMTPClientConfiguration, implicitTLS: SMTPClientTLS?) {
        self.channel = channel
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.configuration = configuration
        self.implicitTLS = implicitTLS
    }

    var timeouts: SMTPClientTimeouts { configuration.timeouts }

    // MARK: opening

    /// Reads the greeting (after the implicit TLS handshake, if any) and says EHLO; HELO
    /// when EHLO is refused with 5xx (RFC 5321 §3.2).
    public func open() async throws {
        if let t = implicitTLS {
            try await awaitTLS(t)
        }
        let greeting = try await readReply(timeout: timeouts.greeting, stage: "waiting for the greeting")
        guard greeting.code == 220 else {
            isUsable = false
            throw SMTPClientError.rejected(stage: "the connection", greeting)
        }
        try await hello()
    }

    func hello() async throws {
        let ehlo = try await command("EHLO \(configuration.heloName)", timeout: timeouts.command, stage: "sending EHLO")
        if ehlo.code == 250 {
            capabilities = EHLOCapabilities(ehloLines: ehlo.lines)
            return
        }
        guard ehlo.isPermanentFailure else {
            isUsable = false
            throw SMTPClientError.rejected(stage: "EHLO", ehlo)
        }
        let helo = try await command("HELO \(configuration.heloName)", timeout: timeouts.command, stage: "sending HELO")
        guard helo.code == 250 else {
            isUsable = false
            throw SMTPClientError.rejected(stage: "HELO", helo)
        }
        capabilities = EHLOCapabilities()
        capabilities.serverName = helo.lines.first.map { String($0.split(separator: " ").first ?? "") } ?? ""
    }

    /// STARTTLS (RFC 3207), then EHLO again (§4.2: forget what was learnt before).
    public func startTLS(_ tls: SMTPClientTLS) async throws {
        let reply = try await command("STARTTLS", timeout: timeouts.command, stage: "sending STARTTLS")
        guard reply.code == 220 else {
            throw SMTPClientError.rejected(stage: "STARTTLS", reply)
        }
        do {
            let channel = self.channel
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverName.flatMap(SMTPClient.sniName))
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            }.get()
        } catch {
            isUsable = false
            throw SMTPClientError.tls("\(error)")
        }
        try await awaitTLS(tls)
        try await hello()
    }

    /// Waits for the handshake's marker; any reply before it came in plaintext.
    func awaitTLS(_ tls: SMTPClientTLS) async throws {
        let event = try await next(timeout: timeouts.tlsHandshake, stage: "performing the TLS handshake")
        guard case .tlsEstablished = event else {
            isUsable = false
            throw SMTPClientError.protocolViolation("reply received in plaintext after STARTTLS")
        }
        let version = (try? await channel.nioSSL_tlsVersion().get()).flatMap { $0 }
        let peer = (try? await channel.nioSSL_peerCertificate().get()).flatMap { $0 }
        self.tls = TLSSessionInfo(version: Self.versionName(version), verified: tls.verifiesPeer,
                                  peerSubject: peer.map { Self.subject(of: $0) })
    }

    static func versionName(_ v: TLSVersion?) -> String {
        switch v {
        case .tlsv13: "TLSv1.3"
        case .tlsv12: "TLSv1.2"
        case .tlsv11: "TLSv1.1"
        case .tlsv1: "TLSv1"
        case nil: "TLS"
        }
    }

    /// The certificate's subject as X.509 prints it (`CN=mx.example.org`).
    static func subject(of certificate: NIOSSLCertificate) -> String {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return "?" }
        return String(describing: parsed.subject)
    }

    // MARK: authentication

    /// AUTH PLAIN (RFC 4616, with the initial response of RFC 4954 §4) when offered, else
    /// LOGIN. The caller makes sure TLS is up first.
    public func authenticate(username: String, password: String) async throws {
        let offered = capabilities.authMechanisms
        if offered.contains("PLAIN") {
            let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            let reply = try await command("AUTH PLAIN \(token)", timeout: timeouts.command, stage: "authenticating")
            guard reply.code == 235 else { throw SMTPClientError.authenticationFailed(reply) }
        } else if offered.contains("LOGIN") {
            var reply = try await command("AUTH LOGIN", timeout: timeouts.command, stage: "authenticating")
            guard reply.code == 334 else { throw SMTPClientError.authenticationFailed(reply) }
            reply = try await command(Data(username.utf8).base64EncodedString(), timeout: timeouts.command, stage: "authenticating")
            guard reply.code == 334 else { throw SMTPClientError.authenticationFailed(reply) }
            reply = try await command(Data(password.utf8).base64EncodedString(), timeout: timeouts.command, stage: "authenticating")
            guard reply.code == 235 else { throw SMTPClientError.authenticationFailed(reply) }
        } else {
            throw SMTPClientError.noAuthenticationMechanism(offered.sorted())
        }
    }

    // MARK: transactions

    /// MAIL, RCPT..., DATA and the content; pipelined (RFC 2920) when the server offers it.
    /// Throws only when the connection fails; refusals are in the result.
    public func send(_ t: OutboundTransaction) async throws -> TransactionResult {
        let mailLine = "MAIL FROM:<\(t.reversePath)>" + t.mailParameters.map { " " + $0 }.joined()
        let rcptLines = t.recipients.map { "RCPT TO:<\($0.address)>" + $0.parameters.map { " " + $0 }.joined() }
        endOfDataSent = false
        var result = TransactionResult(mail: Replies.ok, recipients: Array(repeating: nil, count: t.recipients.count), data: nil)
        if capabilities.pipelining {
            // RFC 2920 §3.1: MAIL, every RCPT and DATA in one group; replies in order.
            try await write(([mailLine] + rcptLines + ["DATA"]).map { $0 + "\r\n" }.joined(), stage: "sending MAIL FROM")
            result.mail = try await readReply(timeout: timeouts.command, stage: "sending MAIL FROM")
            for i in rcptLines.indices {
                result.recipients[i] = try await readReply(timeout: timeouts.command, stage: "sending RCPT TO")
            }
            let dataReply = try await readReply(timeout: timeouts.dataInitiation, stage: "sending DATA")
            try checkClosing([result.mail, dataReply] + result.recipients.compactMap { $0 })
            let accepted = result.mail.isPositive && result.recipients.contains { $0?.isPositive == true }
            if dataReply.code == 354 {
                if accepted {
                    result.data = try await sendContent(t.content)
                } else {
                    // RFC 2920 §3.1: DATA accepted although nothing else was: end it empty.
                    try await write(".\r\n", stage: "sending end of data")
                    _ = try await readReply(timeout: timeouts.dataTermination, stage: "sending end of data")
                }
            } else if accepted {
                result.data = dataReply
            }
            if !result.mail.isPositive { result.recipients = Array(repeating: nil, count: t.recipients.count) }
        } else {
            result.mail = try await command(mailLine, timeout: timeouts.command, stage: "sending MAIL FROM")
            try checkClosing([result.mail])
            guard result.mail.isPositive else { return result }
            for (i, line) in rcptLines.enumerated() {
                let r = try await command(line, timeout: timeouts.command, stage: "sending RCPT TO")
                try checkClosing([r])
                result.recipients[i] = r
            }
            guard result.recipients.contains(where: { $0?.isPositive == true }) else {
                try await rset()
                return result
            }
            let dataReply = try await command("DATA", timeout: timeouts.dataInitiation, stage: "sending DATA")
            try checkClosing([dataReply])
            result.data = dataReply.code == 354 ? try await sendContent(t.content) : dataReply
        }
        if let d = result.data { try checkClosing([d]) }
        transactions += 1
        return result
    }

    /// The content, dot-stuffed in chunks, then the final reply.
    func sendContent(_ content: [UInt8]) async throws -> SMTPReply {
        var encoder = SMTPDataEncoder(maxLineOctets: configuration.limits.contentLineOctets)
        let chunk = configuration.limits.dataChunkOctets
        var offset = 0
        repeat {
            let end = min(offset + chunk, content.count)
            var out: [UInt8] = []
            encoder.encode(content[offset..<end], into: &out)
            if end == content.count {
                encoder.finish(into: &out)
                endOfDataSent = true
            }
            try await write(bytes: out, timeout: timeouts.dataBlock, stage: "sending message body")
            offset = end
        } while offset < content.count
        return try await readReply(timeout: timeouts.dataTermination, stage: "sending end of data")
    }

    /// A 421 anywhere means the server is closing (RFC 5321 §3.8).
    func checkClosing(_ replies: [SMTPReply]) throws {
        if let r = replies.first(where: { $0.code == 421 }) {
            isUsable = false
            throw SMTPClientError.rejected(stage: "the session", r)
        }
    }

    public func rset() async throws {
        let r = try await command("RSET", timeout: timeouts.command, stage: "sending RSET")
        if !r.isPositive { isUsable = false }
    }

    /// QUIT, best effort: the reply is awaited briefly and errors are ignored.
    public func quit() async {
        guard isUsable else { return }
        isUsable = false
        _ = try? await command("QUIT", timeout: .seconds(5), stage: "sending QUIT")
    }

    // MARK: wire

    func command(_ line: String, timeout: Duration, stage: String) async throws -> SMTPReply {
        try await write(line + "\r\n", stage: stage)
        return try await readReply(timeout: timeout, stage: stage)
    }

    func write(_ text: String, stage: String) async throws {
        try await write(bytes: Array(text.utf8), timeout: timeouts.command, stage: stage)
    }

    func write(bytes: [UInt8], timeout: Duration, stage: String) async throws {
        try await withDeadline(timeout, stage: stage) {
            try await self.outbound.write(ByteBuffer(bytes: bytes))
        }
    }

    func readReply(timeout: Duration, stage: String) async throws -> SMTPReply {
        let event = try await next(timeout: timeout, stage: stage)
        guard case .reply(let r) = event else {
            isUsable = false
            throw SMTPClientError.protocolViolation("unexpected TLS event")
        }
        return r
    }

    func next(timeout: Duration, stage: String) async throws -> SMTPClientInbound {
        let timedOut = TimeoutFlag()
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: SMTPClient.timeAmount(timeout)) {
            timedOut.set()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            guard let event = try await inbound.next() else {
                isUsable = false
                throw timedOut.value ? SMTPClientError.timeout(stage: stage) : SMTPClientError.connectionClosed(stage: stage)
            }
            return event
        } catch let e as SMTPClientError {
            throw e
        } catch let e as SMTPFramingError {
            isUsable = false
            throw SMTPClientError.protocolViolation(e.reason)
        } catch let e as NIOSSLError {
            isUsable = false
            throw SMTPClientError.tls("\(e)")
        } catch let e as BoringSSLError {
            isUsable = false
            throw SMTPClientError.tls("\(e)")
        } catch {
            isUsable = false
            if timedOut.value { throw SMTPClientError.timeout(stage: stage) }
            throw SMTPClientError.connectionClosed(stage: "\(stage) (\(error))")
        }
    }

    func withDeadline(_ timeout: Duration, stage: String, _ body: () async throws -> Void) async throws {
        let timedOut = TimeoutFlag()
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: SMTPClient.timeAmount(timeout)) {
            timedOut.set()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await body()
        } catch {
            isUsable = false
            throw timedOut.value ? SMTPClientError.timeout(stage: stage) : SMTPClientError.connectionClosed(stage: "\(stage) (\(error))")
        }
    }
}

import Synchronization

final class TimeoutFlag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var value: Bool { state.withLock { $0 } }
}
