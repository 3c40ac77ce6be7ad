// Mailbox addresses as the SMTP envelope and the accounts database use them:
// RFC 5321 §4.1.2 `Mailbox`, with the RFC 6531 §3.3 UTF-8 extension when allowed.

/// `local-part@domain`. The local part is kept as its semantic content (quotes and
/// quoted-pair backslashes removed); `description` re-quotes it when needed.
public struct EmailAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let localPart: String
    public let domain: Domain

    /// RFC 5321 §4.5.3.1.1: 64 octets of local part.
    public static let maxLocalPartLength = 64
    /// RFC 5321 §4.5.3.1.3: 256 octets of path, including the angle brackets.
    public static let maxPathLength = 256

    public init(localPart: String, domain: Domain) {
        self.localPart = localPart
        self.domain = domain
    }

    /// Parses `local@domain`. UTF-8 in the local part and U-labels in the domain only when
    /// `allowUTF8` (SMTPUTF8 sessions, RFC 6531 §3.3); the accounts database always allows
    /// it, the SMTP server only after `SMTPUTF8` on MAIL.
    public init(_ text: some StringProtocol, allowUTF8: Bool = true) throws(AddressError) {
        let s = Substring(text)
        guard s.utf8.count <= EmailAddress.maxPathLength - 2 else { throw .tooLong }
        guard !s.isEmpty else { throw .empty }
        var local = ""
        var i = s.startIndex
        if s[i] == "\"" {
            // Quoted-string = DQUOTE *QcontentSMTP DQUOTE
            i = s.index(after: i)
            var closed = false
            while i < s.endIndex {
                let ch = s[i]
                if ch == "\"" { closed = true; i = s.index(after: i); break }
                if ch == "\\" {
                    i = s.index(after: i)
                    guard i < s.endIndex, let a = s[i].asciiValue, a >= 32, a <= 126 else {
                        throw .invalidLocalPart
                    }
                    local.append(s[i])
                } else if let a = ch.asciiValue {
                    // qtextSMTP = %d32-33 / %d35-91 / %d93-126
                    guard a >= 32, a <= 126 else { throw .invalidLocalPart }
                    local.append(ch)
                } else {
                    guard allowUTF8 else { throw .utf8NotAllowed }
                    local.append(ch)
                }
                i = s.index(after: i)
            }
            guard closed, i < s.endIndex, s[i] == "@" else { throw .invalidLocalPart }
        } else {
            guard let at = s.lastIndex(of: "@") else { throw .missingAt }
            let dotString = s[..<at]
            // Dot-string = Atom *("." Atom): no empty atoms, so no leading, trailing or double dots.
            guard !dotString.isEmpty else { throw .invalidLocalPart }
            for atom in dotString.split(separator: ".", omittingEmptySubsequences: false) {
                guard !atom.isEmpty else { throw .invalidLocalPart }
                for ch in atom {
                    if ch.isASCII {
                        guard EmailAddress.isAtext(ch) else { throw .invalidLocalPart }
                    } else if !allowUTF8 {
                        throw .utf8NotAllowed
                    }
                }
            }
            local = String(dotString)
            i = at
        }
        guard local.utf8.count <= EmailAddress.maxLocalPartLength else { throw .localPartTooLong }
        guard !local.isEmpty else { throw .invalidLocalPart }
        let domainText = s[s.index(after: i)...]
        guard !domainText.isEmpty else { throw .invalidDomain(.empty) }
        if domainText.first == "[" { throw .addressLiteral }
        if !allowUTF8 && !domainText.allSatisfy(\.isASCII) { throw .utf8NotAllowed }
        do {
            domain = try Domain(domainText)
        } catch {
            throw .invalidDomain(error)
        }
        localPart = local
    }

    /// RFC 5322 §3.2.3 atext.
    public static func isAtext(_ ch: Character) -> Bool {
        guard let a = ch.asciiValue else { return false }
        switch a {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39: return true
        default: return "!#$%&'*+-/=?^_`{|}~".utf8.contains(a)
        }
    }

    /// Whether the local part must be quoted to be a valid Dot-string.
    public var localPartNeedsQuoting: Bool {
        if localPart.isEmpty || localPart.first == "." || localPart.last == "." || localPart.contains("..") {
            return true
        }
        return localPart.contains { $0.isASCII && !EmailAddress.isAtext($0) && $0 != "." }
    }

    /// Needs SMTPUTF8 (RFC 6531) to be sent: non-ASCII in the local part or the domain.
    /// Our domains are kept as A-labels, so only the local part can require it.
    public var requiresSMTPUTF8: Bool { !localPart.allSatisfy(\.isASCII) }

    public var description: String {
        guard localPartNeedsQuoting else { return localPart + "@" + domain.ascii }
        var q = "\""
        for ch in localPart {
            if ch == "\"" || ch == "\\" { q.append("\\") }
            q.append(ch)
        }
        return q + "\"@" + domain.ascii
    }

    /// Lower-cased local part and domain: the key for accounts and aliases. Mail systems
    /// treat local parts case-insensitively in practice (Postfix lower-cases lookups).
    public var canonical: EmailAddress {
        EmailAddress(localPart: localPart.lowercased(), domain: domain)
    }

    /// The address without a `+detail` suffix (`user+tag` -> `user`), if it has one and the
    /// base is not empty; the delimiter as Postfix's `recipient_delimiter = +`.
    public func withoutDetail(delimiter: Character = "+") -> EmailAddress? {
        guard let plus = localPart.firstIndex(of: delimiter), plus != localPart.startIndex else { return nil }
        return EmailAddress(localPart: String(localPart[..<plus]), domain: domain)
    }

    public static func < (a: EmailAddress, b: EmailAddress) -> Bool {
        (a.domain.ascii, a.localPart) < (b.domain.ascii, b.localPart)
    }
}

extension EmailAddress: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "\(error): \(text)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

public enum AddressError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case tooLong
    case missingAt
    case invalidLocalPart
    case localPartTooLong
    case utf8NotAllowed
    case addressLiteral
    case invalidDomain(DomainError)

    public var description: String {
        switch self {
        case .empty: "empty address"
        case .tooLong: "address longer than \(EmailAddress.maxPathLength - 2) octets"
        case .missingAt: "address has no '@domain'"
        case .invalidLocalPart: "invalid local part"
        case .localPartTooLong: "local part longer than \(EmailAddress.maxLocalPartLength) octets"
        case .utf8NotAllowed: "non-ASCII address without SMTPUTF8"
        case .addressLiteral: "address literals ([1.2.3.4]) are not accepted"
        case .invalidDomain(let e): "invalid domain: \(e)"
        }
    }
}
