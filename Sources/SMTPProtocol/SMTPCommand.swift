// SMTP command grammar (RFC 5321 §4.1.1, §4.1.2) with the ESMTP parameters Postern
// understands: SIZE (RFC 1870), BODY (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531), RET/ENVID/
// NOTIFY/ORCPT (RFC 3461), AUTH= (RFC 4954 §5). Pure: a command line in, a value or a typed
// error out.

public import MailCore

public enum ReversePath: Hashable, Sendable, CustomStringConvertible {
    /// `<>`: bounces and other notifications (RFC 5321 §4.5.5).
    case null
    case mailbox(EmailAddress)

    public var address: EmailAddress? {
        if case .mailbox(let a) = self { return a }
        return nil
    }

    public var description: String {
        switch self {
        case .null: "<>"
        case .mailbox(let a): "<\(a)>"
        }
    }
}

public enum BodyType: String, Hashable, Sendable {
    case sevenBit = "7BIT"
    case eightBitMIME = "8BITMIME"
    case binaryMIME = "BINARYMIME"
}

/// RFC 3461 §4.3 RET.
public enum DSNReturn: String, Hashable, Sendable {
    case full = "FULL"
    case headers = "HDRS"
}

/// RFC 3461 §4.1 NOTIFY.
public struct DSNNotify: Hashable, Sendable {
    public var never = false
    public var success = false
    public var failure = false
    public var delay = false
    public init(never: Bool = false, success: Bool = false, failure: Bool = false, delay: Bool = false) {
        self.never = never; self.success = success; self.failure = failure; self.delay = delay
    }
}

public struct MailParameters: Hashable, Sendable {
    public var size: Int?
    public var body: BodyType?
    public var smtpUTF8 = false
    public var dsnReturn: DSNReturn?
    /// RFC 3461 §4.4 ENVID, xtext-decoded.
    public var envelopeID: String?
    /// RFC 4954 §5 AUTH=, kept only for logging; we trust our own authentication.
    public var auth: String?
    public init() {}
}

public struct RecipientParameters: Hashable, Sendable {
    public var notify: DSNNotify?
    /// RFC 3461 §4.2 ORCPT: address type ("rfc822", "utf-8") and the xtext-decoded address.
    public var orcptType: String?
    public var orcptAddress: String?
    public init() {}
}

public enum SMTPCommand: Hashable, Sendable {
    case ehlo(String)
    case helo(String)
    case mail(ReversePath, MailParameters)
    /// The forward path, with any RFC 5321 §4.1.1.3 source route already dropped.
    case rcpt(EmailAddress, RecipientParameters)
    case data
    case bdat(size: Int, last: Bool)
    case rset
    case noop
    case quit
    case help
    case vrfy
    case expn
    case startTLS
    case auth(mechanism: String, initialResponse: String?)
}

public enum SMTPSyntaxError: Error, Hashable, Sendable {
    case unrecognized
    /// Wrong arguments; the text says what is expected.
    case syntax(String)
    /// A well-formed but unsupported parameter (504 / 555).
    case unsupportedParameter(String)
    case address(String)
    case needsSMTPUTF8

    public var reply: SMTPReply {
        switch self {
        case .unrecognized: Replies.commandUnrecognized
        case .syntax(let t): Replies.syntaxError(t)
        // RFC 5321 §4.1.1.11 / RFC 1869: 555 for unrecognised MAIL/RCPT parameters.
        case .unsupportedParameter(let t): SMTPReply(555, EnhancedStatus(5, 5, 4), t)
        case .address(let t): Replies.badAddressSyntax(t)
        case .needsSMTPUTF8: Replies.smtputf8Required
        }
    }
}

public struct SMTPCommandParser: Sendable {
    /// Require `<...>` around addresses (Postfix strict_rfc821_envelopes).
    public var strictEnvelopes: Bool
    /// SMTPUTF8 was given on MAIL for this transaction (RFC 6531 §3.4): addresses may be UTF-8.
    public var utf8Allowed: Bool

