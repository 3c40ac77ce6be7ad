// Mailbox names as the store sees them: the IMAP name in Unicode (UTF-8, as IMAP4rev2 sends
// it; the IMAP layer converts IMAP4rev1 modified UTF-7 on the wire), `.` as the hierarchy
// separator, and the Maildir++ directory it lives in (Dovecot's default layout).

/// A validated mailbox name. `INBOX` is case-insensitive (RFC 9051 §5.1) and always spelled
/// `INBOX`; other names are case-sensitive.
public struct MailboxName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// IMAP hierarchy separator (RFC 9051 §6.3.9 LIST response). Maildir++ uses `.`.
    public static let separator: Character = "."

    /// The name, components joined by `.`.
    public let name: String

    public static let inbox = MailboxName(unchecked: "INBOX")

    init(unchecked name: String) { self.name = name }

    /// Validates an IMAP mailbox name. Rejected: empty components (`A..B`, leading or trailing
    /// `.`), `/` (it cannot be in a directory name), control characters, the LIST wildcards
    /// `%` and `*` (RFC 9051 §5.1 advises against them), and names whose Maildir++ directory
    /// would not fit `StoreLimits`.
    public init(_ text: String, limits: StoreLimits = StoreLimits()) throws(StoreError) {
        guard !text.isEmpty else { throw .invalidName(text, reason: "empty name") }
        guard text.utf8.count <= limits.mailboxNameOctets else { throw .invalidName(text, reason: "name too long") }
        var components = text.split(separator: MailboxName.separator, omittingEmptySubsequences: false).map(String.init)
        guard components.count <= limits.mailboxDepth else { throw .invalidName(text, reason: "hierarchy too deep") }
        if components[0].uppercased() == "INBOX" { components[0] = "INBOX" }
        for component in components {
            guard !component.isEmpty else { throw .invalidName(text, reason: "empty hierarchy level") }
            for scalar in component.unicodeScalars {
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
                    throw .invalidName(text, reason: "control character")
                }
                if scalar == "/" || scalar == "%" || scalar == "*" {
                    throw .invalidName(text, reason: "character \(scalar) not allowed")
                }
            }
        }
        let joined = components.joined(separator: String(MailboxName.separator))
        self.name = joined
        guard directoryName.utf8.count <= 255 else { throw .invalidName(text, reason: "name too long") }
    }

    public var components: [String] { name.split(separator: MailboxName.separator).map(String.init) }
    public var isInbox: Bool { name == "INBOX" }
    public var parent: MailboxName? {
        guard let dot = name.lastIndex(of: MailboxName.separator) else { return nil }
        return MailboxName(unchecked: String(name[..<dot]))
    }
    /// True for strict descendants (`A.B` is below `A`).
    public func isDescendant(of other: MailboxName) -> Bool {
        name.hasPrefix(other.name + String(MailboxName.separator))
    }
    /// `self` with the prefix `old` replaced by `new` (for renaming a hierarchy).
    func replacingPrefix(_ old: MailboxName, with new: MailboxName) -> MailboxName {
        if self == old { return new }
        return MailboxName(unchecked: new.name + String(name.dropFirst(old.name.count)))
    }

    /// The Maildir++ directory relative to the account root: "" for INBOX, `.Sent`, `.A.B`
    /// with each component in modified UTF-7 (Courier/Dovecot compatible).
    var directoryName: String {
        if isInbox { return "" }
        return "." + components.map(ModifiedUTF7.encode).joined(separator: ".")
    }

    /// The mailbox a Maildir++ directory name stands for; nil for names that are not folders
    /// (no leading `.`, `.`/`..`, empty components, invalid modified UTF-7).
    static func fromDirectoryName(_ dir: String, limits: StoreLimits) -> MailboxName? {
        guard dir.hasPrefix("."), dir != ".", dir != ".." else { return nil }
        let parts = dir.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        var decoded: [String] = []
        for part in parts {
            guard !part.isEmpty, let d = ModifiedUTF7.decode(String(part)) else { return nil }
            decoded.append(d)
        }
        guard let name = try? MailboxName(decoded.joined(separator: "."), limits: limits) else { return nil }
        // Only names that map back to the same directory (no ambiguity).
        return name.directoryName == dir ? name : nil
    }

    public var description: String { name }
    public static func < (a: MailboxName, b: MailboxName) -> Bool { a.name < b.name }
}

/// RFC 6154 special-use attributes.
public enum SpecialUse: String, Sendable, Hashable, CaseIterable, Codable {
    case all = "\\All"
    case archive = "\\Archive"
    case drafts = "\\Drafts"
    case flagged = "\\Flagged"
    case junk = "\\Junk"
    case sent = "\\Sent"
    case trash = "\\Trash"

    /// The folders every account gets, with their attribute (RFC 6154 §2).
    public static let standardFolders: [(MailboxName, SpecialUse)] = [
        (MailboxName(unchecked: "Drafts"), .drafts),
        (MailboxName(unchecked: "Sent"), .sent),
        (MailboxName(unchecked: "Trash"), .trash),
        (MailboxName(unchecked: "Junk"), .junk),
        (MailboxName(unchecked: "Archive"), .archive),
    ]
}
