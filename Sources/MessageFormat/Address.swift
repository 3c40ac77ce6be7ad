// RFC 5322 §3.4 address lists: mailbox / group, name-addr / addr-spec, angle-addr with the
// §4.4 obsolete route, comments, quoted strings, domain literals. Lenient like Dovecot and
// mox: a comment after a bare addr-spec is taken as the display name ("user@host (Name)"),
// ";" outside a group separates addresses (Outlook), junk after ">" is ignored, a missing
// ">" or ";" is supplied, UTF-8 anywhere is kept (RFC 6532).

public import MailCore

/// One mailbox of an address list, in the form IMAP's ENVELOPE needs.
public struct Mailbox: Sendable, Equatable {
    /// The display name (phrase): quoted strings unquoted, words joined by single spaces,
    /// RFC 2047 words left encoded (IMAP's addr-name is undecoded).
    public var displayName: [UInt8]?
    /// RFC 5322 §4.4 obs-route, `@a,@b` (IMAP's addr-adl).
    public var route: [UInt8]?
    /// The local part, unquoted. Empty for the null address `<>`.
    public var localPart: [UInt8]
    /// The domain; nil when there was no "@".
    public var domain: [UInt8]?

    public init(displayName: [UInt8]? = nil, route: [UInt8]? = nil, localPart: [UInt8], domain: [UInt8]?) {
        self.displayName = displayName
        self.route = route
        self.localPart = localPart
        self.domain = domain
    }

    /// The display name with RFC 2047 words decoded.
    public var decodedDisplayName: String? { displayName.map { EncodedWords.decode($0) } }

    /// `local@domain` as text, the local part quoted when it is not a dot-atom.
    public var address: String {
        let local = String(decoding: localPart, as: UTF8.self)
        let needsQuotes = local.isEmpty || local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..")
            || local.unicodeScalars.contains { $0.isASCII && !EmailAddress.isAtext(Character($0)) && $0 != "." }
        var q = local
        if needsQuotes && !localPart.isEmpty {
            q = "\"" + local.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        guard let domain else { return q }
        return q + "@" + String(decoding: domain, as: UTF8.self)
    }

    /// The address as MailCore's validated `EmailAddress`, when it is one.
    public var emailAddress: EmailAddress? {
        guard let domain, !localPart.isEmpty else { return nil }
        return try? EmailAddress(localPart: String(decoding: localPart, as: UTF8.self),
                                 domain: Domain(String(decoding: domain, as: UTF8.self)))
    }
}

/// An element of an address list.
public enum AddressListElement: Sendable, Equatable {
    case mailbox(Mailbox)
    /// RFC 5322 §3.4 group: `display-name ":" [group-list] ";"`.
    case group(name: [UInt8], members: [Mailbox])
}

public enum AddressParser {
    /// Parses an address-list field value (From, To, Cc, Reply-To...). Never fails; what
    /// cannot be read as an address is skipped.
    ///
    ///     address-list = (address *("," address)) / obs-addr-list   ; RFC 5322 §3.4
    ///     address      = mailbox / group
    ///     mailbox      = name-addr / addr-spec
    ///     name-addr    = [display-name] angle-addr
    ///     angle-addr   = [CFWS] "<" addr-spec ">" [CFWS] / obs-angle-addr
    ///     group        = display-name ":" [group-list] ";" [CFWS]
    ///     obs-route    = obs-domain-list ":"                        ; §4.4
    public static func parse<C: Collection<UInt8>>(_ value: C, maxLength: Int = MessageLimits().maxFieldLength)
        -> [AddressListElement] {
        let source = Array(value.prefix(maxLength))
        let tokens = tokenize(source)
        var result: [AddressListElement] = []
        var groupName: [UInt8]? = nil
        var members: [Mailbox] = []
        // Token index ranges of the current element: the phrase (or bare addr-spec) and the
        // angle-addr content.
        var phrase: [Token] = []
        var angle: [Token] = []
        var sawAngle = false
        var inAngle = false
        var lastComment: Token? = nil

        func flush() {
            if let mailbox = buildMailbox(source, phrase: phrase, angle: angle, sawAngle: sawAngle, comment: lastComment) {
                if groupName != nil { members.append(mailbox) } else { result.append(.mailbox(mailbox)) }
            }
            phrase.removeAll(keepingCapacity: true)
            angle.removeAll(keepingCapacity: true)
            sawAngle = false
            inAngle = false
            lastComment = nil
        }

        for token in tokens {
            switch token.kind {
            case .comment:
                if !inAngle { lastComment = token }
            case .special(UInt8(ascii: "<")) where !inAngle && !sawAngle:
                inAngle = true
                sawAngle = true
            case .special(UInt8(ascii: ">")) where inAngle:
                inAngle = false
            case .special(UInt8(ascii: "<")), .special(UInt8(ascii: ">")):
                break // stray angle brackets ("<<x@y>>", "a > b") carry nothing
            case .special(UInt8(ascii: ",")) where !inAngle:
                flush()
            case .special(UInt8(ascii: ":")) where !inAngle && !sawAngle && groupName == nil
                && !phrase.contains(where: { $0.kind == .special(UInt8(ascii: "@")) }):
                groupName = text(source, phrase, spaced: true)
                phrase.removeAll(keepingCapacity: true)
                lastComment = nil
            case .special(UInt8(ascii: ";")) where !inAngle:
                flush()
                if let name = groupName {
                    result.append(.group(name: name, members: members))
                    groupName = nil
                    members = []
                }
            default:
                if inAngle {
                    angle.append(token)
                } else if !sawAngle {
                    phrase.append(token)
                }
            }
        }
        flush()
        if let name = groupName { result.append(.group(name: name, members: members)) }
        return result
    }

