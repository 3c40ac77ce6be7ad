// The SMTP server session as a value-type state machine (RFC 5321 §4.1.4 command order,
// RFC 3030 BDAT, RFC 3207 STARTTLS, RFC 4954 AUTH). It decides sequencing and syntax
// replies itself and asks its driver for everything that needs the world (DNS, the
// accounts database, the disk) through `SMTPAction`s; the driver reports the verdicts back.
// No I/O here: tests drive it with plain values.

public import MailCore

public struct SMTPSessionConfiguration: Sendable {
    public var hostname: String
    /// RFC 1870 SIZE; also enforced while the content arrives.
    public var maxMessageSize: Int
    /// Postfix smtpd_recipient_limit.
    public var maxRecipients: Int
    /// Postfix smtpd_helo_required.
    public var heloRequired: Bool
    /// Submission: MAIL needs an authenticated client (RFC 6409 §4.3).
    public var requireAuthentication: Bool
    /// SASL offered at all (submission listeners).
    public var authenticationEnabled: Bool
    /// AUTH allowed without TLS (only ever on loopback, by explicit configuration).
    public var plaintextAuthenticationAllowed: Bool
    /// A certificate is available for STARTTLS.
    public var startTLSAvailable: Bool
    /// Postfix reject_unauth_pipelining.
    public var rejectUnauthPipelining: Bool
    /// Maximum protocol errors before the client is disconnected (Postfix smtpd_hard_error_limit).
    public var maxErrors: Int

    public init(hostname: String, maxMessageSize: Int = 25 * 1024 * 1024, maxRecipients: Int = 100,
                heloRequired: Bool = true, requireAuthentication: Bool = false, authenticationEnabled: Bool = false,
                plaintextAuthenticationAllowed: Bool = false, startTLSAvailable: Bool = false,
                rejectUnauthPipelining: Bool = true, maxErrors: Int = 20) {
        self.hostname = hostname
        self.maxMessageSize = maxMessageSize
        self.maxRecipients = maxRecipients
        self.heloRequired = heloRequired
        self.requireAuthentication = requireAuthentication
        self.authenticationEnabled = authenticationEnabled
        self.plaintextAuthenticationAllowed = plaintextAuthenticationAllowed
        self.startTLSAvailable = startTLSAvailable
        self.rejectUnauthPipelining = rejectUnauthPipelining
        self.maxErrors = maxErrors
    }
}

public struct AcceptedRecipient<Info: Sendable>: Sendable {
    public var address: EmailAddress
    public var parameters: RecipientParameters
    public var info: Info
}

/// What the session knows about the current mail transaction (RFC 5321 §3.3).
public struct SMTPTransaction<Info: Sendable>: Sendable {
    public var reversePath: ReversePath
    public var parameters: MailParameters
    public var recipients: [AcceptedRecipient<Info>] = []
    /// Content received so far (BDAT chunks, or DATA pieces), in octets.
    public var receivedSize = 0
    /// A BDAT chunk of this transaction was refused: later chunks are refused too until RSET
    /// (RFC 3030 §4).
    public var chunkingFailed = false
    /// Set once a DATA or BDAT exchange has begun.
    public var contentStarted = false
}

public enum SMTPAction: Sendable, Equatable {
    case reply(SMTPReply)
    /// Reply, then close the connection.
    case close(SMTPReply)
    /// Check the HELO/EHLO name (policy), then call `heloChecked`.
    case checkHelo(name: String, extended: Bool)
    /// Check the sender (policy), then call `senderChecked`.
    case checkSender(ReversePath, MailParameters)
    /// Check the recipient (policy), then call `recipientChecked`.
    case checkRecipient(EmailAddress, RecipientParameters)
    /// Send 354 and read content (`Replies.startData`).
    case startData
    /// Send 220 and start TLS, discarding anything the client sent after STARTTLS.
    case startTLS
    /// Run a SASL exchange, then call `authenticated` or `authenticationFailed`.
    case authenticate(mechanism: String, initialResponse: String?)
    /// Read the announced chunk (the framer does so anyway) into the message.
    case receiveChunk(size: Int, last: Bool)
    /// Read and discard the announced chunk, then send this reply.
    case discardChunk(SMTPReply)
}

