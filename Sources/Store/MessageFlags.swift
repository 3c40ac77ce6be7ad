// System flags (RFC 9051 §2.3.2) and their Maildir letters (cr.yp.to/proto/maildir.html,
// "info starting with 2,"): D draft, F flagged, P passed, R replied, S seen, T trashed.

/// The system flags of a message. `passed` is Maildir's `P` (resent/forwarded, set by mutt);
/// it has no IMAP system flag and is kept so that a round trip through Postern loses nothing.
public struct MessageFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let seen = MessageFlags(rawValue: 1 << 0)
    public static let answered = MessageFlags(rawValue: 1 << 1)
    public static let flagged = MessageFlags(rawValue: 1 << 2)
    public static let deleted = MessageFlags(rawValue: 1 << 3)
    public static let draft = MessageFlags(rawValue: 1 << 4)
    public static let passed = MessageFlags(rawValue: 1 << 5)

    /// Maildir info letters in ASCII order, as the spec requires them to be written.
    static let letters: [(Character, MessageFlags)] = [
        ("D", .draft), ("F", .flagged), ("P", .passed), ("R", .answered), ("S", .seen), ("T", .deleted),
    ]

    /// The IMAP spelling, for the flags IMAP has (`\Seen`...), in a stable order.
    public var imapNames: [String] {
        var names: [String] = []
        if contains(.answered) { names.append("\\Answered") }
        if contains(.flagged) { names.append("\\Flagged") }
        if contains(.deleted) { names.append("\\Deleted") }
        if contains(.seen) { names.append("\\Seen") }
        if contains(.draft) { names.append("\\Draft") }
        return names
    }

    /// Parses an IMAP system flag name (case-insensitive, RFC 9051 §2.3.2); nil for keywords.
    public init?(imapName: String) {
        switch imapName.lowercased() {
        case "\\seen": self = .seen
        case "\\answered": self = .answered
        case "\\flagged": self = .flagged
        case "\\deleted": self = .deleted
        case "\\draft": self = .draft
        default: return nil
        }
    }
}

/// Keywords of one message as a bit set over its mailbox's keyword table (bit i is
/// `MailboxSnapshot.keywords[i]`; Dovecot letter `a`+i for i < 26).
public struct KeywordSet: Hashable, Sendable {
    public var bits: UInt64
    public init(bits: UInt64 = 0) { self.bits = bits }
    public static let empty = KeywordSet()
    public func contains(_ index: Int) -> Bool { index >= 0 && index < 64 && bits & (1 << UInt64(index)) != 0 }
    public mutating func insert(_ index: Int) { bits |= 1 << UInt64(index) }
    public mutating func remove(_ index: Int) { bits &= ~(1 << UInt64(index)) }
    public var isEmpty: Bool { bits == 0 }
    public var indices: [Int] { (0..<64).filter { contains($0) } }
}

/// How STORE changes flags (RFC 9051 §6.4.6: FLAGS, +FLAGS, -FLAGS).
public enum FlagOperation: Sendable, Hashable {
    case replace
    case add
    case remove
}
