// SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 2034, RFC 3463, and the
// IANA registry's later additions such as X.7.27 of RFC 7505). Every reply Postern sends is a
// constant or a constructor here, so a test can check each pair of basic and enhanced code
// is consistent (same class digit, RFC 3463 §2).

/// RFC 3463 enhanced status code `class.subject.detail`.
public struct EnhancedStatus: Hashable, Sendable, CustomStringConvertible {
    public var klass: Int
    public var subject: Int
    public var detail: Int

    public init(_ klass: Int, _ subject: Int, _ detail: Int) {
        self.klass = klass
        self.subject = subject
        self.detail = detail
    }

    public var description: String { "\(klass).\(subject).\(detail)" }
}

public struct SMTPReply: Hashable, Sendable, CustomStringConvertible {
    public var code: Int
    public var enhanced: EnhancedStatus?
    /// Text lines without codes. Never empty.
    public var lines: [String]

    public init(_ code: Int, _ enhanced: EnhancedStatus?, _ lines: [String]) {
        self.code = code
        self.enhanced = enhanced
        self.lines = lines.isEmpty ? [""] : lines
    }

    public init(_ code: Int, _ enhanced: EnhancedStatus?, _ text: String) {
        self.init(code, enhanced, [text])
    }

    public var isPositive: Bool { code < 400 }
    public var isTransientFailure: Bool { (400..<500).contains(code) }
    public var isPermanentFailure: Bool { code >= 500 }

    /// The wire form: `250-first\r\n250 last\r\n`, with the enhanced code on every line
    /// (RFC 2034 §4). Text is sanitised to printable US-ASCII so that nothing taken from a
    /// client (a domain, an address) can break the reply framing.
    public var wire: String {
        var out = ""
        for (i, line) in lines.enumerated() {
            out += String(code)
            out += i == lines.count - 1 ? " " : "-"
            if let e = enhanced { out += e.description + (line.isEmpty ? "" : " ") }
            out += Self.sanitise(line)
            out += "\r\n"
        }
        return out
    }

    public var description: String { wire.replacingOccurrences("\r\n", " | ") }