    public init(strictEnvelopes: Bool = true, utf8Allowed: Bool = false) {
        self.strictEnvelopes = strictEnvelopes
        self.utf8Allowed = utf8Allowed
    }

    /// Parses one command line (without its CRLF).
    public func parse(_ line: some Collection<UInt8>) throws(SMTPSyntaxError) -> SMTPCommand {
        // Commands and parameters are ASCII; addresses may be UTF-8 under SMTPUTF8.
        guard let text = String(validating: Array(line), as: UTF8.self) else {
            throw .syntax("Invalid UTF-8 in command")
        }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) else {
            throw .syntax("Control characters in command")
        }
        let verbEnd = text.firstIndex(of: " ") ?? text.endIndex
        let verb = text[..<verbEnd].uppercased()
        let rest = verbEnd == text.endIndex ? "" : String(text[text.index(after: verbEnd)...])
        switch verb {
        case "EHLO", "HELO":
            let name = rest.trimmingSpaces()
            guard !name.isEmpty, !name.contains(" ") else { throw .syntax("Syntax: \(verb) hostname") }
            return verb == "EHLO" ? .ehlo(name) : .helo(name)
        case "MAIL":
            return try parseMail(rest)
        case "RCPT":
            return try parseRcpt(rest)
        case "DATA":
            guard rest.trimmingSpaces().isEmpty else { throw .syntax("Syntax: DATA (no arguments)") }
            return .data
        case "BDAT":
            // RFC 3030 §2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CR LF
            let parts = rest.split(separator: " ")
            guard (1...2).contains(parts.count), parts[0].count <= 18, parts[0].allSatisfy(\.isASCIIDigit),
                  let size = Int(parts[0]) else { throw .syntax("Syntax: BDAT size [LAST]") }
            if parts.count == 2 {
                guard parts[1].uppercased() == "LAST" else { throw .syntax("Syntax: BDAT size [LAST]") }
                return .bdat(size: size, last: true)
            }
            return .bdat(size: size, last: false)
        case "RSET":
            guard rest.trimmingSpaces().isEmpty else { throw .syntax("Syntax: RSET (no arguments)") }
            return .rset
        case "NOOP":
            return .noop   // RFC 5321 §4.1.1.9: an argument is allowed and ignored.
        case "QUIT":
            guard rest.trimmingSpaces().isEmpty else { throw .syntax("Syntax: QUIT (no arguments)") }
            return .quit
        case "HELP":
            return .help
        case "VRFY":
            return .vrfy
        case "EXPN":
            return .expn
        case "STARTTLS":
            guard rest.trimmingSpaces().isEmpty else { throw .syntax("Syntax: STARTTLS (no arguments)") }
            return .startTLS
        case "AUTH":
            let parts = rest.split(separator: " ")
            guard (1...2).contains(parts.count) else { throw .syntax("Syntax: AUTH mechanism [initial-response]") }
            return .auth(mechanism: parts[0].uppercased(), initialResponse: parts.count == 2 ? String(parts[1]) : nil)
        default:
            throw .unrecognized
        }
    }

    /// "MAIL FROM:" Reverse-path [SP Mail-parameters]
    func parseMail(_ rest: String) throws(SMTPSyntaxError) -> SMTPCommand {
        guard rest.count >= 5, rest.prefix(5).uppercased() == "FROM:" else { throw .syntax("Syntax: MAIL FROM:<address>") }
        let (pathText, paramsText) = try splitPath(String(rest.dropFirst(5)), verb: "MAIL FROM")
        var params = MailParameters()
        var seen = Set<String>()
        for p in paramsText {
            let (key, value) = splitParameter(p)
            guard seen.insert(key).inserted else { throw .syntax("Duplicate parameter \(key)") }
            switch key {
            case "SIZE":
                // RFC 1870 §3: size-value ::= 1*20DIGIT
                guard let v = value, !v.isEmpty, v.count <= 20, v.allSatisfy(\.isASCIIDigit) else { throw .syntax("Syntax: SIZE=number") }
                params.size = Int(v) ?? Int.max
            case "BODY":
                guard let v = value, let b = BodyType(rawValue: v.uppercased()) else { throw .syntax("Syntax: BODY=7BIT|8BITMIME|BINARYMIME") }
                params.body = b
            case "SMTPUTF8":
                guard value == nil else { throw .syntax("Syntax: SMTPUTF8 takes no value") }
                params.smtpUTF8 = true
            case "RET":
                guard let v = value, let r = DSNReturn(rawValue: v.uppercased()) else { throw .syntax("Syntax: RET=FULL|HDRS") }
                params.dsnReturn = r
            case "ENVID":
                guard let v = value, let d = Self.decodeXtext(v), d.utf8.count <= 100 else { throw .syntax("Syntax: ENVID=xtext") }
                params.envelopeID = d
            case "AUTH":
                guard let v = value, let d = Self.decodeXtext(v) else { throw .syntax("Syntax: AUTH=xtext") }
                params.auth = d
            default:
                throw .unsupportedParameter("Unsupported MAIL parameter \(key)")
            }
        }
        let utf8 = utf8Allowed || params.smtpUTF8
        let path = try parsePath(pathText, allowNull: true, utf8: utf8)
        return .mail(path.map(ReversePath.mailbox) ?? .null, params)
    }

    /// "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path ) [SP Rcpt-parameters]
    func parseRcpt(_ rest: String) throws(SMTPSyntaxError) -> SMTPCommand {
        guard rest.count >= 3, rest.prefix(3).uppercased() == "TO:" else { throw .syntax("Syntax: RCPT TO:<address>") }
        let (pathText, paramsText) = try splitPath(String(rest.dropFirst(3)), verb: "RCPT TO")
        var params = RecipientParameters()
        var seen = Set<String>()
        for p in paramsText {
            let (key, value) = splitParameter(p)
            guard seen.insert(key).inserted else { throw .syntax("Duplicate parameter \(key)") }
            switch key {
            case "NOTIFY":
                // RFC 3461 §4.1: "NEVER" or a comma list of SUCCESS, FAILURE, DELAY.
                guard let v = value?.uppercased(), !v.isEmpty else { throw .syntax("Syntax: NOTIFY=NEVER|SUCCESS,FAILURE,DELAY") }
                var n = DSNNotify()
                for item in v.split(separator: ",", omittingEmptySubsequences: false) {
                    switch item {
                    case "NEVER": n.never = true
                    case "SUCCESS": n.success = true
                    case "FAILURE": n.failure = true
                    case "DELAY": n.delay = true
                    default: throw .syntax("Syntax: NOTIFY=NEVER|SUCCESS,FAILURE,DELAY")
                    }
                }
                if n.never && (n.success || n.failure || n.delay) { throw .syntax("NOTIFY=NEVER cannot be combined") }
                params.notify = n
            case "ORCPT":
                // RFC 3461 §4.2: orcpt-parameter = "ORCPT=" addr-type ";" xtext
                guard let v = value, let semi = v.firstIndex(of: ";"),
                      let addr = Self.decodeXtext(String(v[v.index(after: semi)...])), addr.utf8.count <= 500
                else { throw .syntax("Syntax: ORCPT=addr-type;xtext") }
                params.orcptType = String(v[..<semi])
                params.orcptAddress = addr
            default:
                throw .unsupportedParameter("Unsupported RCPT parameter \(key)")
            }
        }
        // RFC 5321 §4.1.1.3: a bare "<Postmaster>" is a valid forward path; the caller
        // cannot know our domain here, so it is rejected as syntax only if unusable.
        guard let addr = try parsePath(pathText, allowNull: false, utf8: utf8Allowed) else {
            throw .syntax("Syntax: RCPT TO:<address>")
        }
        return .rcpt(addr, params)
    }

    /// Splits `<path> PARAM PARAM` (spaces after the colon tolerated, as every MTA does).
    func splitPath(_ s: String, verb: String) throws(SMTPSyntaxError) -> (String, [Substring]) {
        let trimmed = s.drop(while: { $0 == " " })
        if trimmed.first == "<" {
            guard let close = Self.closingBracket(trimmed) else { throw .syntax("Syntax: \(verb):<address>") }
            let path = String(trimmed[...close])
            let params = trimmed[trimmed.index(after: close)...]
            guard params.isEmpty || params.first == " " else { throw .syntax("Syntax: \(verb):<address>") }
            return (path, params.split(separator: " "))
        }
        guard !strictEnvelopes else { throw .syntax("Syntax: \(verb):<address> (angle brackets required)") }
        let parts = trimmed.split(separator: " ")
        guard let first = parts.first else { throw .syntax("Syntax: \(verb):<address>") }
        return ("<" + first + ">", Array(parts.dropFirst()))
    }

    /// The `>` matching the opening `<`, skipping quoted strings in the local part.
    static func closingBracket(_ s: Substring) -> String.Index? {
        var inQuotes = false
        var escaped = false
        var i = s.index(after: s.startIndex)
        while i < s.endIndex {
            let c = s[i]
            if escaped { escaped = false } else if c == "\\" && inQuotes { escaped = true } else if c == "\"" { inQuotes.toggle() } else if c == ">" && !inQuotes { return i }
            i = s.index(after: i)
        }
        return nil
    }

    /// Path = "<" [ A-d-l ":" ] Mailbox ">"; returns nil for `<>` when allowed.
    func parsePath(_ path: String, allowNull: Bool, utf8: Bool) throws(SMTPSyntaxError) -> EmailAddress? {
        guard path.utf8.count <= EmailAddress.maxPathLength else { throw .address("Address too long") }
        guard path.hasPrefix("<"), path.hasSuffix(">"), path.count >= 2 else { throw .address("Bad address syntax") }
        var inner = Substring(path.dropFirst().dropLast())
        if inner.isEmpty {
            if allowNull { return nil }
            throw .address("Null address not allowed here")
        }
        // RFC 5321 §4.1.1.3 / Appendix C: a source route "@a,@b:user@c" is accepted and ignored;
        // the mailbox after it is what counts.
        if inner.first == "@" {
            guard let colon = inner.firstIndex(of: ":") else { throw .address("Bad source route") }
            inner = inner[inner.index(after: colon)...]
        }
        do {
            return try EmailAddress(inner, allowUTF8: utf8)
        } catch .utf8NotAllowed {
            throw .needsSMTPUTF8
        } catch {
            throw .address("Bad address syntax: \(error)")
        }
    }

    func splitParameter(_ p: Substring) -> (String, String?) {
        if let eq = p.firstIndex(of: "=") {
            return (p[..<eq].uppercased(), String(p[p.index(after: eq)...]))
        }
        return (p.uppercased(), nil)
    }

    /// RFC 3461 §4: xtext = *( xchar / hexchar ), hexchar = "+" 2HEXDIGIT (upper case).
    public static func decodeXtext(_ s: String) -> String? {
        var out: [UInt8] = []
        var bytes = s.utf8.makeIterator()
        while let b = bytes.next() {
            if b == UInt8(ascii: "+") {
                guard let h = bytes.next(), let l = bytes.next(),
                      let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) else { return nil }
                out.append(v)
            } else if b >= 33 && b <= 126 && b != UInt8(ascii: "=") {
                out.append(b)
            } else {
                return nil
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    public static func encodeXtext(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if b >= 33 && b <= 126 && b != UInt8(ascii: "+") && b != UInt8(ascii: "=") {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "+" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