    /// The mailboxes of a list, groups flattened.
    public static func mailboxes<C: Collection<UInt8>>(_ value: C) -> [Mailbox] {
        parse(value).flatMap { element -> [Mailbox] in
            switch element {
            case .mailbox(let m): return [m]
            case .group(_, let members): return members
            }
        }
    }

    static func buildMailbox(_ source: [UInt8], phrase: [Token], angle: [Token], sawAngle: Bool,
                             comment: Token?) -> Mailbox? {
        var name: [UInt8]? = nil
        var addr = ArraySlice(sawAngle ? angle : phrase)
        if sawAngle {
            let n = text(source, phrase, spaced: true)
            name = n.isEmpty ? nil : n
        } else {
            guard !addr.isEmpty else { return nil }
            if let comment {
                let c = Array(trimmed(ArraySlice(text(source, [comment], spaced: false))))
                name = c.isEmpty ? nil : c
            }
        }
        // obs-route: "@a,@b:" before the addr-spec.
        var route: [UInt8]? = nil
        if let colon = addr.lastIndex(where: { $0.kind == .special(UInt8(ascii: ":")) }) {
            let r = text(source, addr[..<colon], spaced: false)
            route = r.isEmpty ? nil : r
            addr = addr[(colon + 1)...]
        }
        guard let at = addr.lastIndex(where: { $0.kind == .special(UInt8(ascii: "@")) }) else {
            // No domain: a bare word (`From: foo`), or `<>`.
            return Mailbox(displayName: name, route: route, localPart: text(source, addr, spaced: true), domain: nil)
        }
        return Mailbox(displayName: name, route: route, localPart: text(source, addr[..<at], spaced: false),
                       domain: text(source, addr[(at + 1)...], spaced: false))
    }

    /// Joins token texts; `spaced` puts one space where the source had whitespace or a
    /// comment (phrases), otherwise tokens are concatenated (obs-local-part, obs-domain).
    static func text<T: Collection<Token>>(_ source: [UInt8], _ tokens: T, spaced: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for t in tokens {
            if t.kind == .comment && tokens.count > 1 { continue }
            if spaced && t.spaceBefore && !out.isEmpty { out.append(ASCII.space) }
            let content = source[t.start..<t.end]
            switch t.kind {
            case .quoted where t.escaped, .comment where t.escaped:
                // Quoted-pairs resolved, folds removed.
                var i = content.startIndex
                while i < content.endIndex {
                    let c = content[i]
                    if c == ASCII.backslash, i + 1 < content.endIndex {
                        out.append(content[i + 1])
                        i += 2
                        continue
                    }
                    if c != ASCII.cr && c != ASCII.lf { out.append(c) }
                    i += 1
                }
            case .literal:
                out.append(contentsOf: content.lazy.filter { !ASCII.isWhitespace($0) })
            default:
                out.append(contentsOf: content)
            }
        }
        return out
    }

