// One SMTP connection: the async driver of SMTPSessionState. It reads frames, executes the
// session's actions (policy checks, SASL, content, TLS), and hands finished messages to the
// ingest funnel, which answers only once the message is durable.

import Accounts
import DNSClient
import Foundation
public import Logging
public import MailCore
public import NIOCore
import NIOSSL
public import NetServer
import SASL
public import SMTPProtocol

/// A message the SMTP server accepted the content of, on its way to the disk.
public struct ReceivedMessage: Sendable {
    public var queueID: String
    public var reversePath: ReversePath
    public var mailParameters: MailParameters
    public var recipients: [AcceptedRecipient<RecipientRoute>]
    /// Content as received (CRLF line endings, dot-unstuffed), without our trace header.
    public var content: ByteBuffer
    /// Our `Received:` field, folded, ending in CRLF (RFC 5321 §4.4).
    public var receivedHeader: String
    public var client: ClientIdentity
    public var listener: SMTPListenerKind
}

/// The one entry of mail into the system (Postfix's cleanup): returns the reply for the
/// end of DATA/BDAT: 250 only once every copy is on disk and fsynced.
public protocol MessageIngest: Sendable {
    func ingest(_ message: ReceivedMessage) async -> SMTPReply
}

/// Authenticates SASL credentials (the accounts directory in production).
public protocol Authenticator: Sendable {
    func authenticate(username: String, password: String) async -> EmailAddress?
    /// The envelope senders this user may use (their address and their aliases).
    func sendableAddresses(for user: EmailAddress) async -> Set<EmailAddress>
}

public enum SMTPListenerKind: String, Sendable {
    /// Port 25: mail from the world to hosted domains.
    case mx = "smtp"
    /// Ports 587/465: authenticated clients (RFC 6409).
    case submission
}

public struct SMTPServerConfiguration: Sendable {
    public var hostname: String
    public var kind: SMTPListenerKind
    public var session: SMTPSessionConfiguration
    public var policy: InboundPolicyConfiguration
    public var strictEnvelopes = true
    /// Look up and verify the client's reverse name (Postfix smtpd_peername_lookup).
    public var reverseLookup = true
    /// postscreen's greet wait for clients that have not passed recently.
    public var greetDelay: Duration = .seconds(1)
    /// How long a client that waited for the greeting is remembered (postscreen_cache_ttl).
    public var greetPassTTL: Duration = .seconds(86_400)
    /// RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for a command.
    public var readTimeout: Duration = .seconds(300)
    /// Implicit TLS (port 465, RFC 8314 §3.3).
    public var implicitTLS = false
    /// A TLS handshake not finished by then is abandoned (and logged).
    public var tlsHandshakeTimeout: Duration = .seconds(30)
    /// Delay before answering a failed AUTH (slows password guessing).
    public var authFailureDelay: Duration = .seconds(2)
    /// Offer AUTH without TLS to loopback clients (explicit configuration only).
    public var plaintextAuthOnLoopback = false
    /// Submission: leave the client's name and address out of our Received line, so mail
    /// leaving does not disclose where the user sent it from.
    public var hideClient = false

    public init(hostname: String, kind: SMTPListenerKind, session: SMTPSessionConfiguration, policy: InboundPolicyConfiguration) {
        self.hostname = hostname
        self.kind = kind
        self.session = session
        self.policy = policy
    }
}

struct SMTPConnection {
    typealias Channel = NIOAsyncChannel<SMTPInbound, SMTPOutbound>

    let configuration: SMTPServerConfiguration
    let policy: InboundPolicy
    let ingest: any MessageIngest
    let authenticator: any Authenticator
    let greetGate: GreetGate
    let info: ConnectionInfo
    var logger: Logger
    let tlsAvailable: Bool

    var state: SMTPSessionState<RecipientRoute>
    var client: ClientIdentity
    /// Verdicts computed once per connection or transaction (Postfix caches them the same way).
    var clientVerdict: SMTPReply??
    var heloVerdict: SMTPReply??
    var senderVerdict: SMTPReply??
    var content = ByteBuffer()
    var pendingReplies: [SMTPReply] = []
    var shuttingDown = false
    var tlsDescription: String?
    /// A refused BDAT chunk is read and dropped; this reply follows its last byte.
    var discardingChunk = false
    var discardReply: SMTPReply?

