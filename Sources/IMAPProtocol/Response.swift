public import NIOCore

/// Everything the server writes (RFC 9051 §7).
public enum Response: Hashable, Sendable {
    /// `tag OK/NO/BAD [code] text`: the end of a command.
    case tagged(TaggedResponse)
    /// `* ...`
    case untagged(UntaggedResponse)
    /// `+ text` or `+ base64` (RFC 9051 §7.5).
    case continuation(ContinuationRequest)
    /// `* BYE [code] text`: the server is closing the connection (RFC 9051 §7.1.5).
    case fatal(ResponseText)
    /// Untagged data already encoded (by `ResponseEncoder`, e.g. 100,000 FETCH lines), written
    /// as is.
    case encoded(ByteBuffer)
}

public enum TaggedStatus: Hashable, Sendable {
    case ok, no, bad
}

/// The status of an untagged condition response (RFC 9051 §7.1).
public enum UntaggedCondition: Hashable, Sendable {
    case ok, no, bad, preauth, bye
}

public struct TaggedResponse: Hashable, Sendable {
    public var tag: String
    public var status: TaggedStatus
    public var text: ResponseText

    public init(tag: String, status: TaggedStatus, text: ResponseText) {
        self.tag = tag
        self.status = status
        self.text = text
    }

    public static func ok(_ tag: String, _ text: String, code: ResponseCode? = nil) -> Response {
        .tagged(TaggedResponse(tag: tag, status: .ok, text: ResponseText(code: code, text)))
    }

    public static func no(_ tag: String, _ text: String, code: ResponseCode? = nil) -> Response {
        .tagged(TaggedResponse(tag: tag, status: .no, text: ResponseText(code: code, text)))
    }

    public static func bad(_ tag: String, _ text: String, code: ResponseCode? = nil) -> Response {
        .tagged(TaggedResponse(tag: tag, status: .bad, text: ResponseText(code: code, text)))
    }
}

/// `resp-text = ["[" resp-text-code "]" SP] [text]`. The text is sanitised on output (CR, LF
/// and NUL become spaces; RFC 9051 §9 `TEXT-CHAR`).
public struct ResponseText: Hashable, Sendable {
    public var code: ResponseCode?
    public var text: String

    public init(code: ResponseCode? = nil, _ text: String) {
        self.code = code
        self.text = text
    }
}

public enum ContinuationRequest: Hashable, Sendable {
    /// `+ text`
    case text(String)
    /// `+ base64`: a SASL challenge, encoded by the encoder.
    case challenge([UInt8])
}

/// Response codes (RFC 9051 §7.1, RFC 5530, RFC 4315, RFC 7162, RFC 4469, RFC 3501).
public enum ResponseCode: Hashable, Sendable {
    case alert
    case alreadyExists
    /// RFC 4315 §3 / RFC 9051: `APPENDUID uidvalidity uid-set`.
    case appendUID(uidValidity: UInt32, uids: SequenceSet)
    case authenticationFailed
    case authorizationFailed
    case badCharset([String])
    case cannot
    case capability([String])
    case clientBug
    /// RFC 7162 §3.2.11.
    case closed
    case contactAdmin
    /// RFC 4315 §3: `COPYUID uidvalidity source-uids destination-uids`.
    case copyUID(uidValidity: UInt32, source: SequenceSet, destination: SequenceSet)
    case corruption
    case expired
    case expungeIssued
    case hasChildren
    /// RFC 7162 §3.1.2.1.
    case highestModSeq(UInt64)
    case inUse
    case limit
    /// RFC 7162 §3.1.3: the UIDs (or numbers) STORE UNCHANGEDSINCE did not change.
    case modified(SequenceSet)
    /// RFC 7162 §3.1.2.2.
    case noModSeq
    case nonExistent
    case noPerm
    case overQuota
    case parse
    case permanentFlags([Flag])
    case privacyRequired
    case readOnly
    case readWrite
    case serverBug
    /// RFC 4469 §4 / RFC 7889 / RFC 7888 §5.
    case tooBig
    case tryCreate
    case uidNext(UInt32)
    case uidNotSticky
    case uidValidity(UInt32)
    case unavailable
    case unknownCTE
    /// RFC 3501 §7.1: first unseen message (IMAP4rev1 only).
    case unseen(UInt32)
    /// Any other code: an atom and optional text (`atom [SP 1*<any TEXT-CHAR except "]">]`),
    /// sanitised on output.
    case other(String, String?)
}

