// Named limits of the mail store. Every list or string the store reads from disk or accepts
// from a client is bounded by one of these.

/// Bounds applied by the store. The defaults suit a personal or small-team server.
public struct StoreLimits: Sendable, Hashable {
    /// Longest mailbox name accepted, in UTF-8 octets of the IMAP form. RFC 9051 sets no limit;
    /// the on-disk form (modified UTF-7, `.` separators) must also fit a 255-octet file name.
    public var mailboxNameOctets = 200
    /// Deepest hierarchy accepted (`A.B.C` has depth 3).
    public var mailboxDepth = 16
    /// Keywords per mailbox. The first 26 get Dovecot letters `a`-`z` in file names; the rest
    /// live only in the index (as in Dovecot). IMAP clients use a dozen at most in practice.
    public var keywordsPerMailbox = 64
    /// Longest keyword accepted (RFC 9051 `flag-keyword` is an atom; Dovecot allows 255).
    public var keywordOctets = 100
    /// Largest message `deliver`/`append` accept (the SMTP and IMAP layers enforce their own,
    /// usually smaller, limits before this).
    public var messageOctets = 256 * 1024 * 1024
    /// Longest line read from `dovecot-uidlist` and `dovecot-keywords`.
    public var dovecotFileLineOctets = 8 * 1024
    /// Largest `dovecot-uidlist` imported (a 1,000,000-message list is about 60 MB).
    public var dovecotUIDListOctets = 256 * 1024 * 1024
    /// Messages analysed (read, parsed for search) in one batch of the background indexer.
    public var textIndexBatch = 500
    /// Threads reading and analysing messages for the search index at once.
    public var analysisThreads = 2
    /// Text per message given to the full-text index; longer text is cut (bodies of huge
    /// attachments are not worth indexing).
    public var textIndexOctetsPerMessage = 512 * 1024
    /// A directory whose mtime is this close to the moment we scanned it may have changed again
    /// within the same timestamp tick; it is rescanned on the next sync (Dovecot: 1 s).
    public var directoryClockSlackNanoseconds: Int64 = 1_000_000_000
    /// A sync reads cur/ in full at least this often even when its stamps did not change
    /// (a safety net for changes hidden behind our own renames; 100,000 files take ~0.1 s).
    public var curRereadIntervalNanoseconds: Int64 = 600 * 1_000_000_000
    /// STORE renames the files of changed messages this long after it answered (a sync, or
    /// `flush`, renames at once): back-to-back STOREs then rename each file once.
    public var flagRenameDelayNanoseconds: Int64 = 300_000_000

    public init() {}
}