public struct SMTPSessionState<RecipientInfo: Sendable>: Sendable {
    public enum Phase: Sendable, Equatable {
        /// Greeting sent, no HELO/EHLO yet.
        case connected
        /// HELO/EHLO accepted; no transaction.
        case ready
        case transaction
        /// Early talker, blocklisted client: every command but QUIT is refused.
        case refusing(SMTPReply)
    }

    public var configuration: SMTPSessionConfiguration
    public private(set) var phase: Phase = .connected
    public private(set) var heloName: String?
    public private(set) var extended = false
    public private(set) var tlsActive: Bool
    public private(set) var authenticatedUser: EmailAddress?
    public private(set) var transaction: SMTPTransaction<RecipientInfo>?
    public private(set) var errors = 0
    public private(set) var pipeliningViolation = false
    var parser: SMTPCommandParser

    public init(configuration: SMTPSessionConfiguration, tlsActive: Bool = false, strictEnvelopes: Bool = true) {
        self.configuration = configuration
        self.tlsActive = tlsActive
        self.parser = SMTPCommandParser(strictEnvelopes: strictEnvelopes)
    }

    // MARK: input

    /// A command line arrived. `pipelined`: more input was already waiting behind it.
    public mutating func receive(line: some Collection<UInt8>, pipelined: Bool = false) -> SMTPAction {
        if case .refusing(let reply) = phase {
            if let cmd = try? parser.parse(line), cmd == .quit {
                return .close(Replies.closing(configuration.hostname))
            }
            return countError(reply)
        }
        let command: SMTPCommand
        do {
            command = try parser.parse(line)
        } catch {
            return countError(error.reply)
        }
        if pipelined { notePipelining(after: command) }
        return receive(command)
    }

    /// RFC 2920 §3.1: EHLO, DATA, VRFY, EXPN, TURN, QUIT and NOOP end a group; clients that did
    /// not see PIPELINING (HELO) may not pipeline at all. Postfix's reject_unauth_pipelining.
    mutating func notePipelining(after command: SMTPCommand) {
        guard configuration.rejectUnauthPipelining else { return }
        switch command {
        case .ehlo, .helo, .data, .vrfy, .expn, .noop, .quit, .startTLS:
            pipeliningViolation = true
        case .bdat:
            break   // chunk bytes always follow BDAT at once
        default:
            if !extended { pipeliningViolation = true }
        }
    }

    public mutating func receive(_ command: SMTPCommand) -> SMTPAction {
        switch command {
        case .ehlo(let name), .helo(let name):
            let isEHLO: Bool = if case .ehlo = command { true } else { false }
            return .checkHelo(name: name, extended: isEHLO)
        case .mail(let path, let params):
            return mail(path, params)
        case .rcpt(let addr, let params):
            return rcpt(addr, params)
        case .data:
            return data()
        case .bdat(let size, let last):
            return bdat(size: size, last: last)
        case .rset:
            transaction = nil
            if phase == .transaction { phase = .ready }
            parser.utf8Allowed = false
            return .reply(Replies.resetOK)
        case .noop:
            return .reply(Replies.ok)
        case .quit:
            return .close(Replies.closing(configuration.hostname))
        case .help:
            return .reply(Replies.help)
        case .vrfy, .expn:
            // Postfix disable_vrfy_command: "502 5.5.1 VRFY command is disabled".
            return .reply(SMTPReply(502, EnhancedStatus(5, 5, 1), "Command is disabled"))
        case .startTLS:
            if tlsActive { return countError(Replies.badSequence("TLS already active")) }
            guard configuration.startTLSAvailable else { return .reply(Replies.tlsNotAvailable) }
            if transaction != nil { return countError(Replies.badSequence("STARTTLS not allowed during a mail transaction")) }
            return .startTLS
        case .auth(let mechanism, let initial):
            guard configuration.authenticationEnabled else { return countError(Replies.commandNotImplemented) }
            guard extended else { return countError(Replies.badSequence("Send EHLO first")) }
            guard authenticatedUser == nil else { return countError(Replies.authAlready) }
            guard transaction == nil else { return countError(Replies.badSequence("AUTH not allowed during a mail transaction")) }
            guard tlsActive || configuration.plaintextAuthenticationAllowed else { return countError(Replies.authNotOnPlaintext) }
            return .authenticate(mechanism: mechanism, initialResponse: initial)
        }
    }

