public import NIOCore

/// A client command with its tag (RFC 9051 §9 `command = tag SP (command-any / command-auth /
/// command-nonauth / command-select) CRLF`).
public struct TaggedCommand: Hashable, Sendable {
    public let tag: String
    public let command: Command

    public init(tag: String, command: Command) {
        self.tag = tag
        self.command = command
    }
}

/// Every command this module parses. Which state allows which is the session's business.
public enum Command: Hashable, Sendable {
    // command-any (RFC 9051 §6.1)
    case capability
    case noop
    case logout
    /// RFC 2971 `id = "ID" SP id-params-list`; nil for `ID NIL`.
    case id([IDField]?)
    // command-nonauth (RFC 9051 §6.2)
    case starttls
    /// RFC 9051 §6.2.2 with the RFC 4959 initial response: nil when absent, `[]` for `=`.
    case authenticate(mechanism: String, initialResponse: [UInt8]?)
    case login(user: String, password: String)
    // command-auth (RFC 9051 §6.3)
    /// RFC 5161; capability names as sent.
    case enable([String])
    case select(MailboxName, SelectParameters)
    case examine(MailboxName, SelectParameters)
    /// RFC 6154 §3: `CREATE name (USE (\Sent))`; `specialUse` is empty without USE.
    case create(MailboxName, specialUse: [MailboxAttribute])
    case delete(MailboxName)
    case rename(from: MailboxName, to: MailboxName)
    case subscribe(MailboxName)
    case unsubscribe(MailboxName)
    case list(ListCommand)
    /// IMAP4rev1 only (RFC 3501 §6.3.9).
    case lsub(reference: MailboxName, pattern: MailboxPattern)
    /// RFC 2342.
    case namespace
    case status(MailboxName, [StatusAttribute])
    case append(AppendCommand)
    /// RFC 2177: the decoder then waits for DONE.
    case idle
    // command-select (RFC 9051 §6.4)
    /// RFC 3501 §6.4.1; removed from IMAP4rev2, answered like NOOP.
    case check
    case close
    /// RFC 3691.
    case unselect
    case expunge
    /// RFC 4315 §2.1 / RFC 9051 §6.4.9.
    case uidExpunge(SequenceSet)
    case search(SearchCommand, uid: Bool)
    case fetch(FetchCommand, uid: Bool)
    case store(StoreCommand, uid: Bool)
    case copy(SequenceSet, MailboxName, uid: Bool)
    /// RFC 6851.
    case move(SequenceSet, MailboxName, uid: Bool)

    /// The command name as a log field (never the arguments, which may hold a password).
    public var name: String {
        switch self {
        case .capability: "CAPABILITY"
        case .noop: "NOOP"
        case .logout: "LOGOUT"
        case .id: "ID"
        case .starttls: "STARTTLS"
        case .authenticate: "AUTHENTICATE"
        case .login: "LOGIN"
        case .enable: "ENABLE"
        case .select: "SELECT"
        case .examine: "EXAMINE"
        case .create: "CREATE"
        case .delete: "DELETE"
        case .rename: "RENAME"
        case .subscribe: "SUBSCRIBE"
        case .unsubscribe: "UNSUBSCRIBE"
        case .list: "LIST"
        case .lsub: "LSUB"
        case .namespace: "NAMESPACE"
        case .status: "STATUS"
        case .append: "APPEND"
        case .idle: "IDLE"
        case .check: "CHECK"
        case .close: "CLOSE"
        case .unselect: "UNSELECT"
        case .expunge: "EXPUNGE"
        case .uidExpunge: "UID EXPUNGE"
        case .search(_, let uid): uid ? "UID SEARCH" : "SEARCH"
        case .fetch(_, let uid): uid ? "UID FETCH" : "FETCH"
        case .store(_, let uid): uid ? "UID STORE" : "STORE"
        case .copy(_, _, let uid): uid ? "UID COPY" : "COPY"
        case .move(_, _, let uid): uid ? "UID MOVE" : "MOVE"
        }
    }
}

/// One `string SP nstring` pair of an ID command or response (RFC 2971 §3.3).
public struct IDField: Hashable, Sendable {
    public var key: String
    public var value: String?

