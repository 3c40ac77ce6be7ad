/// Every bound the command decoder and the grammar parser apply to untrusted input, in one
/// place (STYLE.md habit 2). Defaults follow Dovecot where it has a setting for the same thing.
public struct IMAPLimits: Hashable, Sendable {
    /// Longest command line in octets, CRLF excluded. RFC 9051 §4 sets no limit; RFC 7162 §4
    /// asks servers to accept at least 8192 octets. Dovecot's `imap_max_line_length` is 64 KiB.
    public var line: Int
    /// Largest literal anywhere except the message of APPEND (mailbox names, search strings,
    /// passwords): these are held in memory while the command is assembled.
    public var literal: Int
    /// Largest APPEND message literal: the server's maximum message size (APPENDLIMIT, RFC 7889).
    public var appendLiteral: Int
    /// Largest non-synchronizing literal (`{n+}`, `{n-}`) accepted. `Int.max` when the server
    /// advertises LITERAL+; 4096 when it advertises LITERAL- (RFC 7888 §5: a larger one is
    /// refused with `BAD [TOOBIG]`). The other limits apply too.
    public var nonSynchronizingLiteral: Int
    /// Largest refused non-synchronizing literal that is read and thrown away to stay in step
    /// with the client (RFC 7888 §4, §5). A larger one cannot be skipped at a reasonable cost:
    /// the decoder reports a fatal error and the session answers `* BYE` and closes.
    public var discardableLiteral: Int
    /// Most octets of one command, lines and literals together, APPEND's message excepted.
    public var command: Int
    /// Most literals in one command.
    public var literalsPerCommand: Int
    /// Deepest nesting of parenthesised lists and search keys (`NOT NOT ...` counts too).
    public var nesting: Int
    /// Most comma-separated elements of one sequence set.
    public var sequenceSetRanges: Int
    /// Longest line of an AUTHENTICATE exchange (base64 of the client's SASL response).
    public var authenticationLine: Int

    public init(
        line: Int = 65_536,
        literal: Int = 65_536,
        appendLiteral: Int = 50 * 1024 * 1024,
        nonSynchronizingLiteral: Int = .max,
        discardableLiteral: Int = 64 * 1024 * 1024,
        command: Int = 1024 * 1024,
        literalsPerCommand: Int = 256,
        nesting: Int = 32,
        sequenceSetRanges: Int = 16_384,
        authenticationLine: Int = 65_536
    ) {
        self.line = line
        self.literal = literal
        self.appendLiteral = appendLiteral
        self.nonSynchronizingLiteral = nonSynchronizingLiteral
        self.discardableLiteral = discardableLiteral
        self.command = command
        self.literalsPerCommand = literalsPerCommand
        self.nesting = nesting
        self.sequenceSetRanges = sequenceSetRanges
        self.authenticationLine = authenticationLine
    }
}