    enum Kind: Equatable {
        case word, quoted, literal, comment
        case special(UInt8)
    }

    /// A lexical token: its content's range in the source (inside the quotes or the outer
    /// parentheses), whether whitespace or a comment came before it, and whether the
    /// content holds quoted-pairs or line breaks to resolve.
    struct Token {
        var kind: Kind
        var start: Int
        var end: Int
        var spaceBefore: Bool
        var escaped: Bool
    }

    static func isSpecial(_ b: UInt8) -> Bool {
        switch b {
        case 60, 62, 64, 44, 59, 58: return true // < > @ , ; :
        default: return false
        }
    }

    static func tokenize(_ s: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(16)
        var i = 0
        var space = false
        let n = s.count
        while i < n {
            let b = s[i]
            if ASCII.isWhitespace(b) {
                space = true
                i += 1
            } else if b == 40 { // "(" comment, nesting by counter
                var depth = 0
                let start = i + 1
                var end = n
                var escaped = false
                while i < n {
                    let c = s[i]
                    if c == ASCII.backslash {
                        escaped = true
                        i += 2
                        continue
                    }
                    if c == ASCII.cr || c == ASCII.lf { escaped = true }
                    if c == 40 {
                        depth += 1
                    } else if c == 41 {
                        depth -= 1
                        if depth == 0 { end = i; i += 1; break }
                    }
                    i += 1
                }
                if i > n { i = n }
                tokens.append(Token(kind: .comment, start: min(start, n), end: max(min(end, n), min(start, n)),
                                    spaceBefore: space, escaped: escaped))
                space = true
            } else if b == ASCII.quote {
                i += 1
                let start = i
                var end = n
                var escaped = false
                while i < n {
                    let c = s[i]
                    if c == ASCII.quote { end = i; i += 1; break }
                    if c == ASCII.backslash {
                        escaped = true
                        i += 2
                        continue
                    }
                    if c == ASCII.cr || c == ASCII.lf { escaped = true }
                    i += 1
                }
                if i > n { i = n }
                tokens.append(Token(kind: .quoted, start: start, end: max(min(end, n), start), spaceBefore: space,
                                    escaped: escaped))
                space = false
            } else if b == 91 { // "[" domain literal, kept with its brackets
                let start = i
                while i < n, s[i] != 93 { i += 1 }
                if i < n { i += 1 }
                tokens.append(Token(kind: .literal, start: start, end: i, spaceBefore: space, escaped: false))
                space = false
            } else if isSpecial(b) {
                tokens.append(Token(kind: .special(b), start: i, end: i + 1, spaceBefore: space, escaped: false))
                space = false
                i += 1
            } else if b == 41 || b == 93 || b == ASCII.backslash || b < 32 || b == 127 {
                // Stray ")" "]" "\" or control: skipped.
                i += 1
            } else {
                let start = i
                while i < n {
                    let c = s[i]
                    if ASCII.isWhitespace(c) || isSpecial(c) || c == 40 || c == 41 || c == ASCII.quote || c == 91
                        || c == 93 || c < 32 || c == 127 { break }
                    i += 1
                }
                tokens.append(Token(kind: .word, start: start, end: i, spaceBefore: space, escaped: false))
                space = false
            }
        }
        return tokens
    }
}

extension Header {
    /// The address list of the first field with this name.
    public func addresses(_ name: String) -> [AddressListElement] {
        guard let f = first(name) else { return [] }
        return AddressParser.parse(f.boundedValue(limits.maxFieldLength))
    }

    /// The mailboxes of every field with this name, groups flattened: what a submission
    /// server checks From: and Sender: against (RFC 6409 §8.1 is about these fields).
    public func mailboxes(_ name: String) -> [Mailbox] {
        all(name).flatMap { AddressParser.mailboxes($0.boundedValue(limits.maxFieldLength)) }
    }

    /// The From: mailboxes (RFC 5322 §3.6.2: one or more).
    public var fromMailboxes: [Mailbox] { mailboxes("From") }

    /// The Sender: mailbox(es); RFC 5322 §3.6.2 allows one.
    public var senderMailboxes: [Mailbox] { mailboxes("Sender") }
}
