/// A message flag (RFC 9051 §2.3.2).
///
/// ```
/// flag            = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" /
///                   flag-keyword / flag-extension
/// flag-extension  = "\" atom
/// flag-keyword    = "$MDNSent" / "$Forwarded" / "$Junk" / "$NotJunk" / "$Phishing" / atom
/// flag-fetch      = flag / "\Recent"        ; \Recent: IMAP4rev1 only
/// flag-perm       = flag / "\*"
/// ```
public enum Flag: Hashable, Sendable {
    case answered
    case flagged
    case deleted
    case seen
    case draft
    /// RFC 3501 §2.3.2; gone from IMAP4rev2 but still fetched by IMAP4rev1 clients.
    case recent
    /// A keyword (`$Forwarded`, `NonJunk`...), kept as the client spelled it.
    case keyword(String)
    /// A system flag this module does not know, without its backslash.
    case `extension`(String)
    /// `\*` in PERMANENTFLAGS: the client may create new keywords (RFC 9051 §7.1).
    case wildcard

    /// Builds a flag from its wire form (`\Seen`, `$Junk`); system flags match case-insensitively
    /// (RFC 9051 §2.3.2).
    public init(_ text: String) {
        if text.first == "\\" {
            let name = text.dropFirst()
            switch name.lowercased() {
            case "answered": self = .answered
            case "flagged": self = .flagged
            case "deleted": self = .deleted
            case "seen": self = .seen
            case "draft": self = .draft
            case "recent": self = .recent
            case "*": self = .wildcard
            default: self = .extension(String(name))
            }
        } else {
            self = .keyword(text)
        }
    }

    /// The wire form.
    public var text: String {
        switch self {
        case .answered: "\\Answered"
        case .flagged: "\\Flagged"
        case .deleted: "\\Deleted"
        case .seen: "\\Seen"
        case .draft: "\\Draft"
        case .recent: "\\Recent"
        case .keyword(let k): k
        case .extension(let e): "\\" + e
        case .wildcard: "\\*"
        }
    }
}
