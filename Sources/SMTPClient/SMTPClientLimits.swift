// SMTPClient: Postern's outbound SMTP client (RFC 5321) on SwiftNIO, with the extensions a
// sending MTA needs: EHLO capabilities (RFC 5321 §4.1.1.1), STARTTLS (RFC 3207), AUTH PLAIN
// and LOGIN (RFC 4954, RFC 4616), PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME
// (RFC 6152), SMTPUTF8 (RFC 6531), DSN parameters (RFC 3461) and enhanced status codes
// (RFC 2034, RFC 3463).
//
// Trust boundary: everything a remote server sends is untrusted. Replies are framed and
// parsed by SMTPReplyParser within `SMTPClientLimits` before anything is allocated for
// them; plaintext that arrives around a STARTTLS is refused (the CVE-2011-0411 class of
// command/response injection). What leaves us is dot-stuffed with every line ending
// normalised to CRLF (SMTPDataEncoder), so no content can end the DATA phase early or
// smuggle a second message (SMTP smuggling, 2023).

/// Bounds on what a remote server may send us.
public struct SMTPClientLimits: Sendable, Hashable {
    /// RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including the code and CRLF;
    /// real servers send longer ones (long EHLO keywords, verbose rejections), so we accept
    /// this many before the connection is abandoned.
    public var replyLineOctets = 4096
    /// Lines of one multi-line reply (EHLO lists a dozen; a rejection a few).
    public var replyLines = 200
    /// RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF. Longer content
    /// lines are broken (with CRLF SP) before sending, as Postfix's smtp_line_length_limit.
    public var contentLineOctets = 998
    /// Size of the pieces in which DATA content is written.
    public var dataChunkOctets = 64 * 1024

    public init() {}
}

/// Timeouts of one session. RFC 5321 §4.5.3.2 gives the minimum a client should wait for
/// each reply; the defaults follow it except for the connection itself.
public struct SMTPClientTimeouts: Sendable, Hashable {
    /// TCP connect (Postfix smtp_connect_timeout).
    public var connect: Duration = .seconds(30)
    /// RFC 5321 §4.5.3.2.1: 5 minutes for the 220 greeting.
    public var greeting: Duration = .seconds(300)
    /// RFC 5321 §4.5.3.2.2-3: 5 minutes for MAIL, RCPT and other commands.
    public var command: Duration = .seconds(300)
    /// RFC 5321 §4.5.3.2.4: 2 minutes for the 354 to DATA.
    public var dataInitiation: Duration = .seconds(120)
    /// RFC 5321 §4.5.3.2.5: 3 minutes for each block of content to be written.
    public var dataBlock: Duration = .seconds(180)
    /// RFC 5321 §4.5.3.2.6: 10 minutes for the reply to the final dot.
    public var dataTermination: Duration = .seconds(600)
    /// TLS handshake after STARTTLS or on connect.
    public var tlsHandshake: Duration = .seconds(60)

    public init() {}
}
