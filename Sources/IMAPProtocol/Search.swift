/// A search criterion (RFC 9051 §6.4.4 and §9 `search-key`), with the IMAP4rev1 keys NEW, OLD
/// and RECENT (RFC 3501 §6.4.4) and MODSEQ (RFC 7162 §3.1.5). String arguments are UTF-8 (the
/// parser refuses other charsets with `NO [BADCHARSET]`).
public indirect enum SearchKey: Hashable, Sendable {
    case all
    case answered
    case bcc(String)
    case before(IMAPDate)
    case body(String)
    case cc(String)
    case deleted
    case draft
    case flagged
    case from(String)
    case header(String, String)
    case keyword(String)
    case larger(UInt64)
    /// RFC 3501: RECENT and UNSEEN.
    case new
    case not(SearchKey)
    /// RFC 3501: NOT RECENT.
    case old
    case on(IMAPDate)
    case or(SearchKey, SearchKey)
    /// RFC 3501 §2.3.2.
    case recent
    case seen
    case sentBefore(IMAPDate)
    case sentOn(IMAPDate)
    case sentSince(IMAPDate)
    case since(IMAPDate)
    case smaller(UInt64)
    case subject(String)
    case text(String)
    case to(String)
    case uid(SequenceSet)
    case unanswered
    case undeleted
    case undraft
    case unflagged
    case unkeyword(String)
    case unseen
    case sequenceSet(SequenceSet)
    /// A parenthesised list, and the implicit AND of the top level: all must match.
    case and([SearchKey])
    /// RFC 7162 §3.1.5 `MODSEQ [entry-name entry-type-req] mod-sequence-valzer`.
    case modSeq(ModSeqSearch)
}

/// RFC 7162 §3.1.5:
///
/// ```
/// search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer
/// search-modseq-ext  = SP entry-name SP entry-type-req
/// entry-name         = entry-flag-name
/// entry-flag-name    = DQUOTE "/flags/" attr-flag DQUOTE
/// entry-type-req     = entry-type-resp / "all"
/// entry-type-resp    = "priv" / "shared"
/// ```
public struct ModSeqSearch: Hashable, Sendable {
    public enum EntryType: String, Hashable, Sendable { case priv, shared, all }

    /// The flag of `"/flags/\\Seen"`, when given.
    public var flag: Flag?
    public var entryType: EntryType?
    public var modSeq: UInt64

    public init(flag: Flag? = nil, entryType: EntryType? = nil, modSeq: UInt64) {
        self.flag = flag
        self.entryType = entryType
        self.modSeq = modSeq
    }
}

/// RFC 4731 §3.1 / RFC 9051 §6.4.4 return options, and SAVE of RFC 5182.
public enum SearchReturnOption: Hashable, Sendable {
    case min, max, all, count, save
}

/// ```
/// search          = "SEARCH" [search-return-opts] SP search-program
/// search-program  = ["CHARSET" SP charset SP] search-key *(SP search-key)
/// search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
/// ```
public struct SearchCommand: Hashable, Sendable {
    /// Nil without CHARSET; the parser accepts only US-ASCII and UTF-8.
    public var charset: String?
    /// Nil without RETURN (a plain `* SEARCH` answer is wanted, RFC 3501); an empty set for
    /// `RETURN ()`, which RFC 4731 §3.1 says means ALL, in an ESEARCH answer.
    public var returnOptions: [SearchReturnOption]?
    /// The criteria; several top-level keys are one `.and`.
    public var key: SearchKey

    public init(charset: String? = nil, returnOptions: [SearchReturnOption]? = nil, key: SearchKey) {
        self.charset = charset
        self.returnOptions = returnOptions
        self.key = key
    }
}