/// Untagged data (RFC 9051 §7.2-§7.5).
public enum UntaggedResponse: Hashable, Sendable {
    /// `* OK/NO/BAD/PREAUTH/BYE [code] text`
    case condition(UntaggedCondition, ResponseText)
    /// `* CAPABILITY IMAP4rev2 ...`
    case capability([String])
    /// RFC 5161 §3.2 `* ENABLED ...`
    case enabled([String])
    case flags([Flag])
    case exists(UInt32)
    /// IMAP4rev1 only.
    case recent(UInt32)
    case expunge(UInt32)
    /// RFC 7162 §3.2.10 `* VANISHED [(EARLIER)] known-uids`
    case vanished(earlier: Bool, SequenceSet)
    case list(ListResponse)
    /// IMAP4rev1 only.
    case lsub(ListResponse)
    case status(mailbox: String, [StatusValue])
    /// `* SEARCH 2 3 6` (IMAP4rev1), with `(MODSEQ n)` of RFC 7162 §3.1.5 when given.
    case search([UInt32], modSeq: UInt64?)
    case esearch(ESearchResponse)
    case fetch(sequence: UInt32, [FetchResponseItem])
    /// RFC 2971 `* ID (...)` or `* ID NIL`.
    case id([IDField]?)
    /// RFC 2342 / RFC 9051 §7.3.5.
    case namespace(NamespaceResponse)
}

/// `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
/// [SP mbox-list-extended]` (RFC 9051 §9).
public struct ListResponse: Hashable, Sendable {
    public var attributes: [MailboxAttribute]
    /// The hierarchy delimiter, nil for a flat namespace (`NIL`). ASCII.
    public var delimiter: Character?
    /// The Unicode name; encoded in modified UTF-7 or UTF-8 as negotiated.
    public var mailbox: String
    /// RFC 5258 §3.5 `("CHILDINFO" ("SUBSCRIBED"))`: with RECURSIVEMATCH, a child matches.
    public var childInfoSubscribed: Bool
    /// RFC 5465/9051 `("OLDNAME" (name))`: the name before a RENAME, for LIST after a rename.
    public var oldName: String?

    public init(attributes: [MailboxAttribute], delimiter: Character?, mailbox: String,
                childInfoSubscribed: Bool = false, oldName: String? = nil) {
        self.attributes = attributes
        self.delimiter = delimiter
        self.mailbox = mailbox
        self.childInfoSubscribed = childInfoSubscribed
        self.oldName = oldName
    }
}

public struct StatusValue: Hashable, Sendable {
    public var attribute: StatusAttribute
    public var value: UInt64

    public init(_ attribute: StatusAttribute, _ value: UInt64) {
        self.attribute = attribute
        self.value = value
    }
}

/// RFC 4731 §3.1 / RFC 9051 §7.3.4:
/// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)`
public struct ESearchResponse: Hashable, Sendable {
    /// The tag of the SEARCH (`(TAG "A1")`).
    public var tag: String?
    public var uid: Bool
    public var min: UInt32?
    public var max: UInt32?
    public var all: SequenceSet?
    public var count: UInt32?
    /// RFC 7162 §3.1.5.
    public var modSeq: UInt64?

    public init(tag: String?, uid: Bool, min: UInt32? = nil, max: UInt32? = nil, all: SequenceSet? = nil,
                count: UInt32? = nil, modSeq: UInt64? = nil) {
        self.tag = tag
        self.uid = uid
        self.min = min
        self.max = max
        self.all = all
        self.count = count
        self.modSeq = modSeq
    }
}

/// `Namespace-Response = "NAMESPACE" SP Namespace SP Namespace SP Namespace` (RFC 2342 §5).
public struct NamespaceResponse: Hashable, Sendable {
    public struct Description: Hashable, Sendable {
        public var prefix: String
        public var delimiter: Character?

        public init(prefix: String, delimiter: Character?) {
            self.prefix = prefix
            self.delimiter = delimiter
        }
    }

    public var personal: [Description]
    public var otherUsers: [Description]
    public var shared: [Description]

    public init(personal: [Description], otherUsers: [Description] = [], shared: [Description] = []) {
        self.personal = personal
        self.otherUsers = otherUsers
        self.shared = shared
    }
}

/// One item of a FETCH response (RFC 9051 §7.5.2 `msg-att`).
public enum FetchResponseItem: Hashable, Sendable {
    case flags([Flag])
    case uid(UInt32)
    /// RFC 7162 §3.1.4.1 `MODSEQ (n)`.
    case modSeq(UInt64)
    case internalDate(IMAPDateTime)
    case rfc822Size(UInt64)
    case envelope(IMAPEnvelope)
    /// `BODY (...)`: the structure without extension data.
    case body(IMAPBodyStructure)
    case bodyStructure(IMAPBodyStructure)
    /// `BODY[section]<origin> data`; `data` nil is NIL. Written as a literal.
    case bodySection(Section, origin: UInt64?, data: ByteBuffer?)
    /// `BINARY[part]<origin> data` (RFC 3516 §4.3): a `~{n}` literal8 when the data contains
    /// NUL, a literal otherwise.
    case binary(part: [UInt32], origin: UInt64?, data: ByteBuffer?)
    case binarySize(part: [UInt32], UInt64)
    /// RFC 3501 `RFC822`, `RFC822.HEADER`, `RFC822.TEXT`.
    case rfc822(ByteBuffer?)
    case rfc822Header(ByteBuffer?)
    case rfc822Text(ByteBuffer?)
    /// A whole item already rendered (say `ENVELOPE (...)` from a cache, made with
    /// `ResponseEncoder.render(_:)`), written as is.
    case rendered(ByteBuffer)
}
