// What an IMAP listener is configured with, the limits it applies, and the interfaces it
// reaches the rest of Postern through (credentials, the mail store, the certificate).

public import IMAPProtocol
public import MailCore
public import NIOSSL

/// Checks credentials (the accounts directory in production): the account they open, or nil.
public protocol IMAPAuthenticator: Sendable {
    func authenticate(username: String, password: String) async -> EmailAddress?
}

/// The certificate in use right now; nil when none is available (STARTTLS not offered).
public typealias IMAPTLSContextSource = @Sendable () -> NIOSSLContext?

/// Every bound the IMAP server applies beyond the command grammar's (STYLE.md habit 2).
public struct IMAPServerLimits: Sendable, Hashable {
    /// The decoder's limits once the client is authenticated; `appendLiteral` is the largest
    /// message APPEND accepts (advertised as APPENDLIMIT, RFC 7889).
    public var authenticated: IMAPLimits
    /// The decoder's limits before authentication: nobody unauthenticated may make the server
    /// hold more than a login's worth of input (Dovecot's pre-login limits are as small).
    public var unauthenticated: IMAPLimits
    /// Encoded responses are handed to the connection in blocks of about this size, so a FETCH
    /// of 100,000 messages flows with backpressure instead of one giant buffer.
    public var responseChunkOctets: Int
    /// Messages up to this size are read whole for BODY[]/RFC822/BINARY[]; larger ones are
    /// streamed from the file in blocks of `responseChunkOctets`.
    public var inMemoryMessageOctets: Int
    /// Messages whose cached ENVELOPE/BODYSTRUCTURE are read or filled per batch.
    public var fetchBatch: Int
    /// Octets of message content (body sections, BINARY...) a FETCH batch holds at once.
    public var batchContentOctets: Int
    /// Longest LIST pattern (reference included); a mailbox name has at most
    /// `StoreLimits.mailboxNameOctets`, so a longer pattern only costs time.
    public var listPatternOctets: Int
    /// Most messages a SEARCH key that must read message files (HEADER, SENTBEFORE...) reads.
    public var searchFileReads: Int
    /// Failed logins before the connection is closed.
    public var authenticationFailures: Int
    /// Threads that read and parse messages for one FETCH.
    public var contentWorkers: Int
    /// Message files a FETCH opens at the same time.
    public var openConcurrency: Int

    public init(authenticated: IMAPLimits = IMAPLimits(),
                unauthenticated: IMAPLimits = IMAPLimits(line: 8192, literal: 8192, appendLiteral: 0,
                                                          discardableLiteral: 65_536, command: 16_384,
                                                          literalsPerCommand: 4, authenticationLine: 8192),
                responseChunkOctets: Int = 64 * 1024,
                inMemoryMessageOctets: Int = 4 * 1024 * 1024,
                fetchBatch: Int = 1000,
                batchContentOctets: Int = 8 * 1024 * 1024,
                listPatternOctets: Int = 1024,
                searchFileReads: Int = 1_000_000,
                authenticationFailures: Int = 3,
                contentWorkers: Int = 2,
                openConcurrency: Int = 8) {
        self.authenticated = authenticated
        self.unauthenticated = unauthenticated
        self.responseChunkOctets = responseChunkOctets
        self.inMemoryMessageOctets = inMemoryMessageOctets
        self.fetchBatch = fetchBatch
        self.batchContentOctets = batchContentOctets
        self.listPatternOctets = listPatternOctets
        self.searchFileReads = searchFileReads
        self.authenticationFailures = authenticationFailures
        self.contentWorkers = contentWorkers
        self.openConcurrency = openConcurrency
    }
}

public struct IMAPServerConfiguration: Sendable {
    /// Our name, in the greeting.
    public var hostname: String
    /// Implicit TLS (port 993, RFC 8314 §3.2); otherwise STARTTLS is offered (port 143).
    public var implicitTLS: Bool
    /// Allow LOGIN/AUTHENTICATE without TLS for clients on loopback (explicit configuration
    /// only; RFC 9051 §11.1 otherwise requires TLS first).
    public var plaintextAuthOnLoopback: Bool
    /// Delay before answering a failed login (slows password guessing down).
    public var authFailureDelay: Duration
    /// RFC 9051 §5.4: an authenticated session may be logged out after at least 30 minutes
    /// of inactivity.
    public var idleTimeout: Duration
    /// RFC 9051 §5.4: "The duration of any timer applying to sessions before authentication
    /// SHOULD be short".
    public var loginTimeout: Duration
    /// During IDLE the mailbox is synced this often, for changes made by other programs
    /// (deliveries and other sessions of this process wake IDLE at once).
    public var idleSyncInterval: Duration
    public var limits: IMAPServerLimits

    public init(hostname: String, implicitTLS: Bool = false, plaintextAuthOnLoopback: Bool = false,
                authFailureDelay: Duration = .seconds(2), idleTimeout: Duration = .seconds(1800),
                loginTimeout: Duration = .seconds(60), idleSyncInterval: Duration = .seconds(5),
                limits: IMAPServerLimits = IMAPServerLimits()) {
        self.hostname = hostname
        self.implicitTLS = implicitTLS
        self.plaintextAuthOnLoopback = plaintextAuthOnLoopback
        self.authFailureDelay = authFailureDelay
        self.idleTimeout = idleTimeout
        self.loginTimeout = loginTimeout
        self.idleSyncInterval = idleSyncInterval
        self.limits = limits
    }
}
