// What a mailbox looks like at one moment, shared by every session that selected it.

/// One message as IMAP needs it for FLAGS, MODSEQ, INTERNALDATE, RFC822.SIZE, UID, and the
/// in-memory SEARCH keys (dates, sizes, flags).
public struct MessageInfo: Sendable, Hashable {
    public var uid: UInt32
    public var flags: MessageFlags
    /// Bits over `MailboxSnapshot.keywords`.
    public var keywords: KeywordSet
    /// RFC 7162 mod-sequence of the last change of this message's flags (or of its arrival).
    public var modseq: UInt64
    /// INTERNALDATE, seconds since 1970-01-01 UTC (the file's mtime, as Dovecot keeps it).
    public var internalDate: Int64
    /// RFC822.SIZE: octets with CRLF line endings (Dovecot's `W=`).
    public var size: Int

    public init(uid: UInt32, flags: MessageFlags, keywords: KeywordSet, modseq: UInt64, internalDate: Int64, size: Int) {
        self.uid = uid
        self.flags = flags
        self.keywords = keywords
        self.modseq = modseq
        self.internalDate = internalDate
        self.size = size
    }
}

/// The shared state of a mailbox: answers `UID FETCH 1:* (FLAGS)` without SQLite.
public struct MailboxSnapshot: Sendable {
    public var name: MailboxName
    public var uidValidity: UInt32
    public var uidNext: UInt32
    public var highestModseq: UInt64
    /// Sorted by UID.
    public var messages: [MessageInfo]
    /// Keyword table: bit i of `KeywordSet` is `keywords[i]`; "" marks an unused slot.
    public var keywords: [String]

    /// Index into `messages` of `uid` (binary search).
    public func index(ofUID uid: UInt32) -> Int? {
        var low = 0
        var high = messages.count
        while low < high {
            let mid = (low + high) / 2
            if messages[mid].uid < uid { low = mid + 1 } else { high = mid }
        }
        return low < messages.count && messages[low].uid == uid ? low : nil
    }

    public func message(uid: UInt32) -> MessageInfo? { index(ofUID: uid).map { messages[$0] } }

    /// Keyword names of a set, in table order.
    public func keywordNames(_ set: KeywordSet) -> [String] {
        guard !set.isEmpty else { return [] }
        return set.indices.compactMap { $0 < keywords.count && !keywords[$0].isEmpty ? keywords[$0] : nil }
    }

    /// Every keyword defined in the mailbox (for the FLAGS and PERMANENTFLAGS responses).
    public var definedKeywords: [String] { keywords.filter { !$0.isEmpty } }
}

/// STATUS items (RFC 9051 §6.3.11, RFC 7162 §3.1.2 HIGHESTMODSEQ, RFC 8438 SIZE).
public struct MailboxStatus: Sendable, Hashable {
    public var messages: Int
    public var uidNext: UInt32
    public var uidValidity: UInt32
    public var unseen: Int
    public var deleted: Int
    public var size: Int
    public var highestModseq: UInt64
}

/// A mailbox in a LIST response (RFC 9051 §7.3.1, RFC 6154 special use).
public struct MailboxListing: Sendable, Hashable {
    public var name: MailboxName
    /// False for names that exist only because they have children (`\Noselect`).
    public var selectable: Bool
    public var hasChildren: Bool
    public var specialUse: SpecialUse?
    public var subscribed: Bool
}