    public init(_ key: String, _ value: String?) {
        self.key = key
        self.value = value
    }
}

/// SELECT/EXAMINE parameters (RFC 4466 §2.1 `select-params`).
public struct SelectParameters: Hashable, Sendable {
    /// RFC 7162 §3.1.8 `condstore-param = "CONDSTORE"`.
    public var condstore: Bool
    /// RFC 7162 §3.2.5.
    public var qresync: QResyncParameters?

    public init(condstore: Bool = false, qresync: QResyncParameters? = nil) {
        self.condstore = condstore
        self.qresync = qresync
    }
}

/// RFC 7162 §3.2.5:
///
/// ```
/// select-param   =/ "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
///                   [SP seq-match-data] ")"
/// known-uids     = sequence-set
/// seq-match-data = "(" known-sequence-set SP known-uid-set ")"
/// ```
public struct QResyncParameters: Hashable, Sendable {
    public var uidValidity: UInt32
    public var modSeq: UInt64
    public var knownUIDs: SequenceSet?
    public var knownSequenceSet: SequenceSet?
    public var knownUIDSet: SequenceSet?

    public init(uidValidity: UInt32, modSeq: UInt64, knownUIDs: SequenceSet? = nil,
                knownSequenceSet: SequenceSet? = nil, knownUIDSet: SequenceSet? = nil) {
        self.uidValidity = uidValidity
        self.modSeq = modSeq
        self.knownUIDs = knownUIDs
        self.knownSequenceSet = knownSequenceSet
        self.knownUIDSet = knownUIDSet
    }
}

/// Mailbox attributes of LIST responses and special-use (RFC 9051 §7.3.1, RFC 6154 §2,
/// RFC 5258 §3.4).
public enum MailboxAttribute: Hashable, Sendable {
    case noInferiors, noSelect, marked, unmarked
    case hasChildren, hasNoChildren, nonExistent, subscribed, remote
    // RFC 6154 special use
    case all, archive, drafts, flagged, junk, sent, trash
    /// Another attribute, without its backslash.
    case other(String)

    public init(_ name: String) {
        let bare = name.hasPrefix("\\") ? String(name.dropFirst()) : name
        switch bare.lowercased() {
        case "noinferiors": self = .noInferiors
        case "noselect": self = .noSelect
        case "marked": self = .marked
        case "unmarked": self = .unmarked
        case "haschildren": self = .hasChildren
        case "hasnochildren": self = .hasNoChildren
        case "nonexistent": self = .nonExistent
        case "subscribed": self = .subscribed
        case "remote": self = .remote
        case "all": self = .all
        case "archive": self = .archive
        case "drafts": self = .drafts
        case "flagged": self = .flagged
        case "junk": self = .junk
        case "sent": self = .sent
        case "trash": self = .trash
        default: self = .other(bare)
        }
    }

    /// The wire form, with its backslash.
    public var text: String {
        switch self {
        case .noInferiors: "\\Noinferiors"
        case .noSelect: "\\Noselect"
        case .marked: "\\Marked"
        case .unmarked: "\\Unmarked"
        case .hasChildren: "\\HasChildren"
        case .hasNoChildren: "\\HasNoChildren"
        case .nonExistent: "\\NonExistent"
        case .subscribed: "\\Subscribed"
        case .remote: "\\Remote"
        case .all: "\\All"
        case .archive: "\\Archive"
        case .drafts: "\\Drafts"
        case .flagged: "\\Flagged"
        case .junk: "\\Junk"
        case .sent: "\\Sent"
        case .trash: "\\Trash"
        case .other(let name): "\\" + name
        }
    }

    /// The special-use attributes of RFC 6154 §2.
    public var isSpecialUse: Bool {
        switch self {
        case .all, .archive, .drafts, .flagged, .junk, .sent, .trash: true
        default: false
        }
    }
}

/// LIST with the RFC 5258 extended syntax, as RFC 9051 §6.3.9 has it:
///
/// ```
/// list            = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
///                   [SP list-return-opts]
/// ```
public struct ListCommand: Hashable, Sendable {
    public var selectionOptions: Set<ListSelectionOption>
    public var reference: MailboxName
    /// One or more patterns (RFC 5258 §3: `patterns = "(" list-mailbox *(SP list-mailbox) ")"`).
    public var patterns: [MailboxPattern]
    public var returnOptions: ListReturnOptions
    /// Whether the client used any part of the extended syntax (selection options, a pattern
    /// list or return options): RFC 5258 §3 lets the server send extended data only then.
    public var isExtended: Bool

