// MessageFormat: Internet messages (RFC 5322), MIME (RFC 2045-2049, RFC 2231, RFC 2047) and
// UTF-8 headers (RFC 6532), read the way IMAP (RFC 9051) and SMTP servers need them.
//
// Trust boundary: every function here takes bytes that came from the network or from a
// mailbox file somebody else wrote. Nothing throws on a malformed message: parsing degrades
// the way Dovecot and mox do (a broken part becomes an opaque leaf, a broken field is
// skipped), and every construct whose size depends on the input is bounded by a field of
// `MessageLimits`. The parser never recurses on input structure: nesting is an explicit stack.

/// The bounds the parser holds to. Beyond a limit it stops descending and treats the rest
/// as opaque content; it never fails the whole message.
public struct MessageLimits: Sendable, Equatable {
    /// Header fields recorded per header block. Further fields still belong to the header
    /// (its byte range runs to the blank line) but cannot be looked up. Real mail carries a
    /// few dozen fields; list traffic and long relay chains stay well under a few hundred.
    public var maxHeaderFields: Int = 1000

    /// Fields that start more than this many bytes into a header block are not recorded
    /// (the header range still runs to its blank line, found by a linear scan).
    public var maxHeaderBytes: Int = 1 << 20

    /// The longest field value the structured parsers (addresses, parameters, dates,
    /// encoded words) look at; longer values are cut there. The raw bytes and ranges stay
    /// whole, so HEADER.FIELDS and DKIM still see everything. RFC 5322 §2.1.1 allows 998
    /// octets per line; this is Postfix's `header_size_limit` (102400).
    public var maxFieldLength: Int = 102_400

    /// Multipart and message/rfc822 nesting: a container part at this depth (the message
    /// itself is depth 0) is not descended. Dovecot's
    /// `MESSAGE_PARSER_DEFAULT_MAX_NESTED_MIME_PARTS` is 100.
    public var maxNestingDepth: Int = 100

    /// MIME parts per message, the message itself included. The part that reaches the
    /// limit runs to the end of the message. Dovecot's
    /// `MESSAGE_PARSER_DEFAULT_MAX_TOTAL_MIME_PARTS` is 10000.
    public var maxParts: Int = 10_000

    /// RFC 2046 §5.1.1 caps a boundary at 70 characters; Dovecot tolerates 80. A longer
    /// `boundary` parameter makes the multipart an opaque text/plain part.
    public var maxBoundaryLength: Int = 200

    /// Parameters per Content-Type or Content-Disposition field, and RFC 2231 §3
    /// continuation sections per parameter.
    public var maxParameters: Int = 100

    public init() {}

    /// Nesting is released recursively when a part tree is freed, so a caller-chosen depth
    /// is clamped to this to keep that recursion shallow.
    static let hardMaxNestingDepth = 1000

    var effectiveNestingDepth: Int { min(max(maxNestingDepth, 0), MessageLimits.hardMaxNestingDepth) }
}