    static func sanitise(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F { out.unicodeScalars.append(scalar) } else { out += "?" }
        }
        return out.count > 400 ? String(out.prefix(400)) : out
    }

    /// Whether basic and enhanced codes agree (RFC 3463 §2: the class digit must match).
    public var isConsistent: Bool {
        guard let e = enhanced else { return true }
        return e.klass == code / 100 && (200...599).contains(code)
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// The replies Postern sends, in one place (mox smtp/codes.go style).
public enum Replies {
    // Positive
    public static func greeting(_ host: String) -> SMTPReply { SMTPReply(220, nil, "\(host) ESMTP Postern") }
    public static func closing(_ host: String) -> SMTPReply { SMTPReply(221, EnhancedStatus(2, 0, 0), "\(host) closing connection") }
    public static let ok = SMTPReply(250, EnhancedStatus(2, 0, 0), "OK")
    public static let senderOK = SMTPReply(250, EnhancedStatus(2, 1, 0), "Sender OK")
    public static let recipientOK = SMTPReply(250, EnhancedStatus(2, 1, 5), "Recipient OK")
    public static func accepted(_ queueID: String) -> SMTPReply { SMTPReply(250, EnhancedStatus(2, 0, 0), "OK: queued as \(queueID)") }
    public static let resetOK = SMTPReply(250, EnhancedStatus(2, 0, 0), "Reset OK")
    public static let startData = SMTPReply(354, nil, "Start mail input; end with <CRLF>.<CRLF>")
    public static let readyForTLS = SMTPReply(220, EnhancedStatus(2, 0, 0), "Ready to start TLS")
    public static let authSucceeded = SMTPReply(235, EnhancedStatus(2, 7, 0), "Authentication successful")
    public static let help = SMTPReply(214, EnhancedStatus(2, 0, 0), ["Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP STARTTLS AUTH",
                                                                      "See RFC 5321"])
    /// RFC 5321 §3.5.3: VRFY disabled gets 252, not a lie and not a 502 that makes clients give up.
    public static let vrfyDisabled = SMTPReply(252, EnhancedStatus(2, 5, 2), "Cannot VRFY user, but will accept message and attempt delivery")

    // Transient failures
    public static func serviceUnavailable(_ host: String) -> SMTPReply { SMTPReply(421, EnhancedStatus(4, 3, 2), "\(host) Service not available, closing transmission channel") }
    public static func shuttingDown(_ host: String) -> SMTPReply { SMTPReply(421, EnhancedStatus(4, 3, 2), "\(host) shutting down, try again later") }
    public static let tooManyConnections = SMTPReply(421, EnhancedStatus(4, 7, 0), "Too many connections, try again later")
    public static let timeout = SMTPReply(421, EnhancedStatus(4, 4, 2), "Timeout exceeded, closing connection")
    public static let tooManyErrors = SMTPReply(421, EnhancedStatus(4, 7, 0), "Too many errors, closing connection")
    public static let localError = SMTPReply(451, EnhancedStatus(4, 3, 0), "Local error in processing, try again later")
    public static let insufficientStorage = SMTPReply(452, EnhancedStatus(4, 3, 1), "Insufficient system storage")
    public static let tooManyRecipients = SMTPReply(452, EnhancedStatus(4, 5, 3), "Too many recipients")
    public static let tlsNotAvailable = SMTPReply(454, EnhancedStatus(4, 7, 0), "TLS not available")
    public static func dnsTemporaryFailure(_ what: String) -> SMTPReply { SMTPReply(450, EnhancedStatus(4, 4, 3), "\(what): temporary DNS failure, try again later") }
    public static let authTemporaryFailure = SMTPReply(454, EnhancedStatus(4, 7, 0), "Temporary authentication failure")

    // Permanent failures: syntax and sequence
    public static let commandUnrecognized = SMTPReply(500, EnhancedStatus(5, 5, 2), "Command unrecognized")
    public static let lineTooLong = SMTPReply(500, EnhancedStatus(5, 5, 6), "Line too long")
    public static func syntaxError(_ text: String) -> SMTPReply { SMTPReply(501, EnhancedStatus(5, 5, 4), text) }
    public static let commandNotImplemented = SMTPReply(502, EnhancedStatus(5, 5, 1), "Command not implemented")
    public static func badSequence(_ text: String) -> SMTPReply { SMTPReply(503, EnhancedStatus(5, 5, 1), text) }
    public static func parameterNotImplemented(_ text: String) -> SMTPReply { SMTPReply(504, EnhancedStatus(5, 5, 4), text) }
    public static let earlyTalker = SMTPReply(554, EnhancedStatus(5, 5, 1), "Protocol error: you talked before my greeting")
    public static let unauthPipelining = SMTPReply(554, EnhancedStatus(5, 5, 1), "Protocol error: improper use of SMTP command pipelining")
    public static let bareLineFeed = SMTPReply(554, EnhancedStatus(5, 5, 2), "Protocol error: bare <LF> received")

    // Permanent failures: policy
    public static let relayDenied = SMTPReply(554, EnhancedStatus(5, 7, 1), "Relay access denied")
    public static func unknownRecipient(_ rcpt: String) -> SMTPReply { SMTPReply(550, EnhancedStatus(5, 1, 1), "<\(rcpt)>: Recipient address rejected: User unknown") }
    public static func messageTooBig(_ limit: Int) -> SMTPReply { SMTPReply(552, EnhancedStatus(5, 3, 4), "Message size exceeds fixed limit of \(limit) bytes") }
    public static func nullMX(_ domain: String, code: Int) -> SMTPReply {
        // RFC 7505 §4.2: X.7.27 "Sender address has null MX"; the text as Postfix words it.
        SMTPReply(code, EnhancedStatus(5, 7, 27), "<\(domain)>: Sender address rejected: Domain \(domain) does not accept mail (nullMX)")
    }
    public static func unknownSenderDomain(_ sender: String, code: Int) -> SMTPReply {
        SMTPReply(code, EnhancedStatus(5, 1, 8), "<\(sender)>: Sender address rejected: Domain not found")
    }
    public static func unknownHeloHostname(_ helo: String, code: Int) -> SMTPReply {
        SMTPReply(code, EnhancedStatus(5, 7, 1), "<\(helo)>: Helo command rejected: Host not found")
    }
    public static func nonFQDNHelo(_ helo: String, code: Int) -> SMTPReply {
        SMTPReply(code, EnhancedStatus(5, 5, 2), "<\(helo)>: Helo command rejected: need fully-qualified hostname")
    }
    public static func invalidHelo(_ helo: String) -> SMTPReply {
        SMTPReply(501, EnhancedStatus(5, 5, 2), "<\(helo)>: Helo command rejected: Invalid name")
    }
    public static func blocklisted(_ what: String, list: String, code: Int) -> SMTPReply {
        SMTPReply(code, EnhancedStatus(5, 7, 1), "Service unavailable; \(what) blocked using \(list)")
    }
    public static let heloRequired = SMTPReply(503, EnhancedStatus(5, 5, 1), "Error: send HELO/EHLO first")
    public static let authRequired = SMTPReply(530, EnhancedStatus(5, 7, 0), "Authentication required")
    public static let tlsRequired = SMTPReply(530, EnhancedStatus(5, 7, 0), "Must issue a STARTTLS command first")
    public static let authFailed = SMTPReply(535, EnhancedStatus(5, 7, 8), "Authentication credentials invalid")
    public static let authMechanismUnknown = SMTPReply(504, EnhancedStatus(5, 5, 4), "Unrecognized authentication type")
    public static let authCancelled = SMTPReply(501, EnhancedStatus(5, 0, 0), "Authentication cancelled")
    public static let authAlready = SMTPReply(503, EnhancedStatus(5, 5, 1), "Already authenticated")
    public static let authNotOnPlaintext = SMTPReply(538, EnhancedStatus(5, 7, 11), "Encryption required for requested authentication mechanism")
    public static func senderNotOwned(_ sender: String) -> SMTPReply {
        SMTPReply(553, EnhancedStatus(5, 7, 1), "<\(sender)>: Sender address rejected: not owned by user")
    }
    public static func fromHeaderNotOwned(_ from: String) -> SMTPReply {
        SMTPReply(553, EnhancedStatus(5, 7, 1), "From: header address <\(from)> not owned by user")
    }
    public static func badAddressSyntax(_ text: String) -> SMTPReply { SMTPReply(553, EnhancedStatus(5, 1, 3), text) }
    public static let smtputf8Required = SMTPReply(553, EnhancedStatus(5, 6, 7), "Non-ASCII address requires SMTPUTF8")
    public static let noValidRecipients = SMTPReply(554, EnhancedStatus(5, 5, 1), "Error: no valid recipients")
    public static let transactionFailed = SMTPReply(554, EnhancedStatus(5, 6, 0), "Transaction failed")
}

/// A refusal travels as an error until it is written to the client.
extension SMTPReply: Error {}