    mutating func mail(_ path: ReversePath, _ params: MailParameters) -> SMTPAction {
        if heloName == nil && configuration.heloRequired { return countError(Replies.heloRequired) }
        if transaction != nil { return countError(Replies.badSequence("Nested MAIL command")) }
        if configuration.requireAuthentication && authenticatedUser == nil {
            return countError(tlsActive || configuration.plaintextAuthenticationAllowed ? Replies.authRequired : Replies.tlsRequired)
        }
        if pipeliningViolation { return countError(Replies.unauthPipelining) }
        if !extended && (params.size != nil || params.body != nil || params.smtpUTF8 || params.dsnReturn != nil || params.envelopeID != nil) {
            // RFC 5321 §4.1.1.11: parameters need EHLO.
            return countError(SMTPReply(555, EnhancedStatus(5, 5, 4), "MAIL parameters require EHLO"))
        }
        if let size = params.size, size > configuration.maxMessageSize {
            return .reply(Replies.messageTooBig(configuration.maxMessageSize))
        }
        return .checkSender(path, params)
    }

    mutating func rcpt(_ address: EmailAddress, _ params: RecipientParameters) -> SMTPAction {
        guard let t = transaction else { return countError(Replies.badSequence("Need MAIL command")) }
        if pipeliningViolation { return countError(Replies.unauthPipelining) }
        if t.contentStarted { return countError(Replies.badSequence("RCPT not allowed after content")) }
        if t.recipients.count >= configuration.maxRecipients { return .reply(Replies.tooManyRecipients) }
        return .checkRecipient(address, params)
    }

    mutating func data() -> SMTPAction {
        guard let t = transaction else { return countError(Replies.badSequence("Need MAIL command")) }
        if pipeliningViolation { return countError(Replies.unauthPipelining) }
        guard !t.recipients.isEmpty else { return countError(Replies.noValidRecipients) }
        if t.parameters.body == .binaryMIME {
            // RFC 3030 §3: BINARYMIME content goes with BDAT only.
            return countError(Replies.badSequence("DATA not allowed with BODY=BINARYMIME, use BDAT"))
        }
        if t.contentStarted { return countError(Replies.badSequence("DATA not allowed after BDAT")) }
        transaction?.contentStarted = true
        return .startData
    }

    mutating func bdat(size: Int, last: Bool) -> SMTPAction {
        guard let t = transaction else { return .discardChunk(countErrorReply(Replies.badSequence("Need MAIL command"))) }
        if pipeliningViolation { return .discardChunk(countErrorReply(Replies.unauthPipelining)) }
        guard !t.recipients.isEmpty else { return .discardChunk(countErrorReply(Replies.noValidRecipients)) }
        if t.chunkingFailed { return .discardChunk(Replies.badSequence("Earlier BDAT failed, send RSET")) }
        if t.receivedSize + size > configuration.maxMessageSize {
            transaction?.chunkingFailed = true
            return .discardChunk(Replies.messageTooBig(configuration.maxMessageSize))
        }
        transaction?.contentStarted = true
        return .receiveChunk(size: size, last: last)
    }

    // MARK: verdicts from the driver

    /// The HELO/EHLO name passed policy (or `reply` is the refusal).
    public mutating func heloChecked(name: String, extended isEHLO: Bool, refusal: SMTPReply?) -> SMTPAction {
        if let refusal {
            return countError(refusal)
        }
        // RFC 5321 §4.1.4: EHLO/HELO resets any transaction.
        heloName = name
        extended = isEHLO
        transaction = nil
        parser.utf8Allowed = false
        phase = .ready
        guard isEHLO else { return .reply(SMTPReply(250, nil, "\(configuration.hostname)")) }
        return .reply(SMTPReply(250, nil, ehloLines(name)))
    }