    init(configuration: SMTPServerConfiguration, policy: InboundPolicy, ingest: any MessageIngest, authenticator: any Authenticator,
         greetGate: GreetGate, info: ConnectionInfo, logger: Logger, tlsAvailable: Bool) {
        self.configuration = configuration
        self.policy = policy
        self.ingest = ingest
        self.authenticator = authenticator
        self.greetGate = greetGate
        self.info = info
        self.logger = logger
        self.tlsAvailable = tlsAvailable
        var session = configuration.session
        session.startTLSAvailable = tlsAvailable && !configuration.implicitTLS
        session.plaintextAuthenticationAllowed = configuration.plaintextAuthOnLoopback && info.remoteAddress?.isLoopback == true
        self.state = SMTPSessionState(configuration: session, tlsActive: configuration.implicitTLS, strictEnvelopes: configuration.strictEnvelopes)
        self.client = ClientIdentity(address: info.remoteAddress)
        self.client.tls = configuration.implicitTLS
        self.logger[metadataKey: "conn"] = .string(info.id)
        self.logger[metadataKey: "remote"] = .string(info.remoteAddress?.description ?? "unknown")
    }

    mutating func run(_ channel: Channel) async {
        do {
            try await channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                try await session(&frames, outbound, channel.channel)
            }
        } catch is CancellationError {
            logger.info("connection cancelled", metadata: ["result": "cancelled"])
        } catch {
            logger.info("connection ended", metadata: ["result": "error", "error": .string("\(error)")])
        }
    }

    mutating func session(_ frames: inout NIOAsyncChannelInboundStream<SMTPInbound>.AsyncIterator,
                          _ out: NIOAsyncChannelOutboundWriter<SMTPOutbound>, _ channel: any NIOCore.Channel) async throws {
        logger.info("connect", metadata: ["listener": .string(info.listenerName)])
        // Look the client's name up while the greeting delay runs.
        let reverse: Task<DNSName?, Never>? = configuration.reverseLookup && client.address != nil
            ? Task { [policy, client] in await policy.verifiedName(of: client.address!) } : nil
        guard let first = try await frames.next() else { reverse?.cancel(); return }
        client.verifiedName = await reverse?.value
        switch first {
        case .greeted:
            if let ip = client.address { greetGate.pass(ip) }
        case .earlyTalker:
            logger.warning("pregreet violation", metadata: ["result": "rejected", "reason": "early-talker"])
            state.refuse(with: Replies.earlyTalker)
            try await out.write(.greeting(Replies.earlyTalker))
        default:
            return
        }
        while let event = try await frames.next() {
            switch event {
            case .greeted, .earlyTalker:
                continue
            case .timeout:
                logger.info("timeout", metadata: ["result": "timeout"])
                try await out.write(.close(Replies.timeout))
                return
            case .shutdown:
                shuttingDown = true
                if state.transaction == nil {
                    try await out.write(.close(Replies.shuttingDown(configuration.hostname)))
                    return
                }
            case .frame(let frame):
                if try await handle(frame, &frames, out, channel) == .close { return }
            }
        }
    }

    enum Flow { case proceed, close }

    mutating func handle(_ frame: SMTPFrame, _ frames: inout NIOAsyncChannelInboundStream<SMTPInbound>.AsyncIterator,
                         _ out: NIOAsyncChannelOutboundWriter<SMTPOutbound>, _ channel: any NIOCore.Channel) async throws -> Flow {
        switch frame {
        case .line(let line, let more):
            let action = state.receive(line: line.readableBytesView, pipelined: more)
            // After DATA and STARTTLS the framer waits for our answer: a refusal must tell it
            // to go on reading commands.
            let pausing = SMTPFrameDecoder.isPausingCommand(line)
            return try await perform(action, more: more, pausing: pausing, &frames, out, channel)
        case .lineTooLong:
            return try await perform(state.lineTooLong(), more: false, pausing: false, &frames, out, channel)
        case .data(var piece), .chunk(var piece):
            guard state.transaction != nil, !discardingChunk else { return .proceed }
            state.contentReceived(piece.readableBytes)
            if !state.contentTooLarge { content.writeBuffer(&piece) }
            return .proceed
        case .dataEnd(let bare):
            if bare > 0 { logger.info("bare line endings normalised", metadata: ["count": .stringConvertible(bare)]) }
            let result = await finishMessage()
            if result.1 == .close {
                try await send(out, .close(result.0))
                return .close
            }
            try await reply(result.0, out, more: false)
            return shuttingDown ? try await closeForShutdown(out) : .proceed
        case .chunkEnd(let last):
            if discardingChunk {
                discardingChunk = false
                let r = discardReply ?? Replies.transactionFailed
                discardReply = nil
                try await reply(r, out, more: false)
                return .proceed
            }
            if !last {
                try await reply(SMTPReply(250, EnhancedStatus(2, 0, 0), "\(state.transaction?.receivedSize ?? 0) octets received"), out, more: false)
                return .proceed
            }
            let result = await finishMessage()
            if result.1 == .close {
                try await send(out, .close(result.0))
                return .close
            }
            try await reply(result.0, out, more: false)
            return shuttingDown ? try await closeForShutdown(out) : .proceed
        }
    }


    mutating func closeForShutdown(_ out: NIOAsyncChannelOutboundWriter<SMTPOutbound>) async throws -> Flow {
        try await out.write(.close(Replies.shuttingDown(configuration.hostname)))
        return .close
    }

    /// Executes session actions until one produces a reply.
    mutating func perform(_ first: SMTPAction, more: Bool, pausing: Bool, _ frames: inout NIOAsyncChannelInboundStream<SMTPInbound>.AsyncIterator,
                          _ out: NIOAsyncChannelOutboundWriter<SMTPOutbound>, _ channel: any NIOCore.Channel) async throws -> Flow {
        var action = first
        while true {
            switch action {
            case .reply(let r):
                if pausing {
                    try await send(out, .resumeCommands([r]))
                } else {
                    try await reply(r, out, more: more)
                }
                return .proceed
            case .close(let r):
                try await send(out, .close(r))
                logger.info("disconnect", metadata: ["result": r.code < 400 ? "ok" : "closed", "reply": .stringConvertible(r.code)])
                return .close
            case .checkHelo(let name, let extended):
                // The verdict is applied at RCPT (smtpd_delay_reject); the name is checked now.
                heloVerdict = .some(await policy.checkHelo(name, client: client))
                if case .some(.some(let refusal)) = heloVerdict, refusal.code == 501 {
                    heloVerdict = nil
                    action = state.heloChecked(name: name, extended: extended, refusal: refusal)
                    continue
                }
                client.heloName = name
                action = state.heloChecked(name: name, extended: extended, refusal: nil)
            case .checkSender(let path, let params):
                if let refusal = await senderOwnership(path) {
                    action = state.senderChecked(path, params, refusal: refusal)
                    continue
                }
                senderVerdict = .some(await policy.checkSender(path, client: client))
                content = ByteBuffer()
                action = state.senderChecked(path, params, refusal: nil)
            case .checkRecipient(let rcpt, let params):
                let result = await checkRecipient(rcpt)
                if case .failure(let r) = result {
                    logger.info("recipient refused", metadata: ["result": "rejected", "from": .string(state.transaction?.reversePath.description ?? "?"),
                                                                "to": .string(rcpt.description), "reply": .string("\(r.code) \(r.enhanced?.description ?? "")"),
                                                                "helo": .string(client.heloName ?? "")])
                }
                action = state.recipientChecked(rcpt, params, result: result)
            case .startData:
                if more && configuration.session.rejectUnauthPipelining {
                    // Content sent before our 354: a spam engine that does not listen.
                    logger.warning("improper pipelining", metadata: ["result": "rejected", "reason": "data-before-354"])
                    try await send(out, .close(Replies.unauthPipelining))
                    return .close
                }
                content = ByteBuffer()
                try await send(out, .beginData(Replies.startData))
                return .proceed
            case .startTLS:
                try await send(out, .startTLS(Replies.readyForTLS))
                state.tlsStarted()
                client.tls = true
                client.heloName = nil
                heloVerdict = nil
                senderVerdict = nil
                tlsDescription = await Self.tlsDescription(channel)
                logger.info("starttls", metadata: ["tls": .string(tlsDescription ?? "?")])
                return .proceed
            case .authenticate(let mechanism, let initial):
                action = try await authenticate(mechanism: mechanism, initial: initial, &frames, out)
            case .receiveChunk:
                // The framer reads the chunk's bytes next; they land in `content`.
                return .proceed
            case .discardChunk(let r):
                discardingChunk = true
                discardReply = r
                return .proceed
            }
        }
    }

    /// Replies are held back while the client has more commands waiting (RFC 2920 §3.2:
    /// a server should send the replies of a pipelined group together).
    mutating func reply(_ r: SMTPReply, _ out: NIOAsyncChannelOutboundWriter<SMTPOutbound>, more: Bool) async throws {
        pendingReplies.append(r)
        if !more || pendingReplies.count >= 100 {
            try await out.write(.replies(pendingReplies))
            pendingReplies.removeAll(keepingCapacity: true)
        }
    }

    /// Writes held-back replies, then `command`.
    mutating func send(_ out: NIOAsyncChannelOutboundWriter<SMTPOutbound>, _ command: SMTPOutbound) async throws {
        if !pendingReplies.isEmpty {
            try await out.write(.replies(pendingReplies))
            pendingReplies.removeAll(keepingCapacity: true)
        }
        try await out.write(command)
    }

    /// RFC 6409 §6.1 / Postfix reject_sender_login_mismatch: a submission client may only
    /// use envelope senders it owns. The null sender is allowed (vacation replies, DSNs).
    func senderOwnership(_ path: ReversePath) async -> SMTPReply? {
        guard configuration.kind == .submission, let user = state.authenticatedUser, case .mailbox(let sender) = path else { return nil }
        let owned = await authenticator.sendableAddresses(for: user)
        return owned.contains(sender.canonical) ? nil : Replies.senderNotOwned(sender.description)
    }

    mutating func checkRecipient(_ rcpt: EmailAddress) async -> Result<RecipientRoute, SMTPReply> {
        client.authenticatedUser = state.authenticatedUser
        if client.authenticatedUser == nil {
            // reject_unauth_destination comes first, so relay attempts are refused without
            // spending DNS on them.
            if case .failure(let r) = policy.checkRecipient(rcpt, client: client), r == Replies.relayDenied { return .failure(r) }
            if clientVerdict == nil { clientVerdict = .some(await policy.checkClient(client)) }
            if case .some(.some(let r)) = clientVerdict { return .failure(r) }
            if case .some(.some(let r)) = heloVerdict { return .failure(r) }
            if case .some(.some(let r)) = senderVerdict { return .failure(r) }
        }
        return policy.checkRecipient(rcpt, client: client)
    }

    mutating func finishMessage() async -> (SMTPReply, Flow) {
        defer { content = ByteBuffer() }
        guard let t = state.transaction else { return (Replies.badSequence("No transaction"), .proceed) }
        if state.contentTooLarge {
            logger.info("message refused", metadata: ["result": "rejected", "reason": "size", "size": .stringConvertible(t.receivedSize)])
            return (state.messageFinished(Replies.messageTooBig(configuration.session.maxMessageSize)).reply ?? Replies.transactionFailed, .proceed)
        }
        let queueID = Self.newQueueID()
        let message = ReceivedMessage(queueID: queueID, reversePath: t.reversePath, mailParameters: t.parameters,
                                      recipients: t.recipients, content: content,
                                      receivedHeader: receivedHeader(queueID: queueID, recipients: t.recipients),
                                      client: client, listener: configuration.kind)
        let result = await ingest.ingest(message)
        logger.info("message", metadata: ["queue_id": .string(queueID), "result": result.isPositive ? "accepted" : "refused",
                                          "from": .string(t.reversePath.description), "nrcpt": .stringConvertible(t.recipients.count),
                                          "size": .stringConvertible(content.readableBytes),
                                          "reply": .string("\(result.code) \(result.enhanced?.description ?? "")")])
        let action = state.messageFinished(result)
        switch action {
        case .close(let r): return (r, .close)
        case .reply(let r): return (r, .proceed)
        default: return (result, .proceed)
        }
    }

    mutating func authenticate(mechanism: String, initial: String?, _ frames: inout NIOAsyncChannelInboundStream<SMTPInbound>.AsyncIterator,
                               _ out: NIOAsyncChannelOutboundWriter<SMTPOutbound>) async throws -> SMTPAction {
        guard var sasl = SASLServer(mechanism: mechanism) else { return state.authenticationFailed(Replies.authMechanismUnknown) }
        var step: SASLStep
        if let initial {
            switch SASLServer.decodeResponse(initial, initial: true) {
            case .success(let bytes): step = sasl.start(initialResponse: bytes)
            case .failure(let e): step = .failed(e)
            }
        } else {
            step = sasl.start(initialResponse: nil)
        }
        while case .challenge(let challenge) = step {
            try await send(out, .reply(SMTPReply(334, nil, SASLServer.encodeChallenge(challenge))))
            guard let next = try await frames.next() else { throw CancellationError() }
            guard case .frame(.line(let line, _)) = next else {
                if case .timeout = next { return .close(Replies.timeout) }
                return state.authenticationFailed(Replies.authCancelled)
            }
            switch SASLServer.decodeResponse(String(buffer: line)) {
            case .success(let bytes): step = sasl.respond(bytes)
            case .failure(let e): step = .failed(e)
            }
        }
        switch step {
        case .done(let creds):
            if !creds.authorizationID.isEmpty && creds.authorizationID.lowercased() != creds.username.lowercased() {
                return await authFailure(user: creds.username, reason: "authzid")
            }
            if let user = await authenticator.authenticate(username: creds.username, password: creds.password) {
                logger.info("authenticated", metadata: ["user": .string(user.description), "result": "ok", "mechanism": .string(mechanism)])
                client.authenticatedUser = user
                return state.authenticated(as: user)
            }
            return await authFailure(user: creds.username, reason: "credentials")
        case .failed(.cancelled):
            return state.authenticationFailed(Replies.authCancelled)
        case .failed:
            return state.authenticationFailed(Replies.syntaxError("Invalid authentication response"))
        case .challenge:
            return state.authenticationFailed(Replies.authCancelled)
        }
    }

    mutating func authFailure(user: String, reason: String) async -> SMTPAction {
        // The line an intrusion-prevention parser reads: remote=, user=, result=auth-failed.
        logger.warning("authentication failed", metadata: ["user": .string(String(user.prefix(100))), "result": "auth-failed",
                                                            "reason": .string(reason)])
        try? await Task.sleep(for: configuration.authFailureDelay)
        return state.authenticationFailed(Replies.authFailed)
    }

    func receivedHeader(queueID: String, recipients: [AcceptedRecipient<RecipientRoute>]) -> String {
        // RFC 5321 §4.4 Time-stamp-line; protocol names from RFC 3848 and RFC 6531 §3.7.3.
        let helo = client.heloName ?? "unknown"
        let ip = client.address?.description ?? "unknown"
        let name = client.verifiedName?.description ?? "unknown"
        var with = state.transaction?.parameters.smtpUTF8 == true ? "UTF8SMTP" : (state.extended ? "ESMTP" : "SMTP")
        if client.tls { with += "S" }
        if state.authenticatedUser != nil { with += "A" }
        var lines = ["Received: from \(Self.headerSafe(helo)) (\(name) [\(ip)])", "\tby \(configuration.hostname) (Postern) with \(with) id \(queueID)"]
        if configuration.hideClient && state.authenticatedUser != nil {
            // RFC 5322 §3.6.7 makes every received-token optional; the from clause goes.
            lines = ["Received: by \(configuration.hostname) (Postern) with \(with) id \(queueID)"]
        }
        if let tls = tlsDescription { lines.append("\t(\(tls))") }
        if recipients.count == 1 { lines.append("\tfor <\(recipients[0].address)>;") } else { lines[lines.count - 1] += ";" }
        lines.append("\t" + Self.rfc5322Now())
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A HELO name goes into a header: keep it to printable ASCII without parentheses.
    static func headerSafe(_ s: String) -> String {
        String(s.unicodeScalars.prefix(255).map { $0.value > 0x20 && $0.value < 0x7F && $0 != "(" && $0 != ")" ? Character($0) : "?" })
    }

    static func rfc5322Now() -> String {
        var t = time(nil)
        var tm = tm()
        gmtime_r(&t, &tm)
        var buf = [CChar](repeating: 0, count: 64)
        let n = strftime(&buf, buf.count, "%a, %d %b %Y %H:%M:%S +0000", &tm)
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Postfix-style long queue ids: time-based prefix, random tail; unique in practice and
    /// sortable by arrival.
    static func newQueueID() -> String {
        var rng = SystemRandomNumberGenerator()
        let micros = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        return String(micros, radix: 36, uppercase: true) + String(rng.next() & 0xFFFFFF, radix: 36, uppercase: true)
    }

    static func tlsDescription(_ channel: any NIOCore.Channel) async -> String? {
        guard let version = try? await channel.nioSSL_tlsVersion().get() else { return nil }
        let name: String = switch version {
        case .tlsv13: "TLSv1.3"
        case .tlsv12: "TLSv1.2"
        default: "\(version)"
        }
        return "using \(name)"
    }
}

extension SMTPAction {
    var reply: SMTPReply? {
        switch self {
        case .reply(let r), .close(let r): r
        default: nil
        }
    }
}