    public init(selectionOptions: Set<ListSelectionOption> = [], reference: MailboxName, patterns: [MailboxPattern],
                returnOptions: ListReturnOptions = ListReturnOptions(), isExtended: Bool = false) {
        self.selectionOptions = selectionOptions
        self.reference = reference
        self.patterns = patterns
        self.returnOptions = returnOptions
        self.isExtended = isExtended
    }
}

/// RFC 5258 §3.1 selection options, with SPECIAL-USE of RFC 6154 §5.1.
public enum ListSelectionOption: Hashable, Sendable {
    case subscribed, remote, recursiveMatch, specialUse
}

/// RFC 5258 §3.2 return options, STATUS of RFC 5819 and SPECIAL-USE of RFC 6154 §5.2.
public struct ListReturnOptions: Hashable, Sendable {
    public var subscribed: Bool
    public var children: Bool
    public var specialUse: Bool
    /// `RETURN (STATUS (...))`: nil when not asked.
    public var status: [StatusAttribute]?

    public init(subscribed: Bool = false, children: Bool = false, specialUse: Bool = false, status: [StatusAttribute]? = nil) {
        self.subscribed = subscribed
        self.children = children
        self.specialUse = specialUse
        self.status = status
    }
}

/// RFC 9051 §6.3.11 `status-att`, with RECENT (RFC 3501) and HIGHESTMODSEQ (RFC 7162 §3.1.9).
public enum StatusAttribute: Hashable, Sendable, CaseIterable {
    case messages, uidNext, uidValidity, unseen, deleted, size, recent, highestModSeq

    public var name: String {
        switch self {
        case .messages: "MESSAGES"
        case .uidNext: "UIDNEXT"
        case .uidValidity: "UIDVALIDITY"
        case .unseen: "UNSEEN"
        case .deleted: "DELETED"
        case .size: "SIZE"
        case .recent: "RECENT"
        case .highestModSeq: "HIGHESTMODSEQ"
        }
    }
}

/// RFC 9051 §6.3.12:
///
/// ```
/// append          = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal
/// ```
/// with `append-data =/ "UTF8" SP "(" literal8 ")"` of RFC 6855 §4 and `literal8` of RFC 3516 §4.2.
public struct AppendCommand: Hashable, Sendable {
    public var mailbox: MailboxName
    public var flags: [Flag]
    public var internalDate: IMAPDateTime?
    /// The message, a slice of the decoder's buffer (not copied).
    public var message: ByteBuffer
    /// How the message was sent.
    public var form: Form

    public enum Form: Hashable, Sendable {
        /// `{n}` / `{n+}` / `{n-}`
        case literal
        /// `~{n}`, BINARY (RFC 3516 §4.2): may contain NUL.
        case literal8
        /// `UTF8 (~{n})`, RFC 6855 §4: the message may have UTF-8 headers.
        case utf8
    }

    public init(mailbox: MailboxName, flags: [Flag] = [], internalDate: IMAPDateTime? = nil, message: ByteBuffer, form: Form = .literal) {
        self.mailbox = mailbox
        self.flags = flags
        self.internalDate = internalDate
        self.message = message
        self.form = form
    }
}

/// STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3):
///
/// ```
/// store           = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
/// store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
/// ```
public struct StoreCommand: Hashable, Sendable {
    public enum Operation: Hashable, Sendable { case replace, add, remove }

    public var sequenceSet: SequenceSet
    public var unchangedSince: UInt64?
    public var operation: Operation
    public var silent: Bool
    public var flags: [Flag]

    public init(sequenceSet: SequenceSet, unchangedSince: UInt64? = nil, operation: Operation, silent: Bool = false, flags: [Flag]) {
        self.sequenceSet = sequenceSet
        self.unchangedSince = unchangedSince
        self.operation = operation
        self.silent = silent
        self.flags = flags
    }
}