    public func ehloLines(_ clientName: String) -> [String] {
        var lines = ["\(configuration.hostname) greets \(clientName)",
                     "PIPELINING",
                     "SIZE \(configuration.maxMessageSize)"]
        if configuration.startTLSAvailable && !tlsActive { lines.append("STARTTLS") }
        if configuration.authenticationEnabled && authenticatedUser == nil && (tlsActive || configuration.plaintextAuthenticationAllowed) {
            lines.append("AUTH PLAIN LOGIN")
        }
        lines += ["ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "CHUNKING", "BINARYMIME", "DSN"]
        return lines
    }

    public mutating func senderChecked(_ path: ReversePath, _ params: MailParameters, refusal: SMTPReply?) -> SMTPAction {
        if let refusal { return countError(refusal) }
        transaction = SMTPTransaction(reversePath: path, parameters: params)
        parser.utf8Allowed = params.smtpUTF8
        phase = .transaction
        return .reply(Replies.senderOK)
    }

    public mutating func recipientChecked(_ address: EmailAddress, _ params: RecipientParameters,
                                          result: Result<RecipientInfo, SMTPReply>) -> SMTPAction {
        switch result {
        case .failure(let reply):
            return reply.isPermanentFailure ? countError(reply) : .reply(reply)
        case .success(let info):
            transaction?.recipients.append(AcceptedRecipient(address: address, parameters: params, info: info))
            return .reply(Replies.recipientOK)
        }
    }

    /// Content arrived (DATA piece or BDAT chunk bytes).
    public mutating func contentReceived(_ count: Int) {
        transaction?.receivedSize += count
    }

    public var contentTooLarge: Bool {
        (transaction?.receivedSize ?? 0) > configuration.maxMessageSize
    }

    /// A non-final BDAT chunk was stored.
    public mutating func chunkAccepted(size: Int) -> SMTPAction {
        .reply(SMTPReply(250, EnhancedStatus(2, 0, 0), "\(size) octets received"))
    }

    /// A non-final chunk could not be kept (disk error): refuse the rest of the transaction.
    public mutating func chunkFailed(_ reply: SMTPReply) -> SMTPAction {
        transaction?.chunkingFailed = true
        return .reply(reply)
    }

    /// The whole message was handled (delivered or refused): the transaction ends either way
    /// (RFC 5321 §4.1.1.4; RFC 3030 §2 for BDAT LAST).
    public mutating func messageFinished(_ reply: SMTPReply) -> SMTPAction {
        transaction = nil
        parser.utf8Allowed = false
        if phase == .transaction { phase = .ready }
        return reply.isPermanentFailure ? countError(reply) : .reply(reply)
    }

    public mutating func tlsStarted() {
        // RFC 3207 §4.2: discard all knowledge obtained from the client.
        tlsActive = true
        heloName = nil
        extended = false
        transaction = nil
        authenticatedUser = nil
        parser.utf8Allowed = false
        pipeliningViolation = false
        phase = .connected
    }

    public mutating func authenticated(as user: EmailAddress) -> SMTPAction {
        authenticatedUser = user
        return .reply(Replies.authSucceeded)
    }

    public mutating func authenticationFailed(_ reply: SMTPReply) -> SMTPAction {
        countError(reply)
    }

    /// Refuse everything but QUIT from now on (early talker, blocked client).
    public mutating func refuse(with reply: SMTPReply) {
        phase = .refusing(reply)
        transaction = nil
    }

    /// A line over the limit arrived.
    public mutating func lineTooLong() -> SMTPAction {
        countError(Replies.lineTooLong)
    }

    // MARK: errors

    mutating func countErrorReply(_ reply: SMTPReply) -> SMTPReply {
        errors += 1
        return reply
    }

    /// Counts a client error; past `maxErrors` the session ends with 421 (Postfix
    /// smtpd_hard_error_limit).
    mutating func countError(_ reply: SMTPReply) -> SMTPAction {
        errors += 1
        if errors > configuration.maxErrors { return .close(Replies.tooManyErrors) }
        return .reply(reply)
    }
}
